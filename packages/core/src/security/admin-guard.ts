import { fail } from '../errors/index.js';
import type { DocumentStore, ProfileRecord, RoleRecord, UnitOfWork, UserStore } from '../storage/ports.js';
import { isAllowed } from './rights.js';
import type { Profile, Role } from './types.js';

/**
 * What "able to manage rights" means: allowed to run these three actions. With them a user can
 * restore every other right: write any role (a role allowing everything), write any profile
 * (one holding that role), and give any user (itself included) that profile. Reading, deleting
 * or the other user actions are not needed to get out of any state; logging in is guaranteed by
 * the anonymous role, which must always allow auth:login.
 */
export const RIGHTS_MANAGER_ACTIONS: readonly { controller: string; action: string }[] = Object.freeze([
  { controller: 'security', action: 'createOrReplaceRole' },
  { controller: 'security', action: 'createOrReplaceProfile' },
  { controller: 'security', action: 'updateUser' },
]);

const ACTIONS_TEXT = RIGHTS_MANAGER_ACTIONS.map(({ controller, action }) => `${controller}:${action}`).join(', ');

/** The cluster-wide lock every write of roles, profiles or users' profiles holds (a row in the shared database). */
const RIGHTS_LOCK = 'rights';

/** Roles and profiles as one transaction sees them. */
export interface RightsState {
  roles: Map<string, Role>;
  profiles: Map<string, Profile>;
}

/**
 * For each action of {@link RIGHTS_MANAGER_ACTIONS}, the ids of the profiles that allow it. A user
 * can manage rights when its profiles meet every group (its rights are the union of its
 * profiles': one profile may grant one action and another the rest).
 */
export function rightsManagerGroups(state: RightsState): string[][] {
  const profiles = [...state.profiles.values()];
  return RIGHTS_MANAGER_ACTIONS.map((target) => profiles.filter((profile) => isAllowed([profile], state.roles, target)).map((profile) => profile._id));
}

export type GuardStores = UnitOfWork & {
  users: UserStore;
  roles: DocumentStore<RoleRecord>;
  profiles: DocumentStore<ProfileRecord>;
};

/**
 * The one door for every write that can take rights away (roles, profiles, users' profiles,
 * user deletions): it runs the write in one SQL transaction holding a cluster-wide lock, and
 * refuses it when, before it, some user could manage rights and, after it, none can. Two nodes
 * demoting each other's administrators take turns on the lock, so the second sees the first's
 * change and is refused. A node before its first administrator has no manager to lose: nothing
 * is enforced until one exists.
 */
export class AdminGuard {
  constructor(private readonly stores: GuardStores) {}

  /** Roles and profiles as stored (inside a transaction: as it sees them). */
  async read(): Promise<RightsState> {
    const [roles, profiles] = [await this.stores.roles.list(), await this.stores.profiles.list()];
    return { roles: new Map(roles.map((role) => [role._id, role])), profiles: new Map(profiles.map((profile) => [profile._id, profile])) };
  }

  /** Whether some stored user (other than `exceptId`) can manage rights under `state`. */
  hasManager(state: RightsState, exceptId?: string): Promise<boolean> {
    return this.stores.users.existsWithProfilesOfEach(rightsManagerGroups(state), exceptId);
  }

  /**
   * Runs `write` in one transaction under the rights lock, handing it the roles and profiles the
   * transaction sees; rolls everything back when it would leave no user able to manage rights.
   * `usersOnly`: the write changes users alone (their profiles, their deletion), so the roles and
   * profiles after it are those it was handed, and are not read again.
   * @throws security.rights.last_administrator, and what `write` throws
   */
  write<T>(write: (state: RightsState) => Promise<T>, { usersOnly = false } = {}): Promise<T> {
    return this.stores.transaction(async () => {
      await this.stores.lock(RIGHTS_LOCK);
      const before = await this.read();
      const hadManager = await this.hasManager(before);
      const result = await write(before);
      const after = usersOnly ? before : await this.read();
      if (hadManager && !(await this.hasManager(after))) throw fail('security.rights.last_administrator', ACTIONS_TEXT);
      return result;
    });
  }

  /**
   * Like {@link write} without the check, for writes that cannot take rights away (a new user, a
   * change of content only): under the lock, so that the profiles they name cannot be deleted,
   * nor taken from the user, meanwhile.
   */
  locked<T>(write: (state: RightsState) => Promise<T>): Promise<T> {
    return this.stores.transaction(async () => {
      await this.stores.lock(RIGHTS_LOCK);
      return write(await this.read());
    });
  }

  /**
   * A check before a write that must not even begin when it would be refused (deleting a user
   * ends its sessions first): {@link write} checks again under the lock.
   * @throws security.rights.last_administrator when `kuid` is the only user able to manage rights
   */
  async assertNotLastManager(kuid: string): Promise<void> {
    const state = await this.read();
    if ((await this.hasManager(state)) && !(await this.hasManager(state, kuid))) throw fail('security.rights.last_administrator', ACTIONS_TEXT);
  }
}
