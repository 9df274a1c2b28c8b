import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Session, SessionStore, TokenKind } from '../../src/storage/ports.js';
import { sleep, waitFor, type StoreFactory, type StoreFixture } from './fixtures.js';

export function session(kuid: string, lifetime: number, kind: TokenKind = 'kauth'): Session {
  const now = Date.now();
  return {
    id: randomBytes(16).toString('hex'), kuid, kind,
    expiresAt: lifetime === -1 ? -1 : now + lifetime, ttl: lifetime, refreshed: false,
    createdAt: now, lastUsedAt: now, strategy: 'local', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (conformance)',
  };
}

/** Collects every revocation a store announces. */
export function revocationsOf(store: SessionStore): string[][] {
  const heard: string[][] = [];
  store.onRevoked((ids) => heard.push(ids));
  return heard;
}

/** The contract every SessionStore keeps. Expiry tests wait a few hundred milliseconds. */
export function sessionStoreConformance(factory: StoreFactory<SessionStore>): void {
  describe('SessionStore', () => {
    let fixture: StoreFixture<SessionStore>;
    let sessions: SessionStore;
    beforeEach(async () => {
      fixture = await factory();
      sessions = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('returns null for a session that does not exist', async () => {
      expect(await sessions.get('missing')).to.equal(null);
    });

    it('returns a created session as it was given', async () => {
      const created = session('alice', 60_000, 'kapikey');
      await sessions.create(created);
      expect(await sessions.get(created.id)).to.deep.equal(created);
    });

    it('forgets a session once its expiry has passed', async () => {
      const short = session('alice', 200);
      await sessions.create(short);
      expect(await sessions.get(short.id)).to.not.equal(null);
      await sleep(400);
      expect(await sessions.get(short.id)).to.equal(null);
    });

    it('keeps a session that never expires (-1) when others expire', async () => {
      const forever = session('alice', -1, 'kapikey');
      const short = session('alice', 100);
      await sessions.create(forever);
      await sessions.create(short);
      await sleep(300);
      expect(await sessions.get(forever.id)).to.deep.equal(forever);
      expect(await sessions.get(short.id)).to.equal(null);
    });

    describe('#consume', () => {
      it('hands a session, single-use mark included, to exactly one of many concurrent calls, then deletes it', async () => {
        const once: Session = { ...session('alice', 60_000), singleUse: true };
        await sessions.create(once);
        expect(await sessions.get(once.id)).to.deep.equal(once);
        const results = await Promise.all(Array.from({ length: 8 }, () => sessions.consume(once.id)));
        expect(results.filter((result) => result !== null)).to.deep.equal([once]);
        expect(await sessions.get(once.id)).to.equal(null);
        expect(await sessions.consume(once.id)).to.equal(null);
      });

      it('hands out nothing for a session that does not exist or expired', async () => {
        const short = session('alice', 100);
        await sessions.create(short);
        await sleep(300);
        expect(await sessions.consume(short.id)).to.equal(null);
        expect(await sessions.consume('missing')).to.equal(null);
      });
    });

    describe('#countLive', () => {
      it('counts the sessions that have not expired, endless ones included', async () => {
        const before = await sessions.countLive();
        const short = session('alice', 200);
        await sessions.create(short);
        await sessions.create(session('alice', 60_000));
        await sessions.create(session('bob', -1, 'kapikey'));
        expect(await sessions.countLive()).to.equal(before + 3);
        await sleep(400);
        expect(await sessions.countLive()).to.equal(before + 2);
      });

      it('stops counting deleted, revoked and refreshed-away sessions', async () => {
        const before = await sessions.countLive();
        const [a, b, c, d] = [session('carol', 60_000), session('carol', 60_000), session('dave', 60_000), session('erin', 60_000)];
        for (const created of [a, b, c, d]) await sessions.create(created!);
        await sessions.delete(a!.id);
        expect(await sessions.countLive()).to.equal(before + 3);
        await sessions.deleteByUser('carol');
        expect(await sessions.countLive()).to.equal(before + 2);
        await sessions.markRefreshed(c!.id, 0);
        expect(await sessions.countLive()).to.equal(before + 1);
        await sessions.markRefreshed(d!.id, 150);
        expect(await sessions.countLive()).to.equal(before + 1);
        await sleep(300);
        expect(await sessions.countLive()).to.equal(before);
      });
    });

    describe('#markRefreshed', () => {
      it('succeeds for exactly one of several concurrent calls', async () => {
        const created = session('alice', 60_000);
        await sessions.create(created);
        const results = await Promise.all(Array.from({ length: 5 }, () => sessions.markRefreshed(created.id, 10_000)));
        expect(results.filter(Boolean)).to.have.length(1);
        expect((await sessions.get(created.id))?.refreshed).to.equal(true);
        expect(await sessions.markRefreshed(created.id, 10_000)).to.equal(false);
      });

      it('returns false for a missing session', async () => {
        expect(await sessions.markRefreshed('missing', 1000)).to.equal(false);
      });

      it('keeps the session for the grace period only', async () => {
        const created = session('alice', 60_000);
        await sessions.create(created);
        expect(await sessions.markRefreshed(created.id, 200)).to.equal(true);
        const refreshed = await sessions.get(created.id);
        expect(refreshed?.refreshed).to.equal(true);
        expect(refreshed?.expiresAt).to.be.at.most(Date.now() + 200);
        await sleep(400);
        expect(await sessions.get(created.id)).to.equal(null);
      });

      it('gives a session that never expired a grace period too', async () => {
        const forever = session('alice', -1);
        await sessions.create(forever);
        expect(await sessions.markRefreshed(forever.id, 200)).to.equal(true);
        await sleep(400);
        expect(await sessions.get(forever.id)).to.equal(null);
      });

      it('never lengthens a session that ends before the grace period', async () => {
        const short = session('alice', 200);
        await sessions.create(short);
        expect(await sessions.markRefreshed(short.id, 60_000)).to.equal(true);
        await sleep(400);
        expect(await sessions.get(short.id)).to.equal(null);
      });

      it('deletes the session at once when the grace period is 0', async () => {
        const created = session('alice', 60_000);
        await sessions.create(created);
        expect(await sessions.markRefreshed(created.id, 0)).to.equal(true);
        expect(await sessions.get(created.id)).to.equal(null);
        expect(await sessions.markRefreshed(created.id, 0)).to.equal(false);
      });
    });

    describe('#delete and #deleteByUser', () => {
      it('deletes a session once', async () => {
        const created = session('alice', 60_000);
        await sessions.create(created);
        expect(await sessions.delete(created.id)).to.equal(true);
        expect(await sessions.get(created.id)).to.equal(null);
        expect(await sessions.delete(created.id)).to.equal(false);
      });

      it("deletes a user's sessions of one kind, then the rest, and no one else's", async () => {
        const [login1, login2, apiKey, bobs] = [
          session('alice', 60_000), session('alice', -1), session('alice', -1, 'kapikey'), session('bob', 60_000),
        ];
        for (const created of [login1, login2, apiKey, bobs]) await sessions.create(created);
        expect((await sessions.deleteByUser('alice', 'kauth')).sort()).to.deep.equal([login1.id, login2.id].sort());
        expect(await sessions.get(login1.id)).to.equal(null);
        expect(await sessions.get(apiKey.id)).to.deep.equal(apiKey);
        expect(await sessions.deleteByUser('alice')).to.deep.equal([apiKey.id]);
        expect(await sessions.get(bobs.id)).to.deep.equal(bobs);
        expect(await sessions.deleteByUser('alice')).to.deep.equal([]);
      });

      it("spares the one session it is told to keep, and only the user's own kind", async () => {
        const [current, other, apiKey] = [session('alice', 60_000), session('alice', 60_000), session('alice', -1, 'kapikey')];
        for (const created of [current, other, apiKey]) await sessions.create(created);
        expect(await sessions.deleteByUser('alice', 'kauth', current.id)).to.deep.equal([other.id]);
        expect(await sessions.get(current.id)).to.deep.equal(current);
        expect(await sessions.get(apiKey.id)).to.deep.equal(apiKey);
        expect((await sessions.deleteByUser('alice', undefined, apiKey.id)).sort()).to.deep.equal([current.id]);
        expect(await sessions.get(apiKey.id)).to.deep.equal(apiKey);
      });

      it('leaves expired sessions out of what it reports', async () => {
        const short = session('alice', 100);
        const live = session('alice', 60_000);
        await sessions.create(short);
        await sessions.create(live);
        await sleep(300);
        expect(await sessions.deleteByUser('alice')).to.deep.equal([live.id]);
        expect(await sessions.deleteByUser('unknown')).to.deep.equal([]);
      });
    });

    describe('#listByUser', () => {
      it("lists a user's live sessions with their details, of one kind when asked, and no one else's", async () => {
        const [login, unknown, apiKey, short, bobs] = [
          session('alice', 60_000), { ...session('alice', -1), strategy: null, ip: null, userAgent: null },
          session('alice', -1, 'kapikey'), session('alice', 100), session('bob', 60_000),
        ];
        for (const created of [login, unknown, apiKey, short, bobs]) await sessions.create(created);
        await sleep(300);
        const byId = (list: Session[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
        expect(byId(await sessions.listByUser('alice', 'kauth'))).to.deep.equal(byId([login, unknown]));
        expect(byId(await sessions.listByUser('alice'))).to.deep.equal(byId([login, unknown, apiKey]));
        expect(await sessions.listByUser('nobody')).to.deep.equal([]);
        await sessions.delete(login.id);
        expect(await sessions.listByUser('alice', 'kauth')).to.deep.equal([unknown]);
      });
    });

    describe('#touch', () => {
      it('moves the last use forward only, and never brings back a session that ended', async () => {
        const created = session('alice', 60_000);
        await sessions.create(created);
        sessions.touch(created.id, created.lastUsedAt + 5000);
        await waitFor(async () => (await sessions.listByUser('alice'))[0]?.lastUsedAt === created.lastUsedAt + 5000, 2000, 'the last use');
        expect((await sessions.get(created.id))?.lastUsedAt).to.equal(created.lastUsedAt + 5000);
        sessions.touch(created.id, created.lastUsedAt + 1000);
        await sleep(100);
        expect((await sessions.listByUser('alice'))[0]?.lastUsedAt).to.equal(created.lastUsedAt + 5000);
        await sessions.delete(created.id);
        sessions.touch(created.id, created.lastUsedAt + 9000);
        await sleep(100);
        expect(await sessions.get(created.id)).to.equal(null);
        expect(await sessions.listByUser('alice')).to.deep.equal([]);
      });
    });

    describe('#onRevoked', () => {
      it('tells listeners once about each deletion, and not about misses', async () => {
        const heard = revocationsOf(sessions);
        const first = session('alice', 60_000);
        const [second, third] = [session('bob', 60_000), session('bob', -1, 'kapikey')];
        for (const created of [first, second, third]) await sessions.create(created);
        await sessions.delete(first.id);
        await sessions.delete('missing');
        await sessions.deleteByUser('nobody');
        await waitFor(() => heard.length >= 1, 2000, 'the first revocation');
        await sessions.deleteByUser('bob');
        await waitFor(() => heard.length >= 2, 2000, 'the second revocation');
        await sleep(100);
        expect(heard).to.have.length(2);
        expect(heard[0]).to.deep.equal([first.id]);
        expect([...(heard[1] ?? [])].sort()).to.deep.equal([second.id, third.id].sort());
      });

      it('announces user changes to listeners, apart from revocations', async () => {
        const users: Array<string | null> = [];
        const revoked = revocationsOf(sessions);
        sessions.onUserChange((kuid) => users.push(kuid));
        await sessions.announceUserChange('alice');
        await waitFor(() => users.length === 1, 2000, 'the user change');
        expect(users).to.deep.equal(['alice']);
        expect(revoked).to.deep.equal([]);
      });

      it('announces rights changes to listeners, apart from user changes and revocations', async () => {
        let rights = 0;
        const users: Array<string | null> = [];
        const revoked = revocationsOf(sessions);
        sessions.onRightsChange(() => { rights += 1; });
        sessions.onUserChange((kuid) => users.push(kuid));
        await sessions.announceRightsChange();
        await waitFor(() => rights === 1, 2000, 'the rights change');
        await sleep(50);
        expect(rights).to.equal(1);
        expect(users).to.deep.equal([]);
        expect(revoked).to.deep.equal([]);
      });

      it('calls every listener, even after one throws', async () => {
        const heard: string[][] = [];
        sessions.onRevoked(() => { throw new Error('a broken listener'); });
        sessions.onRevoked((ids) => heard.push(ids));
        const created = session('alice', 60_000);
        await sessions.create(created);
        await sessions.delete(created.id);
        await waitFor(() => heard.length === 1, 2000, 'the revocation');
        expect(heard[0]).to.deep.equal([created.id]);
      });
    });
  });
}
