import { randomUUID } from 'node:crypto';
import { fail, isPortcullisError, PortcullisError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import { SecurityService } from '../security/security-service.js';
import { ANONYMOUS_KUID } from '../security/types.js';
import type { UserContent, UserRecord, UserStore } from '../storage/ports.js';
import type { CredentialChange, CredentialInfo, StrategyUsers } from '../strategies/strategy-plugin.js';
import type { StrategyRegistry } from '../strategies/strategy-registry.js';
import type { TokenManager } from '../tokens/token-manager.js';

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
    private readonly logger: Logger,
  ) {}

  /** The user, or null when there is none. */
  get(kuid: string): Promise<UserRecord | null> {
    return this.users.get(kuid);
  }

  /**
   * Validates every credential, creates the user, then the credentials; on any failure removes
   * what was created and rethrows.
   * @throws api.assert.invalid_id, security.credentials.unknown_strategy, security.profile.not_found,
   *   security.credentials.database_inconsistency, security.credentials.rejected,
   *   security.user.already_exists, and whatever the strategies refuse with
   */
  async create(input: NewUser): Promise<UserRecord> {
    if (input.kuid !== undefined) assertKuid(input.kuid);
    const names = Object.keys(input.credentials);
    for (const name of names) this.strategies.require(name);
    this.security.assertProfilesExist(input.content.profileIds);
    const kuid = input.kuid ?? `kuid-${randomUUID()}`;
    for (const name of names) {
      if (await this.strategies.call(name, (plugin) => plugin.exists(kuid))) throw fail('security.credentials.database_inconsistency', kuid);
    }
    for (const name of names) await this.validate(name, input.credentials[name] ?? {}, kuid, false);
    const user: UserRecord = { _id: kuid, content: input.content };
    if (!(await this.users.insert(user))) throw fail('security.user.already_exists', kuid);
    const created: string[] = [];
    try {
      for (const name of names) {
        await this.strategies.call(name, (plugin) => plugin.create(input.credentials[name] ?? {}, kuid));
        created.push(name);
      }
    } catch (error) {
      await this.rollback(kuid, created);
      throw error;
    }
    await this.security.userChanged(kuid);
    return user;
  }

  /**
   * Deletes the user's credentials in every strategy, ends all its sessions, then the user.
   * @throws security.user.not_found
   */
  async delete(kuid: string): Promise<void> {
    if (kuid === ANONYMOUS_KUID || !(await this.users.get(kuid))) throw fail('security.user.not_found', kuid);
    for (const name of this.strategies.names()) {
      if (await this.strategies.call(name, (plugin) => plugin.exists(kuid))) await this.strategies.call(name, (plugin) => plugin.delete(kuid));
    }
    await this.tokens.revokeUser(kuid, undefined);
    await this.users.delete(kuid);
    await this.security.userChanged(kuid);
  }

  /**
   * Merges `changes` into the user's content.
   * @throws security.user.not_found, security.profile.not_found, security.user.uninitialized
   */
  async update(kuid: string, changes: Record<string, unknown>): Promise<UserRecord> {
    const user = await this.users.get(kuid);
    if (!user) throw fail('security.user.not_found', kuid);
    const content = { ...user.content, ...changes } as UserContent;
    if (!Array.isArray(content.profileIds) || content.profileIds.length === 0) throw fail('security.user.uninitialized', kuid);
    this.security.assertProfilesExist(content.profileIds);
    const updated = { _id: kuid, content };
    if (!(await this.users.replace(updated))) throw fail('security.user.not_found', kuid);
    await this.security.userChanged(kuid);
    return updated;
  }

  /** Names of the strategies in which the user holds credentials. */
  async strategiesOf(kuid: string): Promise<string[]> {
    const cached = this.cachedStrategiesOf(kuid);
    if (cached) return [...cached];
    const ticket = this.security.cacheTicket();
    const names: string[] = [];
    for (const name of this.strategies.names()) if (await this.strategies.call(name, (plugin) => plugin.exists(kuid))) names.push(name);
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

  /** @throws security.user.not_found, security.credentials.already_exist, security.credentials.rejected */
  async createCredentials(strategy: string, kuid: string, credentials: Record<string, unknown>): Promise<CredentialInfo> {
    await this.requireStoredUser(kuid);
    if (await this.strategies.call(strategy, (plugin) => plugin.exists(kuid))) throw fail('security.credentials.already_exist', kuid, strategy);
    await this.validate(strategy, credentials, kuid, false);
    const info = await this.strategies.call(strategy, (plugin) => plugin.create(credentials, kuid));
    await this.security.userChanged(kuid);
    return info;
  }

  /**
   * Updates credentials and ends the user's other sessions: a changed secret must lock out
   * whoever held the old one. Logins that were being verified meanwhile are refused when they
   * open their session (see StrategyRegistry.stillVerified).
   * @param change who asks: `{isSelf: true}` for the user about themselves (strategies may then ask
   *   for more, e.g. the current password)
   * @throws security.user.not_found, security.credentials.not_found, security.credentials.rejected,
   *   and what the strategy refuses with (e.g. security.credentials.wrong_password)
   */
  async updateCredentials(
    strategy: string, kuid: string, credentials: Record<string, unknown>, keepSessionId?: string, change: CredentialChange = { isSelf: false },
  ): Promise<CredentialInfo> {
    await this.requireStoredUser(kuid);
    await this.requireCredentials(strategy, kuid);
    await this.validate(strategy, credentials, kuid, true);
    const info = await this.strategies.call(strategy, (plugin) => plugin.update(credentials, kuid, change));
    await this.revokeOtherSessions(kuid, keepSessionId);
    await this.security.userChanged(kuid);
    return info;
  }

  /** @throws security.user.not_found, security.credentials.not_found */
  async deleteCredentials(strategy: string, kuid: string, keepSessionId?: string): Promise<void> {
    await this.requireStoredUser(kuid);
    await this.requireCredentials(strategy, kuid);
    await this.strategies.call(strategy, (plugin) => plugin.delete(kuid));
    await this.revokeOtherSessions(kuid, keepSessionId);
    await this.security.userChanged(kuid);
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
    if (!(await this.strategies.call(strategy, (plugin) => plugin.exists(kuid)))) throw fail('security.credentials.not_found', kuid, strategy);
  }

  private async revokeOtherSessions(kuid: string, keepSessionId: string | undefined): Promise<void> {
    if (keepSessionId === undefined) {
      await this.tokens.revokeUser(kuid);
      return;
    }
    await this.tokens.revokeUserExcept(kuid, keepSessionId);
  }

  private async rollback(kuid: string, created: readonly string[]): Promise<void> {
    for (const name of created) {
      await this.strategies.call(name, (plugin) => plugin.delete(kuid)).catch((error: unknown) => {
        this.logger.error({ err: error, kuid, strategy: name }, 'rollback: could not delete credentials');
      });
    }
    await this.users.delete(kuid).catch((error: unknown) => this.logger.error({ err: error, kuid }, 'rollback: could not delete user'));
  }
}

/** @throws api.assert.invalid_id for ids starting with "_", api.assert.invalid_argument for reserved or oversized ids */
export function assertKuid(kuid: string): void {
  if (kuid.startsWith('_')) throw fail('api.assert.invalid_id');
  if (kuid === ANONYMOUS_KUID || kuid === 'anonymous' || kuid.length === 0 || kuid.length > 128 || /[\s#]/.test(kuid)) {
    throw fail('api.assert.invalid_argument', '_id', 'a non-reserved id of 1 to 128 characters without spaces or "#"');
  }
}
