import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import type { Logger } from '../../logging/logger.js';
import type { CacheStats, Session, SessionStore, TokenKind } from '../ports.js';
import { SessionCache } from '../session-cache.js';
import { guard } from './sql-errors.js';
import type { Tables } from './tables.js';

const UNAVAILABLE = 'services.cache.not_connected';
type RevocationListener = (sessionIds: string[]) => void;
type SessionFilter = (eb: ExpressionBuilder<Tables, 'sessions'>) => Expression<SqlBool>;

/** Rows that have not expired at `now` (expiry is enforced on read; the purge only reclaims space). */
function live(now: number): SessionFilter {
  return (eb: ExpressionBuilder<Tables, 'sessions'>) => eb.or([eb('expires_at', '=', -1), eb('expires_at', '>', now)]);
}

function isLive(expiresAt: number | string, now: number): boolean {
  const at = Number(expiresAt);
  return at === -1 || at > now;
}

function sessionOf(row: Selectable<Tables['sessions']>): Session {
  return {
    id: row.id, kuid: row.kuid, kind: row.kind as TokenKind,
    expiresAt: Number(row.expires_at), ttl: Number(row.ttl), refreshed: row.refreshed === 1,
    createdAt: Number(row.created_at), lastUsedAt: Number(row.last_used_at),
    strategy: row.strategy, ip: row.ip, userAgent: row.user_agent,
    ...(row.single_use === 1 ? { singleUse: true } : {}),
  };
}

/**
 * Sessions in the SQL database, for a single embedded node: revocations reach only this
 * process's listeners. Every method throws services.cache.not_connected when the database does
 * not answer in time.
 *
 * On SQLite, given `dataVersion` (the file's `PRAGMA data_version`, which changes whenever
 * another connection commits), sessions read lately are kept in memory, so that most token
 * checks need no query. A commit by another process (a second node, the CLI) empties that
 * cache, and tells the user listeners that anything may have changed, before the next check.
 */
export class SqlSessionStore implements SessionStore {
  private readonly listeners = new Set<RevocationListener>();
  private readonly userListeners = new Set<(kuid: string | null) => void>();
  private readonly rightsListeners = new Set<() => void>();
  private readonly purgeTimer: NodeJS.Timeout;

  private readonly cache: SessionCache | undefined;
  /** The data_version this process's cache reflects. */
  private version = 0;

  /**
   * @param purgeInterval milliseconds between two deletions of expired rows (default 60 s)
   * @param dataVersion SQLite's data_version, read synchronously: enables the session cache
   * @param cacheEntries most sessions held in memory
   */
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly logger: Logger,
    purgeInterval = 60_000,
    private readonly dataVersion?: () => number,
    cacheEntries = 100_000,
  ) {
    if (dataVersion && cacheEntries > 0) {
      // No entry outlives a minute; foreign commits, not time, are what empty it.
      this.cache = new SessionCache(cacheEntries, 60_000);
      this.cache.enable();
      this.version = dataVersion();
    }
    this.purgeTimer = setInterval(() => {
      this.purgeExpired().catch((error: unknown) => logger.warn({ err: error }, 'could not purge expired sessions'));
    }, purgeInterval);
    // The purge must never keep the process alive on its own.
    this.purgeTimer.unref();
  }

  create(session: Session): Promise<void> {
    return guard(UNAVAILABLE, async () => {
      await this.db.insertInto('sessions').values({
        id: session.id, kuid: session.kuid, kind: session.kind,
        expires_at: session.expiresAt, ttl: session.ttl, refreshed: session.refreshed ? 1 : 0,
        created_at: session.createdAt, last_used_at: session.lastUsedAt,
        strategy: session.strategy, ip: session.ip, user_agent: session.userAgent,
        single_use: session.singleUse ? 1 : 0,
      }).execute();
    });
  }

  peek(id: string): Session | null | undefined {
    return this.current()?.get(id);
  }

  get(id: string): Promise<Session | null> {
    const read = () => guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('sessions').selectAll()
        .where('id', '=', id).where(live(Date.now())).executeTakeFirst();
      return row === undefined ? null : sessionOf(row);
    });
    return this.current()?.getOrLoad(id, read) ?? read();
  }

  /** One indexed query (sessions_kuid). */
  listByUser(kuid: string, kind?: TokenKind): Promise<Session[]> {
    return guard(UNAVAILABLE, async () => {
      let query = this.db.selectFrom('sessions').selectAll().where('kuid', '=', kuid).where(live(Date.now()));
      if (kind !== undefined) query = query.where('kind', '=', kind);
      return (await query.execute()).map(sessionOf);
    });
  }

  touch(id: string, at: number): void {
    this.cache?.touch(id, at);
    guard(UNAVAILABLE, async () => {
      await this.db.updateTable('sessions').set({ last_used_at: at }).where('id', '=', id).where('last_used_at', '<', at).execute();
    }).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record the last use of a session'));
  }

  /** One DELETE ... RETURNING: the statement that deletes the row is the one caller that gets it. */
  consume(id: string): Promise<Session | null> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.deleteFrom('sessions').where('id', '=', id).where(live(Date.now())).returningAll().executeTakeFirst();
      if (row === undefined) return null;
      this.cache?.drop([id]);
      return sessionOf(row);
    });
  }

  /** The cache, emptied first when another connection committed to the file since it was filled. */
  private current(): SessionCache | undefined {
    if (!this.cache) return undefined;
    const version = this.dataVersion!();
    if (version !== this.version) {
      this.version = version;
      this.cache.enable();
      // Users and credentials may have changed too: caches of users must start afresh.
      for (const listener of this.userListeners) listener(null);
    }
    return this.cache;
  }

  markRefreshed(id: string, graceMs: number): Promise<boolean> {
    // The session's expiry changes: what this process cached of it goes, once it has changed.
    return this.refreshRow(id, graceMs).finally(() => this.cache?.drop([id]));
  }

  private refreshRow(id: string, graceMs: number): Promise<boolean> {
    return guard(UNAVAILABLE, async () => {
      const now = Date.now();
      // `refreshed = 0` in each statement's condition makes the first caller the only winner.
      if (graceMs <= 0) {
        const result = await this.db.deleteFrom('sessions')
          .where('id', '=', id).where('refreshed', '=', 0).where(live(now)).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }
      const row = await this.db.selectFrom('sessions').select('expires_at')
        .where('id', '=', id).where('refreshed', '=', 0).where(live(now)).executeTakeFirst();
      if (row === undefined) return false;
      const current = Number(row.expires_at);
      const expiresAt = current === -1 ? now + graceMs : Math.min(current, now + graceMs);
      const result = await this.db.updateTable('sessions').set({ refreshed: 1, expires_at: expiresAt })
        .where('id', '=', id).where('refreshed', '=', 0).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.deleteWhere((eb) => eb('id', '=', id));
    return deleted.length > 0;
  }

  deleteByUser(kuid: string, kind?: TokenKind, exceptId?: string): Promise<string[]> {
    return this.deleteWhere((eb) => eb.and([
      eb('kuid', '=', kuid),
      ...(kind === undefined ? [] : [eb('kind', '=', kind)]),
      ...(exceptId === undefined ? [] : [eb('id', '<>', exceptId)]),
    ]));
  }

  onRevoked(listener: RevocationListener): void {
    this.listeners.add(listener);
  }

  /** One process serves an SQLite file: user changes are announced in process. */
  async announceUserChange(kuid: string): Promise<void> {
    for (const listener of this.userListeners) listener(kuid);
  }

  onUserChange(listener: (kuid: string | null) => void): void {
    this.userListeners.add(listener);
  }

  /** One process serves an SQLite file: rights changes are announced in process (other processes see data_version move). */
  async announceRightsChange(): Promise<void> {
    for (const listener of this.rightsListeners) listener();
  }

  onRightsChange(listener: () => void): void {
    this.rightsListeners.add(listener);
  }

  /** Rows that have not expired: a count over the expires_at index (both of its terms are index ranges). */
  countLive(): Promise<number> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number | string | bigint>().as('live'))
        .where(live(Date.now())).executeTakeFirstOrThrow();
      return Number(row.live);
    });
  }

  cacheStats(): CacheStats | undefined {
    return this.cache?.stats;
  }

  /** Deletes the rows that expired before `now`. @returns how many */
  purgeExpired(now = Date.now()): Promise<number> {
    return guard(UNAVAILABLE, async () => {
      const result = await this.db.deleteFrom('sessions')
        .where('expires_at', '<>', -1).where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** Whether the sessions table answers. */
  async ping(): Promise<boolean> {
    try {
      await this.db.selectFrom('sessions').select('id').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the purge timer; the database itself belongs to the caller. */
  async close(): Promise<void> {
    clearInterval(this.purgeTimer);
  }

  /** Deletes matching rows; announces and returns the ids of those that had not expired yet. */
  private deleteWhere(filter: SessionFilter): Promise<string[]> {
    return guard(UNAVAILABLE, async () => {
      const now = Date.now();
      const rows = await this.db.deleteFrom('sessions').where(filter).returning(['id', 'expires_at']).execute();
      const ids = rows.filter((row) => isLive(row.expires_at, now)).map((row) => row.id);
      if (ids.length > 0) this.announce(ids);
      return ids;
    });
  }

  private announce(ids: string[]): void {
    this.cache?.drop(ids);
    for (const listener of this.listeners) {
      try {
        listener(ids);
      } catch (error) {
        this.logger.error({ err: error }, 'a revocation listener failed');
      }
    }
  }
}
