import type { Strategy } from 'passport-strategy';
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { PluginMetrics } from './plugin-metrics.js';
import type { AuditHooks } from '../audit/audit-event.js';
import type { CredentialHit, CredentialInsertResult, CredentialRecord, CredentialSearchFields, ExpectedCredential, SearchPage, SearchResult, UserContent, UserRecord } from '../storage/ports.js';

/**
 * The request a Passport strategy sees: built by the core from the API request, whatever the
 * protocol (HTTP, WebSocket), so that strategies run without Express.
 */
export interface PassportRequest {
  method: string;
  url: string;
  /** The login body (the credentials). */
  body: Record<string, unknown>;
  /** The request's arguments (query string over HTTP). */
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** Address of the client, when known. */
  ip: string | undefined;
}

/**
 * What `verify` resolves to: the user's kuid on success, or `{kuid: null, message}` / false on failure.
 * A strategy that checks a secret it stores (a password hash) also returns `fingerprint`, the
 * `credentialFingerprint` of the record it checked (or of the one it wrote after a re-hash): the
 * core re-reads the record once the session exists, and refuses the login if the credentials
 * changed meanwhile, so that a password change also ends the logins it overlapped.
 */
export type VerifyResult = { kuid: string; fingerprint?: string } | { kuid: null; message?: string } | false;

/** Who asks for a credential change: the user about themselves, or an administrator about a user. */
export interface CredentialChange {
  /**
   * True for auth:updateMyCredentials (the caller changes their own credentials), false for
   * security:updateCredentials. A strategy may ask more of a user than of an administrator
   * (the local strategy asks for the current password).
   */
  isSelf: boolean;
}

/** Non-sensitive description of a user's credentials, sent to clients as is (never a hash or a password). */
export type CredentialInfo = Record<string, unknown>;

/** Credentials of one strategy: the core's {@link CredentialStore}, scoped to the plugin's strategy name. */
export interface StrategyCredentials {
  findByKuid(kuid: string): Promise<CredentialRecord | null>;
  findByLogin(login: string): Promise<CredentialRecord | null>;
  insert(record: Omit<CredentialRecord, 'strategy'>): Promise<CredentialInsertResult>;
  /** With `expected`, writes only while the record still holds that login and data (false otherwise). */
  update(record: Omit<CredentialRecord, 'strategy'>, expected?: ExpectedCredential): Promise<boolean | 'login_taken'>;
  delete(kuid: string): Promise<boolean>;
  /**
   * The strategy's credentials matching a search body of Elasticsearch's query DSL (the subset
   * of search/parse-query.ts), over the fields `fields` exposes under the names clients know
   * (logins are compared by their canonical key, as at login). Never returns private data.
   * Optional so that contexts built by hand (tests) may leave it out.
   * @throws services.storage.unsupported_query, services.storage.unknown_field, api.assert.invalid_argument
   */
  search?(body: unknown, page: SearchPage, fields: CredentialSearchFields): Promise<SearchResult<CredentialHit>>;
}

/**
 * Users as a strategy may manage them, for strategies that create or update users from an
 * outside source at login (directory or identity-provider provisioning). These are the core's
 * own operations, with the same checks as the security controller's: creating a user with
 * credentials is all-or-nothing, unknown profiles are refused.
 */
export interface StrategyUsers {
  /** The user, or null when there is none. */
  get(kuid: string): Promise<UserRecord | null>;
  /**
   * Creates a user with credentials in any registered strategy (the caller's own included: its
   * `validate` and `create` run as for an administrator's request). The kuid is generated when absent.
   * @throws security.user.already_exists, security.profile.not_found, security.credentials.login_taken,
   *   security.credentials.rejected, and whatever the strategies refuse with
   */
  create(user: { kuid?: string | undefined; content: UserContent; credentials: Record<string, Record<string, unknown>> }): Promise<UserRecord>;
  /**
   * Merges `changes` into the user's content (e.g. `{profileIds}`).
   * @throws security.user.not_found, security.profile.not_found, security.user.uninitialized
   */
  update(kuid: string, changes: Record<string, unknown>): Promise<UserRecord>;
}

/** What the core hands a plugin factory: no globals, only what a strategy needs. */
export interface StrategyContext {
  /** The strategy name the plugin is registered under. */
  name: string;
  /** The raw `plugins.<name>` namespace of the config: the plugin validates it with its own schema. */
  config: unknown;
  credentials: StrategyCredentials;
  /** A child logger namespaced `portcullis:strategy:<name>`. */
  logger: Logger;
  /**
   * A second credential namespace of the strategy (`<name>:binding`, which no strategy name
   * can take): one record per user, whose `login` names the outside identity the user's
   * credentials are bound to (a directory entry, an identity provider's subject). The shared
   * database keeps it unique both ways: one identity per user, one user per identity.
   * The core always provides it; contexts built by hand (tests) may leave it out.
   */
  bindings?: StrategyCredentials;
  /**
   * User management, for plugins that provision users. The core always provides it; it is
   * optional so that contexts built by hand (tests) may leave it out. Usable from the first
   * login on: a call made before the node has finished starting fails with
   * core.fatal.service_unavailable.
   */
  users?: StrategyUsers;
  /**
   * Figures the plugin reports (a queue depth, say), read at each metrics scrape. The core
   * always provides it; contexts built by hand (tests) may leave it out.
   */
  metrics?: PluginMetrics;
}

/** Passport's verify callback as the core builds it: `(req, ...strategyArgs, done)`. */
export type PassportVerify = (...args: unknown[]) => void;

/**
 * A strategy plugin: Kuzzle's method set (reference §7.2), typed. Errors meant for the client
 * are `PortcullisError`s; any other error becomes `plugin.runtime.unexpected_error` (logged).
 */
export interface StrategyPlugin {
  /** Strategy name, e.g. "local"; lower case letters, digits, "-" and "_". */
  readonly name: string;
  /** The credential fields, informative (security:getCredentialFields). */
  readonly fields: readonly string[];
  /**
   * The credential fields a user may set about themselves through auth:createMyCredentials,
   * auth:updateMyCredentials and auth:validateMyCredentials (any field name, `fields` or not:
   * a `currentPassword`, say). Whatever binds a login to a user (a directory entry, an
   * external subject) belongs to administrators: leave it out. An empty list refuses those
   * actions outright; absent lets users send every field (Kuzzle's behaviour).
   * Administrators' actions (security:*Credentials, security:createUser) are not limited.
   */
  readonly selfEditableFields?: readonly string[];
  /**
   * The schema of the plugin's `plugins.<name>` namespace, with its secrets marked (`secret`,
   * `secretUrl`): server:getConfig shows the namespace through it, secrets removed. A plugin
   * without one has its namespace left out of server:getConfig entirely.
   */
  readonly configSchema?: z.ZodType;
  /**
   * Builds the Passport strategy. The plugin must create it with `passReqToCallback: true` and
   * hand it `verify` unchanged: the core's adapter calls {@link StrategyPlugin.verify}.
   */
  createPassportStrategy(verify: PassportVerify): Strategy;
  /** Checks what the Passport strategy extracted, e.g. `(req, username, password)`. Throws only on real faults. */
  verify(request: PassportRequest, ...args: unknown[]): Promise<VerifyResult>;
  exists(kuid: string): Promise<boolean>;
  /** Throws a PortcullisError to refuse. `isUpdate` means partial credentials. */
  validate(credentials: Record<string, unknown>, kuid: string | null, isUpdate: boolean): Promise<void>;
  /**
   * The slow work of a `create` or `update` that writes nothing (hashing a password), done before
   * the core opens the transaction `create` or `update` runs in: on SQLite a transaction holds
   * the node's only connection. The core then hands `create` or `update` this very `credentials`
   * object, so the plugin may keep its result by the object (a WeakMap). For an update, `change`
   * says who asks, as for `update`: checks that may refuse the change (a user's current password)
   * belong here, before the core ends the user's other sessions. Optional.
   */
  prepare?(credentials: Record<string, unknown>, kuid: string, isUpdate: boolean, change?: CredentialChange): Promise<void>;
  /**
   * Runs inside the core's transaction: writes through `StrategyContext.credentials` commit with
   * the user's (all or nothing, even across a crash). Write nothing elsewhere, await nothing slow.
   */
  create(credentials: Record<string, unknown>, kuid: string): Promise<CredentialInfo>;
  /**
   * Changes the user's credentials; runs inside the core's transaction, as `create` does.
   * `change` says who asks; the core always passes it (it is optional so that older plugins,
   * which ignore it, keep compiling).
   */
  update(credentials: Record<string, unknown>, kuid: string, change?: CredentialChange): Promise<CredentialInfo>;
  /** Runs inside the core's transaction, as `create` does (with the user's deletion, on `security:deleteUser`). */
  delete(kuid: string): Promise<void>;
  /** The user's credentials, or null when the user has none in this strategy. */
  getInfo?(kuid: string): Promise<CredentialInfo | null>;
  /** Credentials by strategy-side id (a username), or null. */
  getById?(id: string): Promise<CredentialInfo | null>;
  /**
   * security:searchUsersByCredentials: the strategy's credentials matching an Elasticsearch
   * search body (`{query, sort}`), each described as getInfo does (with its `kuid`). Optional:
   * without it the action fails with plugin.strategy.missing_optional_method.
   */
  search?(body: unknown, page: { from: number; size: number }): Promise<SearchResult<CredentialInfo>>;
  afterRegister?(strategy: Strategy): void | Promise<void>;
  /**
   * Audit events the plugin hears of, as Kuzzle plugins hear of `auth:afterLogin`: one
   * function per event type (`'auth:login'`, `'user:delete'`, ...), called with the recorded
   * event after it is written, off the request path. What a hook throws is logged; it never
   * reaches a request or another hook. Optional.
   */
  readonly hooks?: AuditHooks;
  /** Releases what the plugin holds (connections, timers) when it is unregistered. */
  close?(): Promise<void>;
}

/** A plugin package exports a factory: it receives its context and returns the plugin. */
export type StrategyFactory = (context: StrategyContext) => StrategyPlugin | Promise<StrategyPlugin>;

export const REQUIRED_METHODS = ['createPassportStrategy', 'verify', 'exists', 'validate', 'create', 'update', 'delete'] as const;
export const OPTIONAL_METHODS = ['prepare', 'getInfo', 'getById', 'search', 'afterRegister', 'close'] as const;
