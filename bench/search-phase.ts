/**
 * The search phase: `security:searchUsers` by a content field (a term, a range) and
 * `security:searchUsersByCredentials` by login prefix, over BENCH_SEARCH_USERS users (default
 * 1,000,000), in each storage configuration (BENCH_SEARCH_MODES: production = PostgreSQL +
 * Redis, embedded = SQLite). The users are seeded once per database and kept between runs
 * (PostgreSQL schema `bench_search_<count>`, file bench/.data/search-<count>.db).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ADMIN, allRounds, alternate, log } from './harness.js';
import { httpLoad, type Figures } from './load.js';
import { renderChecks, runInfo, runLine, type Check, type RunInfo } from './page.js';
import { api, dropRedisKeys, dropSchema, login } from './seed.js';
import { DEPARTMENTS, isSeeded, seededUser, seedUsers } from './search-seed.js';
import { startPortcullis, type BenchStores, type Target } from './targets.js';

export const SEARCH_USERS = Number(process.env.BENCH_SEARCH_USERS ?? 1_000_000);
const MODES = (process.env.BENCH_SEARCH_MODES ?? 'production,embedded').split(',').map((mode) => mode.trim()).filter(Boolean);
const CONNECTIONS = 16;
/** Distinct requests each load cycles through, so that no answer is the same twice in a row. */
const VARIANTS = 50;
const TEMPLATE = { kuid: 'bench-search-template', password: 'bench-search-password' };
const MAPPING = { properties: { department: { type: 'keyword' }, age: { type: 'integer' } } };

/** The loads to run (BENCH_SEARCH_LOADS, default all of {@link SEARCH_LOADS}). */
const chosenLoads = (): Array<[string, SearchLoad]> => {
  const names = process.env.BENCH_SEARCH_LOADS?.split(',').map((name) => name.trim()).filter(Boolean) ?? Object.keys(SEARCH_LOADS);
  return names.map((name) => {
    const load = SEARCH_LOADS[name];
    if (!load) throw new Error(`BENCH_SEARCH_LOADS: unknown load "${name}" (known: ${Object.keys(SEARCH_LOADS).join(', ')})`);
    return [name, load];
  });
};

export type SearchMode = 'production' | 'embedded';

/** One search load: the route, and the body of its i-th variant. */
interface SearchLoad {
  label: string;
  path: string;
  body(i: number): unknown;
  /** How many users the i-th variant matches, to check the answers before measuring them. */
  total(i: number): number;
}

/** The i-th login prefix: five of the seven digits, so 100 logins (of the 10,000 prefixes of a million users). */
const prefix = (i: number) => `user-${String((i * 7919) % Math.max(1, Math.ceil(SEARCH_USERS / 100))).padStart(5, '0')}`;
const department = (i: number) => `dept-${(i * 13) % DEPARTMENTS}`;
/** How many seeded users `predicate` picks (the seed is a pure function of the index). */
function matching(predicate: (user: ReturnType<typeof seededUser>) => boolean): number {
  let total = 0;
  for (let n = 0; n < SEARCH_USERS; n++) if (predicate(seededUser(n))) total++;
  return total;
}

const termLoad = (size: number): SearchLoad => ({
  label: `searchUsers, term on a keyword, size ${size}`,
  path: `/users/_search?size=${size}`,
  body: (i) => ({ query: { term: { department: department(i) } } }),
  total: (i) => matching((user) => user.department === department(i)),
});

const prefixLoad = (size: number): SearchLoad => ({
  label: `searchUsersByCredentials, local login prefix, size ${size}`,
  path: `/credentials/local/users/_search?size=${size}`,
  body: (i) => ({ query: { bool: { must: [{ prefix: { username: prefix(i) } }] } } }),
  total: (i) => matching((user) => user.login.startsWith(prefix(i))),
});

/** Two consecutive ages: about 31,700 of a million users. */
const rangeLoad: SearchLoad = {
  label: 'searchUsers, range on an integer (2 of 63 ages), size 10',
  path: '/users/_search?size=10',
  body: (i) => ({ query: { range: { age: { gte: 20 + (i % 50), lte: 21 + (i % 50) } } } }),
  total: (i) => matching((user) => user.age === 20 + (i % 50) || user.age === 21 + (i % 50)),
};

export const SEARCH_LOADS: Record<string, SearchLoad> = {
  term10: termLoad(10),
  term100: termLoad(100),
  range10: rangeLoad,
  prefix10: prefixLoad(10),
  prefix100: prefixLoad(100),
};

/**
 * What a search may take at the 99th percentile while 15 others run: an administrator's search
 * should feel instant (100 ms) on a busy node.
 */
const P99_TARGET_MS = 100;

export type SearchResults = RunInfo & {
  users: number;
  connections: number;
  /** By mode: seconds seeding took in this run (null when a kept seed was reused), and each load's medians. */
  modes: Record<string, { seedSeconds: number | null; loads: Record<string, Figures> }>;
};

function storesOf(mode: SearchMode): BenchStores {
  if (mode === 'embedded') return { databaseUrl: `sqlite:${resolve(import.meta.dirname, `.data/search-${SEARCH_USERS}.db`)}` };
  return {
    databaseUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    schema: `bench_search_${SEARCH_USERS}`,
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: `bench_${process.pid}_search:`,
  };
}

async function forget(stores: BenchStores): Promise<void> {
  if (stores.schema !== undefined) await dropSchema(stores.databaseUrl, stores.schema);
  else for (const suffix of ['', '-wal', '-shm']) rmSync(`${stores.databaseUrl.replace(/^sqlite:/, '')}${suffix}`, { force: true });
}

/** Starts a node on `stores`, declares the searchable fields, and returns it with an admin token. */
async function startMapped(stores: BenchStores): Promise<{ node: Target; jwt: string }> {
  const node = await startPortcullis(stores, ADMIN);
  const jwt = await login(node.url, ADMIN.username, ADMIN.password);
  await api(node.url, 'PUT', '/users/_mapping', MAPPING, jwt);
  return { node, jwt };
}

/** A node on the mode's database holding the seeded users: kept from an earlier run, or seeded now (the node stopped meanwhile). */
async function seededNode(mode: SearchMode, stores: BenchStores): Promise<{ node: Target; jwt: string; seedSeconds: number | null }> {
  mkdirSync(resolve(import.meta.dirname, '.data'), { recursive: true });
  let started = await startMapped(stores);
  if (await isSeeded(stores, SEARCH_USERS)) return { ...started, seedSeconds: null };
  await started.node.stop();
  log(`${mode}: seeding ${SEARCH_USERS} users through the stores`);
  await forget(stores);
  started = await startMapped(stores);
  await api(started.node.url, 'POST', `/users/${TEMPLATE.kuid}/_create`, { content: { profileIds: ['default'] }, credentials: { local: { username: TEMPLATE.kuid, password: TEMPLATE.password } } }, started.jwt);
  await started.node.stop();
  const seedSeconds = await seedUsers(stores, SEARCH_USERS, TEMPLATE.kuid, (done) => log(`  ${done} users`));
  log(`${mode}: seeded in ${seedSeconds.toFixed(0)} s`);
  return { ...(await startMapped(stores)), seedSeconds };
}

/** Checks each variant's answer (its total), so that what is measured is a right answer. */
async function checkAnswers(url: string, jwt: string): Promise<void> {
  for (const [name, load] of chosenLoads()) {
    for (const i of [0, VARIANTS - 1]) {
      const result = await api(url, 'POST', load.path, load.body(i), jwt);
      const hits = result['hits'] as unknown[];
      const expected = load.total(i);
      const size = Number(new URL(load.path, url).searchParams.get('size'));
      if (result['total'] !== expected || hits.length !== Math.min(size, expected)) {
        throw new Error(`${name} variant ${i}: total ${String(result['total'])} and ${hits.length} hits, expected ${expected} and ${Math.min(size, expected)}`);
      }
    }
  }
}

/** Seeds (or reuses) each mode's database, checks the answers, then measures every search load, alternated round by round. */
export async function measureSearch(): Promise<SearchResults> {
  const modes: SearchResults['modes'] = {};
  for (const mode of MODES as SearchMode[]) {
    const stores = storesOf(mode);
    const { node, jwt, seedSeconds } = await seededNode(mode, stores);
    try {
      await checkAnswers(node.url, jwt);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${jwt}` };
      const runs = Object.fromEntries(chosenLoads().map(([name, load]) => {
        const rotate = Array.from({ length: VARIANTS }, (_, i) => ({ headers, body: JSON.stringify(load.body(i)) }));
        return [name, (seconds: number) => httpLoad(node.url, { connections: CONNECTIONS, seconds, method: 'POST', path: load.path, rotate })];
      }));
      log(`${mode}: search over ${SEARCH_USERS} users, ${CONNECTIONS} connections`);
      modes[mode] = { seedSeconds, loads: await alternate(`search.${mode}`, runs) };
    } finally {
      await node.stop();
      if (stores.redisUrl !== undefined && stores.prefix !== undefined) await dropRedisKeys(stores.redisUrl, stores.prefix);
    }
  }
  return { ...runInfo(allRounds, (load) => load.startsWith('search.')), users: SEARCH_USERS, connections: CONNECTIONS, modes };
}

/** The targets, checked against each mode's loads. */
function searchChecks(results: SearchResults): Check[] {
  return Object.entries(results.modes).flatMap(([mode, { loads }]) => Object.entries(loads).map(([name, figures]) => ({
    target: `${MODE_NAMES[mode] ?? mode}: ${name} p99 ≤ ${P99_TARGET_MS} ms, no errors`,
    shown: `${figures.p99} ms, ${figures.errors} errors`,
    met: figures.p99 <= P99_TARGET_MS && figures.errors === 0,
  })));
}

const MODE_NAMES: Record<string, string> = { production: 'PostgreSQL + Redis', embedded: 'SQLite' };

/** The section of docs/performance.md that shows the search phase. */
export function renderSearch(results: SearchResults): string {
  const seeds = Object.entries(results.modes).map(([mode, { seedSeconds }]) =>
    `${MODE_NAMES[mode] ?? mode} ${seedSeconds === null ? 'kept from an earlier run' : `seeded in ${seedSeconds.toFixed(0)} s`}`);
  const rows = ['| load | storage | req/s | p50 ms | p99 ms | errors |', '| --- | --- | --- | --- | --- | --- |'];
  for (const [name, load] of Object.entries(SEARCH_LOADS)) {
    for (const [mode, { loads }] of Object.entries(results.modes)) {
      const figures = loads[name];
      if (figures) rows.push(`| ${load.label} | ${MODE_NAMES[mode] ?? mode} | ${figures.rps.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.errors} |`);
    }
  }
  return `${runLine(results)}
${results.users} users, searched by an administrator over ${results.connections} connections; the users: ${seeds.join(', ')}.

${rows.join('\n')}

${renderChecks(searchChecks(results))}`;
}
