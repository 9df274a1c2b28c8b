/**
 * Concurrent reads of one key share one round trip to the store. After a restart, or when a
 * popular entry expires, thousands of requests miss the cache at once: without this, each would
 * query Redis or the database for the same row, and hold its request in memory meanwhile.
 *
 * A read joins one in flight only if the cache was not invalidated since that one started (the
 * caller passes the cache's invalidation counter as `ticket`): a request that arrives after a
 * revocation never gets an answer read before it.
 */
export class SingleFlight<K, V> {
  private readonly reads = new Map<K, { ticket: number; promise: Promise<V> }>();

  run(key: K, ticket: number, read: () => Promise<V>): Promise<V> {
    const current = this.reads.get(key);
    if (current && current.ticket === ticket) return current.promise;
    const promise = read().finally(() => {
      if (this.reads.get(key)?.promise === promise) this.reads.delete(key);
    });
    this.reads.set(key, { ticket, promise });
    return promise;
  }

  /** Reads in flight, for tests. */
  get size(): number {
    return this.reads.size;
  }
}
