import { fail } from '../errors/index.js';
import { isPlainObject } from '../config/load-config.js';
import { assertOnlyKeys } from './role-validation.js';
import type { Policy, PolicyRestriction, Profile } from './types.js';

export interface ProfileChecks {
  /** Whether a role exists (read inside the write's transaction). */
  roleExists(roleId: string): boolean;
  /** Kuzzle's `strict`: restrictions must name existing indexes. Portcullis holds no data index. */
  strict: boolean;
}

/**
 * Checks a profile body as Kuzzle does (lib/model/security/profile.ts, profileRepository.ts)
 * and returns the profile to store: `policies` a non-empty array of `{roleId, restrictedTo?}`
 * naming existing roles, `restrictedTo` an array of `{index, collections?}`, `rateLimit` an
 * integer ≥ 0 (0 when absent: unlimited), no other key. The anonymous profile must keep the
 * anonymous role.
 * @throws api.assert.missing_argument, api.assert.invalid_type, api.assert.invalid_argument,
 *   api.assert.empty_argument, api.assert.unexpected_argument, security.role.not_found,
 *   services.storage.unknown_index, security.profile.missing_anonymous_role
 */
export function validateProfile(id: string, body: Record<string, unknown>, checks: ProfileChecks): Profile {
  assertOnlyKeys(body, ['policies', 'rateLimit'], '');
  const rateLimit = body['rateLimit'] ?? 0;
  if (typeof rateLimit !== 'number' || !Number.isInteger(rateLimit)) throw fail('api.assert.invalid_type', 'rateLimit', 'integer');
  if (rateLimit < 0) throw fail('api.assert.invalid_argument', 'rateLimit', 'positive integer, or zero');
  const policies = body['policies'];
  if (policies === undefined || policies === null) throw fail('api.assert.missing_argument', `${id}.policies`);
  if (!Array.isArray(policies)) throw fail('api.assert.invalid_type', `${id}.policies`, 'object[]');
  if (policies.length === 0) throw fail('api.assert.empty_argument', `${id}.policies`);
  const checked = policies.map((policy, index) => validatePolicy(policy, `${id}.policies[${index}]`, checks));
  if (id === 'anonymous' && !checked.some((policy) => policy.roleId === 'anonymous')) throw fail('security.profile.missing_anonymous_role');
  return { _id: id, policies: checked, rateLimit };
}

function validatePolicy(policy: unknown, path: string, checks: ProfileChecks): Policy {
  if (!isPlainObject(policy)) throw fail('api.assert.invalid_type', path, 'object');
  assertOnlyKeys(policy, ['roleId', 'restrictedTo'], `${path}.`);
  const roleId = policy['roleId'];
  if (roleId === undefined || roleId === null || roleId === '') throw fail('api.assert.missing_argument', `${path}.roleId`);
  if (typeof roleId !== 'string') throw fail('api.assert.invalid_type', `${path}.roleId`, 'string');
  if (!checks.roleExists(roleId)) throw fail('security.role.not_found', roleId);
  const restrictedTo = policy['restrictedTo'];
  if (restrictedTo === undefined || restrictedTo === null) return { roleId };
  if (!Array.isArray(restrictedTo)) throw fail('api.assert.invalid_type', `${path}.restrictedTo`, 'object[]');
  return { roleId, restrictedTo: restrictedTo.map((restriction, index) => validateRestriction(restriction, `${path}.restrictedTo[${index}]`, checks)) };
}

function validateRestriction(restriction: unknown, path: string, checks: ProfileChecks): PolicyRestriction {
  if (!isPlainObject(restriction)) throw fail('api.assert.invalid_type', path, 'object');
  assertOnlyKeys(restriction, ['index', 'collections'], `${path}.`);
  const index = restriction['index'];
  if (index === undefined || index === null) throw fail('api.assert.missing_argument', `${path}.index`);
  if (typeof index !== 'string' || index.length === 0) throw fail('api.assert.invalid_type', `${path}.index`, 'string');
  if (checks.strict) throw fail('services.storage.unknown_index', index);
  const collections = restriction['collections'];
  if (collections === undefined || collections === null) return { index };
  if (!Array.isArray(collections) || !collections.every((name): name is string => typeof name === 'string')) {
    throw fail('api.assert.invalid_type', `${path}.collections`, 'string[]');
  }
  return { index, collections };
}
