import { expect } from 'chai';
import { createSecretKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { createLogger, openStorage, PortcullisError, TokenManager, validateConfig, type Storage } from '../../src/index.js';
import { RedisSessionStore } from '../../src/storage/redis/redis-session-store.js';
import { deleteKeys, REDIS_URL, silentLogger, sleep, uniqueName, waitFor } from '../storage/fixtures.js';
import { refusal } from '../support.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const settings = { secret: SECRET, algorithm: 'HS256' as const, expiresIn: '1h', maxTTL: -1, gracePeriod: 200 };


describe('core/tokens/token-manager', () => {
  let dir: string;
  let storage: Storage;
  let tokens: TokenManager;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-tokens-'));
    storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), createLogger({ level: 'silent' }));
    tokens = new TokenManager(storage.sessions, storage.settings, settings);
    await tokens.init();
  });

  after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('#create', () => {
    it('issues kauth- JWTs carrying _id and a random session id', async () => {
      const issued = await tokens.create('alice', undefined);
      expect(issued.jwt.startsWith('kauth-')).to.equal(true);
      const payload = jwt.decode(issued.jwt.slice(6)) as Record<string, unknown>;
      expect(payload['_id']).to.equal('alice');
      expect(payload['jti']).to.match(/^[0-9a-f-]{36}$/);
      // exp rounds up: the JWT never expires before the session it names.
      expect(payload['exp']).to.equal(Math.ceil(issued.expiresAt / 1000));
      expect(payload['exp'] as number).to.be.within((payload['iat'] as number) + 3600, (payload['iat'] as number) + 3601);
      const again = await tokens.create('alice', undefined);
      expect(again.jwt).to.not.equal(issued.jwt);
    });

    it('parses expiresIn as ms or ms strings, -1 for never, and refuses the rest', async () => {
      expect((await tokens.create('alice', 90_000)).ttl).to.equal(90_000);
      expect((await tokens.create('alice', '2h')).ttl).to.equal(7_200_000);
      expect((await tokens.create('alice', '5000')).ttl).to.equal(5000);
      const forever = await tokens.create('alice', -1);
      expect(forever).to.include({ ttl: -1, expiresAt: -1 });
      expect(jwt.decode(forever.jwt.slice(6))).to.not.have.property('exp');
      for (const bad of ['soon', 0, -5, '', { h: 1 }, 1.5e300]) expect((await refusal(tokens.create('alice', bad))).id).to.equal('api.assert.invalid_argument');
    });

    it('enforces maxTTL', async () => {
      const capped = new TokenManager(storage.sessions, storage.settings, { ...settings, maxTTL: 60_000 });
      await capped.init();
      expect((await refusal(capped.create('alice', '2m'))).id).to.equal('security.token.ttl_exceeded');
      expect((await refusal(capped.create('alice', -1))).id).to.equal('security.token.ttl_exceeded');
      expect((await capped.create('alice', 30_000)).ttl).to.equal(30_000);
    });

    it('lets API keys, and only them, outlive maxTTL', async () => {
      const capped = new TokenManager(storage.sessions, storage.settings, { ...settings, maxTTL: 60_000 });
      await capped.init();
      const endless = await capped.create('alice', -1, 'kapikey');
      expect(endless).to.include({ ttl: -1, expiresAt: -1 });
      expect(endless.jwt.startsWith('kapikey-')).to.equal(true);
      expect((await capped.create('alice', '2m', 'kapikey')).ttl).to.equal(120_000);
      expect((await refusal(capped.create('alice', -1, 'kauth'))).id).to.equal('security.token.ttl_exceeded');
    });

    it('writes the login time as auth_time, and keeps it across refreshes', async () => {
      const issued = await tokens.create('alice', undefined);
      const first = jwt.decode(issued.jwt.slice(6)) as Record<string, number>;
      expect(first['auth_time']).to.be.closeTo(Date.now() / 1000, 2);
      await sleep(1100);
      const refreshed = await tokens.refresh(await tokens.verify(issued.jwt), undefined);
      const second = jwt.decode(refreshed.jwt.slice(6)) as Record<string, number>;
      expect(second['auth_time']).to.equal(first['auth_time']);
      expect(second['iat']).to.be.above(first['iat']!);
    });
  });

  describe('#verify', () => {
    it('keeps a short token valid until its expiresAt, to the millisecond', async () => {
      const issued = await tokens.create('bob', 1200);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, issued.expiresAt - Date.now() - 150)));
      expect((await tokens.verify(issued.jwt)).kuid).to.equal('bob');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, issued.expiresAt - Date.now() + 20)));
      expect((await refusal(tokens.verify(issued.jwt))).id).to.equal('security.token.expired');
    });

    it('accepts a token while its session exists, and not after revocation', async () => {
      const issued = await tokens.create('bob', undefined);
      const verified = await tokens.verify(issued.jwt);
      expect(verified.kuid).to.equal('bob');
      await tokens.revoke(verified.session.id);
      expect((await refusal(tokens.verify(issued.jwt))).id).to.equal('security.token.invalid');
    });

    it('refuses alg none, another algorithm, a wrong key, a bad signature and a future nbf as invalid', async () => {
      const issued = await tokens.create('bob', undefined);
      const payload = jwt.decode(issued.jwt.slice(6)) as jwt.JwtPayload;
      const forged = [
        jwt.sign({ _id: 'bob', jti: payload.jti }, '', { algorithm: 'none' as jwt.Algorithm }),
        jwt.sign({ _id: 'bob', jti: payload.jti }, createSecretKey(Buffer.from(SECRET)), { algorithm: 'HS512' }),
        jwt.sign({ _id: 'bob', jti: payload.jti }, 'another-secret-of-sufficient-length-000', { algorithm: 'HS256' }),
        `${issued.jwt.slice(6, -4)}AAAA`,
        jwt.sign({ _id: 'bob', jti: payload.jti, nbf: Math.floor(Date.now() / 1000) + 3600 }, createSecretKey(Buffer.from(SECRET)), { algorithm: 'HS256' }),
      ];
      for (const token of forged) expect((await refusal(tokens.verify(`kauth-${token}`))).id, token).to.equal('security.token.invalid');
      for (const junk of ['', 'kauth-', 'bearer', 'kapikey-abc', 42, null, `kauth-${'a'.repeat(10_000)}`]) {
        expect((await refusal(tokens.verify(junk))).id).to.equal('security.token.invalid');
      }
    });

    it('refuses a token whose session belongs to another user', async () => {
      const issued = await tokens.create('bob', undefined);
      const { jti } = jwt.decode(issued.jwt.slice(6)) as jwt.JwtPayload;
      const swapped = jwt.sign({ _id: 'mallory' }, createSecretKey(Buffer.from(SECRET)), { algorithm: 'HS256', jwtid: jti!, expiresIn: 60 });
      expect((await refusal(tokens.verify(`kauth-${swapped}`))).id).to.equal('security.token.invalid');
    });

    it('says expired once exp has passed', async () => {
      const { jti } = jwt.decode((await tokens.create('bob', undefined)).jwt.slice(6)) as jwt.JwtPayload;
      const old = jwt.sign({ _id: 'bob', exp: Math.floor(Date.now() / 1000) - 10 }, createSecretKey(Buffer.from(SECRET)), { algorithm: 'HS256', jwtid: jti! });
      expect((await refusal(tokens.verify(`kauth-${old}`))).id).to.equal('security.token.expired');
    });
  });

  describe('#refresh', () => {
    it('keeps the old token for the grace period only, and refuses a second refresh', async () => {
      const old = await tokens.verify((await tokens.create('carol', undefined)).jwt);
      const fresh = await tokens.refresh(old, undefined);
      expect(fresh._id).to.equal('carol');
      expect((await tokens.verify(old.token)).session.refreshed).to.equal(true);
      expect((await refusal(tokens.refresh(await tokens.verify(old.token), undefined))).id).to.equal('security.token.invalid');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await refusal(tokens.verify(old.token))).id).to.equal('security.token.invalid');
      expect((await tokens.verify(fresh.jwt)).kuid).to.equal('carol');
    });

    it('lets only one of two concurrent refreshes win', async () => {
      const old = await tokens.verify((await tokens.create('carol', undefined)).jwt);
      const results = await Promise.allSettled([tokens.refresh(old, undefined), tokens.refresh({ ...old, session: { ...old.session } }, undefined)]);
      expect(results.filter((result) => result.status === 'fulfilled')).to.have.length(1);
    });

    it('never outlives a revocation of the user that runs while it refreshes, whichever step it interrupts', async () => {
      for (const pauseAt of ['create', 'markRefreshed'] as const) {
        // The real store, with the refresh held at one step while the user's sessions are revoked.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let reached!: () => void;
        const paused = new Promise<void>((resolve) => (reached = resolve));
        const pausing = new Proxy(storage.sessions, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver) as unknown;
            if (property !== pauseAt || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
            return async (...args: unknown[]) => {
              reached();
              await held;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
        const refreshing = new TokenManager(pausing, storage.settings, settings);
        await refreshing.init();
        const old = await tokens.verify((await tokens.create('erin', undefined)).jwt);
        const refresh = refreshing.refreshSession(old, undefined);
        await paused;
        await tokens.revokeUser('erin');
        release();
        const outcome = await refresh.then((issued) => issued.token.jwt, (error: PortcullisError) => error);
        if (typeof outcome === 'string') expect((await refusal(tokens.verify(outcome))).id, pauseAt).to.equal('security.token.invalid');
        else expect(outcome.id, pauseAt).to.equal('security.token.invalid');
        expect(await storage.sessions.deleteByUser('erin'), pauseAt).to.deep.equal([]);
      }
    });

    it("carries the login's strategy, address and agent over to the new session, with its own creation time", async () => {
      const origin = { strategy: 'local', ip: '198.51.100.4', userAgent: 'Mozilla/5.0 (refresh)' };
      const issued = await tokens.createSession('fay', undefined, 'kauth', { origin });
      await sleep(5);
      const { session } = await tokens.refreshSession(await tokens.verify(issued.token.jwt), undefined);
      expect(session).to.include(origin);
      expect(session.id).to.not.equal(issued.session.id);
      expect(session.createdAt).to.be.above(issued.session.createdAt);
      expect(await storage.sessions.get(session.id)).to.deep.include({ ...origin, createdAt: session.createdAt });
    });

    it('refuses to refresh a token that never expires', async () => {
      const forever = await tokens.verify((await tokens.create('carol', -1)).jwt);
      expect((await refusal(tokens.refresh(forever, undefined))).id).to.equal('security.token.refresh_forbidden');
    });
  });

  describe('#init', () => {
    it('generates one secret and shares it through the settings store', async () => {
      const first = new TokenManager(storage.sessions, storage.settings, { ...settings, secret: undefined });
      const second = new TokenManager(storage.sessions, storage.settings, { ...settings, secret: undefined });
      const [a, b] = await Promise.all([first.init(), second.init()]);
      expect([a.generated, b.generated]).to.include(true);
      const issued = await first.create('dave', undefined);
      expect((await second.verify(issued.jwt)).kuid).to.equal('dave');
      expect((await refusal(tokens.verify(issued.jwt))).id).to.equal('security.token.invalid');
    });
  });
});

/** The synchronous check the request path tries first: it must never accept what `verify` refuses. */
describe('core/tokens/token-manager #verifyCached (Redis sessions with the node cache)', () => {
  let prefix: string;
  let node: RedisSessionStore;
  let other: RedisSessionStore;
  let tokens: TokenManager;
  const refusedNow = (call: () => unknown): PortcullisError => {
    try {
      call();
    } catch (error) {
      expect(error).to.be.instanceOf(PortcullisError);
      return error as PortcullisError;
    }
    throw new Error('expected a synchronous refusal');
  };

  beforeEach(async () => {
    prefix = `${uniqueName()}:`;
    const open = () => RedisSessionStore.open({ url: REDIS_URL, keyPrefix: prefix, timeout: 500, cacheEntries: 100, cacheTtl: 60_000 }, silentLogger);
    [node, other] = [await open(), await open()];
    tokens = new TokenManager(node, { get: async () => null, setIfAbsent: async (_key, value) => value }, settings);
    await tokens.init();
  });

  afterEach(async () => {
    await node.close();
    await other.close();
    await deleteKeys(prefix);
  });

  it('answers undefined until the session was read, then what verify answered', async () => {
    const issued = await tokens.create('bob', undefined);
    expect(tokens.verifyCached(issued.jwt)).to.equal(undefined);
    const verified = await tokens.verify(issued.jwt);
    expect(tokens.verifyCached(issued.jwt)).to.deep.equal(verified);
  });

  it('never answers a single-use token from memory: verify consumes it, once, for both nodes', async () => {
    const { token } = await tokens.createSession('bob', undefined, 'kauth', { singleUse: true });
    expect(tokens.verifyCached(token.jwt)).to.equal(undefined);
    const otherNode = new TokenManager(other, { get: async () => null, setIfAbsent: async (_key, value) => value }, settings);
    await otherNode.init();
    const outcomes = await Promise.allSettled([tokens.verify(token.jwt), otherNode.verify(token.jwt)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).to.include({ id: 'security.token.invalid' });
    expect(tokens.verifyCached(token.jwt)).to.equal(undefined);
    expect((await refusal(tokens.verify(token.jwt))).id).to.equal('security.token.invalid');
  });

  it('caches an API key\'s session like a login token\'s', async () => {
    const key = await tokens.create('bob', -1, 'kapikey');
    await tokens.verify(key.jwt);
    expect(tokens.verifyCached(key.jwt)).to.include({ kuid: 'bob' });
  });

  it('refuses malformed and forged tokens at once, as verify does', async () => {
    const issued = await tokens.create('bob', undefined);
    const { jti } = jwt.decode(issued.jwt.slice(6)) as jwt.JwtPayload;
    await tokens.verify(issued.jwt);
    const forged = jwt.sign({ _id: 'bob', jti }, 'another-secret-of-sufficient-length-000', { algorithm: 'HS256' });
    const swapped = jwt.sign({ _id: 'mallory' }, createSecretKey(Buffer.from(SECRET)), { algorithm: 'HS256', jwtid: jti!, expiresIn: 60 });
    for (const token of ['', 'kauth-', 42, null, `kauth-${forged}`, `kauth-${swapped}`]) {
      expect(refusedNow(() => tokens.verifyCached(token)).id, String(token)).to.equal('security.token.invalid');
    }
  });

  it('stops answering for a session revoked on this node or on another', async () => {
    const [mine, theirs] = [await tokens.create('bob', undefined), await tokens.create('carol', undefined)];
    const [verifiedMine, verifiedTheirs] = [await tokens.verify(mine.jwt), await tokens.verify(theirs.jwt)];
    await tokens.revoke(verifiedMine.session.id);
    expect(tokens.verifyCached(mine.jwt)).to.equal(undefined);
    expect((await refusal(tokens.verify(mine.jwt))).id).to.equal('security.token.invalid');
    await other.delete(verifiedTheirs.session.id);
    await waitFor(() => tokens.verifyCached(theirs.jwt) === undefined, 1000, 'the other node\'s revocation');
    expect((await refusal(tokens.verify(theirs.jwt))).id).to.equal('security.token.invalid');
  });

  it('says expired once the cached session has expired', async () => {
    const issued = await tokens.create('bob', 300);
    await tokens.verify(issued.jwt);
    await sleep(Math.max(0, issued.expiresAt - Date.now() + 20));
    expect(refusedNow(() => tokens.verifyCached(issued.jwt)).id).to.equal('security.token.expired');
  });

  it('records a use from the cached check at most once per interval, without waiting for the write', async () => {
    let touches = 0;
    const counting = new Proxy(node, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property === 'touch') touches++;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const recording = new TokenManager(counting, { get: async () => null, setIfAbsent: async (_key, value) => value }, settings, 200);
    await recording.init();
    const issued = await recording.createSession('bob', undefined);
    await recording.verify(issued.token.jwt);
    for (let check = 0; check < 50; check++) recording.verifyCached(issued.token.jwt);
    expect(touches).to.equal(0);
    await sleep(250);
    const usedAt = Date.now();
    for (let check = 0; check < 50; check++) expect(recording.verifyCached(issued.token.jwt)).to.not.equal(undefined);
    expect(touches).to.equal(1);
    expect(recording.verifyCached(issued.token.jwt)!.session.lastUsedAt).to.be.within(usedAt, usedAt + 50);
    await waitFor(async () => ((await other.get(issued.session.id))?.lastUsedAt ?? 0) >= usedAt, 1000, 'the last use in Redis');
  });

  it('hands out sessions nobody can change behind the cache\'s back', async () => {
    const issued = await tokens.create('bob', undefined);
    await tokens.verify(issued.jwt);
    const { session } = tokens.verifyCached(issued.jwt)!;
    expect(Object.isFrozen(session)).to.equal(true);
    try {
      (session as { kuid: string }).kuid = 'mallory';
    } catch {
      // strict mode throws; sloppy mode ignores the write: either way nothing changes
    }
    expect(tokens.verifyCached(issued.jwt)!.kuid).to.equal('bob');
  });
});
