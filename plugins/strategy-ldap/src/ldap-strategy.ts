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
import { ldapStrategyConfigSchema, type LdapStrategyConfig } from './config.js';
import { LDAP_STRATEGY_FIELDS, foldLogin, parseLdapCredentials, storedOverrides, type LdapCredentials } from './credentials-input.js';
import { asEntry } from './directory-entry.js';
import { DirectoryStrategy, WRONG_CREDENTIALS } from './directory-strategy.js';
import { EntryBindings } from './entry-bindings.js';
import { dnKey } from './entry-key.js';
import { EntryMapping } from './entry-mapping.js';
import { PROVISIONED, type Provisioner } from './provisioning.js';
import { serverOptions } from './server-options.js';

const FAILURE = { kuid: null, message: WRONG_CREDENTIALS } as const;

export interface LdapStrategyDependencies {
  name: string;
  config: Readonly<LdapStrategyConfig>;
  credentials: StrategyCredentials;
  /** The strategy's bindings namespace (StrategyContext.bindings): which entry each user is bound to. */
  bindings: StrategyCredentials;
  /** Present when provisioning is enabled. */
  provisioner?: Provisioner | undefined;
  logger: Logger;
}

/**
 * Directory logins mapped to Portcullis users through the `ldap` credentials registry:
 * `{username}` (the directory login, kept lower-cased) plus optional per-user search overrides
 * (`bindDN`, `searchBase`, `searchFilter`), each bound to one directory entry (entry-mapping.ts).
 * The directory checks the password; this plugin never stores one.
 */
export class LdapStrategyPlugin implements StrategyPlugin {
  readonly name: string;
  readonly fields = LDAP_STRATEGY_FIELDS;
  /** Read by server:getConfig, which shows this namespace with its secrets removed. */
  readonly configSchema = ldapStrategyConfigSchema;
  /** Every field names the user's directory entry: only administrators set them. */
  readonly selfEditableFields = [] as const;
  readonly #config: Readonly<LdapStrategyConfig>;
  readonly #credentials: StrategyCredentials;
  readonly #bindings: EntryBindings;
  readonly #mapping: EntryMapping;
  readonly #logger: Logger;
  readonly #provisioner: Provisioner | undefined;

  constructor(dependencies: LdapStrategyDependencies) {
    this.name = dependencies.name;
    this.#config = dependencies.config;
    this.#credentials = dependencies.credentials;
    this.#bindings = new EntryBindings(dependencies.bindings, dependencies.credentials);
    this.#logger = dependencies.logger;
    this.#provisioner = dependencies.provisioner;
    const { config, credentials, provisioner, logger } = dependencies;
    this.#mapping = new EntryMapping({ config, credentials, bindings: this.#bindings, provisioner, logger });
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
   * Maps the entry the directory authenticated to a user ({@link EntryMapping.resolve}).
   * @returns `{kuid}`, or `{kuid: null, message: 'wrong username or password'}`
   * @throws security.profile.not_found when provisioning names a profile that does not exist
   */
  async verify(request: PassportRequest, entryValue?: unknown): Promise<VerifyResult> {
    const entry = asEntry(entryValue);
    if (!entry) return FAILURE;
    const typed = typeof request.body?.['username'] === 'string' ? request.body['username'] : undefined;
    return this.#mapping.resolve(entry, typed);
  }

  async exists(kuid: string): Promise<boolean> {
    return (await this.#credentials.findByKuid(kuid)) !== null;
  }

  /**
   * @throws PortcullisError the ids of {@link parseLdapCredentials}, and
   *   `security.credentials.login_taken` (412) when another user holds the login, or the
   *   directory entry its `bindDN` names (entries keyed by DN)
   */
  async validate(credentials: Record<string, unknown>, kuid: string | null, isUpdate: boolean): Promise<void> {
    const parsed = parseLdapCredentials(credentials, isUpdate);
    if (parsed.username !== undefined) await assertLoginFree(this.#credentials, parsed.username, kuid);
    const key = this.#knownKey(parsed.overrides.bindDN);
    if (key === null) return;
    const holder = await this.#bindings.holderOf(key);
    if (holder !== null && holder !== kuid) throw fail('security.credentials.login_taken', parsed.overrides.bindDN as string);
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
    // The user had no ldap credentials: a binding left for them is stale.
    await this.#bindings.unbind(kuid);
    await this.#bindKnownEntry(record, null);
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
    // The login or an override changes which entry the credentials find: forget the old entry
    // first, so that a crash in between leaves the credentials unbound, never bound to it.
    await this.#bindings.unbind(kuid);
    await updateCredentials(this.#credentials, this.name, next);
    await this.#bindKnownEntry(next, current);
    return describe(next);
  }

  /** @throws PortcullisError `security.credentials.not_found` (404) when the user has no ldap credentials */
  async delete(kuid: string): Promise<void> {
    await deleteCredentials(this.#credentials, this.name, kuid);
    await this.#bindings.unbind(kuid);
  }

  async getInfo(kuid: string): Promise<CredentialInfo | null> {
    const record = await this.#credentials.findByKuid(kuid);
    return record && describe(record);
  }

  async getById(username: string): Promise<CredentialInfo | null> {
    const record = await this.#credentials.findByLogin(foldLogin(username));
    return record && describe(record);
  }

  /** The entry key an administrator's `bindDN` names, when entries are keyed by DN; else null (known at the first login only). */
  #knownKey(bindDN: string | null | undefined): string | null {
    return typeof bindDN === 'string' && this.#config.entryKeyAttribute === undefined ? dnKey(bindDN) : null;
  }

  /**
   * Binds credentials whose `bindDN` names their entry at once. When another user holds that
   * entry (a race past validate), the credentials are put back as they were.
   * @throws PortcullisError `security.credentials.login_taken` (412), naming the DN
   */
  async #bindKnownEntry(record: Omit<CredentialRecord, 'strategy'>, previous: Omit<CredentialRecord, 'strategy'> | null): Promise<void> {
    const bindDN = storedOverrides(record.data).bindDN;
    const key = this.#knownKey(bindDN);
    if (key === null || (await this.#bindings.bind(record.kuid, key)) === 'bound') return;
    if (previous) await updateCredentials(this.#credentials, this.name, previous);
    else await deleteCredentials(this.#credentials, this.name, record.kuid);
    throw fail('security.credentials.login_taken', bindDN as string);
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
