/**
 * The load harness (`npm run bench`): Portcullis in its production configuration and a bare
 * node:http / ws ceiling, one after the other, each pinned to core 0 while this process (the
 * load generator) runs on core 1. Figures are ratios of the same run. Writes
 * bench/results/latest.json and docs/performance.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { allRounds, alternate, log, me, median, onFreshCeiling, onFreshProcess, portcullisNode, ROUNDS, SECONDS, WARMUP } from './harness.js';
import { close, httpLoad, openSockets, wsLoad, type Figures } from './load.js';
import { rss, startCeiling, type Target } from './targets.js';

const IDLE_SOCKETS = Number(process.env.BENCH_IDLE_SOCKETS ?? 10_000);
const MANY_USERS = Number(process.env.BENCH_USERS ?? 100_000);

/**
 * The server's memory per idle authenticated socket: its RSS growth once `count` sockets are
 * open and have each authenticated once. They connect in waves of 200, each wave authenticating
 * before the next opens, as clients arrive over time; see docs/performance.md for a burst.
 */
async function idleSocketMemory(target: Target, message: (i: number) => string, count: number): Promise<number> {
  await new Promise((done) => setTimeout(done, 1000));
  const before = rss(target.pid);
  const sockets = [];
  for (let opened = 0; opened < count; opened += 200) {
    const wave = await openSockets(target.url, Math.min(200, count - opened));
    await Promise.all(wave.map((socket, i) => new Promise((done) => {
      socket.once('message', done);
      socket.send(message(opened + i));
    })));
    sockets.push(...wave);
  }
  await new Promise((done) => setTimeout(done, 2000));
  const after = rss(target.pid);
  await Promise.all(sockets.map(close));
  return (after - before) / count;
}

async function measure() {
  const few = await portcullisNode('few', 0);
  try {
    // One node, whose database holds 100 users, then 100,000, then 100 again, round after
    // round: two processes differ by up to 15% (JIT decisions, heap), which would drown a 10% target.
    log(`GET /_me with 100 and with ${MANY_USERS} users in the database`);
    let grown = false;
    const withUsers = (many: boolean) => async (seconds: number) => {
      if (grown !== many) {
        log(many ? `  adding ${MANY_USERS - 100} users` : '  removing them');
        await (many ? few.addUsers(MANY_USERS - 100) : few.removeAddedUsers());
        grown = many;
      }
      return few.me(seconds);
    };
    const users = await alternate('users', { few: withUsers(false), many: withUsers(true) });
    if (grown) await few.removeAddedUsers();
    log('login over HTTP, 16 connections');
    const logins = await alternate('logins', { logins: (seconds) => few.logins(16, seconds) });
    log('GET /_me against the ceiling');
    const http = await alternate('http', {
      portcullis: onFreshProcess(few, 'me'),
      ceiling: onFreshCeiling((url, seconds) => httpLoad(url, { connections: 64, seconds, path: '/' })),
    });
    log('WebSocket getCurrentUser against the ceiling');
    const ws = await alternate('ws', {
      portcullis: onFreshProcess(few, 'meWs'),
      ceiling: onFreshCeiling((url, seconds) => wsLoad(url, { sockets: 64, inFlight: 16, seconds, message: () => me('x') })),
    });
    const stormLogins: Figures[] = [];
    const storm = (load: (seconds: number) => Promise<Figures>) => async (seconds: number) => {
      const [figures, logins] = await Promise.all([load(seconds), few.logins(8, seconds)]);
      stormLogins.push(logins);
      return figures;
    };
    log('current user, calm and during a login storm of 8 connections');
    const storms = await alternate('storms', { httpCalm: few.me, httpStorm: storm(few.me), wsCalm: few.meWs, wsStorm: storm(few.meWs) });
    // On fresh processes: a heap that earlier loads grew has room to spare, and would hide what sockets cost.
    log(`${IDLE_SOCKETS} idle authenticated sockets on a fresh node, then as many on a fresh ceiling`);
    const fresh = await few.sibling();
    const memory = await idleSocketMemory(fresh, (i) => me(few.tokens[i % few.tokens.length]!), IDLE_SOCKETS).finally(() => fresh.stop());
    const freshCeiling = await startCeiling();
    const ceilingMemory = await idleSocketMemory(freshCeiling, () => me('x'), IDLE_SOCKETS).finally(() => freshCeiling.stop());
    return {
      portcullis: {
        logins: logins['logins']!, http: http['portcullis']!, ws: ws['portcullis']!,
        httpCalm: storms['httpCalm']!, httpStorm: storms['httpStorm']!, wsCalm: storms['wsCalm']!, wsStorm: storms['wsStorm']!,
        stormLogins: median(stormLogins.slice(-2 * ROUNDS)),
        fewUsers: users['few']!, manyUsers: users['many']!, memoryPerSocket: memory,
      },
      ceiling: { http: http['ceiling']!, ws: ws['ceiling']!, memoryPerSocket: ceilingMemory },
    };
  } finally {
    await few.stop();
  }
}

const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;

const LATEST = resolve(import.meta.dirname, 'results/latest.json');
const PAGE = resolve(import.meta.dirname, '../docs/performance.md');

async function main(): Promise<void> {
  if (process.env.BENCH_RENDER_ONLY === '1') {
    const results = JSON.parse(readFileSync(LATEST, 'utf8')) as Results;
    writeFileSync(PAGE, renderDoc(results, renderTable(results)));
    return;
  }
  const { portcullis, ceiling } = await measure();
  const p = portcullis;
  const ratio = (a: number, b: number) => a / b;
  const checks = [
    { target: 'GET /_me ≥ 50% of the ceiling', shown: pct(ratio(p.http.rps, ceiling.http.rps)), met: p.http.rps >= 0.5 * ceiling.http.rps },
    { target: 'WebSocket getCurrentUser ≥ 50% of the ceiling', shown: pct(ratio(p.ws.rps, ceiling.ws.rps)), met: p.ws.rps >= 0.5 * ceiling.ws.rps },
    { target: 'GET /_me p99 during the storm ≤ 3x', shown: `${ratio(p.httpStorm.p99, p.httpCalm.p99).toFixed(2)}x`, met: p.httpStorm.p99 <= 3 * p.httpCalm.p99 },
    { target: 'WebSocket p99 during the storm ≤ 3x', shown: `${ratio(p.wsStorm.p99, p.wsCalm.p99).toFixed(2)}x`, met: p.wsStorm.p99 <= 3 * p.wsCalm.p99 },
    { target: 'logins keep completing during the storm', shown: `${p.stormLogins.rps.toFixed(1)} logins/s, ${p.stormLogins.errors} errors (alone, 16 connections: ${p.logins.rps.toFixed(1)})`, met: p.stormLogins.rps > 0 && p.stormLogins.errors === 0 },
    { target: '≤ 20 KB per idle authenticated WebSocket', shown: `${(p.memoryPerSocket / 1024).toFixed(1)} KB (ceiling ${(ceiling.memoryPerSocket / 1024).toFixed(1)} KB)`, met: p.memoryPerSocket <= 20 * 1024 },
    { target: `${MANY_USERS} users change throughput < 10%`, shown: `${p.manyUsers.rps.toFixed(0)} vs ${p.fewUsers.rps.toFixed(0)} req/s (${pct(ratio(p.manyUsers.rps, p.fewUsers.rps) - 1)})`, met: Math.abs(1 - ratio(p.manyUsers.rps, p.fewUsers.rps)) < 0.1 },
  ];
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory: `${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version };
  const results = { date: new Date().toISOString(), machine, seconds: SECONDS, warmup: WARMUP, rounds: ROUNDS, portcullis, ceiling, checks, allRounds };
  mkdirSync(resolve(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
  const table = renderTable(results);
  process.stdout.write(`${table}\n`);
  if (process.env.BENCH_WRITE_DOCS !== '0') writeFileSync(PAGE, renderDoc(results, table));
}

type Results = { date: string; machine: Record<string, unknown>; seconds: number; warmup: number; rounds: number; portcullis: Record<string, Figures | number>; ceiling: Record<string, Figures | number>; checks: Array<{ target: string; shown: string; met: boolean }> };

function renderTable(results: Results): string {
  const rows = ['| phase | Portcullis req/s | p50 ms | p99 ms | errors | ceiling req/s |', '| --- | --- | --- | --- | --- | --- |'];
  const line = (phase: string, figures: Figures, ceiling?: Figures) =>
    rows.push(`| ${phase} | ${figures.rps.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.errors} | ${ceiling ? ceiling.rps.toFixed(0) : ''} |`);
  const p = results.portcullis as Record<string, Figures>;
  const c = results.ceiling as Record<string, Figures>;
  line('login over HTTP (16 connections)', p['logins']!);
  line('GET /_me (64 connections)', p['http']!, c['http']);
  line('WebSocket getCurrentUser (64 sockets x 16 in flight)', p['ws']!, c['ws']);
  line('GET /_me, calm', p['httpCalm']!);
  line('GET /_me during a login storm', p['httpStorm']!);
  line('WebSocket, calm', p['wsCalm']!);
  line('WebSocket during a login storm', p['wsStorm']!);
  line('  logins during the storms (8 connections)', p['stormLogins']!);
  line('GET /_me with 100 users', p['fewUsers']!);
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
Each load: ${results.warmup} s of warm-up, then ${results.rounds} rounds of ${results.seconds} s measured.

${table}

## How it is measured

Portcullis runs in its production configuration (PostgreSQL + Redis, on this same machine),
pinned to core 0 with \`taskset -c 0\`; the load generator (autocannon for HTTP, \`ws\` clients
for WebSocket) runs pinned to core 1. The ceiling is a bare \`node:http\` server and a bare \`ws\`
server answering a fixed small JSON (bench/ceiling.mjs), pinned the same way: the most this
machine's Node can do. Absolute numbers drift on a shared 2-core machine (the ceiling itself
moves by 20% from one run to the next), so the servers run side by side (the idle ones cost
nothing) and every comparison alternates its loads round after round (\`BENCH_ROUNDS\`, default 5),
keeping each load's median: the ratios are what the targets are about. Every round's figures are
in latest.json (\`allRounds\`).

- **Against the ceiling**: each round starts a fresh Portcullis process (another node of the
  same cluster, so the same users and tokens) and a fresh ceiling, warms each up, then measures.
  Two processes of one build differ by up to 15% (JIT decisions, heap layout): a single process
  kept all along would make the ratio depend on its luck.
- **100 vs 100,000 users**: one node, whose database grows and shrinks between rounds (users
  added straight into PostgreSQL, then deleted and vacuumed), for the same reason.
- **Login storm**: 8 connections keep logging in while a current-user load runs; its median p99
  is compared with that of the same load without the storm, the two alternating round by round.
- **Memory per idle socket**: on a fresh node and a fresh ceiling (after the load phases, a
  heap has room to spare that hides what sockets cost), the RSS growth once
  \`BENCH_IDLE_SOCKETS\` sockets (default 10,000) are open and have each authenticated once,
  connecting in waves of 200.
- **Limits lifted for the loads**: every load comes from one loopback address and sends
  thousands of requests a second per user, so the bench lifts what would turn it into a test of
  refusals: the \`default\` profile's \`rateLimit\` (10 requests a second per user, set to 0 in
  PostgreSQL before the nodes start) and the per-address WebSocket cap
  (\`PORTCULLIS_WS_MAX_SOCKETS_PER_ADDRESS=0\`). Its 100 users log in four at a time: the hashing
  queue holds 10 password checks per client address.

## Where a request's time goes

A token check that finds its session, its user and the rights decision in the node's memory
runs from the transport to the response without a single \`await\`: the funnel and both transports
chain steps with \`andThen\` (packages/server/src/api/maybe-async.ts) and fall back to promises only
on a cache miss. Each await would cost an async frame, a promise and a trip through the microtask
queue; removing them, with a few per-request copies, made \`GET /_me\` and WebSocket
\`getCurrentUser\` about 50% faster. What remains of \`GET /_me\` is mostly the kernel's TCP work
(\`writev\`), Node's HTTP parser and writer, and \`JSON.stringify\`, which the ceiling pays too (but
for a smaller answer, and without parsing the request). The caches are dropped on every node at
each revocation or user change ([operators](operators.md)).

Over WebSocket, a client with requests in flight sends several in one TCP read; the answers to
the messages of one read leave in one write (the socket is corked until the next tick), so the
kernel's \`writev\`, which the ceiling pays once per message, is paid once per batch. This is why
Portcullis comes close to the ceiling there, though it parses every request and serializes every
answer while the ceiling does neither.

What each idle socket keeps is small (about 4 KB of heap, read with forced GCs while
investigating: the socket, its Connection and its token binding). A burst costs more for a
while: 10,000 sockets sending their first request in the same millisecond to a node that has not
cached their sessions yet left about 18 KB per socket of RSS (the garbage of the waiting
requests, promoted before it died, which V8 reclaims at its next major GC). Concurrent misses of
one session or user share one Redis or database read, so a reconnect storm does not multiply
the round trips.

Counting for the [metrics](operators.md#metrics) adds little to this path. Per request, the
funnel adds one to a number kept for the action and the answer's status, and each cache adds
one to its hits or misses; labels are built only when Prometheus scrapes. When the metrics
landed, callgrind measured the node's instructions per \`GET /_me\` (embedded storage, 5,000
requests counted after 3,000 to warm up, two runs of each build): about 1,200 more, +0.45%.

To profile: \`node --cpu-prof\` (one \`.cpuprofile\` per thread; the main thread's is the largest)
or \`perf record -g\` with \`--perf-basic-prof\`, against a node started as bench/targets.ts does.

## Reproduce

\`\`\`sh
npm install
npm run bench            # needs PostgreSQL on 127.0.0.1:5432 (user postgres, db test) and Redis on 127.0.0.1:6379
BENCH_SECONDS=2 BENCH_ROUNDS=1 BENCH_IDLE_SOCKETS=2000 BENCH_USERS=10000 npm run bench   # a quicker, rougher run
npm run bench:compare -- main   # before/after: the current-user loads on a build of main and on this checkout, alternated
\`\`\`

Variables: \`BENCH_SECONDS\` (measured seconds per round, default 5), \`BENCH_ROUNDS\` (default 5), \`BENCH_WARMUP\` (default 3),
\`BENCH_IDLE_SOCKETS\` (default 10000), \`BENCH_USERS\` (default 100000),
\`BENCH_POSTGRES_URL\`, \`BENCH_REDIS_URL\`, \`BENCH_WRITE_DOCS=0\` (leave this page alone),
\`BENCH_RENDER_ONLY=1\` (rewrite this page from latest.json, measuring nothing).
The run uses its own PostgreSQL schema and Redis key prefix and drops them at the end.

A change on the hot path (token check, login, the funnel, the transports) reports the figures of
\`npm run bench:compare\`: it builds the given git ref (default \`HEAD\`) in a throw-away worktree
(bench/.base), runs it beside this checkout, both seeded alike, and prints both medians and the change.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
