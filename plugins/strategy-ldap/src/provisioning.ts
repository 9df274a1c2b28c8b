import { isPortcullisError, type Logger, type StrategyCredentials, type StrategyUsers, type UserContent } from '@portcullis/core';
import type { LdapStrategyConfig } from './config.js';
import { attributeValues, groupNames, type DirectoryEntry } from './directory-entry.js';
import { canonicalDn } from './entry-key.js';

/** Marks, in a credential record's data, a user this plugin created: only those follow the directory. */
export const PROVISIONED = 'provisioned';

export interface ProvisionerDependencies {
  name: string;
  config: Readonly<LdapStrategyConfig>;
  users: StrategyUsers;
  credentials: StrategyCredentials;
  logger: Logger;
}

/**
 * Creates Portcullis users from directory entries and keeps them in step: profiles come from
 * defaultProfiles plus the groups mapped in groupProfiles, and mapped attributes are copied,
 * at creation and again at each login. Users an administrator created keep what they were given.
 */
export class Provisioner {
  readonly #dependencies: ProvisionerDependencies;
  /** groupProfiles with normalized keys (lower-case cn, or canonical lower-case DN). */
  readonly #groupProfiles: ReadonlyMap<string, readonly string[]>;
  /** The credentials objects this provisioner handed to users.create: the plugin's create marks them {@link PROVISIONED}. */
  readonly #inputs = new WeakSet<object>();

  constructor(dependencies: ProvisionerDependencies) {
    this.#dependencies = dependencies;
    this.#groupProfiles = new Map(Object.entries(dependencies.config.provisioning.groupProfiles).map(([group, profiles]) => [normalizeName(group), profiles]));
  }

  /**
   * Creates the user and its `{username}` credentials for `login`, all or nothing. When another
   * login created it meanwhile, answers that user.
   * @returns the new user's kuid
   * @throws security.profile.not_found when a configured profile does not exist, and what UserService.create throws
   */
  async provision(login: string, entry: DirectoryEntry): Promise<string> {
    const { name, users, credentials, logger } = this.#dependencies;
    try {
      // The mark is written with the credentials, in the user's creation transaction: a crash
      // cannot leave a provisioned user that does not follow the directory.
      const input = { username: login };
      this.#inputs.add(input);
      const user = await users.create({ content: this.content(entry), credentials: { [name]: input } });
      logger.info({ kuid: user._id, profileIds: user.content.profileIds }, 'user provisioned from the directory');
      return user._id;
    } catch (error) {
      if (!isPortcullisError(error) || error.id !== 'security.credentials.login_taken') throw error;
      const winner = await credentials.findByLogin(login);
      if (!winner) throw error;
      return winner.kuid;
    }
  }

  /** Whether the plugin's create receives credentials this provisioner made (they get the {@link PROVISIONED} mark). */
  provisioned(credentials: object): boolean {
    return this.#inputs.has(credentials);
  }

  /**
   * Re-evaluates a provisioned user's profiles and mapped attributes; writes only on a change.
   * @throws security.profile.not_found, security.user.not_found
   */
  async refresh(kuid: string, entry: DirectoryEntry): Promise<void> {
    const user = await this.#dependencies.users.get(kuid);
    if (!user) return;
    const wanted = this.content(entry);
    const changes = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => JSON.stringify(user.content[key]) !== JSON.stringify(value)));
    if (Object.keys(changes).length === 0) return;
    await this.#dependencies.users.update(kuid, changes);
    this.#dependencies.logger.info({ kuid, fields: Object.keys(changes) }, 'user updated from the directory');
  }

  /** The content the directory gives a user: profiles, then mapped attributes (first value of each). */
  content(entry: DirectoryEntry): UserContent {
    const { provisioning } = this.#dependencies.config;
    const profileIds = new Set(provisioning.defaultProfiles);
    for (const group of groupNames(entry)) for (const profile of this.#groupProfiles.get(normalizeName(group)) ?? []) profileIds.add(profile);
    const content: UserContent = { profileIds: [...profileIds] };
    for (const [field, attribute] of Object.entries(provisioning.attributes)) {
      const [value] = attributeValues(entry, attribute);
      if (value !== undefined) content[field] = value;
    }
    return content;
  }
}

/** A DN in its canonical form (spacing and case do not matter), or a plain name lower-cased. */
function normalizeName(name: string): string {
  return (name.includes('=') ? canonicalDn(name) : null) ?? name.toLowerCase();
}
