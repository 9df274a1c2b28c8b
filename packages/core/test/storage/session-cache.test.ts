import { expect } from 'chai';
import { SessionCache } from '../../src/storage/session-cache.js';
import { session } from './session-store.conformance.js';

describe('core/storage/session-cache (hits and misses)', () => {
  it('counts sessions found in memory as hits, reads of the store as misses, a peek that missed not at all', async () => {
    const cache = new SessionCache(10, 60_000);
    cache.enable();
    const alice = session('alice', 60_000);
    expect(cache.get(alice.id)).to.equal(undefined);
    await cache.getOrLoad(alice.id, async () => alice);
    expect(cache.stats).to.deep.equal({ hits: 0, misses: 1 });
    expect(cache.get(alice.id)?.id).to.equal(alice.id);
    await cache.getOrLoad(alice.id, async () => null);
    expect(cache.stats).to.deep.equal({ hits: 2, misses: 1 });
  });

  it('counts every read as a miss while it is disabled (revocations unheard)', async () => {
    const cache = new SessionCache(10, 60_000);
    const alice = session('alice', 60_000);
    await cache.getOrLoad(alice.id, async () => alice);
    await cache.getOrLoad(alice.id, async () => alice);
    expect(cache.stats).to.deep.equal({ hits: 0, misses: 2 });
  });
});
