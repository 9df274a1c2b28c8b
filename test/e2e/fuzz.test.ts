import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { allActions } from '@portcullis/server';
import WebSocket from 'ws';
import { HttpClient } from '../support/clients.js';
import { ADMIN, createUser, firstAdmin } from '../support/fixtures.js';
import { Fuzzer } from '../support/fuzz-cases.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { rawExchange } from '../support/raw-http.js';

/** Replay a failure with FUZZ_SEED=<seed>. */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261129);
const HTTP_CASES = 2000;
const WS_CASES = 2000;
const PARALLEL = 8;
const ANSWER_TIMEOUT = 10_000;
const JWT_SECRET = `fuzz-secret-${'s3cr3t'.repeat(8)}`;
const IVY = { username: 'ivy', password: 'ivy-password-12' };
const SECRETS = [JWT_SECRET, ADMIN.password, IVY.password, '$argon2id$'];
// Actions that would end the administrator's session stop the cases that carry its token from
// reaching the stores: they are left out.
const FUZZED = allActions().filter(({ action }) => !/^(logout|revokeTokens|updateMyCredentials|deleteMyCredentials)$/.test(action));
const ACTIONS = FUZZED.map(({ controller, action }) => ({ controller, action }));
const ROUTES = FUZZED.flatMap((definition) => definition.http);
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=z', 'application/jsonx', '', 'application/vnd.x+json'];

/** Percent-encodes a string, lone surrogates as the (invalid) UTF-8 bytes a careless client would send. */
const encode = (value: string) => value.split(/([\ud800-\udfff])/).map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part))).join('');

/** Runs `count` cases, `PARALLEL` at a time; `run` learns which of the parallel lanes runs it. */
async function pool(count: number, run: (index: number, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async (_, lane) => {
    while (next < count) await run(next++, lane);
  }));
}

/** Answers per status and error id, printed with FUZZ_STATS=1 to see how deep the cases reach. */
const stats = new Map<string, number>();
function count(text: string): void {
  if (!process.env['FUZZ_STATS']) return;
  const key = /"status":(\d+),"error":(?:null|\{"id":"([^"]+)")/.exec(text)?.slice(1).join(' ') ?? text.slice(0, 12);
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

/** What a client must never read in an answer, and no answer may be a 5xx. */
function problemsOf(text: string, statuses: readonly number[]): string[] {
  const problems = statuses.filter((status) => status >= 500).map((status) => `status ${status}`);
  for (const secret of SECRETS) if (text.includes(secret)) problems.push(`secret ${secret.slice(0, 6)}… in the answer`);
  return problems;
}

function httpCase(fuzz: Fuzzer, admin: string): string {
  const route = fuzz.pick(ROUTES);
  const method = fuzz.chance(0.85) ? (fuzz.chance(0.7) ? route.verb : fuzz.pick(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'])) : fuzz.pick(['TRACE', 'CONNECT', 'G T', 'BREW', '']);
  let path = route.path.replace(/:(\w+)/g, () => (fuzz.chance(0.7) ? encode(fuzz.nastyString()) : fuzz.pick(['ivy', 'admin', 'local', '%', '%zz', '..', ''])));
  if (fuzz.chance(0.1)) path = fuzz.pick(['/_query', '/_login/local', '/_me', '*', 'http://x/', '/%00', `/${'a'.repeat(fuzz.int(30_000))}`]);
  if (fuzz.chance(0.3)) path += `?${fuzz.pick(['expiresIn', '_id', 'global', 'strategy', 'refresh', '__proto__'])}=${encode(fuzz.nastyString())}&${fuzz.nastyString().replace(/[\s#]/g, '')}`;
  const headers: string[] = ['Host: fuzz'];
  if (fuzz.chance(0.7)) headers.push(`Content-Type: ${fuzz.pick(CONTENT_TYPES)}`);
  if (fuzz.chance(0.2)) headers.push(`X-Kuzzle-Volatile: ${fuzz.mangle(JSON.stringify({ v: fuzz.value() })).replace(/[\r\n]/g, '')}`);
  if (fuzz.chance(0.2)) headers.push(`X-Kuzzle-Request-Id: ${fuzz.nastyString().replace(/[\r\n]/g, '')}`);
  if (fuzz.chance(0.35)) headers.push(`Authorization: Bearer ${admin}`);
  else if (fuzz.chance(0.3)) headers.push(`Authorization: ${fuzz.pick(['Bearer ', 'bearer kauth-', 'Basic ', 'Basic !!', 'Digest '])}${fuzz.chance(0.5) ? Buffer.from(fuzz.nastyString()).toString('base64') : fuzz.nastyString().replace(/[\r\n]/g, '')}`);
  if (fuzz.chance(0.1)) headers.push(`Origin: ${fuzz.pick(['https://evil.test', 'null', fuzz.nastyString().replace(/[\r\n]/g, '')])}`);
  let body = '';
  if (fuzz.chance(0.6)) {
    // Ivy's password goes where a password is expected (logins, credentials): an action that stores
    // its body as user content (updateSelf, updateUser, ...) echoes it back, as it should.
    const takesPassword = path.includes('/_login/') || path.includes('credentials');
    const payload = path.startsWith('/_query') ? withToken(fuzz, fuzz.envelope(ACTIONS), admin) : takesPassword && fuzz.chance(0.3) ? { username: 'ivy', password: IVY.password, extra: fuzz.value() } : fuzz.object();
    body = fuzz.mangle(JSON.stringify(payload) ?? 'null');
  }
  if (fuzz.chance(0.15)) {
    headers.push('Transfer-Encoding: chunked');
    const size = Buffer.byteLength(body);
    body = fuzz.chance(0.7) ? `${size.toString(16)}\r\n${body}\r\n0\r\n\r\n` : `${fuzz.pick(['zz', '-1', 'ffffffffffff', ''])}\r\n${body}`;
  } else if (body.length > 0 || fuzz.chance(0.1)) {
    const length = Buffer.byteLength(body);
    headers.push(`Content-Length: ${fuzz.chance(0.9) ? length : fuzz.pick([length + 10, Math.max(0, length - 3), -1, 'abc', 10 ** 12])}`);
  }
  if (fuzz.chance(0.9)) headers.push('Connection: close');
  return `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** Gives a share of the envelopes the administrator's token, so that they get past the rights check. */
function withToken(fuzz: Fuzzer, envelope: Record<string, unknown>, admin: string): Record<string, unknown> {
  return fuzz.chance(0.4) ? { ...envelope, jwt: admin } : envelope;
}

function wsCase(fuzz: Fuzzer, admin: string): { data: string | Buffer; binary: boolean } {
  const roll = fuzz.int(20);
  if (roll === 0) return { data: '{"p":1}', binary: false };
  if (roll === 1) return { data: Buffer.from(JSON.stringify(fuzz.envelope(ACTIONS))), binary: true };
  if (roll === 2) {
    const depth = fuzz.int(5000);
    return { data: `{"controller":"auth","action":"login","body":${'['.repeat(depth)}1${']'.repeat(depth)}}`, binary: false };
  }
  if (roll === 3) return { data: 'x'.repeat(fuzz.int(3_000_000)), binary: false };
  if (roll === 6) {
    const depth = fuzz.int(300_000);
    return { data: `{"controller":"server","action":"now","volatile":{"v":${'['.repeat(depth)}${']'.repeat(depth)}}}`, binary: false };
  }
  if (roll === 4) return { data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), binary: false };
  if (roll === 5) return { data: fuzz.mangle(JSON.stringify({ controller: 'auth', action: 'login', strategy: 'local', body: { ...IVY, x: fuzz.value() } })), binary: false };
  return { data: fuzz.mangle(JSON.stringify(withToken(fuzz, fuzz.envelope(ACTIONS), admin)) ?? 'null'), binary: false };
}

/** Sends one message and resolves with the next message, or null once the socket closed. */
function exchange(socket: WebSocket, message: { data: string | Buffer; binary: boolean }): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer and no close within the timeout')), ANSWER_TIMEOUT);
    const done = (value: string | null) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      resolve(value);
    };
    const onMessage = (data: WebSocket.RawData) => done(String(data));
    const onClose = () => done(null);
    socket.on('message', onMessage);
    socket.on('close', onClose);
    socket.send(message.data, { binary: message.binary }, () => undefined);
  });
}

async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), { maxPayload: 10 * 1024 * 1024 });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
  return socket;
}

for (const mode of MODES) {
  describe(`e2e: fuzzing both transports, seed ${SEED} (${mode})`, function () {
    this.timeout(240_000);
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { security: { jwt: { secret: JWT_SECRET } }, plugins: { local: { argon2: { memoryCost: 1024, timeCost: 1 }, maxQueuedHashes: 10_000 } } });
      const http = new HttpClient(node.url);
      admin = await firstAdmin(http);
      await createUser(http, admin, 'ivy', IVY.username, IVY.password);
    });

    after(async () => {
      if (process.env['FUZZ_STATS']) console.log([...stats].sort((a, b) => b[1] - a[1]));
      await node?.stop();
      await stores?.destroy();
    });

    it(`answers ${HTTP_CASES} malformed HTTP requests with a 4xx or a closed connection: no 5xx, no hang, no secret`, async () => {
      const fuzz = new Fuzzer(SEED, ['ivy', 'admin', 'local', 'default', '-1']);
      const cases = Array.from({ length: HTTP_CASES }, () => httpCase(fuzz, admin));
      const failures: string[] = [];
      await pool(cases.length, async (index) => {
        const answer = await rawExchange(node.url, [cases[index]!], ANSWER_TIMEOUT, true);
        const statuses = [...answer.raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
        count(answer.body);
        const problems = problemsOf(answer.raw, statuses);
        if (!answer.closed) problems.push('no answer and no close within the timeout');
        if (problems.length) failures.push(`case ${index}: ${problems.join(', ')}: ${JSON.stringify(cases[index]!.slice(0, 300))} -> ${answer.raw.slice(0, 300)}`);
      });
      expect(failures.slice(0, 5), `${failures.length} failures`).to.deep.equal([]);
    });

    it(`answers ${WS_CASES} malformed WebSocket messages or closes the socket: no 5xx, no hang, no secret`, async () => {
      const fuzz = new Fuzzer(SEED + 1, ['ivy', 'admin', 'local', 'default', '-1']);
      const cases = Array.from({ length: WS_CASES }, () => wsCase(fuzz, admin));
      const failures: string[] = [];
      const sockets = await Promise.all(Array.from({ length: PARALLEL }, () => openSocket(node.url)));
      await pool(cases.length, async (index, lane) => {
        if (sockets[lane]!.readyState !== WebSocket.OPEN) sockets[lane] = await openSocket(node.url);
        const answer = await exchange(sockets[lane]!, cases[index]!).catch((error: Error) => `!${error.message}`);
        if (answer === null) return;
        count(answer);
        const problems = answer.startsWith('!') ? [answer.slice(1)] : problemsOf(answer, [Number((JSON.parse(answer) as { status?: number }).status ?? 200)]);
        if (problems.length) failures.push(`case ${index}: ${problems.join(', ')}: ${String(cases[index]!.data).slice(0, 300)} -> ${answer.slice(0, 300)}`);
      });
      for (const socket of sockets) socket.terminate();
      expect(failures.slice(0, 5), `${failures.length} failures`).to.deep.equal([]);
    });

    it('still serves once the fuzzing is over', async () => {
      // The administrator's token ran random actions (a deleteUser of ivy, say): only the node's health is certain.
      expect((await fetch(`${node.url}/_healthcheck`)).status).to.equal(200);
      expect((await fetch(`${node.url}/_me`)).status).to.equal(200);
    });
  });
}
