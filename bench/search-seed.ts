/**
 * The users the search phase searches: a million of them, seeded once per database and kept
 * between runs. Hashing a million passwords through the API would take hours, so they are
 * written through the core's own stores (the layer the API writes through, whatever it keeps
 * beside the users for search), in transactions of 5,000, all sharing one real password hash.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { createLogger, openStorage, validateConfig, type Storage } from '@portcullis/core';
import type { BenchStores } from './targets.js';

/** Bump when what is seeded changes: a database seeded by another version is seeded again. */
const SEED_VERSION = 1;
const MARKER = 'bench.search.seed';
const BATCH = 5_000;
/** Transactions in flight: PostgreSQL writes them on both cores; SQLite takes them in turn. */
const PARALLEL = 4;

export const DEPARTMENTS = 1_000;
export const AGES = { min: 18, max: 80 };

/** The i-th seeded user: spread evenly over the departments and ages, whatever the id order. */
export function seededUser(i: number): { id: string; login: string; department: string; age: number } {
  const n = String(i).padStart(7, '0');
  const span = AGES.max - AGES.min + 1;
  return { id: `s-${n}`, login: `user-${n}`, department: `dept-${(i * 7919) % DEPARTMENTS}`, age: AGES.min + ((i * 31) % span) };
}

function openStores(stores: BenchStores): Promise<Storage> {
  const database = stores.schema === undefined ? { url: stores.databaseUrl } : { url: stores.databaseUrl, schema: stores.schema };
  // Sessions in the SQL database even in the production configuration: seeding needs none, and
  // Redis would only be opened to be closed.
  return openStorage(validateConfig({ database, logger: { level: 'silent' } }), createLogger({ level: 'silent' }));
}

/** The migrations the database went through: seeded users are kept only under the same schema history. */
async function migrations(stores: BenchStores): Promise<string[]> {
  if (stores.schema === undefined) {
    const db = new Database(stores.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
    try {
      return (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as Array<{ name: string }>).map((row) => row.name);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: stores.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`SELECT name FROM "${stores.schema}".kysely_migration ORDER BY name`);
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

/** What the marker says of a complete seed: its version, its size and the schema history it was written under. */
async function fingerprint(stores: BenchStores, count: number): Promise<string> {
  return JSON.stringify({ version: SEED_VERSION, count, migrations: await migrations(stores) });
}

/** Whether the database holds a complete seed of `count` users made by this version (a node has migrated it first). */
export async function isSeeded(stores: BenchStores, count: number): Promise<boolean> {
  const storage = await openStores(stores);
  try {
    return (await storage.settings.get(MARKER)) === (await fingerprint(stores, count));
  } finally {
    await storage.close();
  }
}

/**
 * Writes `count` users, each with a `local` credential holding the data of `templateKuid`'s (a
 * real password hash, made by the node), through the stores, then the marker (last: an interrupted seed has none), then
 * refreshes the planner's statistics. The node must be stopped (SQLite has one writer).
 * @returns the seconds it took
 */
export async function seedUsers(stores: BenchStores, count: number, templateKuid: string, progress: (done: number) => void): Promise<number> {
  const started = performance.now();
  const storage = await openStores(stores);
  try {
    const template = (await storage.credentials.findByKuid('local', templateKuid))?.data;
    if (!template) throw new Error(`${templateKuid} has no local credentials`);
    let next = 0;
    let done = 0;
    const worker = async () => {
      for (let start = next; start < count; start = next) {
        next += BATCH;
        await storage.transaction(async () => {
          for (let i = start; i < Math.min(count, start + BATCH); i++) {
            const user = seededUser(i);
            const content = { profileIds: ['default'], department: user.department, age: user.age };
            if (!(await storage.users.insert({ _id: user.id, content }))) throw new Error(`${user.id} exists already`);
            const credential = await storage.credentials.insert({ strategy: 'local', kuid: user.id, login: user.login, data: template });
            if (credential !== 'created') throw new Error(`${user.login}: ${credential}`);
          }
        });
        done += Math.min(BATCH, count - start);
        if (done % 100_000 === 0 || done === count) progress(done);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    await storage.settings.setIfAbsent(MARKER, await fingerprint(stores, count));
  } finally {
    await storage.close();
  }
  await analyze(stores);
  return (performance.now() - started) / 1000;
}

/** Fresh planner statistics, as an operator's routine maintenance (or PostgreSQL's autovacuum, in time) would leave them. */
async function analyze(stores: BenchStores): Promise<void> {
  if (stores.schema === undefined) {
    const db = new Database(stores.databaseUrl.replace(/^sqlite:/, ''));
    try {
      db.exec('ANALYZE');
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: stores.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [stores.schema]);
    await client.query(`VACUUM ANALYZE ${rows.map((row) => `"${stores.schema}"."${row.table_name}"`).join(', ')}`);
  } finally {
    await client.end();
  }
}
