import {
  assertLoginFree,
  deleteCredentials,
  fail,
  insertCredentials,
  updateCredentials,
  type CredentialInfo,
  type CredentialRecord,
  type Logger,
  type PassportRequest,
  type PassportVerify,
  type StrategyCredentials,
  type StrategyPlugin,
  type VerifyResult,
} from '@portcullis/core';
import type { LdapStrategyConfig } from './config.js';
import { LDAP_STRATEGY_FIELDS, foldLogin, parseLdapCredentials, storedOverrides, type LdapCredentials } from './credentials-input.js';
import { asEntry, loginOf } from './directory-entry.js';
import { DirectoryStrategy, WRONG_CREDENTIALS } from './directory-strategy.js';
import { PROVISIONED, type Provisioner } from './provisioning.js';
import { serverOptions } from './server-options.js';

const FAILURE = { kuid: null, message: WRONG_CREDENTIALS } as const;

export interface LdapStrategyDependencies {
  name: string;
  config: Readonly<LdapStrategyConfig>;
  credentials: StrategyCredentials;
  /** Present when provisioning is enabled. */
  provisioner?: Provisioner | undefined;
  logger: Logger;
}

/**
 * Directory logins mapped to Portcullis users through the `ldap` credentials registry:
 * `{username}` (the directory login, kept lower-cased) plus optional per-user search overrides
 * (`bindDN`, `searchBase`, `searchFilter`). The directory checks the password; this plugin
 * never stores one.
 */
export class LdapStrategyPlugin implements StrategyPlugin {
  readonly name: string;
  readonly fields = LDAP_STRATEGY_FIELDS;
  readonly #config: Readonly<LdapStrategyConfig>;
  readonly #credentials: StrategyCredentials;
  readonly #provisioner: Provisioner | undefined;
  readonly #logger: Logger;

  constructor(dependencies: LdapStrategyDependencies) {
    this.name = dependencies.name;
    this.#config = dependencies.config;
    this.#credentials = dependencies.credentials;
    this.#provisioner = dependencies.provisioner;
    this.#logger = dependencies.logger;
  }

  createPassportStrategy(verify: PassportVerify): DirectoryStrategy {
    return new DirectoryStrategy({
      name: this.name,
      logger: this.#logger,
      urls: [this.#config.url].flat(),
      // Each URL may take connectTimeout; each step `timeout`: admin bind, search, user bind, group search.
      deadlineMs: [this.#config.url].flat().length * this.#config.connectTimeout + 4 * this.#config.timeout,
      serverOptions: async (username) => {
        const record = await this.#credentials.findByLogin(foldLogin(username));
        return serverOptions(this.#config, username, record ? storedOverrides(record.data) : {});
      },
    }, verify);
  }

  /**
   * Maps the entry the directory authenticated to a user. A login whose credentials hold search
   * overrides is that user's (the overrides found the entry); otherwise the entry's
   * `usernameAttribute` is looked up, and, when unknown, provisioned if enabled.
   * @returns `{kuid}`, or `{kuid: null, message: 'wrong username or password'}`
   * @throws security.profile.not_found when provisioning names a profile that does not exist
   */
  async verify(request: PassportRequest, entryValue?: unknown): Promise<VerifyResult> {
    const entry = asEntry(entryValue);
    if (!entry) return FAILURE;
    const typed = typeof request.body?.['username'] === 'string' ? request.body['username'] : undefined;
    const pinned = typed === undefined ? null : await this.#credentials.findByLogin(foldLogin(typed));
    let record: CredentialRecord | null = pinned && Object.keys(storedOverrides(pinned.data)).length > 0 ? pinned : null;
    if (!record) {
      const login = loginOf(entry, this.#config.usernameAttribute, typed);
      if (login === null) {
        this.#logger.warn({ dn: entry.dn, attribute: this.#config.usernameAttribute }, 'the directory entry has no usernameAttribute: login refused');
        return FAILURE;
      }
      record = await this.#credentials.findByLogin(foldLogin(login));
      if (!record) return this.#provisioner ? { kuid: await this.#provisioner.provision(foldLogin(login), entry) } : FAILURE;
    }
    if (record.data[PROVISIONED] === true) await this.#provisioner?.refresh(record.kuid, entry);
    return { kuid: record.kuid };
  }

  async exists(kuid: string): Promise<boolean> {
    return (await this.#credentials.findByKuid(kuid)) !== null;
  }

  /**
   * @throws PortcullisError the ids of {@link parseLdapCredentials}, and
   *   `security.credentials.login_taken` (412) when another user holds the login
   */
  async validate(credentials: Record<string, unknown>, kuid: string | null, isUpdate: boolean): Promise<void> {
    const { username } = parseLdapCredentials(credentials, isUpdate);
    if (username !== undefined) await assertLoginFree(this.#credentials, username, kuid);
  }

  /**
   * @throws PortcullisError the ids of {@link parseLdapCredentials}, `security.credentials.login_taken` (412),
   *   `security.credentials.already_exist` (412)
   */
  async create(credentials: Record<string, unknown>, kuid: string): Promise<CredentialInfo> {
    const parsed = parseLdapCredentials(credentials, false);
    const login = parsed.username as string;
    const data = withOverrides(this.#provisioner?.provisioned(credentials) ? { [PROVISIONED]: true } : {}, parsed);
    const record = { kuid, login, data };
    await insertCredentials(this.#credentials, this.name, record);
    return describe(record);
  }

  /**
   * Changes the login and/or the overrides (null removes one).
   * @throws PortcullisError the ids of {@link parseLdapCredentials}, `security.credentials.not_found` (404),
   *   `security.credentials.login_taken` (412)
   */
  async update(credentials: Record<string, unknown>, kuid: string): Promise<CredentialInfo> {
    const parsed = parseLdapCredentials(credentials, true);
    const current = await this.#credentials.findByKuid(kuid);
    if (!current) throw fail('security.credentials.not_found', kuid, this.name);
    const next = { kuid, login: parsed.username ?? current.login, data: withOverrides(current.data, parsed) };
    await updateCredentials(this.#credentials, this.name, next);
    return describe(next);
  }

  /** @throws PortcullisError `security.credentials.not_found` (404) when the user has no ldap credentials */
  async delete(kuid: string): Promise<void> {
    await deleteCredentials(this.#credentials, this.name, kuid);
  }

  async getInfo(kuid: string): Promise<CredentialInfo | null> {
    const record = await this.#credentials.findByKuid(kuid);
    return record && describe(record);
  }

  async getById(username: string): Promise<CredentialInfo | null> {
    const record = await this.#credentials.findByLogin(foldLogin(username));
    return record && describe(record);
  }
}

/** `{username, kuid}` plus the overrides, as Kuzzle's plugins describe credentials (no secret is ever stored). */
function describe(record: Pick<CredentialRecord, 'kuid' | 'login' | 'data'>): CredentialInfo {
  return { username: record.login, kuid: record.kuid, ...storedOverrides(record.data) };
}

function withOverrides(data: Record<string, unknown>, parsed: LdapCredentials): Record<string, unknown> {
  const next = { ...data };
  for (const [field, value] of Object.entries(parsed.overrides)) {
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next;
}
