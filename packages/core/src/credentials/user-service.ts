import { randomUUID } from 'node:crypto';
import { fail, isPortcullisError, PortcullisError } from '../errors/index.js';
import { assertProfilesIn, SecurityService } from '../security/security-service.js';
import { ANONYMOUS_KUID } from '../security/types.js';
import type { UnitOfWork, UserContent, UserRecord, UserStore } from '../storage/ports.js';
import type { CredentialChange, CredentialInfo, StrategyUsers } from '../strategies/strategy-plugin.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import type { TokenManager } from '../tokens/token-manager.js';

/** The row of `settings` that makes concurrent first-administrator creations take turns. */
const FIRST_ADMIN_LOCK = 'first-admin';

export type CredentialsByStrategy = Record<string, Record<string, unknown>>;

export interface NewUser {
  /** The kuid; generated (`kuid-<uuid>`) when absent. */
  kuid?: string | undefined;
  content: UserContent;
  credentials: CredentialsByStrategy;
}

/**
 * Users together with their credentials in every strategy. Creating a user with credentials is
 * all-or-nothing; deleting a user deletes its credentials everywhere and ends its sessions.
 * It is also what strategy plugins reach as `StrategyContext.users` (get, create, update).
 */
export class UserService implements StrategyUsers {
  constructor(
    private readonly security: SecurityService,
    private readonly users: UserStore,
    private readonly strategies: StrategyRegistry,
    private readonly tokens: TokenManager,
    /** The transactions writes of several records go through (the node's Storage). */
    private readonly units: UnitOfWork,
  ) {}

  /** The user, or null when there is none. */
  get(kuid: string): Promise<UserRecord | null> {
    return this.users.get(kuid);
  }

  /**
   * Creates the user and its credentials in every strategy, all or nothing: checks, validation
   * and the strategies' `prepare` (password hashing) run first, then one transaction writes the
   * user and every strategy's credentials, so that a crash at any instant leaves both or neither.
   * @throws api.assert.invalid_id, security.credentials.unknown_strategy, security.profile.not_found,
   *   security.credentials.database_inconsistency, security.credentials.rejected,
   *   security.user.already_exists, and whatever the strategies refuse with
   */
  create(input: NewUser): Promise<UserRecord> {
    return this.insert(input, async () => undefined);
  }

  /**
   * Like {@link create}, only while no user holds the admin profile: a lock in the shared
   * database, taken inside the creation's transaction, makes concurrent calls on every node take
   * turns, so exactly one of them creates an administrator.
   * @throws api.process.admin_exists, and what {@link create} throws
   */
  async createFirstAdmin(input: NewUser): Promise<UserRecord> {
    // The cheap answer first, before any password is hashed; the lock decides the races.
    if (await this.security.adminExists()) throw fail('api.process.admin_exists');
    return this.insert(input, async () => {
      await this.units.lock(FIRST_ADMIN_LOCK);
      if (await this.security.adminExists()) throw fail('api.process.admin_exists');
    });
  }

  private async insert(input: NewUser, guard: () => Promise<void>): Promise<UserRecord> {
    if (input.kuid !== undefined) assertKuid(input.kuid);
    // One object per strategy, handed to validate, prepare and create alike.
    const credentials = Object.keys(input.credentials).map((name) => [name, input.credentials[name] ?? {}] as const);
    for (const [name] of credentials) this.strategies.require(name);
    this.security.assertProfilesExist(input.content.profileIds);
    const kuid = input.kuid ?? `kuid-${randomUUID()}`;
    for (const [name] of credentials) {
      if (await this.hasCredentials(name, kuid)) throw fail('security.credentials.database_inconsistency', kuid);
    }
    for (const [name, given] of credentials) await this.validate(name, given, kuid, false);
    for (const [name, given] of credentials) await this.prepare(name, given, kuid, false);
    const user: UserRecord = { _id: kuid, content: input.content };
    await this.units.transaction(async () => {
      await guard();
      // Under the rights lock the profiles are read again: none can be deleted meanwhile.
      await this.security.guard.locked(async (state) => assertProfilesIn(state.profiles, input.content.profileIds));
      if (!(await this.users.insert(user))) throw fail('security.user.already_exists', kuid);
      for (const [name, given] of credentials) await this.strategies.call(name, (plugin) => plugin.create(given, kuid));
    });
    await this.security.userChanged(kuid);
    return user;
  }

  /**
   * Deletes the user and its credentials in every strategy in one transaction, and ends all its
   * sessions before (a crash midway leaves a whole user without sessions) and after (a login
   * that raced with the deletion). Refused before anything changes when the user is the last
   * one able to manage rights (checked again under the rights lock). The one path that deletes a
   * user ({@link deleteMany} too).
   * @throws security.user.not_found, security.rights.last_administrator
   */
  async delete(kuid: string): Promise<void> {
    await this.requireStoredUser(kuid);
    await this.security.guard.assertNotLastManager(kuid);
    await this.tokens.revokeAll(kuid);
    await this.security.guard.write(async () => {
      for (const name of this.strategies.names()) {
        if (await this.hasCredentials(name, kuid)) await this.strategies.call(name, (plugin) => plugin.delete(kuid));
      }
      if (!(await this.users.delete(kuid))) throw fail('security.user.not_found', kuid);
    }, { usersOnly: true });
    await this.tokens.revokeAll(kuid);
    await this.security.userChanged(kuid);
  }

  /**
   * Deletes each user as {@link delete} does, one after the other (each deletion sees the ones
   * before it), and reports the refusals instead of stopping at the first (Kuzzle's mDelete).
   * @returns the kuids deleted, in the order given, and the errors of the others
   */
  async deleteMany(kuids: readonly string[]): Promise<{ deleted: string[]; failures: Array<{ kuid: string; error: unknown }> }> {
    const deleted: string[] = [];
    const failures: Array<{ kuid: string; error: unknown }> = [];
    for (const kuid of kuids) {
      try {
        await this.delete(kuid);
        deleted.push(kuid);
      } catch (error) {
        failures.push({ kuid, error });
      }
    }
    return { deleted, failures };
  }

  /**
   * Merges `changes` into the user's content. A change of `profileIds` goes through the rights
   * guard: it is refused when it would leave no user able to manage rights.
   * @throws security.user.not_found, security.profile.not_found, security.user.uninitialized,
   *   security.rights.last_administrator
   */
  update(kuid: string, changes: Record<string, unknown>): Promise<UserRecord> {
    return this.writeContent(kuid, (user) => ({ ...user.content, ...changes }) as UserContent, Object.hasOwn(changes, 'profileIds'));
  }

  /**
   * Replaces the whole content of an existing user (security:replaceUser), through the rights guard.
   * @throws security.user.not_found, security.profile.not_found, security.user.uninitialized,
   *   security.rights.last_administrator
   */
  replace(kuid: string, content: UserContent): Promise<UserRecord> {
    return this.writeContent(kuid, () => content, true);
  }

  /**
   * Merges `content` into the user when it exists, else creates it with `{...defaults, ...content}`
   * and `credentials` (security:upsertUser). A creation that loses a race with another one
   * becomes an update.
   * @throws api.assert.invalid_id, security.profile.not_found, security.user.uninitialized, and what
   *   {@link create} throws
   */
  async upsert(kuid: string, content: UserContent, defaults: Record<string, unknown>, credentials: CredentialsByStrategy): Promise<UserRecord> {
    assertKuid(kuid);
    if (await this.users.get(kuid)) return this.update(kuid, content);
    try {
      return await this.create({ kuid, content: { ...defaults, ...content }, credentials });
    } catch (error) {
      if (isPortcullisError(error) && error.id === 'security.user.already_exists') return this.update(kuid, content);
      throw error;
    }
  }

  /**
   * The one path that writes an existing user's content (update, replace, upsert): the user is
   * read and written under the rights lock, so that a profile deletion taking the profile from
   * its users cannot interleave with this read-modify-write; a change that touches `profileIds`
   * is also checked against the last-administrator invariant.
   * @throws security.user.uninitialized, security.profile.not_found, security.user.not_found,
   *   security.rights.last_administrator
   */
  private async writeContent(kuid: string, next: (user: UserRecord) => UserContent, touchesProfiles: boolean): Promise<UserRecord> {
    const write = async ({ profiles }: { profiles: ReadonlyMap<string, unknown> }): Promise<UserRecord> => {
      const user = await this.users.get(kuid);
      if (!user) throw fail('security.user.not_found', kuid);
      const content = next(user);
      if (!Array.isArray(content.profileIds) || content.profileIds.length === 0) throw fail('security.user.uninitialized', kuid);
      assertProfilesIn(profiles, content.profileIds);
      const record = { _id: kuid, content };
      if (!(await this.users.replace(record))) throw fail('security.user.not_found', kuid);
      return record;
    };
    const guard = this.security.guard;
    const updated = touchesProfiles ? await guard.write(write, { usersOnly: true }) : await guard.locked(write);
    await this.security.userChanged(kuid);
    return updated;
  }


  /** Names of the strategies in which the user holds credentials. */
  async strategiesOf(kuid: string): Promise<string[]> {
    const cached = this.cachedStrategiesOf(kuid);
    if (cached) return [...cached];
    const ticket = this.security.cacheTicket();
    const names: string[] = [];
    for (const name of this.strategies.names()) if (await this.hasCredentials(name, kuid)) names.push(name);
    this.security.rememberStrategies(kuid, names, ticket);
    return [...names];
  }

  /** Like {@link strategiesOf}, without I/O: `undefined` unless this node holds the answer in memory. */
  cachedStrategiesOf(kuid: string): readonly string[] | undefined {
    return this.security.cachedStrategies(kuid);
  }

  /**
   * Runs the strategy's validate; a refusal that is not catalogued becomes security.credentials.rejected.
   * @throws security.credentials.unknown_strategy, security.credentials.rejected
   */
  async validate(strategy: string, credentials: Record<string, unknown>, kuid: string | null, isUpdate: boolean): Promise<void> {
    const plugin = this.strategies.require(strategy);
    try {
      await plugin.validate(credentials, kuid, isUpdate);
    } catch (error) {
      if (isPortcullisError(error)) throw error;
      throw new PortcullisError('security.credentials.rejected', [(error as Error)?.message ?? 'invalid credentials'], { cause: error });
    }
  }

  /**
   * Runs the strategy's `prepare`, if it has one: the slow work (a password hash) that must not
   * run inside a transaction.
   * @throws security.credentials.unknown_strategy, and whatever the strategy refuses with
   */
  async prepare(strategy: string, credentials: Record<string, unknown>, kuid: string, isUpdate: boolean, change?: CredentialChange): Promise<void> {
    await this.strategies.call(strategy, async (plugin) => plugin.prepare?.(credentials, kuid, isUpdate, change));
  }

  /** @throws security.user.not_found, security.credentials.already_exist, security.credentials.rejected */
  async createCredentials(strategy: string, kuid: string, credentials: Record<string, unknown>): Promise<CredentialInfo> {
    await this.requireStoredUser(kuid);
    if (await this.hasCredentials(strategy, kuid)) throw fail('security.credentials.already_exist', kuid, strategy);
    await this.validate(strategy, credentials, kuid, false);
    await this.prepare(strategy, credentials, kuid, false);
    const info = await this.units.transaction(() => this.strategies.call(strategy, (plugin) => plugin.create(credentials, kuid)));
    await this.security.userChanged(kuid);
    return info;
  }

  /**
   * Replaces credentials and ends the user's other sessions: a changed secret must lock out
   * whoever held the old one. Logins that were being verified meanwhile are refused when they
   * open their session (see StrategyRegistry.stillVerified).
   * @param change who asks: `{isSelf: true}` for the user about themselves (strategies may then ask
   *   for more, e.g. the current password, checked by their `prepare` before anything changes)
   * @throws security.user.not_found, security.credentials.not_found, security.credentials.rejected,
   *   and what the strategy refuses with (e.g. security.credentials.wrong_password)
   */
  async updateCredentials(
    strategy: string, kuid: string, credentials: Record<string, unknown>, keepSessionId?: string, change: CredentialChange = { isSelf: false },
  ): Promise<CredentialInfo> {
    await this.requireStoredUser(kuid);
    await this.requireCredentials(strategy, kuid);
    await this.validate(strategy, credentials, kuid, true);
    await this.prepare(strategy, credentials, kuid, true, change);
    return this.changeCredentials(kuid, keepSessionId, () => this.strategies.call(strategy, (plugin) => plugin.update(credentials, kuid, change)));
  }

  /** @throws security.user.not_found, security.credentials.not_found */
  async deleteCredentials(strategy: string, kuid: string, keepSessionId?: string): Promise<void> {
    await this.requireStoredUser(kuid);
    await this.requireCredentials(strategy, kuid);
    await this.changeCredentials(kuid, keepSessionId, () => this.strategies.call(strategy, (plugin) => plugin.delete(kuid)));
  }

  /**
   * Writes in one transaction, ending the user's other sessions before and after: sessions live
   * outside the SQL transaction (in Redis, say), and a crash right after the commit must not
   * leave a session opened with the old secret; a login racing with the change is ended after.
   */
  private async changeCredentials<T>(kuid: string, keepSessionId: string | undefined, write: () => Promise<T>): Promise<T> {
    await this.revokeOtherSessions(kuid, keepSessionId);
    const result = await this.units.transaction(write);
    await this.revokeOtherSessions(kuid, keepSessionId);
    await this.security.userChanged(kuid);
    return result;
  }

  hasCredentials(strategy: string, kuid: string): Promise<boolean> {
    return this.strategies.call(strategy, (plugin) => plugin.exists(kuid));
  }

  /** The strategy's description of the user's credentials, or `{}`. */
  async getCredentials(strategy: string, kuid: string): Promise<CredentialInfo> {
    const info = await this.strategies.call(strategy, async (plugin) => (plugin.getInfo ? plugin.getInfo(kuid) : null));
    return info ?? {};
  }

  /** Credentials by strategy-side id (a username), or `{}`. */
  async getCredentialsById(strategy: string, id: string): Promise<CredentialInfo> {
    const info = await this.strategies.call(strategy, async (plugin) => (plugin.getById ? plugin.getById(id) : null));
    return info ?? {};
  }

  private async requireStoredUser(kuid: string): Promise<void> {
    if (kuid === ANONYMOUS_KUID || !(await this.users.get(kuid))) throw fail('security.user.not_found', kuid);
  }

  private async requireCredentials(strategy: string, kuid: string): Promise<void> {
    if (!(await this.hasCredentials(strategy, kuid))) throw fail('security.credentials.not_found', kuid, strategy);
  }

  private async revokeOtherSessions(kuid: string, keepSessionId: string | undefined): Promise<void> {
    if (keepSessionId === undefined) {
      await this.tokens.revokeUser(kuid);
      return;
    }
    await this.tokens.revokeUserExcept(kuid, keepSessionId);
  }
}

/** @throws api.assert.invalid_id for ids starting with "_", api.assert.invalid_argument for reserved or oversized ids */
export function assertKuid(kuid: string): void {
  if (kuid.startsWith('_')) throw fail('api.assert.invalid_id');
  if (kuid === ANONYMOUS_KUID || kuid === 'anonymous' || kuid.length === 0 || kuid.length > 128 || /[\s#]/.test(kuid)) {
    throw fail('api.assert.invalid_argument', '_id', 'a non-reserved id of 1 to 128 characters without spaces or "#"');
  }
}
