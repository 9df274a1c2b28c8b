import type { CredentialRecord, Logger, StrategyCredentials, VerifyResult } from '@portcullis/core';
import type { LdapStrategyConfig } from './config.js';
import { foldLogin, storedOverrides } from './credentials-input.js';
import { loginOf, type DirectoryEntry } from './directory-entry.js';
import { WRONG_CREDENTIALS } from './directory-strategy.js';
import type { EntryBindings } from './entry-bindings.js';
import { dnKey, entryKeyOf, isDnKey, type EntryKey } from './entry-key.js';
import { PROVISIONED, type Provisioner } from './provisioning.js';

const FAILURE = { kuid: null, message: WRONG_CREDENTIALS } as const;

export interface EntryMappingDependencies {
  config: Readonly<LdapStrategyConfig>;
  credentials: StrategyCredentials;
  bindings: EntryBindings;
  /** Present when provisioning is enabled. */
  provisioner?: Provisioner | undefined;
  logger: Logger;
}

/**
 * Maps the entry the directory authenticated to a Portcullis user, keyed on the entry itself
 * (entry-key.ts). The credentials a login would land in are found as before (the typed login's
 * when it holds search overrides, else those holding the entry's `usernameAttribute` value);
 * they must then be bound to this entry: bound at their first login, and from then on refused
 * to any other entry. An entry bound to a user is that user's, even when its login was renamed
 * in the directory; it never lands in another user's account, nor is provisioned twice.
 */
export class EntryMapping {
  constructor(private readonly dependencies: EntryMappingDependencies) {}

  /**
   * @returns `{kuid}`, or `{kuid: null, message: 'wrong username or password'}` (a refused
   *   mapping reads as a wrong password; a warn log names the kuid and the DN)
   * @throws security.profile.not_found when provisioning names a profile that does not exist
   */
  async resolve(entry: DirectoryEntry, typed: string | undefined): Promise<VerifyResult> {
    const { config, credentials, bindings, provisioner } = this.dependencies;
    const key = entryKeyOf(entry, config.entryKeyAttribute);
    if (key === null) return this.refuse('the directory entry has no single entryKeyAttribute value: login refused', { dn: entry.dn, attribute: config.entryKeyAttribute });
    const found = await this.candidate(entry, typed);
    if (found === null) return FAILURE;
    if (found.record) return this.landIn(found.record, key, entry);
    // No credentials hold this login: the entry's own user, when it has one (its login was renamed).
    const holder = await bindings.holderOf(key);
    if (holder !== null) {
      const record = await credentials.findByKuid(holder);
      return record ? this.landIn(record, key, entry) : FAILURE;
    }
    if (!provisioner) return FAILURE;
    const kuid = await provisioner.provision(found.login, entry);
    return (await this.claim(kuid, key, entry)) ?? { kuid };
  }

  /** Lands in these credentials once they are bound to the entry; a provisioned user then follows it. */
  private async landIn(record: CredentialRecord, key: EntryKey, entry: DirectoryEntry): Promise<VerifyResult> {
    const refusal = await this.claim(record.kuid, key, entry);
    if (refusal) return refusal;
    if (record.data[PROVISIONED] === true) await this.dependencies.provisioner?.refresh(record.kuid, entry);
    return { kuid: record.kuid };
  }

  /**
   * The credentials the login would land in: the typed login's when they hold search overrides
   * (the overrides found the entry), else those of the entry's usernameAttribute value (folded),
   * or none. Null when the entry has no usernameAttribute (logged).
   */
  private async candidate(entry: DirectoryEntry, typed: string | undefined): Promise<{ login: string; record: CredentialRecord | null } | null> {
    const { credentials, config, logger } = this.dependencies;
    const pinned = typed === undefined ? null : await credentials.findByLogin(foldLogin(typed));
    if (pinned && Object.keys(storedOverrides(pinned.data)).length > 0) return { login: pinned.login, record: pinned };
    const value = loginOf(entry, config.usernameAttribute, typed);
    if (value === null) {
      logger.warn({ dn: entry.dn, attribute: config.usernameAttribute }, 'the directory entry has no usernameAttribute: login refused');
      return null;
    }
    const login = foldLogin(value);
    return { login, record: await credentials.findByLogin(login) };
  }

  /** Checks, or makes, the binding of the user's credentials to the entry; a refusal when either is bound elsewhere. */
  private async claim(kuid: string, key: EntryKey, entry: DirectoryEntry): Promise<VerifyResult | null> {
    const { bindings } = this.dependencies;
    const current = await bindings.keyOf(kuid);
    if (current === key) return null;
    let outcome;
    if (current === null) outcome = await bindings.bind(kuid, key);
    // Keys recorded by DN before entryKeyAttribute was configured move to the stable key of the same entry.
    else if (isDnKey(current) && !isDnKey(key) && current === dnKey(entry.dn)) outcome = await bindings.rebind(kuid, key);
    else outcome = 'bound_elsewhere' as const;
    if (outcome === 'bound') return null;
    return this.refuse(outcome === 'entry_taken'
      ? 'the directory entry is bound to another user: login refused'
      : 'the credentials are bound to another directory entry: login refused', { kuid, dn: entry.dn });
  }

  private refuse(message: string, fields: Record<string, unknown>): VerifyResult {
    this.dependencies.logger.warn(fields, message);
    return FAILURE;
  }
}
