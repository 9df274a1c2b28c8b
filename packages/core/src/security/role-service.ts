import { fail, type ErrorId } from '../errors/index.js';
import type { DocumentStore, RoleRecord } from '../storage/ports.js';
import { validateRole, type ActionCatalogue } from './role-validation.js';
import type { SecurityService } from './security-service.js';
import type { Role } from './types.js';

/** The built-in roles and profiles: never deleted (Kuzzle's rule). */
export const PROTECTED_IDS: ReadonlySet<string> = new Set(['admin', 'default', 'anonymous']);

/** The documents named by `ids`, in that order. @throws `missing` with the first id none has */
export function inOrder<T extends { _id: string }>(documents: readonly T[], ids: readonly string[], missing: ErrorId): T[] {
  const byId = new Map(documents.map((document) => [document._id, document]));
  return ids.map((id) => {
    const document = byId.get(id);
    if (!document) throw fail(missing, id);
    return document;
  });
}

/** How a write treats an existing role: Kuzzle's create, createOrReplace and update (a replacement). */
export type WriteMode = 'create' | 'createOrReplace' | 'replace';

/**
 * Roles over the API. Every write runs through the security service's AdminGuard (one
 * transaction, the cluster-wide rights lock, the administrator invariant) and, once committed,
 * is reloaded on this node and announced to the others.
 */
export class RoleService {
  constructor(
    private readonly roles: DocumentStore<RoleRecord>,
    private readonly security: SecurityService,
    /** The controllers and actions the node serves: what roles may name without `force`. */
    private readonly catalogue: ActionCatalogue,
  ) {}

  /** @throws security.role.not_found */
  async get(id: string): Promise<Role> {
    const role = await this.roles.get(id);
    if (!role) throw fail('security.role.not_found', id);
    return role;
  }

  /** The roles in the order asked. @throws security.role.not_found for the first missing id */
  async mGet(ids: readonly string[]): Promise<Role[]> {
    return inOrder(await this.roles.list(), ids, 'security.role.not_found');
  }

  /**
   * Validates and stores a role. `create` refuses an existing id, `replace` a missing one.
   * @throws services.storage.document_already_exists, security.role.not_found,
   *   security.rights.last_administrator, and what validateRole throws
   */
  async write(id: string, body: Record<string, unknown>, mode: WriteMode, force: boolean): Promise<Role> {
    const role = validateRole(id, body, this.catalogue, force);
    await this.security.guard.write(async (state) => {
      if (mode === 'create' && state.roles.has(id)) throw fail('services.storage.document_already_exists');
      if (mode === 'replace' && !state.roles.has(id)) throw fail('security.role.not_found', id);
      await this.roles.put(role);
    });
    await this.security.rightsChanged();
    return role;
  }

  /**
   * Deletes roles, all or none, in the order given; a role named twice counts once.
   * @returns the deleted ids
   * @throws security.role.not_found, security.role.cannot_delete (admin, default, anonymous),
   *   security.role.in_use (a profile names it)
   */
  async delete(ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    await this.security.guard.write(async (state) => {
      for (const id of unique) {
        if (!state.roles.has(id)) throw fail('security.role.not_found', id);
        if (PROTECTED_IDS.has(id)) throw fail('security.role.cannot_delete');
        const user = [...state.profiles.values()].find((profile) => profile.policies.some((policy) => policy.roleId === id));
        if (user) throw fail('security.role.in_use', id);
        await this.roles.delete(id);
      }
    });
    await this.security.rightsChanged();
    return unique;
  }
}
