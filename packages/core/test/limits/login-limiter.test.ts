import { expect } from 'chai';
import { Redis } from 'ioredis';
import { addressKey, fail, openLoginLimiter, validateConfig, type LoginLimiter } from '../../src/index.js';
import { deleteKeys, REDIS_URL, silentLogger, uniqueName } from '../storage/fixtures.js';
import { refusal } from '../support.js';

const POLICY = { freeFailures: 2, delay: 1, maxDelay: 8, maxFailures: 5, maxFailuresPerAccount: 4, maxFailuresPerAddress: 6, window: 60 };
const wrong = () => Promise.reject(fail('plugin.strategy.missing_user', 'wrong username or password'));
const right = async () => 'in';

const STORES = [
  { name: 'memory', redis: {} },
  { name: 'redis', redis: { url: REDIS_URL, keyPrefix: `${uniqueName('limits')}:` } },
];

for (const store of STORES) {
  describe(`core/limits/login-limiter (${store.name})`, () => {
    let limiter: LoginLimiter;

    beforeEach(async () => {
      // A fresh prefix per test in Redis; a fresh limiter in memory.
      const redis = store.name === 'redis' ? { ...store.redis, keyPrefix: `${store.redis.keyPrefix}${Math.random().toString(36).slice(2)}:` } : {};
      limiter = await openLoginLimiter(validateConfig({ redis, security: { loginLimits: POLICY } }), silentLogger);
    });

    afterEach(async () => {
      await limiter.close();
    });

    after(async () => {
      if (store.redis.keyPrefix) await deleteKeys(store.redis.keyPrefix);
    });

    const alice = { account: 'local:alice', address: '192.0.2.1' };

    it('refuses an account from an address after freeFailures failures, naming the wait', async () => {
      for (let i = 0; i < POLICY.freeFailures; i++) await refusal(limiter.guard(alice, wrong));
      const error = await refusal(limiter.guard(alice, right));
      expect(error.id).to.equal('security.login.too_many_failures');
      expect(error.status).to.equal(429);
      expect(error.props).to.deep.equal(['1']);
    });

    it('compares accounts without regard to case or width', async () => {
      for (let i = 0; i < POLICY.freeFailures; i++) await refusal(limiter.guard(alice, wrong));
      expect((await refusal(limiter.guard({ ...alice, account: 'local:ＡＬＩＣＥ' }, right))).id).to.equal('security.login.too_many_failures');
    });

    it('counts the look-alikes of a login (invisible characters, full case folding) on its account, as the credentials store finds them', async () => {
      const strasse = { account: 'local:strasse', address: '192.0.2.1' };
      await refusal(limiter.guard({ ...strasse, account: 'local:stra\u200Bsse' }, wrong));
      await refusal(limiter.guard({ ...strasse, account: 'local:Straße' }, wrong));
      expect((await refusal(limiter.guard(strasse, right))).id).to.equal('security.login.too_many_failures');
    });

    it('does not count errors that are not refused secrets', async () => {
      for (let i = 0; i < POLICY.freeFailures + 2; i++) await refusal(limiter.guard(alice, () => Promise.reject(fail('services.cache.not_connected'))));
      expect(await limiter.guard(alice, right)).to.equal('in');
    });

    it('counts a wrong current password like a failed login', async () => {
      const mine = { account: 'kuid:alice', address: '192.0.2.1' };
      for (let i = 0; i < POLICY.freeFailures; i++) await limiter.failed(mine);
      expect((await refusal(limiter.check(mine))).id).to.equal('security.login.too_many_failures');
    });

    it('resets the account + address count after a success, not the address count', async () => {
      await refusal(limiter.guard(alice, wrong));
      expect(await limiter.guard(alice, right)).to.equal('in');
      expect(await limiter.check(alice)).to.equal(0);
      await refusal(limiter.guard(alice, wrong));
      expect(await limiter.check(alice)).to.equal(1);
    });

    it('refuses the account from that address for the rest of the window after maxFailures', async () => {
      const patient = await openLoginLimiter(validateConfig({ redis: store.redis.url ? { ...store.redis, keyPrefix: `${store.redis.keyPrefix}max:` } : {}, security: { loginLimits: { ...POLICY, freeFailures: 50 } } }), silentLogger);
      try {
        for (let i = 0; i < POLICY.maxFailures; i++) await refusal(patient.guard(alice, wrong));
        const error = await refusal(patient.check(alice));
        expect(error.id).to.equal('security.login.too_many_failures');
        expect(Number(error.props[0])).to.be.within(58, 60);
      } finally {
        await patient.close();
      }
    });

    it('refuses an address that failed on maxFailuresPerAddress accounts, and only that address', async () => {
      for (let i = 0; i < POLICY.maxFailuresPerAddress; i++) await refusal(limiter.guard({ account: `local:user${i}`, address: '192.0.2.7' }, wrong));
      expect((await refusal(limiter.check({ account: 'local:fresh', address: '192.0.2.7' }))).id).to.equal('security.login.too_many_failures');
      expect((await refusal(limiter.check({ account: null, address: '192.0.2.7' }))).id).to.equal('security.login.too_many_failures');
      expect(await limiter.check({ account: 'local:fresh', address: '192.0.2.8' })).to.equal(0);
    });

    it('makes every address wait from its first failure once the account failed maxFailuresPerAccount times, and still lets the owner in', async () => {
      for (let i = 1; i <= POLICY.maxFailuresPerAccount; i++) await refusal(limiter.guard({ ...alice, address: `203.0.113.${i}` }, wrong));
      // Spread over many addresses, no address reached freeFailures: none waits yet.
      expect(await limiter.check({ ...alice, address: '203.0.113.1' })).to.equal(1);
      await refusal(limiter.guard({ ...alice, address: '203.0.113.50' }, wrong));
      expect((await refusal(limiter.check({ ...alice, address: '203.0.113.50' }))).id).to.equal('security.login.too_many_failures');
      expect(await limiter.guard({ ...alice, address: '198.51.100.1' }, right)).to.equal('in');
    });

    it('never lets failures from one address block the account from another', async () => {
      for (let i = 0; i < POLICY.maxFailures + 2; i++) await limiter.failed(alice);
      expect(await limiter.guard({ ...alice, address: '198.51.100.1' }, right)).to.equal('in');
    });
  });
}

describe('core/limits/login-limiter keys', () => {
  it('stores hashed account names, never the names', async () => {
    const keyPrefix = `${uniqueName('limits')}:`;
    const limiter = await openLoginLimiter(validateConfig({ redis: { url: REDIS_URL, keyPrefix }, security: { loginLimits: POLICY } }), silentLogger);
    const redis = new Redis(REDIS_URL);
    try {
      await limiter.failed({ account: 'local:secret-login-name', address: '192.0.2.1' });
      const keys = await redis.keys(`${keyPrefix}*`);
      expect(keys).to.have.length.greaterThan(0);
      for (const key of keys) expect(key).to.not.include('secret-login-name');
      await redis.del(...keys);
    } finally {
      await limiter.close();
      await redis.quit();
    }
  });

  it('counts an IPv6 client by its /64, and an IPv4 one by its address', () => {
    expect(addressKey('2001:db8:1:2:3:4:5:6')).to.equal(addressKey('2001:db8:1:2:ffff::1'));
    expect(addressKey('2001:db8:1:2::1')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).to.not.equal(addressKey('2001:db8:1:2::1'));
    expect(addressKey('192.0.2.1')).to.equal('192.0.2.1');
    expect(addressKey('2001:DB8:0001:2::1')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('::ffff:192.0.2.1')).to.equal('::ffff:192.0.2.1');
    expect(addressKey(undefined)).to.equal('unknown');
  });
});
