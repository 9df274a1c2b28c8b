import { fail, type Profile, type Role } from '@portcullis/core';
import { z } from 'zod';
import type { ActionCall } from '../api/action.js';
import { flag, id } from '../api/schemas.js';

/** Kuzzle's `documentsWriteCount` default: the most ids one mDeleteRoles / mDeleteProfiles takes. */
export const MAX_DELETES = 200;

/** Arguments of the role and profile writes: `refresh` is accepted and ignored (writes are visible at once). */
export const writeArgs = z.object({ _id: id, refresh: z.string().optional(), force: flag, strict: flag }).loose();
/** `{ids: [...]}` of the mGet and mDelete actions. */
export const idsBody = z.object({ ids: z.array(id).max(10_000) }).loose();

export const serializeRole = (role: Role) => ({ _id: role._id, _source: { controllers: role.controllers } });
export const serializeProfile = (profile: Profile) => ({ _id: profile._id, _source: { policies: profile.policies, rateLimit: profile.rateLimit ?? 0 } });

/**
 * The id of a role or profile to write. Ids starting with "_" would clash with the routes
 * (`/roles/_mGet`), as Kuzzle's request.getId() refuses them.
 * @throws api.assert.invalid_id
 */
export function writableId(value: string): string {
  if (value.startsWith('_')) throw fail('api.assert.invalid_id');
  return value;
}

/** @throws services.storage.write_limit_exceeded beyond {@link MAX_DELETES} ids */
export function deletable(ids: string[]): string[] {
  if (ids.length > MAX_DELETES) throw fail('services.storage.write_limit_exceeded');
  return ids;
}

/** Kuzzle's "[SECURITY] User x applied action y on z" line: who changed which rights. */
export function audit(call: Pick<ActionCall<unknown, unknown>, 'ctx' | 'user' | 'requestId'>, action: string, targets: readonly string[]): void {
  call.ctx.logger.info({ ns: 'portcullis:security', kuid: call.user._id, requestId: call.requestId, action, targets }, `[SECURITY] user "${call.user._id}" applied "${action}" on ${targets.join(', ')}`);
}
