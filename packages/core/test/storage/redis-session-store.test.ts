import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisSessionStore } from '../../src/storage/redis/redis-session-store.js';
import { deleteKeys, expectRejection, REDIS_URL, silentLogger, sleep, uniqueName, waitFor, type StoreFactory } from './fixtures.js';
import { revocationsOf, session, sessionStoreConformance } from './session-store.conformance.js';
import { TcpProxy } from './tcp-proxy.js';

const TIMEOUT = 500;
const open = (keyPrefix: string, url = REDIS_URL): Promise<RedisSessionStore> =>
  RedisSessionStore.open({ url, keyPrefix, timeout: TIMEOUT }, silentLogger);

const factory: StoreFactory<RedisSessionStore> = async () => {
  const prefix = `${uniqueName()}:`;
  const store = await open(prefix);
  return { store, cleanup: async () => { await store.close(); await deleteKeys(prefix); } };
};

async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await run();
  return Date.now() - start;
}

describe('core/storage/redis/redis-session-store', () => {
  sessionStoreConformance(factory);

  describe('on a shared Redis', () => {
    let prefix: string;
    let stores: RedisSessionStore[];
    let redis: Redis;
    beforeEach(async () => {
      prefix = `${uniqueName()}:`;
      stores = [await open(prefix), await open(prefix), await open(`${prefix}other:`)];
      redis = new Redis(REDIS_URL);
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()));
      redis.disconnect();
      await deleteKeys(prefix);
    });

    it('tells every node with the same prefix, once each, and no other prefix', async () => {
      const [node1, node2, stranger] = stores as [RedisSessionStore, RedisSessionStore, RedisSessionStore];
      const [heard1, heard2, heardStranger] = [revocationsOf(node1), revocationsOf(node2), revocationsOf(stranger)];
      const created = session('alice', 60_000);
      await node1.create(created);
      expect(await node2.get(created.id)).to.deep.equal(created);
      expect(await stranger.get(created.id)).to.equal(null);
      await node1.delete(created.id);
      await waitFor(() => heard1.length > 0 && heard2.length > 0, 2000, 'both nodes to hear the revocation');
      await sleep(100);
      expect([heard1, heard2, heardStranger]).to.deep.equal([[[created.id]], [[created.id]], []]);
    });

    it("drops the ids of ended sessions from a user's set as sessions are created and listed", async () => {
      const [node1] = stores as [RedisSessionStore];
      const userSet = `${prefix}user-sessions:alice`;
      for (let index = 0; index < 6; index++) await node1.create(session('alice', 100));
      await sleep(300);
      const live = [];
      for (let index = 0; index < 20; index++) {
        live.push(session('alice', 60_000));
        await node1.create(live.at(-1)!);
      }
      // Each creation checks a few members at random: some ended ids are gone already.
      expect(await redis.scard(userSet)).to.be.below(26);
      expect((await node1.listByUser('alice')).map((each) => each.id).sort()).to.deep.equal(live.map((each) => each.id).sort());
      expect(await redis.scard(userSet)).to.equal(20);
    });

    it('tells every node with the same prefix about user changes', async () => {
      const [node1, node2, stranger] = stores as [RedisSessionStore, RedisSessionStore, RedisSessionStore];
      const heard: Array<[string, string | null]> = [];
      node1.onUserChange((kuid) => heard.push(['node1', kuid]));
      node2.onUserChange((kuid) => heard.push(['node2', kuid]));
      stranger.onUserChange((kuid) => heard.push(['stranger', kuid]));
      await node1.announceUserChange('alice');
      await waitFor(() => heard.length >= 2, 2000, 'both nodes to hear the change');
      await sleep(100);
      expect(heard.sort()).to.deep.equal([['node1', 'alice'], ['node2', 'alice']]);
    });

    it('keeps sessions under the prefix, with a TTL unless they never expire', async () => {
      const [node] = stores as [RedisSessionStore];
      const [expiring, forever] = [session('alice', 60_000), session('alice', -1, 'kapikey')];
      await node.create(expiring);
      await node.create(forever);
      const ttl = await redis.pttl(`${prefix}session:${expiring.id}`);
      expect(ttl).to.be.within(1, 60_000);
      expect(await redis.pttl(`${prefix}session:${forever.id}`)).to.equal(-1);
      expect((await redis.smembers(`${prefix}user-sessions:alice`)).sort()).to.deep.equal([expiring.id, forever.id].sort());
    });

    it('lets the per-user set expire with its last session', async () => {
      const [node] = stores as [RedisSessionStore];
      await node.create(session('alice', 100));
      await node.create(session('alice', 200));
      expect(await redis.exists(`${prefix}user-sessions:alice`)).to.equal(1);
      await sleep(400);
      expect(await redis.exists(`${prefix}user-sessions:alice`)).to.equal(0);
    });

    it('answers a ping', async () => {
      expect(await (stores[0] as RedisSessionStore).ping()).to.equal(true);
    });
  });

  describe('when Redis is unreachable', () => {
    it('fails to open with services.cache.not_connected when nothing listens', async () => {
      const time = await elapsed(() => expectRejection(open(uniqueName(), 'redis://127.0.0.1:1'), 'services.cache.not_connected'));
      expect(time).to.be.below(TIMEOUT + 300);
    });

    it('fails to open within the timeout when the server never answers', async () => {
      const sockets = new Set<import('node:net').Socket>();
      const silent: Server = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as import('node:net').AddressInfo;
      try {
        const time = await elapsed(() => expectRejection(open(uniqueName(), `redis://127.0.0.1:${port}`), 'services.cache.not_connected'));
        expect(time).to.be.within(TIMEOUT - 50, TIMEOUT + 300);
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });
  });

  describe('when Redis goes away and comes back', () => {
    let proxy: TcpProxy;
    let prefix: string;
    let store: RedisSessionStore;
    let direct: RedisSessionStore;
    beforeEach(async () => {
      const target = new URL(REDIS_URL);
      proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      await proxy.start();
      prefix = `${uniqueName()}:`;
      store = await open(prefix, `redis://127.0.0.1:${proxy.port}`);
      direct = await open(prefix);
    });
    afterEach(async () => {
      await Promise.all([store.close(), direct.close()]);
      await proxy.stop();
      await deleteKeys(prefix);
    });

    it('fails fast while Redis is down, then recovers by itself with its subscription', async () => {
      // Announcements are lost while Redis is away: listeners are told to drop everything.
      const flushed: Array<string | null> = [];
      store.onUserChange((kuid) => flushed.push(kuid));
      const created = session('alice', 60_000);
      await store.create(created);
      await proxy.stop();
      const time = await elapsed(() => expectRejection(store.get(created.id), 'services.cache.not_connected'));
      expect(time).to.be.below(TIMEOUT + 300);
      expect(await store.ping()).to.equal(false);
      await proxy.start();
      await waitFor(() => store.get(created.id).then((found) => found !== null, () => false), 5000, 'the store to reconnect');
      const heard = revocationsOf(store);
      // The subscriber reconnects on its own schedule: publish until it hears.
      await waitFor(async () => {
        const probe = session('bob', 60_000);
        await direct.create(probe);
        await direct.delete(probe.id);
        await sleep(50);
        return heard.length > 0;
      }, 5000, 'the resubscription');
      expect(flushed).to.include(null);
    });

    it('fails within the timeout while Redis hangs, and serves again once it answers', async () => {
      const created = session('alice', 60_000);
      await store.create(created);
      proxy.pause();
      const time = await elapsed(() => expectRejection(store.get(created.id), 'services.cache.not_connected'));
      expect(time).to.be.within(TIMEOUT - 50, TIMEOUT + 300);
      proxy.resume();
      await waitFor(() => store.get(created.id).then((found) => found?.id === created.id, () => false), 5000, 'answers');
    });
  });
});
