/** What bench/run.ts and bench/compare.ts share: Portcullis nodes seeded for the loads, and alternated rounds. */
import { httpLoad, wsLoad, type Figures } from './load.js';
import { createUsers, dropStores, insertUsers, login, removeInsertedUsers, unlimitDefaultProfile } from './seed.js';
import { startCeiling, startPortcullis, type Target } from './targets.js';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);

const stores = {
  databaseUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  schema: `bench_${process.pid}`,
  prefix: `bench_${process.pid}:`,
};
export const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const PASSWORD = 'bench-user-password';

export const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
/** The WebSocket request of the current-user loads. */
export const me = (jwt: string) => JSON.stringify({ controller: 'auth', action: 'getCurrentUser', jwt });

/** Every round's figures of each load, by `phase.load`, kept beside the medians. */
export const allRounds: Record<string, Figures[]> = {};

/** Runs each load in turn, round after round, and keeps each one's median figures: slow drifts of a shared machine hit all of them alike. */
export async function alternate(phase: string, runs: Record<string, (seconds: number) => Promise<Figures>>): Promise<Record<string, Figures>> {
  const seen: Record<string, Figures[]> = {};
  for (const [name, run] of Object.entries(runs)) {
    if (WARMUP > 0) await run(WARMUP);
    seen[name] = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(runs)) {
      log(`  ${name}, round ${round + 1}/${ROUNDS}`);
      seen[name]!.push(await run(SECONDS));
    }
  }
  for (const [name, figures] of Object.entries(seen)) allRounds[`${phase}.${name}`] = figures;
  return Object.fromEntries(Object.entries(seen).map(([name, figures]) => [name, median(figures)]));
}

export function median(figures: Figures[]): Figures {
  const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  return {
    rps: mid(figures.map((f) => f.rps)),
    p50: mid(figures.map((f) => f.p50)),
    p99: mid(figures.map((f) => f.p99)),
    errors: figures.reduce((sum, f) => sum + f.errors, 0),
    count: figures.reduce((sum, f) => sum + f.count, 0),
  };
}

/** The current-user loads against a node, each connection cycling through the users' tokens. */
export function currentUserLoads(url: string, tokens: string[]) {
  const rotate = tokens.map((jwt) => ({ headers: { authorization: `Bearer ${jwt}` } }));
  return {
    me: (seconds: number) => httpLoad(url, { connections: 64, seconds, path: '/_me', rotate }),
    meWs: (seconds: number) => wsLoad(url, { sockets: 64, inFlight: 16, seconds, message: (i) => me(tokens[i % tokens.length]!) }),
  };
}

export type BenchNode = Awaited<ReturnType<typeof portcullisNode>>;

/**
 * A Portcullis node with 100 users who have logged in (and, for `extraUsers`, more users in its
 * database), in its own PostgreSQL schema and Redis prefix. `root` is the checkout to run
 * (another build of Portcullis, for bench/compare.ts).
 */
export async function portcullisNode(name: string, extraUsers: number, root?: string) {
  const own = { ...stores, schema: `${stores.schema}_${name}`, prefix: `${stores.prefix}${name}:` };
  await dropStores(own.databaseUrl, own.schema, own.redisUrl, own.prefix);
  const first = await startPortcullis(own, ADMIN, root);
  await first.stop();
  await unlimitDefaultProfile(own.databaseUrl, own.schema);
  const target: Target = await startPortcullis(own, ADMIN, root);
  const adminJwt = await login(target.url, ADMIN.username, ADMIN.password);
  log(`${name}: creating 100 users through the API`);
  const users = await createUsers(target.url, adminJwt, 100, PASSWORD);
  if (extraUsers > 0) {
    log(`${name}: adding ${extraUsers} users to the database`);
    await insertUsers(own.databaseUrl, own.schema, extraUsers);
  }
  // Four at a time, as the users were created: the hashing queue holds 10 checks per address.
  const tokens: string[] = [];
  for (let i = 0; i < users.length; i += 4) tokens.push(...(await Promise.all(users.slice(i, i + 4).map((user) => login(target.url, user, PASSWORD)))));
  return {
    name,
    target,
    users,
    tokens,
    ...currentUserLoads(target.url, tokens),
    logins: (connections: number, seconds: number) =>
      httpLoad(target.url, { connections, seconds, method: 'POST', path: '/_login/local', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: users[0], password: PASSWORD }) }),
    /** Adds users straight into the node's database (they never log in), or removes them. */
    addUsers: (count: number) => insertUsers(own.databaseUrl, own.schema, count),
    removeAddedUsers: () => removeInsertedUsers(own.databaseUrl, own.schema),
    /** Another node of the same cluster (same database and Redis): fresh, it has served nothing yet. */
    sibling: () => startPortcullis(own, ADMIN, root),
    stop: async () => {
      await target.stop();
      await dropStores(own.databaseUrl, own.schema, own.redisUrl, own.prefix);
    },
  };
}

/**
 * A load on a new process of the node's cluster (same stores, same tokens), warmed up then
 * measured: two processes of one build differ by up to 15% (JIT decisions, heap layout), so a
 * comparison between builds, or with the ceiling, samples a fresh process at each round rather
 * than keeping one, lucky or not, all along.
 */
export function onFreshProcess(node: BenchNode, load: 'me' | 'meWs') {
  return async (seconds: number): Promise<Figures> => {
    const target = await node.sibling();
    try {
      const run = currentUserLoads(target.url, node.tokens)[load];
      if (WARMUP > 0) await run(WARMUP);
      return await run(seconds);
    } finally {
      await target.stop();
    }
  };
}

/** The same for the ceiling: a fresh bare server at each round. */
export function onFreshCeiling(run: (url: string, seconds: number) => Promise<Figures>) {
  return async (seconds: number): Promise<Figures> => {
    const ceiling = await startCeiling();
    try {
      if (WARMUP > 0) await run(ceiling.url, WARMUP);
      return await run(ceiling.url, seconds);
    } finally {
      await ceiling.stop();
    }
  };
}
