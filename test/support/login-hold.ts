import type { StrategyFactory } from '@portcullis/core';
import { createLocalStrategy } from '@portcullis/strategy-local';

/** Stops the next login of a node between its password check and its session, until released. */
export class LoginHold {
  private waiting: { reached: () => void; released: Promise<void>; release: () => void } | undefined;

  /** Holds the next login; resolves once that login has checked the password. */
  arm(): Promise<void> {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.waiting = { reached, released, release };
    return reachedPromise;
  }

  release(): void {
    this.waiting?.release();
    this.waiting = undefined;
  }

  /** Called by the strategy after each verify. */
  async pass(): Promise<void> {
    const waiting = this.waiting;
    if (!waiting) return;
    waiting.reached();
    await waiting.released;
  }
}

/** The real local strategy, whose verify waits at `hold` once it has checked the password. */
export function holdingLocal(hold: LoginHold): StrategyFactory {
  return async (context) => {
    const plugin = await createLocalStrategy(context);
    const verify = plugin.verify.bind(plugin);
    return Object.assign(plugin, {
      async verify(...args: Parameters<typeof verify>) {
        const result = await verify(...args);
        await hold.pass();
        return result;
      },
    });
  };
}
