import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger, isPortcullisError, openStorage, SecurityService, StrategyRegistry, TokenManager, UserService, validateConfig,
  type Logger, type PassportRequest, type PortcullisError, type Storage, type UserRecord,
} from '@portcullis/core';
import { createLdapStrategy, type LdapStrategyConfigInput, type LdapStrategyPlugin } from '../../src/index.js';
import type { Slapd } from '../../../../test/support/slapd.js';
import { PEOPLE_DN, SERVICE } from '../../../../test/support/slapd-fixture.js';

export const silentLogger: Logger = createLogger({ level: 'silent' });

/** The plugin's config for the test directory: service account, ou=people, short timeouts. */
export function directoryConfig(slapd: Slapd, overrides: Partial<LdapStrategyConfigInput> = {}): LdapStrategyConfigInput {
  return { url: slapd.url, bindDN: SERVICE.dn, bindCredentials: SERVICE.password, searchBase: PEOPLE_DN, connectTimeout: 1000, timeout: 1000, ...overrides };
}

/** The core pieces a login goes through (real storage, registry, Passport, user service), with the ldap plugin registered. */
export interface LdapCore {
  storage: Storage;
  registry: StrategyRegistry;
  users: UserService;
  plugin: LdapStrategyPlugin;
  /** Runs a whole login through Passport; resolves the user, or rejects with the catalogued error. */
  login(username: unknown, password: unknown): Promise<UserRecord>;
  cleanup(): Promise<void>;
}

/**
 * @param options.profiles extra profiles (with the default role) to create before start
 * @param options.directory where the SQLite file lives, shared with another core (another
 *   config on the same data, as after a restart) and kept at cleanup; default: a fresh one
 */
export async function openLdapCore(config: LdapStrategyConfigInput, options: { logger?: Logger; profiles?: string[]; directory?: string } = {}): Promise<LdapCore> {
  const logger = options.logger ?? silentLogger;
  const dir = options.directory ?? mkdtempSync(join(tmpdir(), 'portcullis-ldap-'));
  const storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), silentLogger);
  for (const profile of options.profiles ?? []) if (!(await storage.profiles.get(profile))) await storage.profiles.put({ _id: profile, policies: [{ roleId: 'default' }] });
  const security = new SecurityService(storage);
  await security.init();
  const tokens = new TokenManager(storage.sessions, storage.settings, { algorithm: 'HS256', expiresIn: '1h', maxTTL: -1, gracePeriod: 0 });
  await tokens.init();
  const registry = new StrategyRegistry({ credentials: storage.credentials, loadUser: (kuid) => storage.users.get(kuid), logger, pluginConfig: { ldap: config } });
  const users = new UserService(security, storage.users, registry, tokens, storage);
  registry.bindUsers(users);
  const plugin = (await registry.register('ldap', createLdapStrategy)) as LdapStrategyPlugin;
  return {
    storage, registry, users, plugin,
    login: async (username, password) => {
      const outcome = await registry.login('ldap', loginRequest({ username, password }));
      if (outcome.type !== 'user') throw new Error('unexpected redirect');
      return outcome.user;
    },
    cleanup: async () => {
      await registry.close();
      await storage.close();
      if (options.directory === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function loginRequest(body: Record<string, unknown> = {}): PassportRequest {
  return { method: 'POST', url: '/_login/ldap', body, query: {}, headers: {}, ip: '127.0.0.1' };
}

/** Awaits `promise` and returns the catalogued error it rejects with (fails the test otherwise). */
export async function refusal(promise: Promise<unknown>): Promise<PortcullisError> {
  try {
    await promise;
  } catch (error) {
    if (isPortcullisError(error)) return error;
    throw new Error(`expected a PortcullisError, got ${String(error)}`);
  }
  throw new Error('expected a refusal');
}

/** Runs `action` and returns the catalogued error it throws. */
export function thrown(action: () => unknown): PortcullisError {
  try {
    action();
  } catch (error) {
    if (isPortcullisError(error)) return error;
    throw new Error(`expected a PortcullisError, got ${String(error)}`);
  }
  throw new Error('expected an error');
}
