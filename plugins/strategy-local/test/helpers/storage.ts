import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createLogger,
  openStorage,
  scopeCredentials,
  validateConfig,
  type Logger,
  type Storage,
  type StrategyContext,
  type StrategyCredentials,
} from '@portcullis/core';
import { createLocalStrategy, type LocalStrategyConfigInput, type LocalStrategyPlugin } from '../../src/index.js';
import { FAST_ARGON2 } from './argon2.js';

export const silentLogger: Logger = createLogger({ level: 'silent' });

/** A real store over a fresh SQLite file, removed by `cleanup`. */
export async function openTestStorage(): Promise<{ storage: Storage; cleanup(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'portcullis-local-'));
  const config = validateConfig({ database: { url: `sqlite:${join(directory, 'db.sqlite')}` } });
  const storage = await openStorage(config, silentLogger);
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface ContextOptions {
  name?: string;
  /** The raw `plugins.<name>` namespace; cheap argon2 parameters unless it says otherwise. */
  config?: LocalStrategyConfigInput;
  logger?: Logger;
  /** Wraps the scoped credentials (to observe or disturb the plugin's calls). */
  wrap?(credentials: StrategyCredentials): StrategyCredentials;
}

/** The context the core gives a plugin, over real storage scoped to the strategy's name. */
export function strategyContext(storage: Storage, options: ContextOptions = {}): StrategyContext {
  const name = options.name ?? 'local';
  const scoped = scopeCredentials(storage.credentials, name);
  return {
    name,
    config: options.config ?? { argon2: FAST_ARGON2 },
    credentials: options.wrap ? options.wrap(scoped) : scoped,
    logger: options.logger ?? silentLogger,
  };
}

/** `createLocalStrategy` over `storage`, typed as the concrete plugin (whose optional methods exist). */
export async function localPlugin(storage: Storage, options: ContextOptions = {}): Promise<LocalStrategyPlugin> {
  return (await createLocalStrategy(strategyContext(storage, options))) as LocalStrategyPlugin;
}

/** Fresh, valid credentials: a unique username and a password that appears nowhere else. */
export function newCredentials(): { username: string; password: string } {
  return { username: `user-${randomUUID()}`, password: `pw-${randomUUID()}` };
}

/** A request as the core builds it for a local login. */
export function loginRequest(body: Record<string, unknown> = {}): { method: string; url: string; body: Record<string, unknown>; query: Record<string, unknown>; headers: Record<string, string>; ip: string } {
  return { method: 'POST', url: '/_login/local', body, query: {}, headers: {}, ip: '127.0.0.1' };
}

/** Calls verify as passport-local does: username and password come from the request body. */
export function verifyFromBody(plugin: { verify(request: ReturnType<typeof loginRequest>, username: unknown, password: unknown): Promise<unknown> }, username: unknown, password: unknown): Promise<unknown> {
  return plugin.verify(loginRequest({ username, password }), username, password);
}
