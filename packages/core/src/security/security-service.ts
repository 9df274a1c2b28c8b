import { fail } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import type { CacheStats, DocumentStore, ProfileRecord, RoleRecord, SessionStore, UnitOfWork, UserRecord, UserStore } from '../storage/ports.js';
import { AdminGuard } from './admin-guard.js';
import { ADMIN_PROFILE_ID, DEFAULT_PROFILES, DEFAULT_ROLES } from './defaults.js';
import { mostPermissiveRateLimit } from '../limits/rate-limit.js';
import { describeRights, isAllowed, type RightEntry, type RightsTarget } from './rights.js';
import { ANONYMOUS_KUID, type Profile, type Role } from './types.js';
import { UserCache } from './user-cache.js';

/** The anonymous user: virtual, never stored (reference §4.4). */
export const ANONYMOUS_USER: Readonly<UserRecord> = Object.freeze({
  _id: ANONYMOUS_KUID,
  content: { profileIds: ['anonymous'], name: 'Anonymous' },
});

/** The ids the anonymous user answers to. */
const isAnonymous = (kuid: string): boolean => kuid === ANONYMOUS_KUID || kuid === 'anonymous';

export interface SecurityStores extends UnitOfWork {
  users: UserStore;
  profiles: DocumentStore<ProfileRecord>;
  roles: DocumentStore<RoleRecord>;
  /** Carries user and rights change announcements between nodes. */
  sessions: Pick<SessionStore, 'announceUserChange' | 'onUserChange' | 'announceRightsChange' | 'onRightsChange'>;
}

export interface UserCacheOptions {
  /** Most users held in memory (0 disables the cache). */
  maxEntries: number;
  /** Milliseconds a cached user is trusted at most, should an announcement be lost. */
  ttl: number;
}

/** Most rights decisions memoized at once: far more than real (profiles × actions) pairs. */
const MAX_DECISIONS = 10_000;
const MAX_MEMO_NAME = 64;

/** @throws security.profile.not_found for the first id that `profiles` (the loaded ones, or those a write's transaction sees) lacks */
export function assertProfilesIn(profiles: ReadonlyMap<string, unknown>, profileIds: readonly string[]): void {
  for (const id of profileIds) if (!profiles.has(id)) throw fail('security.profile.not_found', id);
}

/**
 * Users, profiles and roles, and the rights they grant. Roles and profiles are few and read on
 * every request: they are held in memory, loaded at start.
 */

export class SecurityService {
  private roles = new Map<string, Role>();
  private profiles = new Map<string, Profile>();
  /** Whether any profile sets a rateLimit: while none does, {@link rateLimitOf} is never needed. */
  private rateLimited = false;
  private readonly cache: UserCache;
  /** Rights decisions by set of profiles, controller and action; emptied whenever roles and profiles are reloaded. */
  private readonly decisions = new Map<string, Map<string, Map<string, boolean>>>();
  private decisionCount = 0;
  /** Rights decisions answered by the memo and computed, since start (for the metrics). */
  private decisionHits = 0;
  private decisionMisses = 0;
  /** The key of a user's set of profiles, per profileIds array: cached users keep theirs, so most checks build no string. */
  private readonly profileKeys = new WeakMap<readonly string[], string>();
  /** The rateLimit of a set of profiles, per profileIds array (as profileKeys): asked on every request; emptied by init(). */
  private rateLimits = new WeakMap<readonly string[], number>();
  /** Reloads begun, and the newest one applied: an older reload finishing late never overwrites a newer one. */
  private reloadsBegun = 0;
  private reloadApplied = 0;
  private retry: NodeJS.Timeout | undefined;
  /** The one door for writes that can take rights away (see AdminGuard). */
  readonly guard: AdminGuard;

  constructor(
    private readonly stores: SecurityStores,
    cache: UserCacheOptions = { maxEntries: 10_000, ttl: 60_000 },
    private readonly logger?: Logger,
  ) {
    this.cache = new UserCache(cache.maxEntries, cache.ttl);
    this.guard = new AdminGuard(stores);
    stores.sessions.onUserChange((kuid) => {
      this.cache.drop(kuid);
      // null: announcements may have been missed, rights changes among them.
      if (kuid === null) this.reloadInBackground();
    });
    stores.sessions.onRightsChange(() => this.reloadInBackground());
  }

  /** Stores the default roles and profiles that are missing (never overwrites), then loads them all. */
  async init(): Promise<void> {
    for (const role of DEFAULT_ROLES) if (!(await this.stores.roles.get(role._id))) await this.stores.roles.put(structuredClone(role));
    for (const profile of DEFAULT_PROFILES) if (!(await this.stores.profiles.get(profile._id))) await this.stores.profiles.put(structuredClone(profile));
    await this.reload();
  }

  /**
   * Reads every role and profile and makes them this node's: rights decisions and rateLimits
   * computed from the old ones are forgotten. A reload that began before another one finished
   * after it is dropped, so a slow read from before a change never undoes a newer one.
   */
  async reload(): Promise<void> {
    const begun = ++this.reloadsBegun;
    const { roles, profiles } = await this.guard.read();
    if (begun < this.reloadApplied) return;
    this.reloadApplied = begun;
    this.roles = roles;
    this.profiles = profiles;
    this.decisions.clear();
    this.decisionCount = 0;
    this.rateLimited = [...profiles.values()].some((profile) => (profile.rateLimit ?? 0) > 0);
    this.rateLimits = new WeakMap();
  }

  /** A reload heard from another node; one that fails (the database is down) is retried every second until one succeeds. */
  private reloadInBackground(): void {
    clearTimeout(this.retry);
    this.reload().catch((error: unknown) => {
      this.logger?.warn({ err: error }, 'could not reload roles and profiles; retrying in a second');
      this.retry = setTimeout(() => this.reloadInBackground(), 1000);
      this.retry.unref();
    });
  }

  /**
   * After a committed change of roles or profiles: reloads them here, before the caller answers,
   * and tells the other nodes to reload (announced after the commit, so they read the change).
   */
  async rightsChanged(): Promise<void> {
    // The change is committed: a failed read here must not turn it into an error; retry instead.
    await this.reload().catch(() => this.reloadInBackground());
    await this.stores.sessions.announceRightsChange().catch((error: unknown) => {
      this.logger?.warn({ err: error }, 'could not announce a rights change to the other nodes');
    });
  }

  /** Stops retrying a failed reload (the node is stopping). */
  close(): void {
    clearTimeout(this.retry);
  }

  /** Whether some profile limits its users' requests per second (the request path skips the count otherwise). */
  get hasRateLimits(): boolean {
    return this.rateLimited;
  }

  /** The user's requests per second on a node: the most permissive of its profiles' rateLimit (0: unlimited). */
  rateLimitOf(user: UserRecord): number {
    const profileIds = user.content.profileIds;
    let limit = this.rateLimits.get(profileIds);
    if (limit === undefined) {
      limit = mostPermissiveRateLimit(this.profilesOf(user));
      this.rateLimits.set(profileIds, limit);
    }
    return limit;
  }

  /** The user, the anonymous user for "-1" / "anonymous", or null. Served from the cache when it can. */
  async getUser(kuid: string): Promise<UserRecord | null> {
    if (isAnonymous(kuid)) return ANONYMOUS_USER;
    // Concurrent misses share one query; a read that a change overtook is not cached.
    return this.cache.getOrLoad(kuid, () => this.stores.users.get(kuid));
  }

  /** The user when this node holds it in memory (no I/O); `undefined` when only {@link getUser} can tell. */
  cachedUser(kuid: string): UserRecord | undefined {
    if (isAnonymous(kuid)) return ANONYMOUS_USER;
    return this.cache.lookup(kuid);
  }

  /** The strategies of a cached user, when known. */
  cachedStrategies(kuid: string): readonly string[] | undefined {
    return this.cache.get(kuid)?.strategies;
  }

  /** The invalidation counter of the user cache, to take before reading what {@link rememberStrategies} will store. */
  cacheTicket(): number {
    return this.cache.ticket();
  }

  rememberStrategies(kuid: string, strategies: string[], ticket: number): void {
    this.cache.setStrategies(kuid, Object.freeze([...strategies]), ticket);
  }

  /**
   * Drops the user from this node's cache and tells the other nodes. The change is already
   * stored: an announcement that fails is logged, and the other nodes catch up within the TTL.
   */
  async userChanged(kuid: string): Promise<void> {
    this.cache.drop(kuid);
    await this.stores.sessions.announceUserChange(kuid).catch((error: unknown) => {
      this.logger?.warn({ err: error, kuid }, 'could not announce a user change to the other nodes');
    });
  }

  /** @throws security.user.not_found */
  async requireUser(kuid: string): Promise<UserRecord> {
    const user = await this.getUser(kuid);
    if (!user) throw fail('security.user.not_found', kuid);
    return user;
  }

  /** Whether the user may run the action; decisions without index or collection are memoized per set of profiles. */
  isAllowed(user: UserRecord, target: RightsTarget): boolean {
    // Long names (from clients: real actions have short ones) are answered without the memo, so it holds at most MAX_DECISIONS short keys.
    if (target.index || target.collection || target.controller.length > MAX_MEMO_NAME || target.action.length > MAX_MEMO_NAME) return isAllowed(this.profilesOf(user), this.roles, target);
    const profileIds = user.content.profileIds;
    let key = this.profileKeys.get(profileIds);
    if (key === undefined) {
      key = profileIds.join('\u0000');
      this.profileKeys.set(profileIds, key);
    }
    let byController = this.decisions.get(key);
    if (!byController) {
      byController = new Map();
      this.decisions.set(key, byController);
    }
    let byAction = byController.get(target.controller);
    if (!byAction) {
      byAction = new Map();
      byController.set(target.controller, byAction);
    }
    let allowed = byAction.get(target.action);
    if (allowed === undefined) {
      this.decisionMisses++;
      allowed = isAllowed(this.profilesOf(user), this.roles, target);
      // Controller and action names can come from clients (auth:checkMyRights), sets of profiles
      // from administrators: the memo forgets everything once it holds MAX_DECISIONS answers.
      if (++this.decisionCount > MAX_DECISIONS) this.forgetDecisions(key, target.controller, byAction);
      byAction.set(target.action, allowed);
    } else this.decisionHits++;
    return allowed;
  }

  /** Empties the memo, keeping the (emptied) branch the caller is about to write into. */
  private forgetDecisions(key: string, controller: string, byAction: Map<string, boolean>): void {
    this.decisions.clear();
    byAction.clear();
    this.decisions.set(key, new Map([[controller, byAction]]));
    this.decisionCount = 1;
  }

  /** Answers held by the rights memo (for tests). */
  get decisionsHeld(): number {
    return this.decisionCount;
  }

  /** Hits and misses of the user cache and of the rights memo (decisions on index or collection bypass the memo: not counted). */
  cacheStats(): { users: CacheStats; rights: CacheStats } {
    return { users: this.cache.stats, rights: { hits: this.decisionHits, misses: this.decisionMisses } };
  }

  rightsOf(user: UserRecord): RightEntry[] {
    return describeRights(this.profilesOf(user), this.roles);
  }

  /** @throws security.profile.not_found for the first unknown profile id */
  assertProfilesExist(profileIds: readonly string[]): void {
    assertProfilesIn(this.profiles, profileIds);
  }

  adminExists(): Promise<boolean> {
    return this.stores.users.existsWithProfile(ADMIN_PROFILE_ID);
  }

  private profilesOf(user: UserRecord): Profile[] {
    return user.content.profileIds.flatMap((id) => this.profiles.get(id) ?? []);
  }
}
