import type { CacheStats, Session } from './ports.js';
import { SingleFlight } from './single-flight.js';

/**
 * Sessions this node read lately, so that most token checks need no round trip to the session
 * store. Its store says when to trust it: Redis while the node is subscribed to the revocation
 * channel (every deletion and refresh, on any node, drops the entry everywhere, and a lost
 * subscription empties it), SQLite while no other connection has committed to the file. An
 * entry lives `ttl` ms at most, in case a subscription dies without the node noticing.
 *
 * A read that started before an invalidation must not store what it read: `ticket()` taken
 * before the read and handed to `set()` after it tells whether anything was dropped meanwhile.
 */
export class SessionCache {
  private readonly entries = new Map<string, { session: Readonly<Session>; until: number }>();
  private readonly loads = new SingleFlight<string, Session | null>();
  private epoch = 0;
  private enabled = false;
  /** Lookups answered from memory (`get`) and reads of the store (`getOrLoad`): a miss seen by `peek` is counted once, by the read that follows it. */
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttl: number,
  ) {}

  /** The cached session (frozen: callers share it), `null` when it has expired, `undefined` on a miss. */
  get(id: string): Session | null | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const now = Date.now();
    if (entry.until <= now) {
      this.entries.delete(id);
      return undefined;
    }
    // Known ended or live, it is answered from memory: a hit either way.
    this.hits++;
    if (entry.session.expiresAt !== -1 && entry.session.expiresAt <= now) {
      this.entries.delete(id);
      return null;
    }
    return entry.session;
  }

  /**
   * The cached session, else what `load` reads from the store, cached unless an invalidation
   * overtook the read. Concurrent misses of one id share one load.
   */
  getOrLoad(id: string, load: () => Promise<Session | null>): Promise<Session | null> {
    const cached = this.get(id);
    if (cached !== undefined) return Promise.resolve(cached);
    this.misses++;
    const ticket = this.ticket();
    return this.loads.run(id, ticket, async () => {
      const session = await load();
      if (session === null) return null;
      this.set(session, ticket);
      // Callers that shared the load share the object too.
      return Object.freeze(session);
    });
  }

  /** The invalidation counter now; while the cache is off (revocations unheard) every ticket is new, so no read is shared either. */
  ticket(): number {
    return this.enabled ? this.epoch : ++this.epoch;
  }

  set(session: Session, ticket: number): void {
    // A single-use session is checked by consuming it in the shared store, never from memory.
    if (session.singleUse) return;
    if (!this.enabled || this.maxEntries === 0 || ticket !== this.epoch) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(session.id, { session: Object.freeze({ ...session }), until: Date.now() + this.ttl });
  }

  /**
   * Moves a cached session's last use to `at`, so that the next checks compare against it (one
   * small copy per interval, not per request). Not an invalidation: no read in flight is spoilt.
   */
  touch(id: string, at: number): void {
    const entry = this.entries.get(id);
    if (entry && entry.session.lastUsedAt < at) entry.session = Object.freeze({ ...entry.session, lastUsedAt: at });
  }

  drop(ids: readonly string[]): void {
    this.epoch++;
    for (const id of ids) this.entries.delete(id);
  }

  get stats(): CacheStats {
    return { hits: this.hits, misses: this.misses };
  }

  enable(): void {
    this.entries.clear();
    this.epoch++;
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
    this.entries.clear();
    this.epoch++;
  }
}
