import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createLogger, openStorage, scopeCredentials, validateConfig, type PassportRequest } from '@portcullis/core';
import { allActions, createPortcullis, type Portcullis } from '@portcullis/server';
import { strategyConformance } from '../../packages/core/test/strategies/strategy-conformance.js';
import { HttpClient } from '../support/clients.js';
import { DOC_URL, fencedBlock, jsonLines, readDoc, runBash } from '../support/doc-blocks.js';
import { firstAdmin } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';
import { createDeviceStrategy } from './example-strategy.js';

type Frame = Record<string, unknown>;

/** In the WebSocket session, the token of the login answer. */
const JWT_PLACEHOLDER = 'kauth-<JWT>';

/** A frame without what changes from one run to the next: node id, token, expiry (and request id when asked). */
function stable(frame: Frame, withoutRequestId = false): Frame {
  const copy = structuredClone(frame);
  delete copy['node'];
  if (withoutRequestId) delete copy['requestId'];
  const result = copy['result'];
  if (typeof result === 'object' && result !== null && 'jwt' in result) {
    delete (result as Frame)['jwt'];
    delete (result as Frame)['expiresAt'];
  }
  return copy;
}

/** Runs the README's curl session against `url` with bash; returns the JSON answers it printed. */
async function runCurlSession(url: string): Promise<Frame[]> {
  return jsonLines(await runBash(fencedBlock(readDoc('README.md'), 'curl-session').replaceAll(DOC_URL, url)));
}

describe('docs: the README examples', () => {
  let stores: TestStores;
  let node: Portcullis;

  beforeEach(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores);
  });

  afterEach(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('runs the curl session: GET /_me answers the user it created', async () => {
    const answers = await runCurlSession(node.url);
    expect(answers.map((answer) => `${answer['controller']}:${answer['action']}`)).to.deep.equal([
      'security:createFirstAdmin',
      'security:createUser',
      'auth:getCurrentUser',
    ]);
    for (const answer of answers) expect(answer['error'], JSON.stringify(answer['error'])).to.equal(null);
    const me = answers[answers.length - 1]!;
    expect(me).to.have.nested.property('result._id', 'alice');
    const documented = JSON.parse(fencedBlock(readDoc('README.md'), 'curl-answer')) as Frame;
    expect(stable(me, true)).to.deep.equal(stable(documented, true));
  });

  it('replays the WebSocket session frame by frame', async () => {
    await runCurlSession(node.url);
    const steps: Array<{ send: string; expected: Frame[] }> = [];
    for (const line of fencedBlock(readDoc('README.md'), 'websocket-session').split('\n')) {
      if (line.startsWith('> ')) steps.push({ send: line.slice(2), expected: [] });
      else if (line.startsWith('< ')) steps.at(-1)!.expected.push(JSON.parse(line.slice(2)) as Frame);
    }
    expect(steps).to.have.length.above(2);

    const socket = new WebSocket(node.url.replace(/^http/, 'ws'));
    const inbox: Frame[] = [];
    socket.on('message', (data) => inbox.push(JSON.parse(String(data)) as Frame));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      let jwt: string | undefined;
      for (const { send, expected } of steps) {
        socket.send(jwt ? send.replaceAll(JWT_PLACEHOLDER, jwt) : send);
        const received = await next(inbox, expected.length);
        // A notification and an answer may come in either order: pair frames by request id or room.
        const keyOf = (frame: Frame) => String(frame['requestId'] ?? frame['room'] ?? JSON.stringify(frame));
        for (const documented of expected) {
          const actual = received.find((frame) => keyOf(frame) === keyOf(documented));
          expect(actual, `an answer to ${send}`).to.not.equal(undefined);
          expect(stable(actual!)).to.deep.equal(stable(documented));
          if (documented['action'] === 'login') {
            const result = actual!['result'] as { jwt: string; expiresAt: number };
            expect(result.jwt).to.match(/^kauth-[\w-]+\.[\w-]+\.[\w-]+$/);
            expect(result.expiresAt).to.be.a('number');
            jwt = result.jwt;
          }
          if (documented['node'] !== undefined) expect(actual!['node']).to.be.a('string');
        }
      }
    } finally {
      socket.close();
    }
  });
});

/** Resolves with the next `count` frames of the inbox. */
async function next(inbox: Frame[], count: number, timeoutMs = 5000): Promise<Frame[]> {
  const deadline = Date.now() + timeoutMs;
  while (inbox.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} frames, got ${JSON.stringify(inbox)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return inbox.splice(0, count);
}

describe('docs: the API reference', () => {
  it('documents every served action with each of its routes', () => {
    const reference = readDoc('docs/api.md');
    for (const { controller, action, http } of allActions()) {
      const heading = `### ${controller}:${action}\n`;
      expect(reference, heading).to.include(heading);
      const section = reference.slice(reference.indexOf(heading), reference.indexOf('\n### ', reference.indexOf(heading) + 1));
      for (const { verb, path } of http) expect(section, `${controller}:${action}`).to.include(`${verb} ${path}`);
    }
  });
});

describe('docs: the worked plugin example of docs/plugins.md', () => {
  it('shows the code of test/docs/example-strategy.ts', () => {
    const documented = fencedBlock(readDoc('docs/plugins.md'), 'example-strategy');
    expect(documented.trim()).to.equal(readDoc('test/docs/example-strategy.ts').trim());
  });

  describe('registered on a node', () => {
    const secret = 'example-device-secret-0123456789-abcdefghij';
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;

    before(async () => {
      stores = new TestStores('embedded');
      node = await createPortcullis({
        config: stores.config({ plugins: { device: { minSecretLength: 40 } } }),
        strategies: { device: createDeviceStrategy },
      });
      await node.start();
      admin = await firstAdmin(new HttpClient(node.url));
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    const post = async (path: string, body: unknown, jwt?: string): Promise<Frame> => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (jwt) headers['Authorization'] = `Bearer ${jwt}`;
      return (await (await fetch(`${node.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as Frame;
    };

    it('creates a user with device credentials and logs it in over HTTP', async () => {
      const created = await post('/users/sensor-1/_create', { content: { profileIds: ['default'] }, credentials: { device: { deviceId: 'sensor-1', secret } } }, admin);
      expect(created['error'], JSON.stringify(created['error'])).to.equal(null);

      const login = await post('/_login/device', { deviceId: 'sensor-1', secret });
      expect(login['error'], JSON.stringify(login['error'])).to.equal(null);
      const { jwt } = login['result'] as { jwt: string };

      const me = (await (await fetch(`${node.url}/_me`, { headers: { Authorization: `Bearer ${jwt}` } })).json()) as Frame;
      expect(me['result']).to.deep.equal({ _id: 'sensor-1', _source: { profileIds: ['default'] }, strategies: ['device'] });
      const strategies = (await (await fetch(`${node.url}/strategies`, { headers: { Authorization: `Bearer ${admin}` } })).json()) as Frame;
      expect(strategies['result']).to.deep.equal(['local', 'device']);
    });

    it('refuses a wrong secret with the strategy\'s message', async () => {
      const refused = await post('/_login/device', { deviceId: 'sensor-1', secret: `${secret}-wrong` });
      expect(refused).to.include({ status: 401 });
      expect(refused['error']).to.include({ id: 'plugin.strategy.missing_user', message: 'wrong device id or secret' });
    });

    it('lets a device rotate its own secret, never choose its deviceId', async () => {
      const rotated = `${secret}-rotated`;
      const { jwt } = (await post('/_login/device', { deviceId: 'sensor-1', secret }))['result'] as { jwt: string };
      const put = async (body: unknown): Promise<Frame> => (await (await fetch(`${node.url}/_me/credentials/device/_update`, {
        method: 'PUT', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${jwt}` }, body: JSON.stringify(body),
      })).json()) as Frame;
      const refused = await put({ deviceId: 'sensor-admin' });
      expect(refused).to.include({ status: 403 });
      expect(refused['error']).to.include({ id: 'security.credentials.self_service_forbidden' });
      expect((await put({ secret: rotated }))['error']).to.equal(null);
      expect((await post('/_login/device', { deviceId: 'sensor-1', secret: rotated }))['error']).to.equal(null);
      expect((await post('/_login/device', { deviceId: 'sensor-admin', secret: rotated }))['error']).to.include({ id: 'plugin.strategy.missing_user' });
    });

    it('reads its own config namespace (plugins.device)', async () => {
      const refused = await post('/users/sensor-2/_create', { content: { profileIds: ['default'] }, credentials: { device: { deviceId: 'sensor-2', secret: 'x'.repeat(39) } } }, admin);
      expect(refused['error']).to.include({ id: 'security.credentials.rejected', status: 400 });
    });
  });
});

// The shared suite every strategy plugin runs, here on the worked example.
strategyConformance({
  name: 'docs example (device)',
  makePlugin: async () => {
    const directory = await mkdtemp(join(tmpdir(), 'portcullis-docs-'));
    const storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(directory, 'db.sqlite')}` } }), createLogger({ level: 'silent' }));
    const plugin = await createDeviceStrategy({ name: 'device', config: undefined, credentials: scopeCredentials(storage.credentials, 'device'), logger: createLogger({ level: 'silent' }) });
    return {
      plugin,
      cleanup: async () => {
        await storage.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
  validCredentials: () => ({ deviceId: `device-${randomUUID()}`, secret: `s-${randomUUID()}-${randomUUID()}` }),
  loginArgs: () => [],
  wrongLoginArgs: () => [],
  passportRequest: (credentials): PassportRequest => ({ method: 'POST', url: '/_login/device', body: credentials, query: {}, headers: {}, ip: '127.0.0.1' }),
  selfEditableFields: ['secret'],
});
