import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import WebSocket from 'ws';
import { HttpClient, WsClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { httpRequest, rawExchange, upgrade } from '../support/raw-http.js';

const IVY = { username: 'ivy', password: 'ivy-password-12' };
const nested = (depth: number, leaf: string = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const closed = (socket: WebSocket) => new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code) => resolve({ code, at: Date.now() })));
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('e2e: resources stay bounded', () => {
  let stores: TestStores;
  let node: Portcullis;
  let ivy: string;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { server: { maxRequestSize: 4096 } });
    const http = new HttpClient(node.url);
    const admin = await firstAdmin(http);
    // The rights-memo test sends thousands of requests a second: ivy's rights are the default
    // role's, without the default profile's rateLimit. (No API manages profiles yet.)
    await node.context.storage.profiles.put({ _id: 'unlimited', policies: [{ roleId: 'default' }], rateLimit: 0 });
    await node.context.security.init();
    await createUser(http, admin, 'ivy', IVY.username, IVY.password, ['unlimited']);
    ivy = await login(http, IVY.username, IVY.password);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('bounds the rights memo, whatever controller and action names clients ask about', async () => {
    const client = await WsClient.connect(node.url);
    const ask = (controller: string, action: string) => client.call({ controller: 'auth', action: 'checkRights', jwt: ivy, body: { controller, action } });
    for (let batch = 0; batch < 11; batch++) {
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => ask(`c${batch}-${i}`, `a${i}`)));
      for (const answer of answers) expect(ok<{ allowed: boolean }>(answer).allowed).to.equal(false);
    }
    expect(ok<{ allowed: boolean }>(await ask('x'.repeat(3000), 'y'.repeat(100))).allowed).to.equal(false);
    expect(ok<{ allowed: boolean }>(await ask('auth', 'getCurrentUser')).allowed).to.equal(true);
    expect(node.context.security.decisionsHeld).to.be.within(1, 10_000);
    await client.close();
  });

  describe('JSON nesting depth', () => {
    it('refuses an HTTP body nested deeper than server.maxJsonDepth with a 400', async () => {
      for (const depth of [33, 2000]) {
        const response = await fetch(`${node.url}/_login/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: nested(depth) });
        expect(response.status, String(depth)).to.equal(400);
        expect(await response.json()).to.have.nested.property('error.id', 'network.http.body_parse_failed');
      }
      const fine = await fetch(`${node.url}/_query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ controller: 'auth', action: 'getCurrentUser', deep: JSON.parse(nested(30)) }) });
      expect(fine.status).to.equal(200);
    });

    it('refuses an X-Kuzzle-Volatile header nested too deep with a 400', async () => {
      const response = await fetch(`${node.url}/_me`, { headers: { 'x-kuzzle-volatile': `{"a":${nested(40)}}` } });
      expect(response.status).to.equal(400);
      expect(await response.json()).to.have.nested.property('error.id', 'network.http.volatile_parse_failed');
    });

    it('refuses WebSocket bodies, arguments and volatile nested too deep with a 400, and keeps the socket', async () => {
      const client = await WsClient.connect(node.url);
      for (const [field, value] of [['body', `{"username":${nested(40)}}`], ['expiresIn', nested(40)], ['volatile', `{"v":${nested(40)}}`], ['deep', nested(1500)]] as const) {
        const answer = await client.raw(`{"controller":"auth","action":"login","strategy":"local","requestId":"d","${field}":${value}}`);
        expect(answer, field).to.have.nested.property('error.id', 'network.websocket.unexpected_error');
        expect(answer['status'], field).to.equal(400);
      }
      expect(await client.raw('{"p":1}')).to.deep.equal({ p: 2 });
      await client.close();
    });
  });

  describe('oversized bodies', () => {
    const big = 'x'.repeat(64 * 1024);
    const chunks = (count: number) => Array.from({ length: count }, () => big);

    it('answers a declared Content-Length past the limit with a readable 413, then closes', async () => {
      const head = `POST /_login/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${16 * big.length}\r\n\r\n`;
      const answer = await rawExchange(node.url, [head, ...chunks(16)]);
      expect(answer.status).to.equal(413);
      expect(JSON.parse(answer.body)).to.have.nested.property('error.id', 'network.http.request_too_large');
      expect(answer.closed).to.equal(true);
    });

    it('answers a chunked body past the limit with a readable 413, then closes', async () => {
      const head = 'POST /_login/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
      const chunk = `${big.length.toString(16)}\r\n${big}\r\n`;
      const answer = await rawExchange(node.url, [head, ...Array.from({ length: 16 }, () => chunk), '0\r\n\r\n']);
      expect(answer.status).to.equal(413);
      expect(JSON.parse(answer.body)).to.have.nested.property('error.id', 'network.http.request_too_large');
      expect(answer.closed).to.equal(true);
    });

    it('lets an ordinary HTTP client read the 413 of a large body', async () => {
      const response = await fetch(`${node.url}/_login/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x'.repeat(2_000_000) }) });
      expect(response.status).to.equal(413);
      expect(await response.json()).to.have.nested.property('error.id', 'network.http.request_too_large');
    });
  });

  describe('echoed values', () => {
    it('bounds WebSocket request ids and strips their control characters', async () => {
      const client = await WsClient.connect(node.url);
      const answer = await client.raw(JSON.stringify({ controller: 'nope', action: 'x', requestId: `a\u0001\u001b[31mb${'x'.repeat(1500)}` }));
      expect(answer).to.have.nested.property('error.id', 'api.process.controller_not_found');
      const requestId = answer['requestId'] as string;
      expect(requestId.startsWith('a[31mb')).to.equal(true);
      expect(requestId.length).to.be.at.most(128);
      expect(requestId).to.not.match(CONTROL);
      expect(answer['room']).to.equal(requestId);
      await client.close();
    });

    it('refuses controller and action names that could not be echoed as they are', async () => {
      const client = await WsClient.connect(node.url);
      for (const [controller, action] of [[`auth\u0007`, 'login'], ['k'.repeat(1500), 'x'], ['auth', 'login\u202e'], ['auth', 'a'.repeat(200)]]) {
        const answer = await client.raw(JSON.stringify({ controller, action, requestId: 'n1' }));
        expect(answer, JSON.stringify([controller.slice(0, 8), action.slice(0, 8)])).to.have.nested.property('error.id', 'api.assert.invalid_argument');
        expect(answer).to.include({ requestId: 'n1', controller: null, action: null, status: 400 });
        expect(JSON.stringify(answer).length).to.be.below(1000);
      }
      await client.close();
    });

    it('echoes a POST /_query request id holding a line break cleanly, in the envelope and the header', async () => {
      const response = await fetch(`${node.url}/_query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ controller: 'server', action: 'now', requestId: 'r\r\n1' }) });
      expect(response.status).to.be.below(500);
      expect(response.headers.get('x-kuzzle-request-id')).to.equal('r1');
      expect(((await response.json()) as { requestId: string }).requestId).to.equal('r1');
    });

    it('bounds the content type quoted in an error message', async () => {
      const answer = await rawExchange(node.url, [httpRequest('POST', '/_login/local', { 'Content-Type': `text/plain; x=${'y'.repeat(3000)}` }, '{}')]);
      const body = JSON.parse(answer.body) as { error: { id: string; message: string } };
      expect(body.error.id).to.equal('network.http.unsupported_content');
      expect(body.error.message.length).to.be.below(300);
    });
  });
});

describe('e2e: WebSocket connections stay bounded', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { server: { websocket: { idleTimeout: 400, heartbeat: 150, maxSocketsPerAddress: 3 } } });
    const http = new HttpClient(node.url);
    const admin = await firstAdmin(http);
    // The rights-memo test sends thousands of requests a second: ivy's rights are the default
    // role's, without the default profile's rateLimit. (No API manages profiles yet.)
    await node.context.storage.profiles.put({ _id: 'unlimited', policies: [{ roleId: 'default' }], rateLimit: 0 });
    await node.context.security.init();
    await createUser(http, admin, 'ivy', IVY.username, IVY.password, ['unlimited']);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('closes a socket that never authenticates after idleTimeout, even while it pings', async () => {
    const quiet = (await upgrade(node.url)).socket!;
    const pinging = (await upgrade(node.url)).socket!;
    const opened = Date.now();
    const timer = setInterval(() => pinging.send('{"p":1}'), 100);
    const [first, second] = await Promise.all([closed(quiet), closed(pinging)]);
    clearInterval(timer);
    expect(first.code).to.equal(1008);
    expect(second.code).to.equal(1008);
    expect(first.at - opened).to.be.within(300, 2000);
  });

  it('keeps a socket open while it holds a valid token', async () => {
    const client = await WsClient.connect(node.url);
    ok(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: IVY }));
    await sleep(1000);
    expect(client.socket.readyState).to.equal(WebSocket.OPEN);
    await client.close();
  });

  it('drops a peer that does not answer pings', async () => {
    const socket = new WebSocket(node.url.replace(/^http/, 'ws'), { autoPong: false });
    await new Promise((resolve) => socket.once('open', resolve));
    const opened = Date.now();
    const end = await closed(socket);
    // terminate() sends no close frame: the client sees an abnormal closure, long before idleTimeout.
    expect(end.code).to.equal(1006);
    expect(end.at - opened).to.be.below(400);
  });

  it('caps the sockets open at once from one address, with a 429 envelope', async () => {
    const open = await Promise.all([upgrade(node.url), upgrade(node.url), upgrade(node.url)]);
    const { refused } = await upgrade(node.url);
    expect(refused?.status).to.equal(429);
    expect(refused?.body).to.have.nested.property('error.id', 'network.websocket.too_many_connections');
    const first = open[0]!.socket!;
    const gone = closed(first);
    first.close();
    await gone;
    await sleep(50);
    const again = await upgrade(node.url);
    expect(again.socket?.readyState).to.equal(WebSocket.OPEN);
    for (const entry of [...open.slice(1), again]) entry.socket?.terminate();
  });
});

for (const mode of MODES) {
  describe(`e2e: strings holding NUL are refused with a 400 (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      admin = await firstAdmin(new HttpClient(node.url));
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    it('in bodies, arguments, path placeholders, volatile and Basic credentials, over HTTP', async () => {
      const json = { 'content-type': 'application/json' };
      const requests: Array<[string, RequestInit]> = [
        ['/_login/local', { method: 'POST', headers: json, body: JSON.stringify({ username: 'ivy\u0000', password: 'x' }) }],
        [`/users/a%00b/_create`, { method: 'POST', headers: { ...json, authorization: `Bearer ${admin}` }, body: JSON.stringify({ content: { profileIds: ['default'] } }) }],
        [`/users/_create?_id=a%00b`, { method: 'POST', headers: { ...json, authorization: `Bearer ${admin}` }, body: JSON.stringify({ content: { profileIds: ['default'] } }) }],
        ['/users/nul/_create', { method: 'POST', headers: { ...json, authorization: `Bearer ${admin}` }, body: JSON.stringify({ content: { profileIds: ['default'], name: 'a\u0000' } }) }],
        ['/_me', { headers: { 'x-kuzzle-volatile': '{"a":"\\u0000"}' } }],
        ['/_me', { headers: { authorization: `Basic ${Buffer.from('ivy\u0000:pw').toString('base64')}` } }],
      ];
      for (const [path, init] of requests) {
        const response = await fetch(`${node.url}${path}`, init);
        const body = (await response.json()) as { error: { id: string } | null };
        expect(response.status, path).to.equal(400);
        expect(body.error?.id, path).to.equal('api.assert.invalid_argument');
      }
    });

    it('in WebSocket messages', async () => {
      const client = await WsClient.connect(node.url);
      failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'ivy\u0000', password: 'x' } }), 'api.assert.invalid_argument', 400);
      failed(await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: 'x\u0000', body: { content: { profileIds: ['default'] } } }), 'api.assert.invalid_argument', 400);
      await client.close();
    });
  });
}
