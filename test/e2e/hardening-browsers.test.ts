import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import WebSocket from 'ws';
import { HttpClient, WsClient } from '../support/clients.js';
import { createUser, firstAdmin, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';
import { httpRequest, rawExchange, upgrade } from '../support/raw-http.js';

const ALLOWED = 'https://app.example.test';
const IVY = { username: 'ivy', password: 'ivy-password-12' };

describe('e2e: browsers cannot be turned against the server', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { server: { maxRequestSize: 4096, allowOrigin: [ALLOWED] } });
    const admin = await firstAdmin(new HttpClient(node.url));
    await createUser(new HttpClient(node.url), admin, 'ivy', IVY.username, IVY.password);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  describe('bodies must be JSON', () => {
    const credentials = JSON.stringify(IVY);
    const refusedCases: Array<[string, string, Record<string, string>, string]> = [
      ['a body without Content-Type', '/_login/local', {}, credentials],
      ['a form', '/_login/local', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'username=ivy&password=ivy-password-12'],
      ['a multipart form', '/_login/local', { 'Content-Type': 'multipart/form-data; boundary=x' }, credentials],
      ['text/plain holding JSON', '/_login/local', { 'Content-Type': 'text/plain' }, credentials],
      ['a type that only starts like JSON', '/_login/local', { 'Content-Type': 'application/jsonp' }, credentials],
      ['POST /_query without Content-Type', '/_query', {}, JSON.stringify({ controller: 'auth', action: 'login', strategy: 'local', body: IVY })],
      ['POST /_query as text/plain', '/_query', { 'Content-Type': 'text/plain;charset=UTF-8' }, JSON.stringify({ controller: 'auth', action: 'login', strategy: 'local', body: IVY })],
      ['an empty form (a form with no field)', '/_logout', { 'Content-Type': 'application/x-www-form-urlencoded' }, ''],
    ];
    for (const [name, path, headers, body] of refusedCases) {
      it(`refuses ${name} with network.http.unsupported_content`, async () => {
        const answer = await rawExchange(node.url, [httpRequest('POST', path, headers, body)]);
        expect(answer.status).to.equal(400);
        expect(JSON.parse(answer.body)).to.have.nested.property('error.id', 'network.http.unsupported_content');
      });
    }

    it('refuses a body on a GET route without a JSON type', async () => {
      const answer = await rawExchange(node.url, [httpRequest('GET', '/_login/local', {}, credentials)]);
      expect(answer.status).to.equal(400);
      expect(JSON.parse(answer.body)).to.have.nested.property('error.id', 'network.http.unsupported_content');
    });

    it('serves JSON bodies, with parameters and +json types, and bodiless requests without a type', async () => {
      for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.api+json']) {
        const answer = await rawExchange(node.url, [httpRequest('POST', '/_login/local', { 'Content-Type': type }, credentials)]);
        expect(answer.status, type).to.equal(200);
      }
      expect((await rawExchange(node.url, [httpRequest('GET', '/_me', {})])).status).to.equal(200);
    });
  });

  describe('server.allowOrigin applies to WebSocket upgrades', () => {
    it('refuses an upgrade from an origin not allowed, with an HTTP error envelope', async () => {
      const { refused } = await upgrade(node.url, { origin: 'https://evil.example.test' });
      expect(refused?.status).to.equal(401);
      expect(refused?.body).to.have.nested.property('error.id', 'api.process.unauthorized_origin');
      expect(refused?.headers['x-content-type-options']).to.equal('nosniff');
    });

    it('opens sockets from an allowed origin and from clients that send none', async () => {
      for (const options of [{ origin: ALLOWED }, {}]) {
        const { socket } = await upgrade(node.url, options);
        expect(socket?.readyState).to.equal(WebSocket.OPEN);
        socket?.close();
      }
    });

    it('answers a handshake ws cannot accept with an envelope', async () => {
      const answer = await rawExchange(node.url, [httpRequest('GET', '/', { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'short' })]);
      expect(answer.status).to.equal(400);
      expect(JSON.parse(answer.body)).to.have.nested.property('error.id', 'network.websocket.unexpected_error');
      expect(answer.headers['x-content-type-options']).to.equal('nosniff');
    });
  });

  describe('answer headers', () => {
    it('marks login and refreshToken answers no-store on both of their routes, and only them', async () => {
      const login = await fetch(`${node.url}/_login/local`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IVY) });
      expect(login.headers.get('cache-control')).to.equal('no-store');
      const token = ((await login.json()) as { result: { jwt: string } }).result.jwt;
      const refreshed = await fetch(`${node.url}/_refreshToken`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(refreshed.status).to.equal(200);
      expect(refreshed.headers.get('cache-control')).to.equal('no-store');
      const query = await fetch(`${node.url}/_query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ controller: 'auth', action: 'login', strategy: 'local', body: IVY }) });
      expect(query.status).to.equal(200);
      expect(query.headers.get('cache-control')).to.equal('no-store');
      // Only answers that carry a token: the others save the header (measured: two headers cost
      // the benchmark's load generator about 6% of GET /_me throughput).
      const fresh = ((await query.json()) as { result: { jwt: string } }).result.jwt;
      const me = await fetch(`${node.url}/_me`, { headers: { authorization: `Bearer ${fresh}` } });
      expect(me.status).to.equal(200);
      expect(me.headers.get('cache-control')).to.equal(null);
    });

    it('sends X-Content-Type-Options: nosniff on every answer', async () => {
      const answers = [
        await rawExchange(node.url, [httpRequest('GET', '/_me', {})]),
        await rawExchange(node.url, [httpRequest('GET', '/no/such/route', {})]),
        await rawExchange(node.url, [httpRequest('OPTIONS', '/_me', { Origin: ALLOWED })]),
        await rawExchange(node.url, [httpRequest('GET', '/_healthcheck', {})]),
        await rawExchange(node.url, [httpRequest('GET', '/_ready', {})]),
        await rawExchange(node.url, [httpRequest('GET', '/_me', { Origin: 'https://evil.example.test' })]),
        await rawExchange(node.url, [httpRequest('POST', '/_login/local', { 'Content-Type': 'application/json' }, JSON.stringify({ username: 'x'.repeat(5000) }))]),
        await rawExchange(node.url, ['THIS IS NOT HTTP\r\n\r\n']),
        await rawExchange(node.url, [`GET /_me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]),
      ];
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 404, 200, 200, 200, 401, 413, 400, 431]);
      for (const answer of answers) {
        expect(answer.headers['x-content-type-options'], answer.raw.slice(0, 40)).to.equal('nosniff');
      }
    });

    it('keeps serving WebSocket clients', async () => {
      const client = await WsClient.connect(node.url);
      ok(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: IVY }));
      await client.close();
    });
  });
});
