import { RateLimiterMemory, type IRateLimiterOptions, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * rate-limiter-flexible's memory limiter with a bound on the keys it holds. RateLimiterMemory
 * keeps every key until its window ends, and the failed-login keys come from clients (login
 * names, addresses): without a bound, a flood of made-up names would grow the node's memory
 * for as long as the window lasts.
 *
 * Past `maxKeys`, the key used least recently is forgotten. Of the ways to stay bounded, it is
 * the one that neither fails open nor locks anyone out: refusing to count new keys would let
 * a flood make guesses uncounted, and refusing the logins of new keys would let it lock every
 * user out. A key is used at each attempt checked or counted on it, so a flood forgets the
 * keys idle longest, its own first; to make a node forget an account under attack, a flood
 * must bring `maxKeys` new keys between two attempts on it, each a failed login, which the
 * per-address counter limits to `maxFailuresPerAddress` an address.
 *
 * Only the limiter's public operations are used: the counting stays the library's.
 */
export class BoundedMemoryLimiter extends RateLimiterMemory {
  /** The keys held, least recently used first (a Set iterates in insertion order). */
  readonly #keys = new Set<string>();

  /**
   * @param onEvict told when a key still counting was forgotten to make room (for a log line)
   */
  constructor(options: IRateLimiterOptions, private readonly maxKeys: number, private readonly onEvict: () => void = () => undefined) {
    super(options);
  }

  /** How many keys are held (some may have expired already: they go first). */
  get size(): number {
    return this.#keys.size;
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    return this.#used(key, super.consume(key, points, options));
  }

  override penalty(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    return this.#used(key, super.penalty(key, points, options));
  }

  override reward(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    return this.#used(key, super.reward(key, points, options));
  }

  override set(key: string | number, points: number, secDuration: number): Promise<RateLimiterRes> {
    return this.#used(key, super.set(key, points, secDuration));
  }

  override block(key: string | number, secDuration: number): Promise<RateLimiterRes> {
    return this.#used(key, super.block(key, secDuration));
  }

  override async get(key: string | number): Promise<RateLimiterRes | null> {
    const res = await super.get(key);
    // A read makes a held key recent (an attacker retrying a blocked key keeps its block), never adds one.
    if (res !== null) this.#touch(String(key));
    return res;
  }

  override delete(key: string | number): Promise<boolean> {
    this.#keys.delete(String(key));
    return super.delete(key);
  }

  /** Notes the use of `key` once `operation` settled (a consume over the limit rejects, and still counted). */
  async #used<T>(key: string | number, operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } finally {
      this.#touch(String(key));
      await this.#evict();
    }
  }

  #touch(key: string): void {
    this.#keys.delete(key);
    this.#keys.add(key);
  }

  async #evict(): Promise<void> {
    while (this.#keys.size > this.maxKeys) {
      const oldest = this.#keys.values().next().value as string;
      this.#keys.delete(oldest);
      // False when the library's timer removed the key already at the end of its window.
      if (await super.delete(oldest)) this.onEvict();
    }
  }
}
