import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../logging/logger.js';
import { migrateToLatest } from './migrations.js';
import { SchemaPostgresDialect } from './schema-introspector.js';
import { guard } from './sql-errors.js';
import { prepareSqliteFile } from './sqlite-file.js';
import type { Tables } from './tables.js';
import { UnitsOfWork } from './unit-of-work.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/** What a SQL database needs from the config (`config.database`). */
export interface SqlDatabaseOptions {
  /** `sqlite:<path>` (`sqlite::memory:` for a private in-memory database) or `postgres://...`. */
  url: string;
  /** PostgreSQL schema holding the tables, created when missing. */
  schema: string;
  /** Milliseconds before a call fails: busy timeout, connection and statement timeouts. */
  timeout: number;
}

/** An open, migrated SQL database. */
export interface SqlDatabase {
  readonly db: Kysely<Tables>;
  readonly dialect: SqlDialectName;
  /** SQLite only: the file's data_version, which changes whenever another connection commits. */
  readonly dataVersion?: () => number;
  /**
   * Runs `run` as one transaction that every query of `db` made from inside it joins: it
   * commits when `run` resolves, rolls back when it rejects or the process dies. Nested calls
   * join the outer one.
   * @throws services.storage.not_connected when the database does not answer in time
   */
  transaction<T>(run: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: waits until no other transaction, of any node, holds `name`, then
   * holds it until this one ends (a row of `settings` claimed by an upsert).
   * @throws Error outside a transaction, where it would hold nothing
   */
  lock(name: string): Promise<void>;
  close(): Promise<void>;
}

/** The dialect a database URL names, or null when it names none we know. */
export function dialectOf(url: string): SqlDialectName | null {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  return null;
}

interface Opened {
  dialect: Dialect;
  dataVersion?: () => number;
  /** Runs the migrations so that concurrent starts on the same database take turns. */
  migrate(db: Kysely<Tables>): Promise<string[]>;
}

/** Migrations under way in this process, by SQLite file. */
const migrating = new Map<string, Promise<unknown>>();

/**
 * Runs `run` after the other migrations of the same file in this process. better-sqlite3
 * waits for a lock synchronously, so a second handle in the same process would block the very
 * thread that has to finish the first migration.
 */
async function inTurn<T>(path: string, run: () => Promise<T>): Promise<T> {
  const current = (migrating.get(path) ?? Promise.resolve()).catch(() => undefined).then(run);
  migrating.set(path, current);
  try {
    return await current;
  } finally {
    if (migrating.get(path) === current) migrating.delete(path);
  }
}

function openSqlite(url: string, timeout: number, logger: Logger): Opened {
  // "sqlite:./a.db", "sqlite:/abs/a.db" and "sqlite:///abs/a.db" all name a file path.
  const rest = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  const path = rest === ':memory:' ? rest : resolve(rest);
  if (path !== ':memory:') prepareSqliteFile(path, logger);
  const database = new Database(path, { timeout });
  // WAL lets readers run beside the writer; NORMAL sync is safe with WAL and much faster.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${timeout}`);
  database.pragma('foreign_keys = ON');
  const dataVersion = database.prepare('PRAGMA data_version').pluck();
  return {
    dialect: new SqliteDialect({ database }),
    dataVersion: () => dataVersion.get() as number,
    // Kysely takes no lock on SQLite, yet another process (a second node, the CLI) may migrate
    // the same file: BEGIN IMMEDIATE makes it wait up to busy_timeout, and DDL is transactional.
    migrate: (db) => inTurn(path, async () => {
      database.exec('begin immediate');
      try {
        const applied = await migrateToLatest(db as Kysely<unknown>);
        database.exec('commit');
        return applied;
      } catch (error) {
        if (database.inTransaction) database.exec('rollback');
        throw error;
      }
    }),
  };
}

function openPostgres(options: SqlDatabaseOptions, logger: Logger): Opened {
  const pool = new pg.Pool({
    connectionString: options.url,
    // Every connection of the pool resolves unqualified names in the configured schema.
    options: `-c search_path="${options.schema}"`,
    connectionTimeoutMillis: options.timeout,
    statement_timeout: options.timeout,
    // The client-side backstop for a silent network; the server's statement_timeout fires first.
    query_timeout: options.timeout + 500,
  });
  // An idle connection that dies emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  return {
    dialect: new SchemaPostgresDialect({ pool }, options.schema),
    // Kysely's Migrator holds an advisory lock while it migrates.
    async migrate(db) {
      await createSchema(db, options.schema);
      return migrateToLatest(db as Kysely<unknown>, options.schema);
    },
  };
}

async function createSchema(db: Kysely<Tables>, schema: string): Promise<void> {
  const exists = async (): Promise<boolean> => {
    const found = await sql<{ n: number }>`select 1 as n from pg_namespace where nspname = ${schema}`.execute(db);
    return found.rows.length > 0;
  };
  if (await exists()) return;
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two nodes starting together can both try; "if not exists" does not make that safe.
    if (!(await exists())) throw error;
  }
}

/**
 * Opens the SQL database a URL names (creating the SQLite file's directory, or the PostgreSQL
 * schema) and runs the migrations.
 * @throws services.storage.not_connected when the database cannot be reached in time
 * @throws Error when the URL names no supported dialect
 */
export async function openSqlDatabase(options: SqlDatabaseOptions, logger: Logger): Promise<SqlDatabase> {
  const dialect = dialectOf(options.url);
  if (dialect === null) throw new Error(`database.url must start with "sqlite:" or "postgres://"`);
  const opened = await guard('services.storage.not_connected', async () => (
    dialect === 'sqlite' ? openSqlite(options.url, options.timeout, logger) : openPostgres(options, logger)
  ));
  const units = new UnitsOfWork(dialect === 'sqlite' ? 'begin immediate' : 'begin');
  const db = new Kysely<Tables>({ dialect: units.wrap(opened.dialect) });
  try {
    const applied = await guard('services.storage.not_connected', () => opened.migrate(db));
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return {
    db,
    dialect,
    ...(opened.dataVersion ? { dataVersion: opened.dataVersion } : {}),
    transaction: (run) => guard('services.storage.not_connected', () => units.run(run)),
    async lock(name) {
      if (!units.inside) throw new Error(`lock("${name}") outside a transaction would hold nothing`);
      // An upsert locks the row until the transaction ends: a second claimer waits, on PostgreSQL
      // for the row, on SQLite already at `begin immediate`.
      await guard('services.storage.not_connected', () => db.insertInto('settings')
        .values({ key: `lock:${name}`, value: new Date().toISOString() })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
        .execute());
    },
    close: () => db.destroy(),
  };
}
