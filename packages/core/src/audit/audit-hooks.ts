import type { Logger } from '../logging/logger.js';
import type { AuditEvent, AuditHooks } from './audit-event.js';

export interface HookLimits {
  /** Milliseconds a hook may run before it is logged as slow and no longer waited for. */
  hookTimeout: number;
  /** Most hook calls running at once; beyond, calls are skipped and counted. */
  maxPendingHooks: number;
}

/**
 * The plugins' audit hooks: each event is handed to every hook of its type, off the request
 * path. A hook cannot break a request nor another hook: what it throws is logged, a slow one is
 * logged and forgotten at its timeout, and past `maxPendingHooks` calls at once further calls are
 * skipped (counted, with a warning), so a stuck plugin cannot make the node hold events forever.
 */
export class AuditHookRunner {
  private readonly subscribers = new Map<string, AuditHooks>();
  private readonly pending = new Set<Promise<void>>();
  /** Hook calls skipped because too many were running. */
  skipped = 0;

  constructor(private readonly limits: HookLimits, private readonly logger: Logger) {}

  subscribe(name: string, hooks: AuditHooks): void {
    this.subscribers.set(name, hooks);
  }

  unsubscribe(name: string): void {
    this.subscribers.delete(name);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Hands each event to the hooks of its type; returns at once. */
  dispatch(events: readonly AuditEvent[]): void {
    if (this.subscribers.size === 0) return;
    for (const event of events) {
      const frozen = Object.freeze({ ...event, details: Object.freeze({ ...event.details }) });
      for (const [name, hooks] of this.subscribers) {
        const hook = hooks[event.type];
        if (hook) this.run(name, event.type, () => hook(frozen));
      }
    }
  }

  /** Waits for the hooks running now, each at most until its timeout. */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private run(plugin: string, type: string, call: () => void | Promise<void>): void {
    if (this.pending.size >= this.limits.maxPendingHooks) {
      this.skipped++;
      if (this.skipped === 1 || this.skipped % 1000 === 0) this.logger.warn({ plugin, type, skipped: this.skipped }, 'too many audit hooks running: hook calls skipped');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.limits.hookTimeout);
      timer.unref();
    });
    // Promise.resolve().then: a hook that throws synchronously is caught like one that rejects.
    const work = Promise.resolve().then(call).then(() => 'done' as const, (error: unknown) => {
      this.logger.warn({ err: error, plugin, type }, 'an audit hook failed');
      return 'failed' as const;
    });
    const settled: Promise<void> = Promise.race([work, timeout]).then((result) => {
      clearTimeout(timer);
      if (result === 'timeout') this.logger.warn({ plugin, type, timeout: this.limits.hookTimeout }, 'an audit hook is still running after its timeout: no longer waited for');
      this.pending.delete(settled);
    });
    this.pending.add(settled);
  }
}
