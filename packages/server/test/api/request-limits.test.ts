import { expect } from 'chai';
import { ANONYMOUS_USER, isPortcullisError, type UserRecord } from '@portcullis/core';
import { limitedAs, RequestLimits } from '../../src/api/request-limits.js';
import type { Connection } from '../../src/api/request.js';

const connection = (id: string): Connection => ({ id, protocol: 'websocket', ip: '127.0.0.1', headers: {} });
const user = (id: string, profileIds: string[]): UserRecord => ({ _id: id, content: { profileIds } });

/** The rate limits of profiles, as the security service would answer from them. */
function security(limits: Record<string, number>) {
  return {
    hasRateLimits: Object.values(limits).some((limit) => limit > 0),
    rateLimitOf: (u: UserRecord) => {
      let limit = 0;
      for (const id of u.content.profileIds) {
        const own = limits[id] ?? 0;
        if (own === 0) return 0;
        limit = Math.max(limit, own);
      }
      return limit;
    },
  };
}

function refusedWith(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (isPortcullisError(error)) return error.id;
    throw error;
  }
}

describe('server/api/request-limits', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 10_000;
  });

  it('treats auth:login and auth:logout apart, and every other action as a request', () => {
    expect(limitedAs('auth', 'login')).to.equal('login');
    expect(limitedAs('auth', 'logout')).to.equal('logout');
    for (const [controller, action] of [['auth', 'getCurrentUser'], ['security', 'login'], ['security', 'logout'], ['server', 'info']] as const) {
      expect(limitedAs(controller, action)).to.equal('request');
    }
  });

  describe('limits.loginsPerSecond', () => {
    it('refuses a connection\'s logins past the limit in one second, with api.process.too_many_logins_requests', () => {
      const limits = new RequestLimits(2, security({}), clock);
      const login = () => limits.check('login', ANONYMOUS_USER, connection('a'));
      expect([refusedWith(login), refusedWith(login), refusedWith(login)]).to.deep.equal([null, null, 'api.process.too_many_logins_requests']);
      // Another connection has its own count.
      expect(refusedWith(() => limits.check('login', ANONYMOUS_USER, connection('b')))).to.equal(null);
      now += 1000;
      expect(refusedWith(login)).to.equal(null);
    });

    it('keeps no count for HTTP requests, each its own connection, however many log in in one second', () => {
      const limits = new RequestLimits(1, security({}), clock);
      for (let i = 0; i < 10_000; i++) limits.check('login', ANONYMOUS_USER, { ...connection(`http-${i}`), protocol: 'http' });
      expect(limits.tracked).to.equal(0);
      limits.check('login', ANONYMOUS_USER, connection('a'));
      expect(limits.tracked).to.equal(1);
      now += 1000;
      limits.check('login', ANONYMOUS_USER, connection('b'));
      expect(limits.tracked).to.equal(1);
    });

    it('counts nothing when 0', () => {
      const limits = new RequestLimits(0, security({}), clock);
      for (let i = 0; i < 100; i++) limits.check('login', ANONYMOUS_USER, connection('a'));
    });
  });

  describe('profiles\' rateLimit', () => {
    const limits = () => new RequestLimits(1, security({ slow: 2, other: 5, free: 0 }), clock);

    it('refuses a user past its limit in one second, with api.process.too_many_requests, and not another user', () => {
      const rl = limits();
      const call = (u: UserRecord) => refusedWith(() => rl.check('request', u, connection('a')));
      const slow = user('slow-user', ['slow']);
      expect([call(slow), call(slow), call(slow)]).to.deep.equal([null, null, 'api.process.too_many_requests']);
      expect(call(user('other-user', ['other']))).to.equal(null);
      now += 1000;
      expect(call(slow)).to.equal(null);
    });

    it('lets a user with an unlimited profile through, and an authenticated user log out', () => {
      const rl = limits();
      for (let i = 0; i < 10; i++) rl.check('request', user('mixed', ['slow', 'free']), connection('a'));
      const slow = user('slow-user', ['slow']);
      for (let i = 0; i < 2; i++) rl.check('request', slow, connection('a'));
      expect(refusedWith(() => rl.check('logout', slow, connection('a')))).to.equal(null);
    });

    it('reads no profile while no profile sets a limit', () => {
      const rl = new RequestLimits(1, { hasRateLimits: false, rateLimitOf: () => { throw new Error('read'); } }, clock);
      rl.check('request', user('u', ['default']), connection('a'));
    });
  });
});
