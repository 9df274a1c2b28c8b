import { fail } from '@portcullis/core';

export interface HashGateOptions {
  /** Tasks running at once. */
  maxConcurrent: number;
  /** Tasks waiting for a slot, in all; one more is refused at once. */
  maxQueued: number;
  /** Tasks waiting for a slot from one source (a client address); one more from it is refused at once. Default: maxQueued. */
  maxQueuedPerSource?: number;
}

/**
 * A semaphore with a bounded queue, in front of every argon2 call. argon2 runs on libuv's
 * threadpool (4 threads by default), which fs, dns and zlib share: without a bound a login
 * storm would fill it and queue without limit, slowing the whole node. With one, extra logins
 * wait in a short queue, and beyond it fail fast with a 429 the client can retry.
 *
 * The queue is shared fairly: each source (a client address) waits in its own line, the lines
 * are served in turn, and no line may grow past `maxQueuedPerSource`. One address flooding
 * logins fills only its own line; a login from another address waits behind at most one task
 * per busy line, not behind the whole flood.
 */
export class HashGate {
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #maxQueuedPerSource: number;
  #running = 0;
  #queued = 0;
  /** One line per source with waiters; a Map iterates in insertion order, so re-inserting a served line sends it to the back. */
  readonly #lines = new Map<string, Array<() => void>>();

  constructor(options: HashGateOptions) {
    const { maxConcurrent, maxQueued, maxQueuedPerSource = maxQueued } = options;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError('maxConcurrent must be an integer >= 1');
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be an integer >= 0');
    if (!Number.isInteger(maxQueuedPerSource) || maxQueuedPerSource < 0) throw new RangeError('maxQueuedPerSource must be an integer >= 0');
    this.#maxConcurrent = maxConcurrent;
    this.#maxQueued = maxQueued;
    this.#maxQueuedPerSource = maxQueuedPerSource;
  }

  /**
   * Runs `task` once a slot is free and its source's turn has come; the slot is released however the task ends.
   * @param source who asks (a client address); tasks without one share a line
   * @throws PortcullisError `api.process.too_many_logins_requests` (429) when the queue, or the source's line, is full
   */
  async run<T>(task: () => Promise<T>, source = ''): Promise<T> {
    await this.#acquire(source);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /** Tasks running and waiting now (for logs and tests). */
  get load(): { running: number; queued: number } {
    return { running: this.#running, queued: this.#queued };
  }

  #acquire(source: string): Promise<void> {
    if (this.#running < this.#maxConcurrent) {
      this.#running += 1;
      return Promise.resolve();
    }
    const line = this.#lines.get(source);
    if (this.#queued >= this.#maxQueued || (line?.length ?? 0) >= this.#maxQueuedPerSource) {
      return Promise.reject(fail('api.process.too_many_logins_requests'));
    }
    this.#queued += 1;
    return new Promise((resolve) => {
      if (line) line.push(resolve);
      else this.#lines.set(source, [resolve]);
    });
  }

  #release(): void {
    const next = this.#nextWaiter();
    // The slot passes straight to the next waiter, so `running` stays the same and no newcomer
    // can overtake the queue between this release and the waiter's resumption.
    if (next) next();
    else this.#running -= 1;
  }

  /** The first waiter of the line whose turn it is; that line goes to the back. */
  #nextWaiter(): (() => void) | undefined {
    const first = this.#lines.entries().next();
    if (first.done) return undefined;
    const [source, line] = first.value;
    // A line is never empty: it is made with its first waiter and dropped when its last leaves.
    const next = line.shift()!;
    this.#lines.delete(source);
    if (line.length > 0) this.#lines.set(source, line);
    this.#queued -= 1;
    return next;
  }
}
