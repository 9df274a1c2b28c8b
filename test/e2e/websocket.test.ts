import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import WebSocket from 'ws';
import { WsClient } from '../support/clients.js';
import { firstAdmin, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

describe('e2e: the WebSocket transport', () => {
  let stores: TestStores;
  let node: Portcullis;
  let socket: WsClient;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { server: { maxRequestSize: 4096 } });
    socket = await WsClient.connect(node.url);
  });

  after(async () => {
    await socket?.close();
    await node?.stop();
    await stores?.destroy();
  });

  it('answers {"p":1} with {"p":2}', async () => {
    expect(await socket.raw('{"p":1}')).to.deep.equal({ p: 2 });
  });

  it('answers bad JSON with an error envelope and keeps the socket open', async () => {
    const answer = await socket.raw('{"controller": ');
    expect(answer).to.have.nested.property('error.id', 'network.websocket.unexpected_error');
    expect(answer).to.include({ status: 400, requestId: null });
    expect(await socket.raw('[1,2,3]')).to.have.nested.property('error.id', 'network.websocket.unexpected_error');
    expect(await socket.raw('"text"')).to.have.nested.property('error.id', 'network.websocket.unexpected_error');
    expect(await socket.raw('{"p":1}')).to.deep.equal({ p: 2 });
  });

  it('answers envelope errors with the request id and room', async () => {
    const answer = await socket.raw(JSON.stringify({ requestId: 'q1', action: 'login' }));
    expect(answer).to.include({ requestId: 'q1', room: 'q1', status: 400 });
    expect(answer).to.have.nested.property('error.id', 'api.assert.missing_argument');
  });

  it('answers an oversized message with 413 and keeps the socket open', async () => {
    const answer = await socket.raw(JSON.stringify({ controller: 'auth', action: 'login', body: { username: 'x'.repeat(5000) } }));
    expect(answer).to.have.nested.property('error.id', 'network.websocket.request_too_large');
    expect(answer).to.have.property('status', 413);
    expect(await socket.raw('{"p":1}')).to.deep.equal({ p: 2 });
  });

  it('serves requests with room = requestId and the envelope fields', async () => {
    const admin = await firstAdmin(socket);
    const response = await socket.call({ controller: 'server', action: 'now', jwt: admin, volatile: { tag: 'v' } });
    expect(ok<{ now: number }>(response).now).to.be.closeTo(Date.now(), 5000);
    expect(response.room).to.equal(response.requestId);
    expect(response).to.include.keys('requestId', 'status', 'error', 'controller', 'action', 'index', 'collection', 'volatile', 'result', 'node');
    expect(response.volatile).to.deep.equal({ tag: 'v' });
  });
});

/**
 * Clients keep many requests in flight on one socket; the answers to the messages of one read
 * leave in one write. None may be lost or held back, whether it was answered from memory
 * (production: cached session and user) or after a trip to the stores (embedded: SQLite).
 */
for (const mode of ['embedded', 'production'] as const) {
  describe(`e2e: requests pipelined on one WebSocket (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let client: WsClient;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      client = await WsClient.connect(node.url);
    });

    after(async () => {
      await client?.close();
      await node?.stop();
      await stores?.destroy();
    });

    it('answers every request of a burst once, with its own request id', async () => {
      const admin = await firstAdmin(client);
      ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: admin }));
      const socket = new WebSocket(node.url.replace(/^http/, 'ws'));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const answers: Array<Record<string, unknown>> = [];
      socket.on('message', (data) => answers.push(JSON.parse(String(data)) as Record<string, unknown>));
      const requests = Array.from({ length: 60 }, (_, i) =>
        i % 10 === 9 ? { requestId: `burst-${i}`, controller: 'auth' } : { requestId: `burst-${i}`, controller: 'auth', action: 'getCurrentUser', jwt: admin });
      for (const request of requests) socket.send(JSON.stringify(request));
      const deadline = Date.now() + 5000;
      while (answers.length < requests.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      socket.close();
      const ids = answers.map((answer) => answer['requestId']);
      expect([...ids].sort()).to.deep.equal(requests.map((request) => request.requestId).sort());
      for (const answer of answers) {
        const broken = (answer['requestId'] as string).endsWith('9');
        expect(answer['status'], String(answer['requestId'])).to.equal(broken ? 400 : 200);
        expect(answer['room']).to.equal(answer['requestId']);
      }
      // Answered from memory, in production the answers keep the order of the requests.
      if (mode === 'production') expect(ids).to.deep.equal(requests.map((request) => request.requestId));
    });
  });
}
