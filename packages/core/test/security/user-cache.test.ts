import { expect } from 'chai';
import { UserCache } from '../../src/security/user-cache.js';

const user = (id: string) => ({ _id: id, content: { profileIds: ['default'] } });

describe('core/security/user-cache', () => {
  it('drops the oldest entry when full', () => {
    const cache = new UserCache(2, 60_000);
    cache.set(user('a'));
    cache.set(user('b'));
    cache.set(user('c'));
    expect([cache.get('a'), cache.get('b')?.user._id, cache.get('c')?.user._id]).to.deep.equal([undefined, 'b', 'c']);
    expect(cache.size).to.equal(2);
  });

  it('forgets entries after the TTL', async () => {
    const cache = new UserCache(10, 30);
    cache.set(user('a'));
    expect(cache.get('a')).to.not.equal(undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cache.get('a')).to.equal(undefined);
  });

  it('drops one user, or all with null, strategies included', () => {
    const cache = new UserCache(10, 60_000);
    cache.set(user('a'));
    cache.set(user('b'));
    cache.setStrategies('a', ['local']);
    expect(cache.get('a')?.strategies).to.deep.equal(['local']);
    cache.drop('a');
    expect(cache.get('a')).to.equal(undefined);
    cache.drop(null);
    expect(cache.size).to.equal(0);
  });

  it('holds nothing with maxEntries 0', () => {
    const cache = new UserCache(0, 60_000);
    cache.set(user('a'));
    expect(cache.get('a')).to.equal(undefined);
  });
});

describe('core/security/user-cache tickets', () => {
  it('does not store a user or strategies read before a drop', () => {
    const cache = new UserCache(10, 60_000);
    const ticket = cache.ticket();
    cache.drop('someone-else');
    cache.set(user('a'), ticket);
    expect(cache.get('a')).to.equal(undefined);
    cache.set(user('a'), cache.ticket());
    const strategiesTicket = cache.ticket();
    cache.drop('b');
    cache.setStrategies('a', ['local'], strategiesTicket);
    expect(cache.get('a')?.strategies).to.equal(undefined);
    cache.setStrategies('a', ['local'], cache.ticket());
    expect(cache.get('a')?.strategies).to.deep.equal(['local']);
  });
});

describe('core/security/user-cache (hits and misses)', () => {
  it('counts a lookup found in memory as a hit, and a load from the database as a miss, once each', async () => {
    const cache = new UserCache(10, 60_000);
    expect(cache.lookup('a')).to.equal(undefined);
    // The lookup that missed is counted by the load that follows it.
    expect(await cache.getOrLoad('a', async () => user('a'))).to.deep.equal(user('a'));
    expect(cache.stats).to.deep.equal({ hits: 0, misses: 1 });
    expect(cache.lookup('a')?._id).to.equal('a');
    await cache.getOrLoad('a', async () => null);
    expect(cache.stats).to.deep.equal({ hits: 2, misses: 1 });
  });

  it('does not count reads of the cache that are not lookups of a user (get, strategies)', () => {
    const cache = new UserCache(10, 60_000);
    cache.set(user('a'));
    cache.get('a');
    cache.setStrategies('a', ['local']);
    expect(cache.stats).to.deep.equal({ hits: 0, misses: 0 });
  });
});
