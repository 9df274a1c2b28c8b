/**
 * docs/performance.md, as bench/run.ts writes it: one section per phase, between markers, then
 * the prose. A run that measures only some phases keeps the others' sections from the page.
 */
import { cpus, totalmem } from 'node:os';
import type { Figures } from './load.js';
import { ROUNDS, SECONDS, WARMUP } from './harness.js';

/** When, where and how long a phase measured, with every round's figures. */
export interface RunInfo {
  date: string;
  machine: Record<string, string | number>;
  seconds: number;
  warmup: number;
  rounds: number;
  allRounds: Record<string, Figures[]>;
}

export interface Check {
  target: string;
  shown: string;
  met: boolean;
}

/** This run's RunInfo, with the rounds of the loads `mine` picks. */
export function runInfo(allRounds: Record<string, Figures[]>, mine: (load: string) => boolean): RunInfo {
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory: `${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version };
  const rounds = Object.fromEntries(Object.entries(allRounds).filter(([load]) => mine(load)));
  return { date: new Date().toISOString(), machine, seconds: SECONDS, warmup: WARMUP, rounds: ROUNDS, allRounds: rounds };
}

export function runLine(run: RunInfo): string {
  const m = run.machine;
  return `Latest run: ${run.date}, on ${m['cpus']} × ${m['cpu']}, ${m['memory']}, Node ${m['node']}.
Each load: ${run.warmup} s of warm-up, then ${run.rounds} rounds of ${run.seconds} s measured.`;
}

export function renderChecks(checks: Check[]): string {
  const rows = ['| target | measured | met |', '| --- | --- | --- |'];
  for (const check of checks) rows.push(`| ${check.target} | ${check.shown} | ${check.met ? 'yes' : 'NO'} |`);
  return rows.join('\n');
}

export const PHASES = ['core', 'search'] as const;
export type Phase = (typeof PHASES)[number];

const marked = (phase: Phase, text: string) => `<!-- phase ${phase} -->\n${text}\n<!-- /phase ${phase} -->`;

/** The section a page holds for `phase`, markers included, or null. */
function sectionOf(page: string, phase: Phase): string | null {
  const start = page.indexOf(`<!-- phase ${phase} -->`);
  const endMarker = `<!-- /phase ${phase} -->`;
  const end = page.indexOf(endMarker, start);
  return start < 0 || end < 0 ? null : page.slice(start, end + endMarker.length);
}

/**
 * The page: each phase's section from `sections` when this run measured it, else as `previous`
 * (the page before the run) shows it.
 */
export function renderPage(sections: Partial<Record<Phase, string>>, previous: string): string {
  const section = (phase: Phase) => {
    const text = sections[phase];
    if (text !== undefined) return marked(phase, text);
    return sectionOf(previous, phase) ?? marked(phase, `Not measured yet: \`BENCH_PHASES=${phase} npm run bench\`.`);
  };
  return `# Performance

<!-- Written by \`npm run bench\` (bench/run.ts); the raw figures are in bench/results/latest.json.
A run of some phases (BENCH_PHASES) rewrites their sections and keeps the others. -->

${section('core')}

## Searching users

${section('search')}

Phase \`search\` (run it alone with \`BENCH_PHASES=search npm run bench\`): an administrator's
\`security:searchUsers\` by a content field and \`security:searchUsersByCredentials\` by login prefix,
over \`BENCH_SEARCH_USERS\` users (default 1,000,000), in each storage configuration
(\`BENCH_SEARCH_MODES\`, default \`production,embedded\`: PostgreSQL + Redis, and SQLite). Each user
holds two searchable fields (mapping \`department: keyword\`, \`age: integer\`; 1,000 departments of
1,000 users, ages 18 to 80) and a \`local\` login \`user-0000000\` to \`user-0999999\`. Each load
cycles through 50 different requests on 16 connections: a department (1,000 matches), two ages
(about 31,700 matches), a five-digit login prefix (100 matches); every answer's \`total\` and
hit count are checked once before the loads start.

Hashing a million passwords through the API would take hours, so the users are written through
the core's own stores (\`openStorage\`: the layer the API writes through, with whatever it keeps
beside the users for search), in transactions of 5,000, four at a time, all sharing the hash of
one user created through the API; then the planner's statistics are refreshed (\`VACUUM
ANALYZE\`, SQLite's \`ANALYZE\`). Seeding is done once per database and kept between runs: the
PostgreSQL schema \`bench_search_<count>\` and the file bench/.data/search-<count>.db hold a marker
naming the seed's version, its size and the schema's migrations; a database whose marker differs
is dropped and seeded again. To seed again by hand, drop the schema or delete the file.
Seeding a million took 1,063 s on PostgreSQL and 164 s on SQLite here, while other test suites
kept the two cores busy (load average 12 to 17); a trial of 100,000, on the stores as they were
before search added \`user_fields\`, took 29 s and 6 s.

What the searches cost (\`EXPLAIN ANALYZE\` on PostgreSQL 15, \`EXPLAIN QUERY PLAN\` on SQLite,
on the seeded million): every test is an index lookup. A department's 1,000 ids come from
\`user_fields_text\` (index only), two ages' 31,700 ids from \`user_fields_number\`, a prefix's
100 logins from \`credentials_login_key\` (a range, then a sort of 100 by kuid: 0.1 ms). The
page of hits walks \`users\` by id and stops at the 10th match (a semi join on PostgreSQL, 0.4 ms),
which stays cheap while the matches are spread over the ids, as here. SQLite would first list
every matching id (7 ms for 31,700), so there, when the hits sort by \`_id\` alone and the total
(counted first) says the matches are dense among the users (an even spread would fill the page
within a sixteenth of the total), the page walks a bounded range of the primary key instead,
testing each user with a correlated \`exists\` through \`user_fields_user\` (0.2 ms). A walk that
comes back short (matches clustered at the far end of the ids) falls back to the list, so the
page is exact and such a query costs at most 1.5 times what the list alone does; sparse
matches (a department's 1,000) are listed at once. Before the walk, the SQLite range load
measured 138 req/s, p99 230 ms (load average 1.4 to 2.1); the figures above are with it
(load average 1.4 to 1.6).

The \`total\` is counted from the index tables alone, never from \`users\`: a query compiles to a
set of ids drawn from \`user_fields\`, \`user_profiles\` (and \`users.id\` for \`_id\`, \`ids\` and a
\`must_not\` without a positive clause, whose complement needs every user), combined with
INTERSECT, UNION and EXCEPT, and counted. It is exact because every row of those tables
belongs to an existing user (foreign keys, on delete cascade). A lookup repeats a user only
if the user holds several values of the field (an array, a text's words) and several match;
user writes flag such fields, and a count skips the DISTINCT for a field never flagged
(databases written before the flags are surveyed once, on the first search: 1.2 s for the
million on PostgreSQL, 1.1 s on SQLite). Counting two ages' 31,700 users now takes 4 ms on
PostgreSQL and 2 ms on SQLite; before, \`count(*)\` of the users whose id was among the matches
took a parallel sequential scan of \`users\` with a hash join on PostgreSQL (230 ms) or 31,700
primary-key lookups on SQLite (180 ms), and the same load measured p99 2,981 ms (PostgreSQL)
and 3,815 ms (SQLite) at a load average of 5.9, against 63 ms and 244 ms after the change
(load average 3.7 to 4.6, with other test suites running).

## How it is measured

Portcullis runs in its production configuration (PostgreSQL + Redis, on this same machine; the
search phase also in its embedded one, SQLite),
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
BENCH_PHASES=core npm run bench                        # the current-user, login and socket phase alone
BENCH_PHASES=search npm run bench                      # the search phase alone (the page keeps the other phase's figures)
BENCH_PHASES=search BENCH_SEARCH_MODES=production npm run bench   # ... in PostgreSQL + Redis only
npm run bench:compare -- main   # before/after: the current-user loads on a build of main and on this checkout, alternated
\`\`\`

Variables: \`BENCH_PHASES\` (\`core\`, \`search\` or both, comma-separated; default both), \`BENCH_SECONDS\` (measured seconds per round, default 5), \`BENCH_ROUNDS\` (default 5), \`BENCH_WARMUP\` (default 3),
\`BENCH_IDLE_SOCKETS\` (default 10000), \`BENCH_USERS\` (default 100000),
\`BENCH_SEARCH_USERS\` (default 1000000), \`BENCH_SEARCH_MODES\` (default \`production,embedded\`),
\`BENCH_SEARCH_LOADS\` (default \`term10,term100,range10,prefix10,prefix100\`),
\`BENCH_POSTGRES_URL\`, \`BENCH_REDIS_URL\`, \`BENCH_WRITE_DOCS=0\` (leave this page alone),
\`BENCH_RENDER_ONLY=1\` (rewrite this page from latest.json, measuring nothing).
The run uses its own PostgreSQL schema and Redis key prefix and drops them at the end, but for
the search phase's seeded databases, which it keeps for the next run.

A change on the hot path (token check, login, the funnel, the transports) reports the figures of
\`npm run bench:compare\`: it builds the given git ref (default \`HEAD\`) in a throw-away worktree
(bench/.base), runs it beside this checkout, both seeded alike, and prints both medians and the change.
`;
}
