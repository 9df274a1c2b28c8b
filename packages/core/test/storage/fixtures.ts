import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pg from 'pg';
import { isPortcullisError, type ErrorId } from '../../src/errors/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { openSqlDatabase, type SqlDatabase, type SqlDialectName } from '../../src/storage/sql/database.js';

/** The test services of DESIGN.md, overridable for a CI that runs them elsewhere. */
export const POSTGRES_URL = process.env.PORTCULLIS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const silentLogger = createLogger({ level: 'silent' });

/** A store under test and how to dispose of it and its data. */
export interface StoreFixture<S> {
  store: S;
  cleanup(): Promise<void>;
}

/** Builds a fresh, empty store. One conformance suite runs against every implementation's factory. */
export type StoreFactory<S> = () => Promise<StoreFixture<S>>;

let counter = 0;
/** A name unique to this run and call: `test_<pid>_<ms>_<n>`. */
export function uniqueName(prefix = 'test'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now()}_${counter}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or fails after `timeout` ms. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeout = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Asserts that `promise` rejects with the catalogued error `id`; returns the error. */
export async function expectRejection(promise: Promise<unknown>, id: ErrorId): Promise<Error> {
  const outcome = await promise.then(() => null, (error: unknown) => error);
  expect(outcome, `expected a rejection with ${id}`).to.be.instanceOf(Error);
  expect(isPortcullisError(outcome) ? outcome.id : (outcome as Error).message).to.equal(id);
  return outcome as Error;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Deletes every Redis key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Where a SQL test database lives: a file in a temp dir, or a throwaway PostgreSQL schema. */
export interface SqlPlace {
  options: { url: string; schema: string; timeout: number };
  remove(): Promise<void>;
}

export async function sqlPlace(dialect: SqlDialectName): Promise<SqlPlace> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-storage-'));
    return {
      options: { url: `sqlite:${join(dir, 'data', 'portcullis.db')}`, schema: 'public', timeout: 2000 },
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const schema = uniqueName();
  return { options: { url: POSTGRES_URL, schema, timeout: 2000 }, remove: () => dropSchema(schema) };
}

/** A fresh migrated database of `dialect`, turned into a store by `build`. */
export function sqlFactory<S>(dialect: SqlDialectName, build: (database: SqlDatabase) => S, dispose?: (store: S) => Promise<void>): StoreFactory<S> {
  return async () => {
    const place = await sqlPlace(dialect);
    const database = await openSqlDatabase(place.options, silentLogger);
    const store = build(database);
    return {
      store,
      async cleanup() {
        await dispose?.(store);
        await database.close();
        await place.remove();
      },
    };
  };
}
