/**
 * The narrow storage ports of the core. Every implementation (SQLite, PostgreSQL, Redis) passes
 * the same conformance suite (packages/core/test/storage/*.conformance.ts). Misses are `null`
 * or `false` here; they become catalogued errors only at the edge. A store that cannot be
 * reached throws `services.storage.not_connected` (SQL) or `services.cache.not_connected`
 * (sessions) within its configured timeout.
 */
import type { MappingProperties } from '../search/mapping.js';
import type { SearchQuery } from '../search/query.js';
import type { Policy, RoleControllers } from '../security/types.js';
import type { AuditEvent, AuditPage, AuditQuery } from '../audit/audit-event.js';

export interface UserContent {
  profileIds: string[];
  [field: string]: unknown;
}

export interface UserRecord {
  _id: string;
  content: UserContent;
}

export interface ProfileRecord {
  _id: string;
  policies: Policy[];
  rateLimit?: number;
}

export interface RoleRecord {
  _id: string;
  controllers: RoleControllers;
}

export interface UserStore {
  get(id: string): Promise<UserRecord | null>;
  /** @returns false when a user with this id exists already */
  insert(user: UserRecord): Promise<boolean>;
  /** Replaces the user's content. @returns false when the user does not exist */
  replace(user: UserRecord): Promise<boolean>;
  /** @returns false when the user did not exist */
  delete(id: string): Promise<boolean>;
  /** Whether any user holds this profile (used for "an admin exists"). */
  existsWithProfile(profileId: string): Promise<boolean>;
  /**
   * Whether some user, other than `exceptId`, holds for every group at least one profile of it
   * (one indexed query): "someone can still manage rights". An empty group matches no user.
   */
  existsWithProfilesOfEach(groups: readonly (readonly string[])[], exceptId?: string): Promise<boolean>;
  /** The users holding this profile. */
  listWithProfile(profileId: string): Promise<UserRecord[]>;
}

/** Profiles and roles: small documents by id. */
export interface DocumentStore<T extends { _id: string }> {
  get(id: string): Promise<T | null>;
  /** Creates or replaces. */
  put(document: T): Promise<void>;
  /** @returns false when the document did not exist */
  delete(id: string): Promise<boolean>;
  list(): Promise<T[]>;
}

/**
 * A strategy's record of one user's credentials. `login` is the strategy-side identifier
 * (a username, a directory login), kept as given; it is unique per strategy by its canonical
 * key (`loginKey`: NFKC, no invisible characters, case folded), and found by that key. `data`
 * is private to the strategy (a password hash, say) and never leaves the core.
 */
export interface CredentialRecord {
  strategy: string;
  kuid: string;
  login: string;
  data: Record<string, unknown>;
}

/** What a compare-and-set update expects the stored record to hold. */
export type ExpectedCredential = Pick<CredentialRecord, 'login' | 'data'>;

export type CredentialInsertResult = 'created' | 'kuid_taken' | 'login_taken';

export interface CredentialStore {
  findByKuid(strategy: string, kuid: string): Promise<CredentialRecord | null>;
  /** The record whose login has the same `loginKey` as `login`, or null. */
  findByLogin(strategy: string, login: string): Promise<CredentialRecord | null>;
  insert(record: CredentialRecord): Promise<CredentialInsertResult>;
  /**
   * Replaces login and data; with `expected`, only while the stored record still holds that
   * login and data (a compare-and-set, for writes derived from a read: a re-hash).
   * @returns 'login_taken' when another user holds the new login, false when missing (or changed)
   */
  update(record: CredentialRecord, expected?: ExpectedCredential): Promise<boolean | 'login_taken'>;
  /** @returns false when there was nothing to delete */
  delete(strategy: string, kuid: string): Promise<boolean>;
  /** Names of the strategies in which this user holds credentials. */
  strategiesOf(kuid: string): Promise<string[]>;
  /**
   * Credentials of one strategy matching a query (logins compared by their canonical key).
   * @throws services.storage.unknown_field for a field outside `fields`
   */
  search(strategy: string, query: SearchQuery, page: SearchPage, fields: CredentialSearchFields): Promise<SearchResult<CredentialHit>>;
}

/** Which page of a search: `from`/`size`, or (sorted by `_id` only) the `size` ids after `after`. */
export interface SearchPage {
  from: number;
  size: number;
  after?: string;
}

export interface SearchResult<T> {
  hits: T[];
  /** Every record that matches, not only this page's. */
  total: number;
}

/** A credential as a search returns it: never its private data. */
export interface CredentialHit {
  kuid: string;
  login: string;
}

/**
 * Which credential fields a strategy lets a search use, by the name its clients know them by
 * (the local strategy: `{query: {username: 'login'}, sort: {username: 'login', kuid: 'kuid'}}`).
 */
export interface CredentialSearchFields {
  query: Record<string, 'login' | 'kuid'>;
  sort: Record<string, 'login' | 'kuid'>;
}

/**
 * Searches over the shared database, translated to SQL that indexes serve (see
 * storage/sql/search-index.ts). Queries are parsed before (search/parse-query.ts).
 */
export interface SearchStore {
  /** The user mapping: `profileIds` and the fields added by updateUserMapping. */
  userMapping(): Promise<MappingProperties>;
  /**
   * Adds fields to the user mapping and indexes them for every existing user, in batches.
   * @throws services.storage.cannot_change_mapping when a field would change its type
   * @returns the whole mapping after the update
   */
  updateUserMapping(added: MappingProperties): Promise<MappingProperties>;
  /** @throws services.storage.unknown_field for a field outside the mapping */
  users(query: SearchQuery, page: SearchPage): Promise<SearchResult<UserRecord>>;
}

/** Node-wide settings shared by every node of a cluster (the generated JWT secret, say). */
export interface SettingsStore {
  get(key: string): Promise<string | null>;
  /** Stores `value` unless the key exists; returns the value that is stored in the end (first writer wins). */
  setIfAbsent(key: string, value: string): Promise<string>;
}

export type TokenKind = 'kauth' | 'kapikey';

/** A session: the server-side half of a token. A token is valid only while its session exists. */
export interface Session {
  /** Random id (the token's `jti`), at least 128 bits. */
  id: string;
  kuid: string;
  kind: TokenKind;
  /** Epoch ms, or -1 for a session that never expires. */
  expiresAt: number;
  /** Lifetime asked for at creation, in ms, or -1. */
  ttl: number;
  /** Set once the token was refreshed: it then lives only for the grace period and cannot be refreshed again. */
  refreshed: boolean;
  /** Epoch ms the session began (a refresh begins a new session); 0 for sessions stored before it was recorded. */
  createdAt: number;
  /** Epoch ms of the last request that used it, recorded at most once per `security.sessions.lastUseInterval`. */
  lastUsedAt: number;
  /** What a user needs to recognise their session; null when unknown. */
  strategy: string | null;
  /** The client's address at login. */
  ip: string | null;
  /** The client's User-Agent at login, bounded and stripped of control characters. */
  userAgent: string | null;
  /**
   * A token good for one request (auth:createToken's `singleUse`): its session is never cached,
   * and a check consumes it (SessionStore.consume), so that exactly one request, on any node,
   * is accepted.
   */
  singleUse?: boolean;
}

/** Where a session came from: carried from a login to the sessions its refreshes begin. */
export type SessionOrigin = Pick<Session, 'strategy' | 'ip' | 'userAgent'>;

export interface SessionStore {
  /** Stores the session with a time to live that ends at `expiresAt` (none when -1). */
  create(session: Session): Promise<void>;
  get(id: string): Promise<Session | null>;
  /**
   * Deletes the session and returns what it held, atomically in the shared store: of concurrent
   * calls, on any node, exactly one gets the session; the others (and any later call) get null.
   * Single-use sessions are checked through it, never through a cache.
   */
  consume(id: string): Promise<Session | null>;
  /**
   * The session as this node holds it in memory, without any I/O: `null` when it is known to
   * have ended, `undefined` when only `get` can tell. Lets a token check that hits the cache stay
   * synchronous. A store without a cache leaves it out.
   */
  peek?(id: string): Session | null | undefined;
  /**
   * Marks the session refreshed and shortens its life to `graceMs` (0 deletes it), atomically.
   * @returns false when the session is missing or was refreshed already
   */
  markRefreshed(id: string, graceMs: number): Promise<boolean>;
  /**
   * The live sessions of a user (of one kind when given), in no particular order. Bounded by what
   * the user holds: expired sessions are not returned (and are pruned from any index on the way).
   */
  listByUser(kuid: string, kind?: TokenKind): Promise<Session[]>;
  /**
   * Records a use of the session at `at` (never moving it back), and updates this node's cached
   * copy at once. Fire and forget: it never rejects (a failure is logged) and a session that has
   * ended stays ended.
   */
  touch(id: string, at: number): void;
  /** Deletes one session and announces its revocation to every node. @returns false when missing */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes every session of a user (of one kind when given; all but `exceptId` when given) and
   * announces it. @returns the deleted ids
   */
  deleteByUser(kuid: string, kind?: TokenKind, exceptId?: string): Promise<string[]>;
  /** Listens to revocations made by any node (this one included). */
  onRevoked(listener: (sessionIds: string[]) => void): void;
  /** Tells every node (this one included) that a user or its credentials changed, so caches drop it. */
  announceUserChange(kuid: string): Promise<void>;
  /**
   * Listens to user changes made by any node. `null` means "anything may have changed": the
   * announcements could not be heard for a while (a lost subscription), so drop every cache.
   */
  onUserChange(listener: (kuid: string | null) => void): void;
  /** Tells every node (this one included) that roles or profiles changed, so they reload them. */
  announceRightsChange(): Promise<void>;
  /** Listens to role and profile changes made by any node (a lost subscription is told through onUserChange(null)). */
  onRightsChange(listener: () => void): void;
  /**
   * How many sessions have not expired, counted by the store for every node (for the metrics:
   * read when they are scraped, never per request).
   */
  countLive(): Promise<number>;
  /** This node's session cache figures; absent when the store keeps no cache. */
  cacheStats?(): CacheStats | undefined;
}

/** Lookups a cache answered from memory (hits) and those that went to its store (misses), since the node started. */
export interface CacheStats {
  hits: number;
  misses: number;
}

/**
 * An API key, as stored: never the key itself. The key is a `kapikey-` token whose session
 * (`sessionId`) lives in the session store; `fingerprint` is a hash of the key.
 */
export interface ApiKeyRecord {
  /** The key's id, unique per user (chosen at creation, or generated). */
  id: string;
  userId: string;
  description: string;
  /** Epoch ms, or -1 for a key that never expires. */
  expiresAt: number;
  /** Lifetime asked for at creation, in ms, or -1. */
  ttl: number;
  createdAt: number;
  sessionId: string;
  fingerprint: string;
}

export interface ApiKeyStore {
  /**
   * Stores the key, unless its user holds `limit` keys that have not expired already (the
   * user's expired keys are dropped on the way). Runs in a transaction holding a lock on the user,
   * so that concurrent creations on every node count each other.
   * @returns 'created', 'id_taken' (the user has a key with this id), 'limit' or 'no_user' (the user does not exist)
   */
  insert(key: ApiKeyRecord, limit: number, now: number): Promise<'created' | 'id_taken' | 'limit' | 'no_user'>;
  get(userId: string, id: string): Promise<ApiKeyRecord | null>;
  /** The user's keys that have not expired at `now`. */
  listByUser(userId: string, now: number): Promise<ApiKeyRecord[]>;
  /** @returns false when the user had no key with this id */
  delete(userId: string, id: string): Promise<boolean>;
}

/**
 * Writes that commit together or not at all: the SQL database's transactions. Users, profiles,
 * roles, credentials and settings join the transaction; sessions in Redis do not.
 */
export interface UnitOfWork {
  /**
   * Runs `run` as one transaction: every SQL store called from inside it (a strategy plugin's
   * credential writes included) writes through it; it commits when `run` resolves and rolls
   * back when it rejects, or when the process dies first. A call from inside joins the open one.
   * Keep `run` short (no password hashing: on SQLite it holds the node's only connection), and
   * do not await from it a load begun outside it.
   * @throws services.storage.not_connected when the database does not answer in time
   */
  transaction<T>(run: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: waits until no other transaction, on any node, holds `name`, then
   * holds it until this one ends.
   * @throws Error when called outside a transaction
   */
  lock(name: string): Promise<void>;
}

/** The audit log's table (migration 0007_audit_log). Unavailable: services.storage.not_connected. */
export interface AuditStore {
  /** Writes a batch of events at once. */
  insert(events: readonly AuditEvent[]): Promise<void>;
  /** The events matching `query`, newest first (`at`, then `_id`, descending), and how many match in all. */
  search(query: AuditQuery, page: AuditPage): Promise<{ hits: AuditEvent[]; total: number }>;
  /**
   * Deletes at most `limit` of the oldest events older than `before` (epoch ms). Several nodes
   * may purge at once: a row deleted by another is simply not counted.
   * @returns how many it deleted
   */
  purge(before: number, limit: number): Promise<number>;
}

/** Every store a node needs, opened from the config. */
export interface Storage extends UnitOfWork {
  users: UserStore;
  profiles: DocumentStore<ProfileRecord>;
  roles: DocumentStore<RoleRecord>;
  credentials: CredentialStore;
  settings: SettingsStore;
  search: SearchStore;
  sessions: SessionStore;
  audit: AuditStore;
  apiKeys: ApiKeyStore;
  /** Describes the stores for the start-up log line, without secrets: e.g. "sqlite:./data/portcullis.db". */
  describe(): { database: string; sessions: string };
  /** Whether each store answers (for server:healthCheck). */
  ping(): Promise<{ database: boolean; sessions: boolean }>;
  close(): Promise<void>;
}
