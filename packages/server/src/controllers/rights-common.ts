import { fail, type OnAssignedUsers, type Profile, type Role } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, type ActionCall, type ActionDefinition } from '../api/action.js';
import { flag, id, idArgs, noArgs, noBody } from '../api/schemas.js';
import { recordFor } from '../api/audit-stage.js';

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

/** @throws services.storage.write_limit_exceeded beyond `limits.documentsWriteCount` ids */
export function deletable(ids: string[], limit: number): string[] {
  if (ids.length > limit) throw fail('services.storage.write_limit_exceeded');
  return ids;
}

/** The audit event of a role or profile action: `role:create`, `profile:delete`... (createOrReplace is an update, named in `details.action`). */
function eventOf(action: string): `${'role' | 'profile'}:${'create' | 'update' | 'delete'}` {
  const kind = /Role/.test(action) ? 'role' : 'profile';
  if (/^m?[dD]elete/.test(action)) return `${kind}:delete`;
  return /^create(?!OrReplace)/.test(action) ? `${kind}:create` : `${kind}:update`;
}

/**
 * Kuzzle's "[SECURITY] User x applied action y on z" line: who changed which rights; and one
 * audit event per role or profile changed, with the caller as actor.
 */
export function audit(
  call: Pick<ActionCall<unknown, unknown>, 'ctx' | 'user' | 'requestId' | 'connection'>, action: string, targets: readonly string[],
  types: ReadonlyArray<ReturnType<typeof eventOf>> = [eventOf(action)],
): void {
  call.ctx.logger.info({ ns: 'portcullis:security', kuid: call.user._id, requestId: call.requestId, action, targets }, `[SECURITY] user "${call.user._id}" applied "${action}" on ${targets.join(', ')}`);
  for (const type of types) for (const target of targets) recordFor(call, { type, details: { id: target, action } });
}

/** What get and mGet of roles or profiles read through. */
interface Reader<T> {
  get(id: string): Promise<T>;
  mGet(ids: readonly string[]): Promise<T[]>;
}

/** `get<Kind>` (`GET /<path>/:_id`) and `mGet<Kind>s` (`POST /<path>/_mGet`, `{hits}`), alike for roles and profiles. */
export function readActions<T>(kind: 'Role' | 'Profile', path: string, reader: (call: Pick<ActionCall<unknown, unknown>, 'ctx'>) => Reader<T>, serialize: (document: T) => unknown): ActionDefinition[] {
  return [
    defineAction({
      controller: 'security', action: `get${kind}`, description: `A ${kind.toLowerCase()} by id.`,
      http: [{ verb: 'GET', path: `${path}/:_id` }], args: idArgs, body: noBody,
      handler: async (call) => serialize(await reader(call).get(call.args._id)),
    }),
    defineAction({
      controller: 'security', action: `mGet${kind}s`, description: `Several ${kind.toLowerCase()}s by id.`,
      http: [{ verb: 'POST', path: `${path}/_mGet` }], args: noArgs, body: idsBody,
      handler: async (call) => ({ hits: (await reader(call).mGet(call.body.ids)).map(serialize) }),
    }),
  ];
}

export interface WriteActionOptions<T extends { _id: string }> {
  action: string;
  route: { verb: 'POST' | 'PUT'; path: string };
  description: string;
  body: z.ZodType<Record<string, unknown>>;
  /** Stores the document from the validated arguments and body. */
  write(call: ActionCall<z.output<typeof writeArgs>, Record<string, unknown>>, id: string): Promise<T>;
  serialize(document: T): unknown;
}

/** A create / createOrReplace / update action of roles or profiles: `{_id, _source}` of what was stored, audited. */
export function writeAction<T extends { _id: string }>(options: WriteActionOptions<T>): ActionDefinition {
  return defineAction({
    controller: 'security', action: options.action, description: options.description,
    http: [options.route], args: writeArgs, body: options.body,
    async handler(call) {
      const document = await options.write(call, writableId(call.args._id));
      audit(call, options.action, [document._id]);
      return options.serialize(document);
    },
  });
}

interface DeleteArgs {
  _id: string;
  onAssignedUsers?: OnAssignedUsers | undefined;
}

/**
 * `delete<Kind>` (`DELETE /<path>/:_id`, `{_id}`) and `mDelete<Kind>s` (`POST /<path>/_mDelete`,
 * the deleted ids, all or none), alike for roles and profiles. Only deleteProfile takes
 * `onAssignedUsers` (mDeleteProfiles never removes profiles from users, as in Kuzzle).
 */
export function deleteActions(
  kind: 'Role' | 'Profile', path: string, args: z.ZodType<DeleteArgs>,
  remove: (call: Pick<ActionCall<unknown, unknown>, 'ctx'>, ids: string[], onAssignedUsers: OnAssignedUsers) => Promise<string[]>,
): ActionDefinition[] {
  const plural = `${kind.toLowerCase()}s`;
  return [
    defineAction({
      controller: 'security', action: `delete${kind}`, description: `Deletes a ${kind.toLowerCase()} (see the integrity rules).`,
      http: [{ verb: 'DELETE', path: `${path}/:_id` }], args, body: noBody,
      async handler(call) {
        await remove(call, [call.args._id], call.args.onAssignedUsers ?? 'fail');
        audit(call, `delete${kind}`, [call.args._id]);
        return { _id: call.args._id };
      },
    }),
    defineAction({
      controller: 'security', action: `mDelete${kind}s`, description: `Deletes several ${plural}, all or none.`,
      http: [{ verb: 'POST', path: `${path}/_mDelete` }], args: noArgs, body: idsBody,
      async handler(call) {
        const deleted = await remove(call, deletable(call.body.ids, call.ctx.config.limits.documentsWriteCount), 'fail');
        audit(call, `mDelete${kind}s`, deleted);
        return deleted;
      },
    }),
  ];
}
