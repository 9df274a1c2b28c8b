import { sql } from 'kysely';
import type { Config } from '../config/index.js';
import { namespaced, type Logger } from '../logging/logger.js';
import type { ProfileRecord, RoleRecord, SessionStore, Storage } from './ports.js';
import { RedisSessionStore } from './redis/redis-session-store.js';
import { openSqlDatabase, type SqlDatabase } from './sql/database.js';
import { SqlAuditStore } from './sql/sql-audit-store.js';
import { SqlApiKeyStore } from './sql/sql-api-key-store.js';
import { SqlCredentialStore } from './sql/sql-credential-store.js';
import { SqlDocumentStore } from './sql/sql-document-store.js';
import { SqlSearchStore } from './sql/sql-search-store.js';
import { SqlSessionStore } from './sql/sql-session-store.js';
import { SqlSettingsStore } from './sql/sql-settings-store.js';
import { SqlUserStore } from './sql/sql-user-store.js';

/** A session store that can also be pinged and closed. */
type OwnedSessionStore = SessionStore & { ping(): Promise<boolean>; close(): Promise<void> };

/**
 * A URL without user name, password or query string, fit for logs: `postgres://u:p@h/db`
 * becomes `postgres://h/db`. A string that is no URL (`sqlite:./a.db`) is returned as is.
 */
export function redactUrl(url: string): string {
  if (!url.includes('://')) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

async function openSessions(config: Readonly<Config>, database: SqlDatabase, logger: Logger): Promise<OwnedSessionStore> {
  const { url, keyPrefix, timeout, sessionCache, sessionCacheTtl } = config.redis;
  if (url === undefined) return new SqlSessionStore(database.db, logger, undefined, database.dataVersion, sessionCache);
  return RedisSessionStore.open({ url, keyPrefix, timeout, cacheEntries: sessionCache, cacheTtl: sessionCacheTtl }, logger);
}

function describeStorage(config: Readonly<Config>): { database: string; sessions: string } {
  const { url, schema } = config.database;
  const database = url.startsWith('sqlite:') || schema === 'public' ? redactUrl(url) : `${redactUrl(url)} (schema ${schema})`;
  const redis = config.redis.url;
  return { database, sessions: redis === undefined ? database : `${redactUrl(redis)} (prefix ${config.redis.keyPrefix})` };
}

/**
 * Opens every store of a node from the config: SQLite or PostgreSQL after `database.url`
 * (migrated to the latest version), and sessions in Redis when `redis.url` is set, else in the
 * same SQL database (single node only).
 * @throws services.storage.not_connected when the database cannot be reached in time
 * @throws services.cache.not_connected when Redis cannot be reached in time
 * @throws Error when `database.url` names no supported database
 */
export async function openStorage(config: Readonly<Config>, logger: Logger): Promise<Storage> {
  const log = namespaced(logger, 'storage');
  const database = await openSqlDatabase(config.database, log);
  let sessions: OwnedSessionStore;
  try {
    sessions = await openSessions(config, database, log);
  } catch (error) {
    await database.close();
    throw error;
  }
  const description = describeStorage(config);
  let closing: Promise<void> | undefined;
  return {
    users: new SqlUserStore(database.db, database.dialect),
    profiles: new SqlDocumentStore<ProfileRecord>(database.db, 'profiles'),
    roles: new SqlDocumentStore<RoleRecord>(database.db, 'roles'),
    credentials: new SqlCredentialStore(database.db),
    settings: new SqlSettingsStore(database.db),
    search: new SqlSearchStore(database.db, database.dialect),
    sessions,
    audit: new SqlAuditStore(database.db),
    apiKeys: new SqlApiKeyStore(database.db, database.dialect),
    transaction: (run) => database.transaction(run),
    lock: (name) => database.lock(name),
    describe: () => ({ ...description }),
    async ping() {
      const [databaseUp, sessionsUp] = await Promise.all([
        sql`select 1`.execute(database.db).then(() => true, () => false),
        sessions.ping(),
      ]);
      return { database: databaseUp, sessions: sessionsUp };
    },
    close() {
      // Sessions first: the SQL session store uses the database.
      closing ??= sessions.close().finally(() => database.close());
      return closing;
    },
  };
}
