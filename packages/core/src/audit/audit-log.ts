import { randomUUID } from 'node:crypto';
import { durationMs, type Config } from '../config/schema.js';
import type { Logger } from '../logging/logger.js';
import type { AuditStore } from '../storage/ports.js';
import type { AuditDetail, AuditDetails, AuditEvent, AuditEventInput, AuditHooks, AuditPage, AuditQuery } from './audit-event.js';
import { AuditHookRunner } from './audit-hooks.js';

/** Longest string kept in an event (a user agent, an id); longer ones are cut. */
const MAX_TEXT = 512;
/** Most values kept in a list of `details` (changed field names, ids). */
const MAX_LIST = 100;
/** Most purge statements one purge runs: a purge that cannot catch up goes on at the next interval. */
const MAX_PURGE_ROUNDS = 100;

const text = (value: string | null | undefined): string | null => (typeof value === 'string' ? value.slice(0, MAX_TEXT) : null);

function boundedDetail(value: AuditDetail): AuditDetail {
  if (typeof value === 'string') return value.slice(0, MAX_TEXT);
  if (Array.isArray(value)) return (value as readonly string[]).slice(0, MAX_LIST).map((item) => String(item).slice(0, MAX_TEXT));
  return value;
}

function boundedDetails(details: AuditDetails | undefined): AuditDetails {
  const out: Record<string, AuditDetail> = {};
  if (details) for (const [key, value] of Object.entries(details)) if (value !== undefined && key !== '__proto__') out[key] = boundedDetail(value);
  return out;
}

/**
 * The audit log of a node. `record` stamps an event and returns at once: events wait in a
 * bounded buffer and are written in batches off the request path, then handed to the plugins'
 * hooks. When the database is down or slow and the buffer is full, new events are dropped and
 * counted (a warning every 1000), never held without bound. Expired events are purged every
 * `audit.purgeInterval`, in bounded statements that several nodes may run at once.
 */
export class AuditLog {
  private buffer: AuditEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly hooks: AuditHookRunner;
  private readonly retentionMs: number;
  /** Events lost: the buffer was full, or their batch could not be written. */
  dropped = 0;

  constructor(private readonly store: AuditStore, private readonly options: Config['audit'], private readonly logger: Logger) {
    this.hooks = new AuditHookRunner(options, logger);
    this.retentionMs = durationMs(options.retention);
  }

  /** Records one event: stamped now, written within `audit.flushInterval`. Never throws, never waits. */
  record(input: AuditEventInput): void {
    if (!this.options.enabled && this.hooks.size === 0) return;
    if (this.buffer.length >= this.options.bufferSize) return this.drop(1, 'the audit buffer is full');
    this.buffer.push({
      _id: randomUUID(), at: Date.now(), type: input.type, outcome: input.outcome ?? 'success', userId: text(input.userId), actorId: text(input.actorId),
      strategy: text(input.strategy), ip: text(input.ip), userAgent: text(input.userAgent), details: boundedDetails(input.details),
    });
    if (this.buffer.length >= this.options.batchSize) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), this.options.flushInterval).unref();
  }

  /** A plugin's hooks (StrategyPlugin.hooks), under its name. */
  subscribe(name: string, hooks: AuditHooks): void {
    this.hooks.subscribe(name, hooks);
  }

  unsubscribe(name: string): void {
    this.hooks.unsubscribe(name);
  }

  /**
   * The events matching `query`, newest first, with how many match in all.
   * @throws services.storage.not_connected
   */
  search(query: AuditQuery, page: AuditPage): Promise<{ hits: AuditEvent[]; total: number }> {
    return this.store.search(query, page);
  }

  /** Writes what waits in the buffer, batch by batch; one flush at a time. */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
      if (this.buffer.length > 0) this.flushTimer ??= setTimeout(() => void this.flush(), this.options.flushInterval).unref();
    });
    return this.flushing;
  }

  /**
   * Deletes the events older than `audit.retention`, oldest first, in bounded statements.
   * @returns how many it deleted
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (let round = 0; round < MAX_PURGE_ROUNDS; round++) {
      const count = await this.store.purge(now - this.retentionMs, this.options.purgeBatchSize);
      deleted += count;
      if (count < this.options.purgeBatchSize) break;
    }
    return deleted;
  }

  /** Starts the periodic purge (not when storing is off). */
  start(): void {
    if (!this.options.enabled || this.purgeTimer) return;
    const purge = () => this.purgeExpired().catch((error: unknown) => this.logger.warn({ err: error }, 'the audit purge failed; it runs again at the next interval'));
    this.purgeTimer = setInterval(purge, durationMs(this.options.purgeInterval)).unref();
    void purge();
  }

  /** Stops the purge, writes what waits, and waits for the running hooks (each up to its timeout). */
  async close(): Promise<void> {
    clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
    await this.flush();
    await this.hooks.settle();
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.options.batchSize);
      if (this.options.enabled) {
        try {
          await this.store.insert(batch);
        } catch (error) {
          this.drop(batch.length, 'audit events could not be written', error);
        }
      }
      // Hooks run after the write, whatever became of it: plugins hear of events while the database is down.
      this.hooks.dispatch(batch);
    }
  }

  private drop(count: number, reason: string, error?: unknown): void {
    const before = this.dropped;
    this.dropped += count;
    // One warning for the first loss, then one per thousand: a database outage must not flood the log.
    if (before === 0 || Math.floor(before / 1000) !== Math.floor(this.dropped / 1000)) {
      this.logger.warn({ ...(error === undefined ? {} : { err: error }), dropped: this.dropped }, `${reason}: audit events dropped`);
    }
  }
}
