import type { Session } from '../ports.js';

/**
 * Sessions this node read lately, so that most token checks need no Redis round trip. It is
 * trusted only while the node is subscribed to the revocation channel: every deletion and
 * refresh, on any node, drops the entry everywhere, and a lost subscription empties it. An
 * entry lives `ttl` ms at most, in case a subscription dies without the node noticing.
 *
 * A read that started before an invalidation must not store what it read: `ticket()` taken
 * before the read and handed to `set()` after it tells whether anything was dropped meanwhile.
 */
export class SessionCache {
  private readonly entries = new Map<string, { session: Readonly<Session>; until: number }>();
  private epoch = 0;
  private enabled = false;

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
    if (entry.session.expiresAt !== -1 && entry.session.expiresAt <= now) {
      this.entries.delete(id);
      return null;
    }
    return entry.session;
  }

  /** The invalidation counter now; while the cache is off (revocations unheard) every ticket is new, so no read is shared either. */
  ticket(): number {
    return this.enabled ? this.epoch : ++this.epoch;
  }

  set(session: Session, ticket: number): void {
    if (!this.enabled || this.maxEntries === 0 || ticket !== this.epoch) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(session.id, { session: Object.freeze({ ...session }), until: Date.now() + this.ttl });
  }

  drop(ids: readonly string[]): void {
    this.epoch++;
    for (const id of ids) this.entries.delete(id);
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
