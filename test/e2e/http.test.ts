import { expect } from 'chai';
import { connect } from 'node:net';
import type { Portcullis } from '@portcullis/server';
import { HttpClient } from '../support/clients.js';
import { createUser, firstAdmin } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

/** Sends raw bytes and resolves with the whole raw answer. */
function rawHttp(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

async function json(response: Response): Promise<Record<string, unknown> & { status: number; error: { id: string } | null; result: unknown }> {
  const body = (await response.json()) as Record<string, unknown> & { status: number; error: { id: string } | null; result: unknown };
  expect(body.status).to.equal(response.status);
  return body;
}

describe('e2e: the HTTP transport', () => {
  let stores: TestStores;
  let node: Portcullis;
  let jwt: string;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { server: { maxRequestSize: 4096, allowOrigin: ['https://app.example.test'] } });
    const admin = await firstAdmin(new HttpClient(node.url));
    await createUser(new HttpClient(node.url), admin, 'ivy', 'ivy', 'ivy-password-12');
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('logs in with POST /_login/local and reads the user with GET /_me and its aliases', async () => {
    const login = await json(await fetch(`${node.url}/_login/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ivy', password: 'ivy-password-12' }) }));
    jwt = (login.result as { jwt: string }).jwt;
    expect(login).to.include({ controller: 'auth', action: 'login', status: 200 });
    for (const path of ['/_me', '/users/_me']) {
      const me = await json(await fetch(`${node.url}${path}`, { headers: { authorization: `bearer ${jwt}` } }));
      expect(me.result).to.have.property('_id', 'ivy');
    }
    const rights = await json(await fetch(`${node.url}/users/_me/_rights`, { headers: { authorization: `Bearer ${jwt}` } }));
    expect(rights).to.have.nested.property('result.total').that.is.a('number');
  });

  it('takes a whole envelope on POST /_query, with the header token when the body has none', async () => {
    const response = await json(await fetch(`${node.url}/_query`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: JSON.stringify({ controller: 'auth', action: 'getCurrentUser', requestId: 'r-1' }) }));
    expect(response).to.include({ requestId: 'r-1', status: 200 });
    expect(response.result).to.have.property('_id', 'ivy');
  });

  it('echoes X-Kuzzle-Request-Id and names the node', async () => {
    const response = await fetch(`${node.url}/_now`, { headers: { 'x-kuzzle-request-id': 'abc', authorization: `Bearer ${jwt}` } });
    expect(response.headers.get('x-kuzzle-request-id')).to.equal('abc');
    expect(response.headers.get('x-kuzzle-node')).to.match(/^portcullis-/);
    expect((await json(response)).requestId).to.equal('abc');
  });

  it('treats query-string booleans as presence flags', async () => {
    const first = (await json(await fetch(`${node.url}/_login/local`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ username: 'ivy', password: 'ivy-password-12' }) }))).result as { jwt: string };
    const second = (await json(await fetch(`${node.url}/_login/local`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ username: 'ivy', password: 'ivy-password-12' }) }))).result as { jwt: string };
    await json(await fetch(`${node.url}/_logout?global=false`, { method: 'POST', headers: { authorization: `Bearer ${first.jwt}` } }));
    const after = await json(await fetch(`${node.url}/_me`, { headers: { authorization: `Bearer ${second.jwt}` } }));
    expect(after.error?.id).to.equal('security.token.invalid');
    jwt = ((await json(await fetch(`${node.url}/_login/local`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ username: 'ivy', password: 'ivy-password-12' }) }))).result as { jwt: string }).jwt;
  });

  it('never takes a password from the URL', async () => {
    const inUrl = await json(await fetch(`${node.url}/_login/local?username=ivy&password=ivy-password-12`, { method: 'POST' }));
    expect(inUrl.error?.id).to.equal('plugin.strategy.missing_user');
    const get = await json(await fetch(`${node.url}/_login/local?username=ivy&password=ivy-password-12`));
    expect(get.error?.id).to.equal('plugin.strategy.missing_user');
  });

  it('serves /_healthcheck and /_ready without authentication', async () => {
    for (const path of ['/_healthcheck', '/_ready']) expect((await fetch(`${node.url}${path}`)).status).to.equal(200);
  });

  it('lists every served action with its routes on /_publicApi', async () => {
    const api = (await json(await fetch(`${node.url}/_publicApi`))).result as Record<string, Record<string, { http: Array<{ verb: string; url: string }> }>>;
    expect(api['auth']!['login']!.http).to.deep.include({ verb: 'POST', url: '/_login/:strategy', path: '/_login/:strategy' });
    expect(api['auth']!['getCurrentUser']!.http).to.deep.equal([{ verb: 'GET', url: '/_me', path: '/_me' }]);
    expect(Object.keys(api['security']!)).to.include.members(['createFirstAdmin', 'createUser', 'deleteUser', 'getCredentialFields']);
  });

  it('answers every malformed request with a 4xx envelope', async () => {
    const cases: Array<[string, RequestInit, string, number]> = [
      ['/_login/local', { method: 'POST', headers: JSON_TYPE, body: '{"username": ' }, 'network.http.body_parse_failed', 400],
      ['/_login/local', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }, 'network.http.unsupported_content', 400],
      ['/_login/local', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ username: 'x'.repeat(5000) }) }, 'network.http.request_too_large', 413],
      ['/no/such/route', { method: 'GET' }, 'network.http.url_not_found', 404],
      ['/users/_me/extra', { method: 'GET' }, 'network.http.url_not_found', 404],
      ['/_me', { method: 'PATCH' }, 'network.http.unsupported_verb', 400],
      ['/_me', { method: 'GET', headers: { 'x-kuzzle-volatile': '{bad' } }, 'network.http.volatile_parse_failed', 400],
      ['/_query', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ action: 'login' }) }, 'api.assert.missing_argument', 400],
      ['/_query', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ controller: 'nope', action: 'x' }) }, 'api.process.controller_not_found', 404],
      ['/_query', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ controller: 'auth', action: 'nope' }) }, 'api.process.action_not_found', 404],
      ['/_query', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ controller: 'auth', action: 'getCurrentUser', jwt: 42 }) }, 'api.assert.invalid_type', 400],
      ['/_query', { method: 'POST', headers: JSON_TYPE, body: '[1,2]' }, 'api.assert.body_required', 400],
    ];
    for (const [path, init, id, status] of cases) {
      const response = await fetch(`${node.url}${path}`, init);
      expect(response.status, `${init.method} ${path}`).to.equal(status);
      const body = await json(response);
      expect(body.error?.id, `${init.method} ${path}`).to.equal(id);
    }
  });

  it('answers malformed HTTP and oversized headers with an envelope, and keeps serving', async () => {
    const garbage = await rawHttp(node.url, 'THIS IS NOT HTTP\r\n\r\n');
    expect(garbage).to.match(/^HTTP\/1\.1 400/);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).to.have.nested.property('error.id', 'network.http.unexpected_error');
    const huge = await rawHttp(node.url, `GET /_me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).to.match(/^HTTP\/1\.1 431/);
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).to.have.nested.property('error.id', 'network.http.headers_too_large');
    expect((await fetch(`${node.url}/_healthcheck`)).status).to.equal(200);
  });

  it('applies CORS: allowed origins are echoed, others refused', async () => {
    const allowed = await fetch(`${node.url}/_me`, { headers: { origin: 'https://app.example.test' } });
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://app.example.test');
    const preflight = await fetch(`${node.url}/_me`, { method: 'OPTIONS', headers: { origin: 'https://app.example.test' } });
    expect(preflight.status).to.equal(200);
    const refused = await json(await fetch(`${node.url}/_me`, { headers: { origin: 'https://evil.example.test' } }));
    expect(refused.error?.id).to.equal('api.process.unauthorized_origin');
  });

  describe('HTTP Basic authentication', () => {
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

    it('challenges anonymous requests that need a user', async () => {
      const response = await fetch(`${node.url}/_logout`, { method: 'POST' });
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.equal('Basic realm="Portcullis", charset="UTF-8"');
      const body = await json(response);
      expect(body.error?.id).to.equal('security.rights.unauthorized');
      expect(body['headers']).to.deep.equal({});
    });

    it('authenticates one request with Basic credentials, without creating a session', async () => {
      const me = await json(await fetch(`${node.url}/_me`, { headers: basic('ivy', 'ivy-password-12') }));
      expect(me.result).to.deep.include({ _id: 'ivy', strategies: ['local'] });
      const refresh = await json(await fetch(`${node.url}/_refreshToken`, { method: 'POST', headers: basic('ivy', 'ivy-password-12') }));
      expect(refresh.error?.id).to.equal('security.token.refresh_forbidden');
    });

    it('refuses wrong Basic credentials with the login error and a challenge', async () => {
      for (const headers of [basic('ivy', 'wrong-password'), basic('nobody', 'wrong-password'), { authorization: 'Basic !!!' }, { authorization: 'Basic aXZ5' }]) {
        const response = await fetch(`${node.url}/_me`, { headers });
        const body = await json(response);
        expect(response.status, headers.authorization).to.equal(401);
        expect(body.error?.id, headers.authorization).to.equal('plugin.strategy.missing_user');
        expect(response.headers.get('www-authenticate')).to.match(/^Basic realm="Portcullis"/);
      }
    });

    it('still takes Bearer tokens on the same routes', async () => {
      const me = await json(await fetch(`${node.url}/_me`, { headers: { authorization: `Bearer ${jwt}` } }));
      expect(me.result).to.have.property('_id', 'ivy');
    });
  });

  it('never sends a stack trace outside development mode', async () => {
    const body = await json(await fetch(`${node.url}/_me`, { headers: { authorization: 'Bearer kauth-nope' } }));
    expect(body.error).to.not.have.property('stack');
  });
});
