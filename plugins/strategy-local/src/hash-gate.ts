import { fail } from '@portcullis/core';

export interface HashGateOptions {
  /** Tasks running at once. */
  maxConcurrent: number;
  /** Tasks waiting for a slot; one more is refused at once. */
  maxQueued: number;
}

/**
 * A semaphore with a bounded queue, in front of every argon2 call. argon2 runs on libuv's
 * threadpool (4 threads by default), which fs, dns and zlib share: without a bound a login
 * storm would fill it and queue without limit, slowing the whole node. With one, extra logins
 * wait in a short queue, and beyond it fail fast with a 429 the client can retry.
 */
export class HashGate {
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: HashGateOptions) {
    if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) throw new RangeError('maxConcurrent must be an integer >= 1');
    if (!Number.isInteger(options.maxQueued) || options.maxQueued < 0) throw new RangeError('maxQueued must be an integer >= 0');
    this.#maxConcurrent = options.maxConcurrent;
    this.#maxQueued = options.maxQueued;
  }

  /**
   * Runs `task` once a slot is free; the slot is released however the task ends.
   * @throws PortcullisError `api.process.too_many_logins_requests` (429) when the queue is full
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /** Tasks running and waiting now (for logs and tests). */
  get load(): { running: number; queued: number } {
    return { running: this.#running, queued: this.#waiting.length };
  }

  #acquire(): Promise<void> {
    if (this.#running < this.#maxConcurrent) {
      this.#running += 1;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#maxQueued) return Promise.reject(fail('api.process.too_many_logins_requests'));
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays the same and no newcomer
    // can overtake the queue between this release and the waiter's resumption.
    if (next) next();
    else this.#running -= 1;
  }
}
