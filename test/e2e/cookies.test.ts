import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import WebSocket from 'ws';
import { HttpClient } from '../support/clients.js';
import { cookieCall, cookieLogin } from '../support/cookies.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { upgrade } from '../support/raw-http.js';

const LISTED = 'https://app.example.test';
const UNLISTED = 'https://elsewhere.example.test';
const IVY = { username: 'ivy', password: 'ivy-password-12' };

/** Sends one request on a socket and resolves with its answer. */
function wsCall(socket: WebSocket, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const requestId = `r${Math.random()}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer')), 5000);
    const listener = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if (message['requestId'] !== requestId) return;
      clearTimeout(timer);
      socket.off('message', listener);
      resolve(message);
    };
    socket.on('message', listener);
    socket.send(JSON.stringify({ ...request, requestId }));
  });
}

for (const mode of MODES) {
  describe(`e2e: the authToken cookie (cookieAuth) [${mode}]`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { server: { allowOrigin: ['*', LISTED] } });
      const http = new HttpClient(node.url);
      admin = await firstAdmin(http);
      await createUser(http, admin, 'ivy', IVY.username, IVY.password);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    describe('auth:login with cookieAuth', () => {
      it('sets an HttpOnly, Secure, SameSite=Strict authToken cookie on / that ends with the token, and leaves the jwt out of the body', async () => {
        const { token, answer } = await cookieLogin(node.url, IVY);
        expect(token).to.match(/^kauth-/);
        expect(answer.setCookie).to.include({ name: 'authToken', path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
        const result = ok<Record<string, unknown>>(answer.envelope);
        expect(result).to.have.keys('_id', 'expiresAt', 'ttl');
        expect(result['_id']).to.equal('ivy');
        // Max-Age from the token: the default lifetime (1h), counted down from the answer.
        expect(answer.setCookie?.maxAge).to.be.within(3598, 3600);
        expect(Math.abs(Date.now() + answer.setCookie!.maxAge! * 1000 - (result['expiresAt'] as number))).to.be.below(3000);
        // The envelope never shows the cookie; the answer carries a token: nobody caches it.
        expect(answer.envelope.headers).to.deep.equal({});
        expect(JSON.stringify(answer.envelope)).to.not.include(token);
        expect(answer.headers.get('cache-control')).to.equal('no-store');
      });

      it('takes Max-Age from expiresIn', async () => {
        const { answer } = await cookieLogin(node.url, IVY, '&expiresIn=10m');
        expect(answer.setCookie?.maxAge).to.be.within(598, 600);
      });

      it('is refused over WebSocket, where no cookie can be set', async () => {
        const { socket } = await upgrade(node.url);
        const answer = await wsCall(socket!, { controller: 'auth', action: 'login', strategy: 'local', cookieAuth: true, body: IVY });
        expect(answer).to.nested.include({ status: 400, 'error.id': 'api.assert.invalid_argument' });
        socket!.close();
      });
    });

    describe('requests authenticated by the cookie', () => {
      it('runs GET /_me and POST /_query as the cookie\'s user', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        expect(ok<{ _id: string }>((await cookieCall(node.url, 'GET', '/_me', { cookie: token })).envelope)._id).to.equal('ivy');
        const query = await cookieCall(node.url, 'POST', '/_query', { cookie: token, body: { controller: 'auth', action: 'getCurrentUser' } });
        expect(ok<{ _id: string }>(query.envelope)._id).to.equal('ivy');
      });

      it('lets an Authorization header win over the cookie (Bearer and Basic), and a jwt in the envelope too', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const bearer = await cookieCall(node.url, 'GET', '/_me', { cookie: token, authorization: `Bearer ${admin}` });
        expect(ok<{ _id: string }>(bearer.envelope)._id).to.equal('admin');
        const basic = await cookieCall(node.url, 'GET', '/_me', { cookie: token, authorization: `Basic ${Buffer.from('admin:admin-password-long-enough').toString('base64')}` });
        expect(ok<{ _id: string }>(basic.envelope)._id).to.equal('admin');
        const query = await cookieCall(node.url, 'POST', '/_query', { cookie: token, body: { controller: 'auth', action: 'getCurrentUser', jwt: admin } });
        expect(ok<{ _id: string }>(query.envelope)._id).to.equal('admin');
        // A bad header is not rescued by a good cookie.
        failed((await cookieCall(node.url, 'GET', '/_me', { cookie: token, authorization: 'Bearer kauth-nonsense' })).envelope, 'security.token.invalid', 401);
      });

      it('treats an empty or "null" cookie as none, and refuses a cookie that is not a valid token', async () => {
        for (const cookie of ['', 'null']) {
          expect(ok<{ _id: string }>((await cookieCall(node.url, 'GET', '/_me', { cookie })).envelope)._id).to.equal('-1');
        }
        failed((await cookieCall(node.url, 'GET', '/_me', { cookie: 'kauth-garbage' })).envelope, 'security.token.invalid', 401);
      });

      it('refreshes into a new cookie, without the jwt in the body', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const refreshed = await cookieCall(node.url, 'POST', '/_refreshToken?cookieAuth', { cookie: token });
        const result = ok<Record<string, unknown>>(refreshed.envelope);
        expect(result).to.have.keys('_id', 'expiresAt', 'ttl');
        expect(refreshed.setCookie).to.include({ name: 'authToken', httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
        expect(refreshed.setCookie?.value).to.match(/^kauth-/).and.not.equal(token);
        expect(refreshed.headers.get('cache-control')).to.equal('no-store');
        expect(ok<{ _id: string }>((await cookieCall(node.url, 'GET', '/_me', { cookie: refreshed.setCookie!.value! })).envelope)._id).to.equal('ivy');
      });
    });

    describe('auth:logout with cookieAuth', () => {
      it('ends the session on the server and removes the cookie', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const out = await cookieCall(node.url, 'POST', '/_logout?cookieAuth', { cookie: token });
        expect(ok(out.envelope)).to.deep.equal({ acknowledged: true });
        expect(out.setCookie).to.include({ name: 'authToken', value: '', maxAge: 0, path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
        // The token is dead, not only the cookie: a client that kept it is refused.
        failed((await cookieCall(node.url, 'GET', '/_me', { cookie: token })).envelope, 'security.token.invalid', 401);
        failed(await new HttpClient(node.url).call({ controller: 'auth', action: 'getCurrentUser', jwt: token }), 'security.token.invalid', 401);
      });

      it('tells a socket opened with the cookie that its session ended', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const { socket } = await upgrade(node.url, { headers: { cookie: `authToken=${token}` } });
        const seen: Array<Record<string, unknown>> = [];
        socket!.on('message', (data) => seen.push(JSON.parse(String(data)) as Record<string, unknown>));
        // The upgrade alone authenticates the socket: its requests without jwt run as the cookie's user.
        expect(await wsCall(socket!, { controller: 'auth', action: 'getCurrentUser' })).to.nested.include({ status: 200, 'result._id': 'ivy' });
        seen.length = 0;
        ok((await cookieCall(node.url, 'POST', '/_logout?cookieAuth', { cookie: token })).envelope);
        for (let waited = 0; seen.length === 0 && waited < 3000; waited += 50) await sleep(50);
        expect(seen[0]).to.include({ type: 'TokenExpired', room: 'kuzzle:notification:server', message: 'Authentication Token Revoked' });
        expect(await wsCall(socket!, { controller: 'auth', action: 'getCurrentUser' })).to.nested.include({ status: 401, 'error.id': 'security.token.invalid' });
        socket!.close();
      });

      it('binds a socket opened with the cookie before its first request', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const { socket } = await upgrade(node.url, { headers: { cookie: `authToken=${token}` } });
        const seen: Array<Record<string, unknown>> = [];
        socket!.on('message', (data) => seen.push(JSON.parse(String(data)) as Record<string, unknown>));
        await sleep(200);
        ok((await cookieCall(node.url, 'POST', '/_logout?cookieAuth', { cookie: token })).envelope);
        for (let waited = 0; seen.length === 0 && waited < 3000; waited += 50) await sleep(50);
        expect(seen[0]).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
        socket!.close();
      });
    });

    describe('WebSocket upgrades carrying the cookie', () => {
      it('lets a message\'s own jwt win over the cookie, and answers checkToken with cookieAuth from the upgrade\'s cookie', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const { socket } = await upgrade(node.url, { headers: { cookie: `authToken=${token}` } });
        expect(await wsCall(socket!, { controller: 'auth', action: 'getCurrentUser', jwt: admin })).to.nested.include({ 'result._id': 'admin' });
        const checked = await wsCall(socket!, { controller: 'auth', action: 'checkToken', cookieAuth: true, body: {} });
        expect(checked).to.nested.include({ status: 200, 'result.valid': true, 'result.kuid': 'ivy' });
        socket!.close();
      });
    });

    describe('a stale or revoked cookie', () => {
      let revoked: string;

      before(async () => {
        revoked = (await cookieLogin(node.url, IVY)).token;
        ok((await cookieCall(node.url, 'POST', '/_logout', { cookie: revoked })).envelope);
      });

      it('does not stand in the way of a new login, over HTTP or on a socket opened with it', async () => {
        const again = await cookieCall(node.url, 'POST', '/_login/local?cookieAuth', { cookie: revoked, body: IVY });
        expect(ok<{ _id: string }>(again.envelope)._id).to.equal('ivy');
        expect(again.setCookie?.value).to.match(/^kauth-/);
        const { socket } = await upgrade(node.url, { headers: { cookie: `authToken=${revoked}` } });
        expect(await wsCall(socket!, { controller: 'auth', action: 'login', strategy: 'local', body: IVY })).to.nested.include({ status: 200, 'result._id': 'ivy' });
        socket!.close();
      });

      it('is reported invalid by checkToken with cookieAuth, which does not fail on it', async () => {
        const checked = await cookieCall(node.url, 'POST', '/_checkToken?cookieAuth', { cookie: revoked, body: {} });
        expect(ok(checked.envelope)).to.deep.equal({ valid: false, state: 'Invalid token.' });
        const { token } = await cookieLogin(node.url, IVY);
        const valid = ok<Record<string, unknown>>((await cookieCall(node.url, 'POST', '/_checkToken?cookieAuth', { cookie: token, body: {} })).envelope);
        expect(valid).to.include({ valid: true, kuid: 'ivy' });
        // Without a cookie: the anonymous user, as Kuzzle answers a request without a token.
        expect(ok((await cookieCall(node.url, 'POST', '/_checkToken?cookieAuth', { body: {} })).envelope)).to.deep.equal({ valid: true, kuid: '-1', expiresAt: null });
        // Without cookieAuth, checkToken checks the body's token and ignores the cookie.
        expect(ok((await cookieCall(node.url, 'POST', '/_checkToken', { cookie: revoked, body: { token } })).envelope)).to.include({ valid: true });
      });

      it('expired, does not stand in the way of a login or a checkToken either', async () => {
        const { token } = await cookieLogin(node.url, IVY, '&expiresIn=1s');
        await sleep(1100);
        failed((await cookieCall(node.url, 'GET', '/_me', { cookie: token })).envelope, 'security.token.expired', 401);
        expect(ok((await cookieCall(node.url, 'POST', '/_checkToken?cookieAuth', { cookie: token, body: {} })).envelope)).to.deep.equal({ valid: false, state: 'Token expired' });
        expect(ok<{ _id: string }>((await cookieCall(node.url, 'POST', '/_login/local?cookieAuth', { cookie: token, body: IVY })).envelope)._id).to.equal('ivy');
      });

      it('is refused elsewhere, with the token\'s own error', async () => {
        failed((await cookieCall(node.url, 'GET', '/_me', { cookie: revoked })).envelope, 'security.token.invalid', 401);
      });
    });

    describe('cross-site safety', () => {
      it('allows credentials in CORS answers to origins listed exactly, never through "*"', async () => {
        const listed = await cookieCall(node.url, 'OPTIONS', '/_login/local', { origin: LISTED });
        expect(listed.headers.get('access-control-allow-origin')).to.equal(LISTED);
        expect(listed.headers.get('access-control-allow-credentials')).to.equal('true');
        expect(listed.headers.get('vary')).to.equal('Origin');
        const other = await cookieCall(node.url, 'GET', '/_me', { origin: UNLISTED });
        expect(other.headers.get('access-control-allow-origin')).to.equal(UNLISTED);
        expect(other.headers.get('access-control-allow-credentials')).to.equal(null);
      });

      it('refuses a cookie-authenticated request from an origin not listed, and serves listed ones, the server\'s own and requests without Origin', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const refused = await cookieCall(node.url, 'GET', '/_me', { cookie: token, origin: UNLISTED });
        failed(refused.envelope, 'security.cookie.unauthorized_origin', 403);
        expect(refused.envelope.error?.message).to.include(UNLISTED);
        failed((await cookieCall(node.url, 'POST', '/_logout', { cookie: token, origin: UNLISTED })).envelope, 'security.cookie.unauthorized_origin', 403);
        for (const origin of [LISTED, node.url, undefined]) {
          expect(ok<{ _id: string }>((await cookieCall(node.url, 'GET', '/_me', { cookie: token, ...(origin ? { origin } : {}) })).envelope)._id, String(origin)).to.equal('ivy');
        }
        // The same page may still call with a token of its own: only the cookie is refused to it.
        expect(ok<{ _id: string }>((await cookieCall(node.url, 'GET', '/_me', { cookie: token, origin: UNLISTED, authorization: `Bearer ${admin}` })).envelope)._id).to.equal('admin');
      });

      it('refuses cookieAuth to a page of an origin not listed: it could not use the cookie', async () => {
        const refused = await cookieCall(node.url, 'POST', '/_login/local?cookieAuth', { origin: UNLISTED, body: IVY });
        failed(refused.envelope, 'security.cookie.unauthorized_origin', 403);
        expect(refused.rawSetCookie).to.equal(null);
        const listed = await cookieCall(node.url, 'POST', '/_login/local?cookieAuth', { origin: LISTED, body: IVY });
        expect(listed.status).to.equal(200);
        expect(listed.headers.get('access-control-allow-credentials')).to.equal('true');
      });

      it('refuses a WebSocket upgrade carrying the cookie from an origin not listed', async () => {
        const { token } = await cookieLogin(node.url, IVY);
        const { refused } = await upgrade(node.url, { origin: UNLISTED, headers: { cookie: `authToken=${token}` } });
        expect(refused?.status).to.equal(403);
        expect(refused?.body).to.have.nested.property('error.id', 'security.cookie.unauthorized_origin');
        for (const options of [{ origin: LISTED, headers: { cookie: `authToken=${token}` } }, { origin: UNLISTED }]) {
          const { socket } = await upgrade(node.url, options);
          expect(socket?.readyState).to.equal(WebSocket.OPEN);
          socket?.close();
        }
      });
    });
  });
}

describe('e2e: the authToken cookie\'s settings', () => {
  let stores: TestStores;
  const nodes: Portcullis[] = [];

  before(() => {
    stores = new TestStores('embedded');
  });

  after(async () => {
    await nodes[nodes.length - 1]?.stop();
    await stores?.destroy();
  });

  /** One node at a time on the suite's database: the first one creates ivy. */
  async function nodeWith(overrides: Record<string, unknown>): Promise<Portcullis> {
    await nodes[nodes.length - 1]?.stop();
    const node = await startNode(stores, overrides);
    nodes.push(node);
    if (nodes.length === 1) {
      const http = new HttpClient(node.url);
      await createUser(http, await firstAdmin(http), 'ivy', IVY.username, IVY.password);
    }
    return node;
  }

  it('follows server.cookies.sameSite and secure (plain-HTTP development)', async () => {
    const node = await nodeWith({ server: { cookies: { sameSite: 'lax', secure: false } } });
    const { answer } = await cookieLogin(node.url, IVY);
    expect(answer.setCookie).to.include({ sameSite: 'lax', httpOnly: true, path: '/' });
    expect(answer.setCookie?.secure).to.not.equal(true);
    expect(answer.rawSetCookie).to.not.match(/secure/i);
  });

  it('ignores cookieAuth and the cookie when server.cookies.enabled is false', async () => {
    const node = await nodeWith({ server: { cookies: { enabled: false } } });
    const answer = await cookieCall(node.url, 'POST', '/_login/local?cookieAuth', { body: IVY });
    const result = ok<{ jwt: string }>(answer.envelope);
    expect(result.jwt).to.match(/^kauth-/);
    expect(answer.rawSetCookie).to.equal(null);
    expect(ok<{ _id: string }>((await cookieCall(node.url, 'GET', '/_me', { cookie: result.jwt })).envelope)._id).to.equal('-1');
  });

  it('gives a token that never expires a cookie without Max-Age, which the browser drops when it closes', async () => {
    const node = await nodeWith({ security: { jwt: { maxTTL: -1 } } });
    const { answer } = await cookieLogin(node.url, IVY, '&expiresIn=-1');
    expect(ok<{ expiresAt: number }>(answer.envelope).expiresAt).to.equal(-1);
    expect(answer.setCookie?.maxAge).to.equal(undefined);
    expect(answer.setCookie?.expires).to.equal(undefined);
  });

  it('keeps a socket opened with a valid cookie past the idle timeout, as a logged-in one', async () => {
    const node = await nodeWith({ server: { websocket: { idleTimeout: 300 } } });
    const { token } = await cookieLogin(node.url, IVY);
    const sockets = await Promise.all([upgrade(node.url, { headers: { cookie: `authToken=${token}` } }), upgrade(node.url)]);
    const closed = sockets.map(({ socket }) => new Promise<number>((resolve) => socket!.once('close', (code) => resolve(code))));
    // The anonymous socket goes when its idle time is up; the cookie's stays.
    expect(await closed[1]).to.equal(1008);
    await sleep(500);
    expect(sockets[0]!.socket!.readyState).to.equal(WebSocket.OPEN);
    sockets[0]!.socket!.close();
  });

  it('refuses settings browsers would not honour', async () => {
    for (const server of [{ cookies: { sameSite: 'none', secure: false } }, { allowOrigin: ['https://app.example.test/'] }, { allowOrigin: ['null'] }, { cookies: { sameSite: 'relaxed' } }]) {
      let error: unknown;
      try {
        await startNode(stores, { server });
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(server)).to.be.instanceOf(Error);
    }
    // SameSite=None is allowed with Secure.
    const node = await nodeWith({ server: { cookies: { sameSite: 'none' } } });
    expect((await cookieLogin(node.url, IVY)).answer.setCookie).to.include({ sameSite: 'none', secure: true });
  });
});
