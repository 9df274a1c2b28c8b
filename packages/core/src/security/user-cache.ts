import type { CacheStats, UserRecord } from '../storage/ports.js';
import { SingleFlight } from '../storage/single-flight.js';

interface Entry {
  user: UserRecord;
  strategies: readonly string[] | undefined;
  expiresAt: number;
}

/**
 * The users this node read lately, so that a token check costs no database round trip. Bounded
 * (oldest dropped first) and short-lived; entries are dropped at once when any node announces a
 * change to the user, and all of them when announcements may have been missed.
 *
 * A read that started before a drop must not store what it read (the user as it was before the
 * change): `ticket()` taken before the read and handed to `set()` after it tells.
 */
export class UserCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new SingleFlight<string, UserRecord | null>();
  private epoch = 0;
  /** Users found in memory by {@link lookup} or {@link getOrLoad}, and loads from the database (for the metrics). */
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttl: number,
  ) {}

  get(kuid: string): Entry | undefined {
    const entry = this.entries.get(kuid);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(kuid);
      return undefined;
    }
    return entry;
  }

  /**
   * The cached user, counted as a hit; a miss is not counted here, but by the {@link getOrLoad}
   * that follows it, so that a request that tries both counts once.
   */
  lookup(kuid: string): UserRecord | undefined {
    const user = this.get(kuid)?.user;
    if (user) this.hits++;
    return user;
  }

  /**
   * The cached user, else what `load` reads from the database, cached unless a drop overtook the
   * read. Concurrent misses of one user share one load.
   */
  getOrLoad(kuid: string, load: () => Promise<UserRecord | null>): Promise<UserRecord | null> {
    const cached = this.lookup(kuid);
    if (cached) return Promise.resolve(cached);
    this.misses++;
    const ticket = this.epoch;
    return this.loads.run(kuid, ticket, async () => {
      const user = await load();
      if (user) this.set(user, ticket);
      return user;
    });
  }

  ticket(): number {
    return this.epoch;
  }

  set(user: UserRecord, ticket = this.epoch): void {
    if (this.maxEntries === 0 || ticket !== this.epoch) return;
    this.entries.delete(user._id);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(user._id, { user, strategies: undefined, expiresAt: Date.now() + this.ttl });
  }

  /** Remembers the strategies of a cached user (auth:getCurrentUser asks for them on every call). */
  setStrategies(kuid: string, strategies: readonly string[], ticket = this.epoch): void {
    if (ticket !== this.epoch) return;
    const entry = this.get(kuid);
    if (entry) entry.strategies = strategies;
  }

  /** Drops one user, or everything with `null`. */
  drop(kuid: string | null): void {
    this.epoch++;
    if (kuid === null) this.entries.clear();
    else this.entries.delete(kuid);
  }

  get stats(): CacheStats {
    return { hits: this.hits, misses: this.misses };
  }

  get size(): number {
    return this.entries.size;
  }
}
