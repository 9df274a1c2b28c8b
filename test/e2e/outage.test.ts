import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { HttpClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { listening } from '../support/services.js';
import { startNode, TestStores } from '../support/node.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await listening(port)); i++) await sleep(50);
  return child;
}

/** A session store that goes away must give a quick 503, spare what does not need it, and come back by itself. */
describe('e2e: the session store goes down and comes back', function () {
  let stores: TestStores;
  let node: Portcullis;
  let redis: ChildProcess;
  let port: number;
  let client: HttpClient;

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    stores = new TestStores('production');
    node = await startNode(stores, { redis: { url: `redis://127.0.0.1:${port}`, timeout: 500 } });
    client = new HttpClient(node.url);
    const admin = await firstAdmin(client);
    await createUser(client, admin, 'olga', 'olga', 'olga-password-1');
  });

  after(async () => {
    redis?.kill('SIGKILL');
    await node?.stop().catch(() => undefined);
    await stores?.destroy();
  });

  it('answers 503 quickly while Redis is down, and works again once it is back', async () => {
    const jwt = await login(client, 'olga', 'olga-password-1');
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));

    const started = Date.now();
    failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }), 'services.cache.not_connected', 503);
    failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'olga', password: 'olga-password-1' } }), 'services.cache.not_connected', 503);
    expect(Date.now() - started).to.be.below(5000);
    const ready = await fetch(`${node.url}/_ready`);
    expect(ready.status).to.equal(503);
    expect(((await ready.json()) as { error: { id: string } }).error.id).to.equal('core.fatal.service_unavailable');
    expect((await fetch(`${node.url}/_healthcheck`)).status).to.equal(200);
    // What needs no session still works.
    expect(ok<{ _id: string }>(await client.call({ controller: 'auth', action: 'getCurrentUser' }))._id).to.equal('-1');

    redis = await startRedis(port);
    let fresh: string | undefined;
    for (let attempt = 0; attempt < 50 && !fresh; attempt++) {
      const response = await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'olga', password: 'olga-password-1' } });
      if (response.status === 200) fresh = (response.result as { jwt: string }).jwt;
      else await sleep(200);
    }
    expect(fresh, 'login works again without a restart').to.be.a('string');
    expect(ok<{ _id: string }>(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: fresh }))._id).to.equal('olga');
    expect((await fetch(`${node.url}/_ready`)).status).to.equal(200);
  });

  it('answers server:healthCheck 503, red, while Redis is down, and green for the stores that answer', async () => {
    // HTTP Basic: the caller is checked in the database, with no session, so the action runs while Redis is down.
    const basic = { authorization: `Basic ${Buffer.from('admin:admin-password-long-enough').toString('base64')}` };
    const health = async (query = '') => {
      const response = await fetch(`${node.url}/_healthCheck${query}`, { headers: basic });
      const envelope = (await response.json()) as ResponseEnvelope;
      expect(envelope.status).to.equal(response.status);
      return envelope;
    };
    expect(ok(await health())).to.deep.equal({ status: 'green', services: { internalCache: 'green', memoryStorage: 'green', storageEngine: 'green' } });
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));

    const down = await health();
    expect(down.status).to.equal(503);
    expect(down.error).to.include({ id: 'core.fatal.service_unavailable', status: 503 });
    expect(down.error!.props).to.deep.equal(['internalCache, memoryStorage']);
    expect(down.result).to.deep.equal({ status: 'red', services: { internalCache: 'red', memoryStorage: 'red', storageEngine: 'green' } });
    expect(ok(await health('?services=storageEngine'))).to.deep.equal({ status: 'green', services: { storageEngine: 'green' } });

    redis = await startRedis(port);
    let back: ResponseEnvelope | undefined;
    for (let attempt = 0; attempt < 50 && back?.status !== 200; attempt++) {
      back = await health();
      if (back.status !== 200) await sleep(200);
    }
    expect(back?.result, 'green again without a restart').to.deep.equal({ status: 'green', services: { internalCache: 'green', memoryStorage: 'green', storageEngine: 'green' } });
  });
});
