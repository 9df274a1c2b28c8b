import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { loginKey } from '../credentials/login-key.js';
import { fail, isPortcullisError } from '../errors/index.js';
import { delayAfter, retryAfterSeconds, type LoginLimitsPolicy } from './progressive-delay.js';

/** One attempt to prove a secret: on whose account (null when the request names none), from where. */
export interface LoginAttempt {
  /** The account the secret is for, e.g. `local:alice`; compared as logins are (see loginKey). */
  account: string | null;
  /** The client address (see server.trustedProxies); undefined when the socket is already gone. */
  address: string | undefined;
}

/** The three counters, in Redis or in memory: built by {@link openLoginLimiter}. */
export interface LoginCounters {
  /** Consecutive failures per account + address, `maxFailures` per window. */
  pair: RateLimiterAbstract;
  /** Blocks of growing length per account + address (points: 1, only `block` and `get` are used). */
  delay: RateLimiterAbstract;
  /** Failures per address, whatever the account, `maxFailuresPerAddress` per window. */
  address: RateLimiterAbstract;
  /** Failures per account, from every address: never blocks, only makes the delays start at the first failure. */
  account: RateLimiterAbstract;
}

/** Error ids that mean "the secret was wrong": only those count as failures. */
const FAILED_SECRET = new Set<string>(['plugin.strategy.missing_user', 'security.credentials.wrong_password']);

/** Whether an error is a refused secret (a failed login, a wrong current password). */
export function isFailedSecret(error: unknown): boolean {
  return isPortcullisError(error) && isFailedSecretId(error.id);
}

/** Whether an error id (of an envelope, say) means a refused secret. */
export function isFailedSecretId(id: string): boolean {
  return FAILED_SECRET.has(id);
}

/**
 * Slows password guessing (OWASP ASVS 4.0.3 2.2.1; ASVS 5 6.1.1). Failures are counted per
 * account + client address, where consecutive failures make each next attempt wait longer and
 * a success resets the count, and per address, whatever the account. Nothing blocks on the
 * account alone: an attacker flooding an account from one address cannot lock its owner out,
 * who logs in from another. The account's own count (from every address) only hardens the
 * delays: once an account has failed `maxFailuresPerAccount` times in a window, any address
 * that fails on it must wait at once, so that guessing spread over many addresses is slowed too.
 */
export class LoginLimiter {
  constructor(
    private readonly counters: LoginCounters,
    private readonly policy: Readonly<LoginLimitsPolicy>,
    private readonly release: () => Promise<void> = async () => undefined,
  ) {}

  /**
   * Runs `attempt` unless the caller must wait; counts it as a failure when it throws a refused
   * secret, resets the account + address count when it succeeds.
   * @throws security.login.too_many_failures (429) with the seconds to wait as props[0]
   * @throws whatever `task` throws
   */
  async guard<T>(attempt: LoginAttempt, task: () => T | Promise<T>): Promise<T> {
    const failures = await this.check(attempt);
    let result: T;
    try {
      result = await task();
    } catch (error) {
      if (isFailedSecret(error)) await this.failed(attempt);
      throw error;
    }
    if (failures > 0) await this.succeeded(attempt);
    return result;
  }

  /**
   * The consecutive failures on the account from the address so far.
   * @throws security.login.too_many_failures (429) while the address, or the account from it, must wait
   */
  async check(attempt: LoginAttempt): Promise<number> {
    const { pair, delay, address } = this.counters;
    const pairKey = this.pairKey(attempt);
    const [byPair, delayed, byAddress] = await Promise.all([
      pairKey === null ? null : pair.get(pairKey),
      pairKey === null ? null : delay.get(pairKey),
      address.get(addressKey(attempt.address)),
    ]);
    const waits: number[] = [];
    if (byPair && byPair.consumedPoints >= this.policy.maxFailures) waits.push(byPair.msBeforeNext);
    if (delayed && delayed.consumedPoints > delay.points) waits.push(delayed.msBeforeNext);
    if (byAddress && byAddress.consumedPoints >= this.policy.maxFailuresPerAddress) waits.push(byAddress.msBeforeNext);
    if (waits.length > 0) throw fail('security.login.too_many_failures', retryAfterSeconds(Math.max(...waits)));
    return byPair?.consumedPoints ?? 0;
  }

  /** Counts a failure, and makes the next attempt on the account from the address wait when due. */
  async failed(attempt: LoginAttempt): Promise<void> {
    const pairKey = this.pairKey(attempt);
    const counting = [consume(this.counters.address, addressKey(attempt.address))];
    if (pairKey !== null) {
      const [failures, accountFailures] = await Promise.all([
        consume(this.counters.pair, pairKey),
        consume(this.counters.account, accountKey(attempt.account!)),
      ]);
      const underAttack = accountFailures > this.policy.maxFailuresPerAccount;
      const wait = delayAfter(failures, underAttack ? { ...this.policy, freeFailures: 1 } : this.policy);
      if (wait > 0) await this.counters.delay.block(pairKey, wait);
    }
    await Promise.all(counting);
  }

  /** A success: the account may be tried from the address afresh (the address's own count stays). */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    const pairKey = this.pairKey(attempt);
    if (pairKey === null) return;
    await Promise.all([this.counters.pair.delete(pairKey), this.counters.delay.delete(pairKey)]);
  }

  close(): Promise<void> {
    return this.release();
  }

  private pairKey({ account, address }: LoginAttempt): string | null {
    if (account === null || account === '') return null;
    return `${accountKey(account)}|${addressKey(address)}`;
  }
}

/**
 * An account is counted by the key its login is found by (loginKey: case, width and invisible
 * characters folded), or each look-alike of a login would get a count of its own and guessing
 * would never slow down. Hashed: keys stay short whatever the input, and Redis holds no login names.
 */
function accountKey(account: string): string {
  return createHash('sha256').update(loginKey(account)).digest('base64url').slice(0, 22);
}

/**
 * IPv6 clients usually hold a whole /64: count them by it, or one client would have 2^64 addresses.
 * IPv4 addresses (IPv4-mapped IPv6 ones included) and anything unparsable are kept whole.
 * @see https://datatracker.ietf.org/doc/html/rfc6177
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  if (!ipaddr.IPv6.isValid(address)) return address;
  const parsed = ipaddr.IPv6.parse(address);
  if (parsed.isIPv4MappedAddress()) return address;
  return `${parsed.parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}

/** Consumes a point; over the limit the store still counted it, and that count is what we want. */
async function consume(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    return (await limiter.consume(key)).consumedPoints;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error.consumedPoints;
    throw error;
  }
}
