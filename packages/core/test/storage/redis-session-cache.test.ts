import { expect } from 'chai';
import { RedisSessionStore } from '../../src/storage/redis/redis-session-store.js';
import { deleteKeys, REDIS_URL, silentLogger, sleep, uniqueName, waitFor, type StoreFactory } from './fixtures.js';
import { session, sessionStoreConformance } from './session-store.conformance.js';
import { TcpProxy } from './tcp-proxy.js';

const open = (keyPrefix: string, url = REDIS_URL, cacheTtl = 60_000): Promise<RedisSessionStore> =>
  RedisSessionStore.open({ url, keyPrefix, timeout: 500, cacheEntries: 1000, cacheTtl }, silentLogger);

const factory: StoreFactory<RedisSessionStore> = async () => {
  const prefix = `${uniqueName()}:`;
  const store = await open(prefix);
  return { store, cleanup: async () => { await store.close(); await deleteKeys(prefix); } };
};

/** The per-node session cache must never let a node accept what another node ended. */
describe('core/storage/redis/redis-session-store (with its session cache)', () => {
  sessionStoreConformance(factory);

  describe('across nodes', () => {
    let prefix: string;
    let reader: RedisSessionStore;
    let writer: RedisSessionStore;
    beforeEach(async () => {
      prefix = `${uniqueName()}:`;
      [reader, writer] = [await open(prefix), await open(prefix)];
    });
    afterEach(async () => {
      await reader.close();
      await writer.close();
      await deleteKeys(prefix);
    });

    it('forgets a session another node deleted', async () => {
      const created = session('alice', 60_000);
      await writer.create(created);
      expect(await reader.get(created.id)).to.deep.equal(created);
      await writer.delete(created.id);
      await waitFor(async () => (await reader.get(created.id)) === null, 1000, 'the reader to forget the session');
    });

    it('forgets every session of a user another node revoked', async () => {
      const [first, second] = [session('bob', 60_000), session('bob', 60_000)];
      for (const created of [first, second]) await writer.create(created);
      for (const created of [first, second]) expect(await reader.get(created.id)).to.not.equal(null);
      await writer.deleteByUser('bob');
      await waitFor(async () => (await reader.get(first.id)) === null && (await reader.get(second.id)) === null, 1000, 'both sessions gone');
    });

    it('sees the refresh another node made: refreshed, with the grace period as expiry', async () => {
      const created = session('carol', 60_000);
      await writer.create(created);
      expect((await reader.get(created.id))?.refreshed).to.equal(false);
      expect(await writer.markRefreshed(created.id, 300)).to.equal(true);
      await waitFor(async () => (await reader.get(created.id))?.refreshed === true, 1000, 'the reader to see the refresh');
      expect((await reader.get(created.id))!.expiresAt).to.be.below(Date.now() + 400);
      await sleep(400);
      expect(await reader.get(created.id)).to.equal(null);
    });

    it('never serves a session past its expiry from the cache', async () => {
      const created = session('dan', 200);
      await writer.create(created);
      expect(await reader.get(created.id)).to.not.equal(null);
      await sleep(250);
      expect(await reader.get(created.id)).to.equal(null);
    });
  });

  describe('on a burst of misses', () => {
    it('reads a session from Redis once for all the requests that miss it together', async () => {
      const prefix = `${uniqueName()}:`;
      const [reader, writer] = [await open(prefix), await open(prefix)];
      const calls = async () => {
        const stats = await writer['client'].info('commandstats');
        return Number(/cmdstat_hgetall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      };
      try {
        const created = session('fay', 60_000);
        await writer.create(created);
        const before = await calls();
        const answers = await Promise.all(Array.from({ length: 50 }, () => reader.get(created.id)));
        expect(await calls()).to.equal(before + 1);
        expect(answers.every((answer) => answer !== null && answer.kuid === 'fay')).to.equal(true);
      } finally {
        await reader.close();
        await writer.close();
        await deleteKeys(prefix);
      }
    });
  });

  describe('when its subscription is lost', () => {
    it('stops trusting the cache at once, and reads Redis again', async () => {
      const prefix = `${uniqueName()}:`;
      const target = new URL(REDIS_URL);
      const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      await proxy.start();
      const reader = await open(prefix, `redis://127.0.0.1:${proxy.port}`);
      const writer = await open(prefix);
      try {
        const created = session('erin', 60_000);
        await writer.create(created);
        expect(await reader.get(created.id)).to.not.equal(null);
        await proxy.stop();
        // Revoked while the reader cannot hear it: the reader must not answer from its cache.
        await writer.delete(created.id);
        await sleep(100);
        const answer = await reader.get(created.id).then((found) => found, (error: { id?: string }) => error.id);
        expect(answer).to.be.oneOf([null, 'services.cache.not_connected']);
        await proxy.start();
        await waitFor(() => reader.get(created.id).then((found) => found === null, () => false), 5000, 'the reader to read Redis again');
      } finally {
        await reader.close();
        await writer.close();
        await proxy.stop();
        await deleteKeys(prefix);
      }
    });
  });
});
