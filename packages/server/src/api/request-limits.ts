import { ANONYMOUS_USER, fail, type SecurityService, type UserRecord } from '@portcullis/core';
import type { Connection } from './request.js';

/** How the limits treat an action, worked out once when the node starts: Kuzzle counts logins apart, and always lets a user log out. */
export type LimitedAs = 'login' | 'logout' | 'request';

export function limitedAs(controller: string, action: string): LimitedAs {
  if (controller !== 'auth') return 'request';
  return action === 'login' ? 'login' : action === 'logout' ? 'logout' : 'request';
}

/**
 * Kuzzle's two request limits (lib/api/rateLimiter.js), counted by this node over one-second
 * frames: `limits.loginsPerSecond` auth:login requests per connection, and the profiles'
 * `rateLimit` requests per second per user. It runs on every request, synchronously: while no
 * profile sets a rateLimit, a request that is not a login costs two comparisons.
 */
export class RequestLimits {
  /**
   * Requests counted in the current frame, per WebSocket (logins) or per user: keys are made by
   * the server (connection ids, kuids of verified tokens), never chosen by clients, and the frame
   * holds at most the open WebSockets and the users with a rateLimit that sent a request this second.
   */
  private frame = new Map<string, number>();
  private frameStart = 0;

  constructor(
    private readonly loginsPerSecond: number,
    private readonly security: Pick<SecurityService, 'hasRateLimits' | 'rateLimitOf'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @throws api.process.too_many_logins_requests (429) past `loginsPerSecond` logins on the connection in this second
   * @throws api.process.too_many_requests (429) past the user's rateLimit in this second
   */
  check(kind: LimitedAs, user: UserRecord, connection: Connection): void {
    if (kind === 'login') {
      // An HTTP request is a connection of its own: its one login can never be over the limit,
      // and counting it would add a key per request to the frame.
      if (this.loginsPerSecond > 0 && connection.protocol === 'websocket' && this.count(`c:${connection.id}`) > this.loginsPerSecond) {
        throw fail('api.process.too_many_logins_requests');
      }
      return;
    }
    if (!this.security.hasRateLimits) return;
    // As in Kuzzle, a user may always log out.
    if (kind === 'logout' && user._id !== ANONYMOUS_USER._id) return;
    const limit = this.security.rateLimitOf(user);
    if (limit > 0 && this.count(`u:${user._id}`) > limit) throw fail('api.process.too_many_requests');
  }

  /** Keys counted in the current frame (for tests): open WebSockets that logged in, and rate-limited users, this second. */
  get tracked(): number {
    return this.frame.size;
  }

  /** Counts one request for `key` in the current frame; a new frame starts each second, empty. */
  private count(key: string): number {
    const now = this.now();
    if (now - this.frameStart >= 1000) {
      this.frame = new Map();
      this.frameStart = now;
    }
    const count = (this.frame.get(key) ?? 0) + 1;
    this.frame.set(key, count);
    return count;
  }
}
