import { Strategy as PassportLocalStrategy } from 'passport-local';
import {
  assertLoginFree,
  credentialFingerprint,
  deleteCredentials,
  fail,
  insertCredentials,
  updateCredentials,
  type CredentialChange,
  type CredentialInfo,
  type CredentialRecord,
  type Logger,
  type PassportRequest,
  type PassportVerify,
  type SearchResult,
  type StrategyCredentials,
  type StrategyPlugin,
  type VerifyResult,
} from '@portcullis/core';
import { localStrategyConfigSchema, type LocalStrategyConfig } from './config.js';
import { CURRENT_PASSWORD_FIELD, LOCAL_STRATEGY_FIELDS, isLoginPasswordAcceptable, parseLocalCredentials } from './credentials-input.js';
import type { PasswordHasher } from './password-hasher.js';

/** The credential fields Kuzzle's local plugin lets a search use, by their names in its API. */
const SEARCH_FIELDS = { query: { username: 'login' }, sort: { username: 'login', kuid: 'kuid' } } as const;

/** The one failure message: unknown user, wrong password and refused password all read the same. */
export const WRONG_CREDENTIALS = 'wrong username or password';

/** What the strategy keeps in `CredentialRecord.data`; private to the plugin, never sent. */
interface StoredPassword {
  /** argon2id PHC string. */
  hash: string;
  /** Epoch ms of the last password change (not of a re-hash), for a later expiry policy. */
  passwordUpdatedAt: number;
}

export interface LocalStrategyDependencies {
  name: string;
  config: Readonly<LocalStrategyConfig>;
  credentials: StrategyCredentials;
  hasher: PasswordHasher;
  logger: Logger;
  /** Releases what the hasher holds (its worker threads) when the strategy is unregistered. */
  close?: () => Promise<void>;
}

/**
 * Username + password credentials, hashed with argon2id. Kuzzle's local plugin answers
 * `{username, kuid}` from create, update, getInfo and getById (reference §8.2); so does this.
 */
export class LocalStrategyPlugin implements StrategyPlugin {
  readonly name: string;
  readonly fields = LOCAL_STRATEGY_FIELDS;
  /** Read by server:getConfig, which shows this namespace with its secrets removed. */
  readonly configSchema = localStrategyConfigSchema;
  /** Users choose their own username and password, proving the current one ({@link CURRENT_PASSWORD_FIELD}). */
  readonly selfEditableFields = [...LOCAL_STRATEGY_FIELDS, CURRENT_PASSWORD_FIELD] as const;
  readonly #config: Readonly<LocalStrategyConfig>;
  readonly #credentials: StrategyCredentials;
  readonly #hasher: PasswordHasher;
  readonly #logger: Logger;
  readonly #close: (() => Promise<void>) | undefined;
  /** Hashes made by {@link prepare}, by the credentials object that create or update then receives. */
  readonly #prepared = new WeakMap<object, { password: string; hash: string }>();
  /** Self-service changes whose current password {@link prepare} checked already. */
  readonly #checked = new WeakSet<object>();

  constructor(dependencies: LocalStrategyDependencies) {
    this.name = dependencies.name;
    this.#config = dependencies.config;
    this.#credentials = dependencies.credentials;
    this.#hasher = dependencies.hasher;
    this.#logger = dependencies.logger;
    this.#close = dependencies.close;
  }

  async close(): Promise<void> {
    await this.#close?.();
  }

  createPassportStrategy(verify: PassportVerify): ReturnType<StrategyPlugin['createPassportStrategy']> {
    return new PassportLocalStrategy(
      { usernameField: 'username', passwordField: 'password', passReqToCallback: true, session: false },
      verify,
    );
  }

  /**
   * Checks `(request, username, password)` as passport-local extracts them.
   * @returns `{kuid}`, or `{kuid: null, message: 'wrong username or password'}` whatever the reason
   * @throws PortcullisError `api.process.too_many_logins_requests` (429) when too many checks wait
   */
  async verify(request: PassportRequest, username?: unknown, password?: unknown): Promise<VerifyResult> {
    // passport-local falls back to the query string: a password in a URL ends up in proxies'
    // and servers' logs, so only the body counts.
    if (request.body['password'] !== password) return { kuid: null, message: WRONG_CREDENTIALS };
    // passport-local hands over whatever the body holds: a number or an object is a failure, not a fault.
    if (typeof username !== 'string' || !isLoginPasswordAcceptable(password, this.#config.maxPasswordLength)) {
      return { kuid: null, message: WRONG_CREDENTIALS };
    }
    const record = await this.#credentials.findByLogin(username);
    if (!record) {
      await this.#hasher.verifyDummy(password, request.ip);
      return { kuid: null, message: WRONG_CREDENTIALS };
    }
    const { hash } = storedPassword(record);
    const match = await this.#hasher.verifyPassword(hash, password, request.ip);
    if (!match) return { kuid: null, message: WRONG_CREDENTIALS };
    // A hash of a password that was not NFC is replaced by one of its NFC form, like an old cost.
    const rehashed = match === 'legacy' || this.#hasher.needsRehash(hash) ? await this.#rehash(record, hash, password) : null;
    return { kuid: record.kuid, fingerprint: credentialFingerprint(rehashed ?? record) };
  }

  async exists(kuid: string): Promise<boolean> {
    return (await this.#credentials.findByKuid(kuid)) !== null;
  }

  /**
   * @throws PortcullisError the ids of {@link parseLocalCredentials}, and
   *   `security.credentials.login_taken` (412) when another user holds the username
   */
  async validate(credentials: Record<string, unknown>, kuid: string | null, isUpdate: boolean): Promise<void> {
    const { username } = parseLocalCredentials(credentials, this.#config, isUpdate);
    if (username !== undefined) await assertLoginFree(this.#credentials, username, kuid);
  }

  /**
   * The slow work of a create or update, before the core opens the transaction it runs in (a
   * hash takes tens of milliseconds, and on SQLite a transaction holds the node's only
   * connection): hashing the new password and, for a user changing their own credentials,
   * checking the current one, so that a wrong one changes nothing and ends no session.
   * @throws PortcullisError the ids of {@link parseLocalCredentials}, `api.process.too_many_logins_requests` (429),
   *   `security.credentials.not_found` (404), `api.assert.missing_argument` (400) without
   *   `currentPassword`, `security.credentials.wrong_password` (403) when it is wrong
   */
  async prepare(credentials: Record<string, unknown>, kuid: string, isUpdate: boolean, change?: CredentialChange): Promise<void> {
    const { password, currentPassword } = parseLocalCredentials(credentials, this.#config, isUpdate);
    if (isUpdate && this.#asksCurrentPassword(change)) {
      const current = await this.#credentials.findByKuid(kuid);
      if (!current) throw fail('security.credentials.not_found', kuid, this.name);
      await this.#checkCurrentPassword(current, currentPassword);
      this.#checked.add(credentials);
    }
    if (password !== undefined) this.#prepared.set(credentials, { password, hash: await this.#hasher.hash(password) });
  }

  /**
   * Hashes the password (unless {@link prepare} did) and stores the credentials.
   * @throws PortcullisError the ids of {@link parseLocalCredentials}, `security.credentials.login_taken` (412),
   *   `security.credentials.already_exist` (412) when the user has local credentials already,
   *   `api.process.too_many_logins_requests` (429)
   */
  async create(credentials: Record<string, unknown>, kuid: string): Promise<CredentialInfo> {
    const { username, password } = parseLocalCredentials(credentials, this.#config, false);
    const data: StoredPassword = { hash: await this.#hashOf(credentials, password), passwordUpdatedAt: Date.now() };
    await insertCredentials(this.#credentials, this.name, { kuid, login: username, data: { ...data } });
    return { username, kuid };
  }

  /**
   * Changes the username, the password or both. A user changing their own credentials
   * (`change.isSelf`) gives their current password as `currentPassword` unless
   * `requirePassword` is off; an administrator never needs it (and it is ignored then).
   * @throws PortcullisError the ids of {@link parseLocalCredentials}, `security.credentials.not_found` (404),
   *   `security.credentials.login_taken` (412), `api.process.too_many_logins_requests` (429),
   *   `api.assert.missing_argument` (400) without `currentPassword`,
   *   `security.credentials.wrong_password` (403) when it is wrong
   */
  async update(credentials: Record<string, unknown>, kuid: string, change?: CredentialChange): Promise<CredentialInfo> {
    const { currentPassword, ...changes } = parseLocalCredentials(credentials, this.#config, true);
    const current = await this.#credentials.findByKuid(kuid);
    if (!current) throw fail('security.credentials.not_found', kuid, this.name);
    if (this.#asksCurrentPassword(change) && !this.#checked.delete(credentials)) await this.#checkCurrentPassword(current, currentPassword);
    const login = changes.username ?? current.login;
    const data: Record<string, unknown> = changes.password === undefined
      ? current.data
      : { ...current.data, hash: await this.#hashOf(credentials, changes.password), passwordUpdatedAt: Date.now() };
    await updateCredentials(this.#credentials, this.name, { kuid, login, data });
    return { username: login, kuid };
  }

  /** @throws PortcullisError `security.credentials.not_found` (404) when the user has no local credentials */
  async delete(kuid: string): Promise<void> {
    await deleteCredentials(this.#credentials, this.name, kuid);
  }

  async getInfo(kuid: string): Promise<CredentialInfo | null> {
    const record = await this.#credentials.findByKuid(kuid);
    return record && { username: record.login, kuid: record.kuid };
  }

  async getById(username: string): Promise<CredentialInfo | null> {
    const record = await this.#credentials.findByLogin(username);
    return record && { username: record.login, kuid: record.kuid };
  }

  /**
   * Kuzzle's local plugin search: queries name `username` only, sorts take `username` or
   * `kuid`; hits are `{username, kuid}`. Usernames are compared as logins are (case-blind).
   * @throws services.storage.unknown_field for any other field, and the query errors of the core
   */
  async search(body: unknown, page: { from: number; size: number }): Promise<SearchResult<CredentialInfo>> {
    if (!this.#credentials.search) throw fail('plugin.strategy.missing_optional_method', this.name, 'search');
    const found = await this.#credentials.search(body, page, SEARCH_FIELDS);
    return { hits: found.hits.map((hit) => ({ username: hit.login, kuid: hit.kuid })), total: found.total };
  }

  /** Whether the caller must prove they know the current password: a user about themselves, unless requirePassword is off. */
  #asksCurrentPassword(change: CredentialChange | undefined): boolean {
    return change?.isSelf === true && this.#config.requirePassword;
  }

  /** The hash {@link prepare} made of this very password, or a new one (a caller that did not prepare). */
  async #hashOf(credentials: Record<string, unknown>, password: string): Promise<string> {
    const prepared = this.#prepared.get(credentials);
    this.#prepared.delete(credentials);
    return prepared?.password === password ? prepared.hash : this.#hasher.hash(password);
  }

  /**
   * The current password costs a real check whatever happens: a missing one is refused before
   * any hashing (it reveals nothing), a too long one is checked against the dummy hash.
   * @throws PortcullisError `api.assert.missing_argument`, `security.credentials.wrong_password`
   */
  async #checkCurrentPassword(record: CredentialRecord, currentPassword: string | undefined): Promise<void> {
    if (currentPassword === undefined) throw fail('api.assert.missing_argument', CURRENT_PASSWORD_FIELD);
    if (!isLoginPasswordAcceptable(currentPassword, this.#config.maxPasswordLength)) {
      await this.#hasher.verifyDummy(currentPassword);
      throw fail('security.credentials.wrong_password');
    }
    if (!(await this.#hasher.verifyPassword(storedPassword(record).hash, currentPassword))) throw fail('security.credentials.wrong_password');
  }

  /**
   * Stores a hash made with the current parameters (of the NFC form of the password) after a
   * successful login. A failure only delays the upgrade to the next login: the
   * login itself succeeded.
   * @returns the record as written, or null when nothing was written
   */
  async #rehash(record: CredentialRecord, verifiedHash: string, password: string): Promise<CredentialRecord | null> {
    try {
      const hash = await this.#hasher.hash(password.normalize('NFC'));
      // Written only over the record as it was read: a password changed meanwhile must not be
      // overwritten with a hash of the old one (that would bring the old password back).
      const latest = await this.#credentials.findByKuid(record.kuid);
      if (!latest || latest.data['hash'] !== verifiedHash || latest.login !== record.login) return null;
      const written = { kuid: latest.kuid, login: latest.login, data: { ...latest.data, hash } };
      if ((await this.#credentials.update(written, { login: latest.login, data: latest.data })) !== true) return null;
      this.#logger.debug({ kuid: record.kuid }, 'password hash upgraded to the current argon2 parameters');
      return { ...written, strategy: latest.strategy };
    } catch (error) {
      this.#logger.warn({ kuid: record.kuid, err: error }, 'could not upgrade a password hash; will retry at the next login');
      return null;
    }
  }
}

/** @throws Error when the record holds no hash: a corrupt record is a fault (500, logged), not a failed login */
function storedPassword(record: CredentialRecord): Pick<StoredPassword, 'hash'> {
  const hash = record.data['hash'];
  if (typeof hash !== 'string') throw new Error(`local credentials of user "${record.kuid}" hold no password hash`);
  return { hash };
}
