import { expect } from 'chai';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { BoundedMemoryLimiter, fail, openLoginLimiter, validateConfig } from '../../src/index.js';
import { silentLogger } from '../storage/fixtures.js';
import { refusal } from '../support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('core/limits/bounded-memory-limiter', () => {
  it('holds at most maxKeys keys however many are counted, forgetting the first ones', async () => {
    const limiter = new BoundedMemoryLimiter({ points: 5, duration: 60 }, 100);
    for (let i = 0; i < 1000; i++) await limiter.consume(`flood-${i}`);
    expect(limiter.size).to.equal(100);
    expect(await limiter.get('flood-0')).to.equal(null);
    expect(await limiter.get('flood-899')).to.equal(null);
    expect((await limiter.get('flood-999'))?.consumedPoints).to.equal(1);
  });

  it('keeps a key used between the keys of a flood, with its count', async () => {
    const limiter = new BoundedMemoryLimiter({ points: 5, duration: 60 }, 10);
    for (let i = 0; i < 3; i++) await limiter.consume('victim');
    for (let i = 0; i < 100; i++) {
      await limiter.consume(`flood-${i}`);
      // Checking the key is enough to keep it: each attempt on an account checks it first.
      if (i % 5 === 0) await limiter.get('victim');
    }
    expect((await limiter.get('victim'))?.consumedPoints).to.equal(3);
    expect(limiter.size).to.equal(10);
  });

  it('counts as RateLimiterMemory does below the bound: over the points it rejects, and a block reads as one', async () => {
    const limiter = new BoundedMemoryLimiter({ points: 2, duration: 60 }, 10);
    await limiter.consume('a');
    await limiter.consume('a');
    const over = await limiter.consume('a').then(() => null, (error: unknown) => error);
    expect(over).to.be.instanceOf(RateLimiterRes);
    expect((over as RateLimiterRes).consumedPoints).to.equal(3);
    await limiter.block('b', 30);
    const blocked = await limiter.get('b');
    expect(blocked!.consumedPoints).to.be.greaterThan(limiter.points);
    expect(blocked!.msBeforeNext).to.be.within(29_000, 30_000);
    expect(limiter.size).to.equal(2);
  });

  it('forgets a deleted key in its bookkeeping too', async () => {
    const limiter = new BoundedMemoryLimiter({ points: 2, duration: 60 }, 10);
    await limiter.consume('a');
    expect(await limiter.delete('a')).to.equal(true);
    expect(limiter.size).to.equal(0);
    expect(await limiter.get('a')).to.equal(null);
  });

  it('tells onEvict of the keys still counting it forgot, not of keys whose window had ended', async () => {
    let evicted = 0;
    const limiter = new BoundedMemoryLimiter({ points: 5, duration: 1 }, 2, () => evicted++);
    await limiter.consume('expires');
    await sleep(1100);
    await limiter.consume('b');
    await limiter.consume('c');
    expect(evicted).to.equal(0);
    await limiter.consume('d');
    expect(evicted).to.equal(1);
    expect(limiter.size).to.equal(2);
  });

  describe('as the failed-login counters of a node without Redis (security.loginLimits.maxTrackedKeys)', () => {
    const POLICY = { freeFailures: 2, delay: 60, maxDelay: 60, maxFailuresPerAddress: 1000, maxTrackedKeys: 20 };
    const wrong = () => Promise.reject(fail('plugin.strategy.missing_user', 'wrong username or password'));
    const alice = { account: 'local:alice', address: '192.0.2.1' };
    const flood = (limiter: Awaited<ReturnType<typeof openLoginLimiter>>, from: number, alsoRetry: boolean) => async () => {
      for (let i = from; i < from + 100; i++) {
        // freeFailures on each made-up account: the flood fills the delays' counter as well.
        for (let j = 0; j < POLICY.freeFailures; j++) await refusal(limiter.guard({ account: `local:made-up-${i}`, address: `198.51.100.${i % 250}` }, wrong));
        if (alsoRetry) await refusal(limiter.check(alice));
      }
    };

    it('keeps an account counted while its attacker keeps trying it, however many keys a flood brings', async () => {
      const limiter = await openLoginLimiter(validateConfig({ security: { loginLimits: POLICY } }), silentLogger);
      for (let i = 0; i < POLICY.freeFailures; i++) await refusal(limiter.guard(alice, wrong));
      await flood(limiter, 0, true)();
      expect((await refusal(limiter.check(alice))).id).to.equal('security.login.too_many_failures');
    });

    it('forgets the keys idle longest once it holds maxTrackedKeys (the bound is in force)', async () => {
      const limiter = await openLoginLimiter(validateConfig({ security: { loginLimits: POLICY } }), silentLogger);
      for (let i = 0; i < POLICY.freeFailures; i++) await refusal(limiter.guard(alice, wrong));
      await flood(limiter, 0, false)();
      expect(await limiter.check(alice)).to.equal(0);
    });
  });
});
