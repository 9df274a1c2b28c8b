/**
 * The load harness (`npm run bench`): Portcullis in its production configuration and a bare
 * node:http / ws ceiling, one after the other, each pinned to core 0 while this process (the
 * load generator) runs on core 1. Figures are ratios of the same run. Writes
 * bench/results/latest.json and docs/performance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { close, httpLoad, openSockets, wsLoad, type Figures } from './load.js';
import { api, createUsers, dropStores, insertUsers, login } from './seed.js';
import { rss, startCeiling, startPortcullis, type Target } from './targets.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const IDLE_SOCKETS = Number(process.env.BENCH_IDLE_SOCKETS ?? 10_000);
const MANY_USERS = Number(process.env.BENCH_USERS ?? 100_000);
const stores = {
  databaseUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  schema: `bench_${process.pid}`,
  prefix: `bench_${process.pid}:`,
};
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const PASSWORD = 'bench-user-password';

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
const me = (jwt: string) => JSON.stringify({ controller: 'auth', action: 'getCurrentUser', jwt });

async function warm<T>(run: (seconds: number) => Promise<T>): Promise<T> {
  if (WARMUP > 0) await run(WARMUP);
  return run(SECONDS);
}

/** Opens `count` sockets that each authenticate once, then reads the server's memory growth. */
async function idleSocketMemory(target: Target, message: (i: number) => string, count: number): Promise<number> {
  await new Promise((done) => setTimeout(done, 1000));
  const before = rss(target.pid);
  const sockets = await openSockets(target.url, count);
  await Promise.all(sockets.map((socket, i) => new Promise((done) => {
    socket.once('message', done);
    socket.send(message(i));
  })));
  await new Promise((done) => setTimeout(done, 2000));
  const after = rss(target.pid);
  await Promise.all(sockets.map(close));
  return (after - before) / count;
}

async function measureCeiling() {
  const target = await startCeiling();
  try {
    log('ceiling: GET, 64 connections');
    const http = await warm((seconds) => httpLoad(target.url, { connections: 64, seconds, path: '/' }));
    log('ceiling: WebSocket, 64 sockets x 16 in flight');
    const ws = await warm((seconds) => wsLoad(target.url, { sockets: 64, inFlight: 16, seconds, message: () => me('x') }));
    log(`ceiling: ${IDLE_SOCKETS} idle sockets`);
    const memory = await idleSocketMemory(target, () => me('x'), IDLE_SOCKETS);
    return { http, ws, memoryPerSocket: memory };
  } finally {
    await target.stop();
  }
}

async function measurePortcullis() {
  await dropStores(stores.databaseUrl, stores.schema, stores.redisUrl, stores.prefix);
  let target = await startPortcullis(stores, ADMIN);
  try {
    const adminJwt = await login(target.url, ADMIN.username, ADMIN.password);
    log('portcullis: creating 100 users through the API');
    const users = await createUsers(target.url, adminJwt, 100, PASSWORD);
    const tokens = await Promise.all(users.map((name) => login(target.url, name, PASSWORD)));
    const loginBody = JSON.stringify({ username: users[0], password: PASSWORD });
    const loginLoad = (connections: number, seconds: number) =>
      httpLoad(target.url, { connections, seconds, method: 'POST', path: '/_login/local', headers: { 'content-type': 'application/json' }, body: loginBody });
    const meHttp = (seconds: number) => httpLoad(target.url, { connections: 64, seconds, path: '/_me', headers: { authorization: `Bearer ${tokens[0]}` } });
    const meWs = (seconds: number) => wsLoad(target.url, { sockets: 64, inFlight: 16, seconds, message: (i) => me(tokens[i % tokens.length]!) });

    log('portcullis: login over HTTP, 16 connections');
    const logins = await warm((seconds) => loginLoad(16, seconds));
    log('portcullis: GET /_me, 64 connections');
    const http = await warm(meHttp);
    log('portcullis: auth:getCurrentUser over WebSocket, 64 sockets x 16 in flight');
    const ws = await warm(meWs);
    log('portcullis: GET /_me during a login storm (8 connections)');
    const [httpStorm, httpStormLogins] = await Promise.all([meHttp(SECONDS), loginLoad(8, SECONDS)]);
    log('portcullis: WebSocket during a login storm (8 connections)');
    const [wsStorm, wsStormLogins] = await Promise.all([meWs(SECONDS), loginLoad(8, SECONDS)]);
    log(`portcullis: ${IDLE_SOCKETS} idle authenticated sockets`);
    const memory = await idleSocketMemory(target, (i) => me(tokens[i % tokens.length]!), IDLE_SOCKETS);

    log(`portcullis: adding ${MANY_USERS - 100} users to the database`);
    await insertUsers(stores.databaseUrl, stores.schema, MANY_USERS - 100);
    // Restart so that nothing the first phases warmed favours either figure.
    await target.stop();
    target = await startPortcullis(stores, ADMIN);
    log(`portcullis: GET /_me with ${MANY_USERS} users`);
    const manyUsers = await warm(meHttp);
    return { logins, http, ws, httpStorm, httpStormLogins, wsStorm, wsStormLogins, memoryPerSocket: memory, manyUsers };
  } finally {
    await target.stop();
    await dropStores(stores.databaseUrl, stores.schema, stores.redisUrl, stores.prefix);
  }
}

const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;

async function main(): Promise<void> {
  const portcullis = await measurePortcullis();
  const ceiling = await measureCeiling();
  const checks = [
    { target: 'GET /_me ≥ 50% of the ceiling', value: portcullis.http.rps / ceiling.http.rps, shown: pct(portcullis.http.rps / ceiling.http.rps), met: portcullis.http.rps >= 0.5 * ceiling.http.rps },
    { target: 'WebSocket getCurrentUser ≥ 50% of the ceiling', value: portcullis.ws.rps / ceiling.ws.rps, shown: pct(portcullis.ws.rps / ceiling.ws.rps), met: portcullis.ws.rps >= 0.5 * ceiling.ws.rps },
    { target: 'GET /_me p99 during the storm ≤ 3x', value: portcullis.httpStorm.p99 / portcullis.http.p99, shown: `${(portcullis.httpStorm.p99 / portcullis.http.p99).toFixed(2)}x`, met: portcullis.httpStorm.p99 <= 3 * portcullis.http.p99 },
    { target: 'WebSocket p99 during the storm ≤ 3x', value: portcullis.wsStorm.p99 / portcullis.ws.p99, shown: `${(portcullis.wsStorm.p99 / portcullis.ws.p99).toFixed(2)}x`, met: portcullis.wsStorm.p99 <= 3 * portcullis.ws.p99 },
    { target: 'logins keep completing during the storm', value: portcullis.httpStormLogins.rps / portcullis.logins.rps, shown: `${portcullis.httpStormLogins.rps.toFixed(1)} and ${portcullis.wsStormLogins.rps.toFixed(1)} logins/s (alone: ${portcullis.logins.rps.toFixed(1)})`, met: portcullis.httpStormLogins.rps > 0.25 * portcullis.logins.rps && portcullis.wsStormLogins.rps > 0.25 * portcullis.logins.rps },
    { target: '≤ 20 KB per idle authenticated WebSocket', value: portcullis.memoryPerSocket, shown: `${(portcullis.memoryPerSocket / 1024).toFixed(1)} KB (ceiling ${(ceiling.memoryPerSocket / 1024).toFixed(1)} KB)`, met: portcullis.memoryPerSocket <= 20 * 1024 },
    { target: `${MANY_USERS} users change throughput < 10%`, value: portcullis.manyUsers.rps / portcullis.http.rps, shown: `${portcullis.manyUsers.rps.toFixed(0)} vs ${portcullis.http.rps.toFixed(0)} req/s`, met: Math.abs(1 - portcullis.manyUsers.rps / portcullis.http.rps) < 0.1 },
  ];
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory: `${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version };
  const results = { date: new Date().toISOString(), machine, seconds: SECONDS, warmup: WARMUP, portcullis, ceiling, checks };
  mkdirSync(resolve(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(resolve(import.meta.dirname, 'results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const table = renderTable(results);
  process.stdout.write(`${table}\n`);
  if (process.env.BENCH_WRITE_DOCS !== '0') writeFileSync(resolve(import.meta.dirname, '../docs/performance.md'), renderDoc(results, table));
}

type Results = { date: string; machine: Record<string, unknown>; seconds: number; warmup: number; portcullis: Record<string, Figures | number>; ceiling: Record<string, Figures | number>; checks: Array<{ target: string; shown: string; met: boolean }> };

function renderTable(results: Results): string {
  const rows = ['| phase | Portcullis req/s | p50 ms | p99 ms | errors | ceiling req/s |', '| --- | --- | --- | --- | --- | --- |'];
  const line = (phase: string, figures: Figures, ceiling?: Figures) =>
    rows.push(`| ${phase} | ${figures.rps.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.errors} | ${ceiling ? ceiling.rps.toFixed(0) : ''} |`);
  const p = results.portcullis as Record<string, Figures>;
  const c = results.ceiling as Record<string, Figures>;
  line('login over HTTP (16 connections)', p['logins']!);
  line('GET /_me (64 connections)', p['http']!, c['http']);
  line('WebSocket getCurrentUser (64 x 16)', p['ws']!, c['ws']);
  line('GET /_me during login storm', p['httpStorm']!);
  line('  logins during that storm (8 connections)', p['httpStormLogins']!);
  line('WebSocket during login storm', p['wsStorm']!);
  line('  logins during that storm (8 connections)', p['wsStormLogins']!);
  line(`GET /_me with ${MANY_USERS} users`, p['manyUsers']!);
  rows.push('', '| target | measured | met |', '| --- | --- | --- |');
  for (const check of results.checks) rows.push(`| ${check.target} | ${check.shown} | ${check.met ? 'yes' : 'NO'} |`);
  return rows.join('\n');
}

function renderDoc(results: Results, table: string): string {
  const m = results.machine;
  return `# Performance

<!-- Written by \`npm run bench\` (bench/run.ts); the raw figures are in bench/results/latest.json. -->

Latest run: ${results.date}, on ${m['cpus']} × ${m['cpu']}, ${m['memory']}, Node ${m['node']}.
Each phase: ${results.warmup} s of warm-up, then ${results.seconds} s measured.

Portcullis runs in its production configuration (PostgreSQL + Redis, on this same machine),
pinned to core 0 with \`taskset -c 0\`; the load generator (autocannon for HTTP, \`ws\` clients
for WebSocket) runs pinned to core 1. The ceiling is a bare \`node:http\` server and a bare \`ws\`
server answering a fixed small JSON (bench/ceiling.mjs), pinned the same way: the most this
machine's Node can do. Absolute numbers drift on a shared 2-core machine; the ratios of one run
are what the targets are about.

${table}

## Reproduce

\`\`\`sh
npm install
npm run bench            # needs PostgreSQL on 127.0.0.1:5432 (user postgres, db test) and Redis on 127.0.0.1:6379
BENCH_SECONDS=5 BENCH_IDLE_SOCKETS=2000 BENCH_USERS=10000 npm run bench   # a quicker, rougher run
\`\`\`

Variables: \`BENCH_SECONDS\` (measured seconds per phase, default 10), \`BENCH_WARMUP\` (default 3),
\`BENCH_IDLE_SOCKETS\` (default 10000), \`BENCH_USERS\` (default 100000),
\`BENCH_POSTGRES_URL\`, \`BENCH_REDIS_URL\`, \`BENCH_WRITE_DOCS=0\` (leave this page alone).
The run uses its own PostgreSQL schema and Redis key prefix and drops them at the end.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
