import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { validateConfig, type Config } from '@portcullis/core';
import { createPortcullis, type Portcullis } from '@portcullis/server';
import { POSTGRES_URL, REDIS_URL } from './services.js';

export type Mode = 'embedded' | 'production';
export const MODES: Mode[] = ['embedded', 'production'];

/**
 * The stores of one test run: an SQLite file in a throwaway directory (embedded), or a
 * PostgreSQL schema and a Redis key prefix of its own (production), so runs never meet.
 */
export class TestStores {
  readonly name = `t${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  /** A throwaway directory, removed by {@link destroy}. */
  readonly dir = mkdtempSync(join(tmpdir(), 'portcullis-test-'));

  constructor(readonly mode: Mode) {}

  config(overrides: Record<string, unknown> = {}): Readonly<Config> {
    const stores =
      this.mode === 'embedded'
        ? { database: { url: `sqlite:${join(this.dir, 'portcullis.db')}` } }
        : { database: { url: POSTGRES_URL, schema: this.name }, redis: { url: REDIS_URL, keyPrefix: `${this.name}:` } };
    // The suites log in many times a second on one WebSocket; Kuzzle's default of 1 login per
    // second per connection is kept for the tests about limits (test/e2e/limits*.test.ts), which set it.
    const limits = { limits: { loginsPerSecond: 1000 } };
    return validateConfig(merge({ server: { port: 0 }, logger: { level: 'silent' }, ...limits, ...stores }, overrides));
  }

  /** Drops the schema, the Redis keys and the directory. */
  async destroy(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    if (this.mode !== 'production') return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${this.name}" CASCADE`);
    await client.end();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${this.name}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}

/** Starts a real node on a free port. */
export async function startNode(stores: TestStores, overrides: Record<string, unknown> = {}): Promise<Portcullis> {
  const node = await createPortcullis({ config: stores.config(overrides) });
  await node.start();
  return node;
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const current = out[key];
    out[key] =
      isObject(value) && isObject(current) ? merge(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
