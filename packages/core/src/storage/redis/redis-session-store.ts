import { Redis } from 'ioredis';
import { PortcullisError } from '../../errors/index.js';
import type { Logger } from '../../logging/logger.js';
import type { CacheStats, Session, SessionStore, TokenKind } from '../ports.js';
import { SessionCache } from '../session-cache.js';
import { redisClientOptions, withTimeout } from './redis-client.js';

/** What the Redis session store needs from the config (`config.redis`). */
export interface RedisSessionStoreOptions {
  /** redis://host:port/db (rediss:// for TLS). */
  url: string;
  /** Prefix of every key and of the revocation channel. */
  keyPrefix: string;
  /** Milliseconds before a call fails with services.cache.not_connected. */
  timeout: number;
  /** Sessions each node keeps in memory between changes (0: read Redis on every check). */
  cacheEntries?: number;
  /** Milliseconds a cached session is trusted at most, should the subscription die silently. */
  cacheTtl?: number;
}

type RevocationListener = (sessionIds: string[]) => void;

// KEYS: session hash, user set, live index. ARGV: id, kuid, kind, expiresAt, ttl, now, createdAt,
// strategy, ip, userAgent ('' when unknown), the prefix of session keys, singleUse ('1' or '0').
// The user set lives as long as its longest session, so that it does not outlive its members;
// each creation also drops from it a few members whose session has gone (expired hashes vanish
// by themselves, their ids do not), so that a user who logs in often keeps a set about the size
// of their live sessions. The live index (a sorted set of ids by expiry, endless ones at +inf)
// is what the metrics count with one ZCOUNT; each creation prunes what expired from it, so it
// holds about the live sessions.
const CREATE = `
local setTtl = redis.call('PTTL', KEYS[2])
for _, member in ipairs(redis.call('SRANDMEMBER', KEYS[2], 4)) do
  if redis.call('EXISTS', ARGV[11] .. member) == 0 then redis.call('SREM', KEYS[2], member) end
end
redis.call('HSET', KEYS[1], 'kuid', ARGV[2], 'kind', ARGV[3], 'expiresAt', ARGV[4], 'ttl', ARGV[5], 'refreshed', '0',
  'createdAt', ARGV[7], 'lastUsedAt', ARGV[7], 'strategy', ARGV[8], 'ip', ARGV[9], 'userAgent', ARGV[10], 'singleUse', ARGV[12])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[6])
local at = tonumber(ARGV[4])
if at == -1 then
  redis.call('ZADD', KEYS[3], '+inf', ARGV[1])
  redis.call('PERSIST', KEYS[2])
  return 1
end
redis.call('ZADD', KEYS[3], at, ARGV[1])
redis.call('PEXPIREAT', KEYS[1], at)
if setTtl == -2 or (setTtl >= 0 and at > tonumber(ARGV[6]) + setTtl) then redis.call('PEXPIREAT', KEYS[2], at) end
return 1`;

// KEYS: session hash. ARGV: at. Never recreates a session that has ended, never moves the last use back.
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if (tonumber(redis.call('HGET', KEYS[1], 'lastUsedAt')) or 0) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`;

// KEYS: session hash, live index. ARGV: grace ms, expiresAt after the grace, id. Only the first call finds refreshed = '0'.
const MARK_REFRESHED = `
if redis.call('HGET', KEYS[1], 'refreshed') ~= '0' then return 0 end
local grace = tonumber(ARGV[1])
if grace <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 1
end
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 or pttl > grace then
  redis.call('PEXPIRE', KEYS[1], grace)
  redis.call('HSET', KEYS[1], 'refreshed', '1', 'expiresAt', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
else
  redis.call('HSET', KEYS[1], 'refreshed', '1')
end
return 1`;

/**
 * Sessions in Redis, shared by every node: a hash per session with a TTL, a set of session ids
 * per user, and revocations published on `<prefix>revocations` to every node's listeners
 * (this node's too, through its own subscription, so each listener hears a revocation once).
 * Every method throws services.cache.not_connected when Redis does not answer within the
 * timeout; the connections reconnect by themselves when Redis is back.
 */
export class RedisSessionStore implements SessionStore {
  private readonly listeners = new Set<RevocationListener>();
  private readonly userListeners = new Set<(kuid: string | null) => void>();
  private readonly rightsListeners = new Set<() => void>();
  private readonly cache: SessionCache;
  private readonly channel: string;

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    cache: { entries: number; ttl: number },
  ) {
    this.cache = new SessionCache(cache.entries, cache.ttl);
    this.channel = `${prefix}revocations`;
    for (const [name, connection] of [['commands', client], ['subscriber', subscriber]] as const) watch(connection, name, logger);
    subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    // Announcements sent while the subscription was down are lost: caches must start afresh.
    let subscribed = false;
    subscriber.on('ready', () => {
      if (subscribed) {
        this.tellUsers(null);
        this.cache.enable();
      }
      subscribed = true;
    });
    // Without the subscription this node would not hear of revocations: stop trusting the cache.
    for (const event of ['close', 'end', 'reconnecting', 'error']) subscriber.on(event, () => this.cache.disable());
  }

  /**
   * Connects both connections and subscribes to the revocation channel.
   * @throws services.cache.not_connected when Redis cannot be reached within `options.timeout`
   */
  static async open(options: RedisSessionStoreOptions, logger: Logger): Promise<RedisSessionStore> {
    const client = new Redis(options.url, redisClientOptions(options.timeout));
    const cache = { entries: options.cacheEntries ?? 0, ttl: options.cacheTtl ?? 2000 };
    const store = new RedisSessionStore(client, client.duplicate(), options.keyPrefix, logger, cache);
    try {
      await withTimeout(Promise.all([client.connect(), store.subscriber.connect()]), options.timeout);
      await store.subscriber.subscribe(store.channel);
      store.cache.enable();
      return store;
    } catch (error) {
      await store.close();
      throw new PortcullisError('services.cache.not_connected', [], { cause: error });
    }
  }

  create(session: Session): Promise<void> {
    return this.call(async () => {
      await this.client.eval(CREATE, 3, this.sessionKey(session.id), this.userKey(session.kuid), this.liveKey,
        session.id, session.kuid, session.kind, session.expiresAt, session.ttl, Date.now(), session.createdAt,
        session.strategy ?? '', session.ip ?? '', session.userAgent ?? '', this.sessionKey(''), session.singleUse ? '1' : '0');
    });
  }

  peek(id: string): Session | null | undefined {
    return this.cache.get(id);
  }

  /** From this node's cache when it holds the session, else from Redis (and then cached); concurrent misses share one read. */
  get(id: string): Promise<Session | null> {
    return this.cache.getOrLoad(id, () => this.call(async () => sessionOf(id, await this.client.hgetall(this.sessionKey(id)))));
  }

  /** The user's set, read with one pipeline of HGETALLs; ids whose session has gone are dropped from it. */
  listByUser(kuid: string, kind?: TokenKind): Promise<Session[]> {
    return this.call(async () => {
      const ids = await this.client.smembers(this.userKey(kuid));
      if (ids.length === 0) return [];
      const pipeline = this.client.pipeline();
      for (const id of ids) pipeline.hgetall(this.sessionKey(id));
      const replies = (await pipeline.exec()) ?? [];
      const sessions = ids.map((id, index) => {
        const [error, fields] = replies[index] ?? [null, {}];
        if (error) throw error;
        return sessionOf(id, fields as Record<string, string>);
      });
      const gone = ids.filter((_, index) => sessions[index] === null);
      if (gone.length > 0) await this.client.srem(this.userKey(kuid), ...gone);
      const now = Date.now();
      return sessions.filter((session): session is Session => session !== null && session.kuid === kuid
        && (kind === undefined || session.kind === kind) && (session.expiresAt === -1 || session.expiresAt > now));
    });
  }

  touch(id: string, at: number): void {
    this.cache.touch(id, at);
    this.client.eval(TOUCH, 1, this.sessionKey(id), at)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not record the last use of a session'));
  }

  /** HGETALL and DEL in one MULTI: Redis runs it whole, so one caller's DEL deletes the hash and decides. */
  consume(id: string): Promise<Session | null> {
    return this.call(async () => {
      const replies = await this.client.multi().hgetall(this.sessionKey(id)).del(this.sessionKey(id)).zrem(this.liveKey, id).exec();
      const [fields, deleted] = (replies ?? []).map(([error, reply]) => { if (error) throw error; return reply; });
      if (deleted !== 1) return null;
      const session = sessionOf(id, fields as Record<string, string>);
      if (session) await this.client.srem(this.userKey(session.kuid), id);
      return session;
    });
  }

  markRefreshed(id: string, graceMs: number): Promise<boolean> {
    return this.call(async () => {
      const marked = await this.client.eval(MARK_REFRESHED, 2, this.sessionKey(id), this.liveKey, graceMs, Date.now() + graceMs, id);
      if (marked !== 1) return false;
      // The session's expiry changed: every node must drop what it cached.
      this.cache.drop([id]);
      await this.client.publish(this.channel, JSON.stringify({ refreshed: id }));
      return true;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.call(async () => {
      const replies = await this.client.multi().hget(this.sessionKey(id), 'kuid').del(this.sessionKey(id)).zrem(this.liveKey, id).exec();
      const [kuid, deleted] = (replies ?? []).map(([error, reply]) => { if (error) throw error; return reply; });
      if (deleted !== 1) return false;
      if (typeof kuid === 'string') await this.client.srem(this.userKey(kuid), id);
      await this.publish([id]);
      return true;
    });
  }

  deleteByUser(kuid: string, kind?: TokenKind, exceptId?: string): Promise<string[]> {
    return this.call(async () => {
      const ids = await this.client.smembers(this.userKey(kuid));
      if (ids.length === 0) return [];
      const kinds = await Promise.all(ids.map((id) => this.client.hget(this.sessionKey(id), 'kind')));
      const gone = ids.filter((_, index) => kinds[index] === null);
      const targets = ids.filter((id, index) => kinds[index] !== null && id !== exceptId && (kind === undefined || kinds[index] === kind));
      const deleted = await Promise.all(targets.map((id) => this.client.del(this.sessionKey(id))));
      const revoked = targets.filter((_, index) => deleted[index] === 1);
      // Ids of expired sessions linger in the set until now: harmless, and dropped here.
      if (gone.length + targets.length > 0) {
        await this.client.multi().srem(this.userKey(kuid), ...gone, ...targets).zrem(this.liveKey, ...gone, ...targets).exec();
      }
      if (revoked.length > 0) await this.publish(revoked);
      return revoked;
    });
  }

  /** The live index's ids that expire after now: one ZCOUNT, O(log n), whatever the number of sessions. */
  countLive(): Promise<number> {
    return this.call(() => this.client.zcount(this.liveKey, `(${Date.now()}`, '+inf'));
  }

  cacheStats(): CacheStats {
    return this.cache.stats;
  }

  onRevoked(listener: RevocationListener): void {
    this.listeners.add(listener);
  }

  announceUserChange(kuid: string): Promise<void> {
    return this.call(async () => {
      await this.client.publish(this.channel, JSON.stringify({ user: kuid }));
    });
  }

  onUserChange(listener: (kuid: string | null) => void): void {
    this.userListeners.add(listener);
  }

  /** Published on the revocation channel: every node, this one included, hears it once. */
  announceRightsChange(): Promise<void> {
    return this.call(async () => {
      await this.client.publish(this.channel, JSON.stringify({ rights: true }));
    });
  }

  onRightsChange(listener: () => void): void {
    this.rightsListeners.add(listener);
  }

  /** Whether Redis answers a PING in time. */
  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Closes both connections and stops reconnecting. */
  async close(): Promise<void> {
    await Promise.all([this.client, this.subscriber].map(async (connection) => {
      if (connection.status === 'ready') await connection.quit().catch(() => undefined);
      connection.disconnect();
    }));
  }

  /** Ids of the sessions by expiry (see CREATE). */
  private get liveKey(): string {
    return `${this.prefix}live-sessions`;
  }

  private sessionKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private userKey(kuid: string): string {
    return `${this.prefix}user-sessions:${kuid}`;
  }

  private async publish(ids: string[]): Promise<void> {
    this.cache.drop(ids);
    await this.client.publish(this.channel, JSON.stringify(ids));
  }

  private receive(channel: string, message: string): void {
    if (channel !== this.channel) return;
    let ids: unknown;
    try {
      ids = JSON.parse(message);
    } catch {
      ids = null;
    }
    if (typeof ids === 'object' && ids !== null && typeof (ids as { user?: unknown }).user === 'string') {
      this.tellUsers((ids as { user: string }).user);
      return;
    }
    if (typeof ids === 'object' && ids !== null && (ids as { rights?: unknown }).rights === true) {
      this.tellRights();
      return;
    }
    if (typeof ids === 'object' && ids !== null && typeof (ids as { refreshed?: unknown }).refreshed === 'string') {
      this.cache.drop([(ids as { refreshed: string }).refreshed]);
      return;
    }
    if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
      this.logger.warn({ channel }, 'ignored a malformed revocation message');
      return;
    }
    this.cache.drop(ids);
    for (const listener of this.listeners) {
      try {
        listener(ids);
      } catch (error) {
        this.logger.error({ err: error }, 'a revocation listener failed');
      }
    }
  }

  private tellRights(): void {
    for (const listener of this.rightsListeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error }, 'a rights-change listener failed');
      }
    }
  }

  private tellUsers(kuid: string | null): void {
    for (const listener of this.userListeners) {
      try {
        listener(kuid);
      } catch (error) {
        this.logger.error({ err: error }, 'a user-change listener failed');
      }
    }
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new PortcullisError('services.cache.not_connected', [], { cause: error });
    }
  }
}

/** A session from its hash; null when the hash is gone (an empty HGETALL) or is not a session's. */
function sessionOf(id: string, fields: Record<string, string>): Session | null {
  if (fields.kuid === undefined || fields.kind === undefined) return null;
  const text = (value: string | undefined) => (value === undefined || value === '' ? null : value);
  return {
    id, kuid: fields.kuid, kind: fields.kind as TokenKind,
    expiresAt: Number(fields.expiresAt), ttl: Number(fields.ttl), refreshed: fields.refreshed === '1',
    createdAt: Number(fields.createdAt ?? 0), lastUsedAt: Number(fields.lastUsedAt ?? 0),
    strategy: text(fields.strategy), ip: text(fields.ip), userAgent: text(fields.userAgent),
    ...(fields.singleUse === '1' ? { singleUse: true } : {}),
  };
}

/** Logs an outage once, and the recovery, instead of every failed reconnection attempt. */
function watch(connection: Redis, name: string, logger: Logger): void {
  let down = false;
  connection.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, connection: name }, 'Redis connection lost; reconnecting');
    down = true;
  });
  connection.on('ready', () => {
    if (down) logger.info({ connection: name }, 'Redis connection back');
    down = false;
  });
}
