import { fail } from '../errors/index.js';
import type { DocumentStore, ProfileRecord, RoleRecord, UserStore } from '../storage/ports.js';
import type { RightsState } from './admin-guard.js';
import { DEFAULT_PROFILES, DEFAULT_ROLES } from './defaults.js';
import { validateProfile } from './profile-validation.js';
import { describeRights, type RightEntry } from './rights.js';
import { inOrder, PROTECTED_IDS } from './role-service.js';
import type { SecurityService } from './security-service.js';
import type { Profile } from './types.js';

/** Kuzzle's create, createOrReplace, and update (top-level keys merged into the stored profile). */
export type ProfileWriteMode = 'create' | 'createOrReplace' | 'update';

/** What deleteProfile does with the users holding the profile: refuse (Kuzzle's default), or take it from them. */
export type OnAssignedUsers = 'fail' | 'remove';

export interface ProfileStores {
  profiles: DocumentStore<ProfileRecord>;
  roles: DocumentStore<RoleRecord>;
  users: UserStore;
}

/**
 * Profiles over the API, and the restoration of the default rights. Writes run through the
 * AdminGuard (one transaction, the rights lock, the administrator invariant), then are reloaded
 * here and announced to the other nodes.
 */
export class ProfileService {
  constructor(private readonly stores: ProfileStores, private readonly security: SecurityService) {}

  /** @throws security.profile.not_found */
  async get(id: string): Promise<Profile> {
    const profile = await this.stores.profiles.get(id);
    if (!profile) throw fail('security.profile.not_found', id);
    return profile;
  }

  /** The profiles in the order asked. @throws security.profile.not_found for the first missing id */
  async mGet(ids: readonly string[]): Promise<Profile[]> {
    return inOrder(await this.stores.profiles.list(), ids, 'security.profile.not_found');
  }

  /** What the profile allows, as auth:getMyRights lists it. @throws security.profile.not_found */
  async rightsOf(id: string): Promise<RightEntry[]> {
    const profile = await this.get(id);
    const roles = new Map((await this.stores.roles.list()).map((role) => [role._id, role]));
    return describeRights([profile], roles);
  }

  /**
   * Validates and stores a profile; its roles must exist when it is written (checked under the
   * rights lock, so that a concurrent deleteRole cannot slip between).
   * @throws services.storage.document_already_exists (create), security.profile.not_found (update),
   *   security.rights.last_administrator, and what validateProfile throws
   */
  async write(id: string, body: Record<string, unknown>, mode: ProfileWriteMode, strict: boolean): Promise<Profile> {
    const written = await this.security.guard.write(async (state) => {
      const stored = state.profiles.get(id);
      if (mode === 'create' && stored) throw fail('services.storage.document_already_exists');
      if (mode === 'update' && !stored) throw fail('security.profile.not_found', id);
      const content = mode === 'update' && stored ? { policies: stored.policies, rateLimit: stored.rateLimit, ...body } : body;
      const profile = validateProfile(id, content, { roleExists: (roleId) => state.roles.has(roleId), strict });
      await this.stores.profiles.put(profile);
      return profile;
    });
    await this.security.rightsChanged();
    return written;
  }

  /**
   * Deletes profiles, all or none. A profile users hold is refused, unless `remove`: it is then
   * taken from them, and those left without any profile get `anonymous` (as Kuzzle does).
   * @returns the deleted ids
   * @throws security.profile.not_found, security.profile.cannot_delete, security.profile.in_use,
   *   security.rights.last_administrator (removing it would leave no user able to manage rights)
   */
  async delete(ids: readonly string[], onAssignedUsers: OnAssignedUsers = 'fail'): Promise<string[]> {
    const unique = [...new Set(ids)];
    const changedUsers = new Set<string>();
    await this.security.guard.write(async (state) => {
      for (const id of unique) await this.deleteOne(id, state, onAssignedUsers, changedUsers);
    });
    for (const kuid of changedUsers) await this.security.userChanged(kuid);
    await this.security.rightsChanged();
    return unique;
  }

  private async deleteOne(id: string, state: RightsState, onAssignedUsers: OnAssignedUsers, changedUsers: Set<string>): Promise<void> {
    if (!state.profiles.has(id)) throw fail('security.profile.not_found', id);
    if (PROTECTED_IDS.has(id)) throw fail('security.profile.cannot_delete');
    if (onAssignedUsers === 'fail') {
      if (await this.stores.users.existsWithProfile(id)) throw fail('security.profile.in_use', id);
    } else {
      for (const user of await this.stores.users.listWithProfile(id)) {
        const kept = user.content.profileIds.filter((profileId) => profileId !== id);
        await this.stores.users.replace({ _id: user._id, content: { ...user.content, profileIds: kept.length > 0 ? kept : ['anonymous'] } });
        changedUsers.add(user._id);
      }
    }
    await this.stores.profiles.delete(id);
  }

  /**
   * Overwrites the roles and profiles admin, default and anonymous with the secure defaults, in
   * one transaction (refused, like any change, when it would leave no user able to manage rights).
   * @throws security.rights.last_administrator
   */
  async restrictDefaultRights(): Promise<void> {
    await this.security.guard.write(async () => {
      for (const role of DEFAULT_ROLES) await this.stores.roles.put(structuredClone(role));
      for (const profile of DEFAULT_PROFILES) await this.stores.profiles.put(structuredClone(profile));
    });
    await this.security.rightsChanged();
  }
}
