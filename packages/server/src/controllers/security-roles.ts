import type { WriteMode } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../api/action.js';
import { idArgs, noBody, plainObject } from '../api/schemas.js';
import { audit, deletable, idsBody, serializeRole, writableId, writeArgs } from './rights-common.js';

/** createRole, createOrReplaceRole and updateRole differ only in how they treat an existing role. */
function roleWrite(action: string, mode: WriteMode, verb: 'POST' | 'PUT', path: string, description: string): ActionDefinition {
  return defineAction({
    controller: 'security', action, description,
    http: [{ verb, path }],
    args: writeArgs,
    body: plainObject,
    async handler(call) {
      const { args, body, ctx } = call;
      const role = await ctx.roles.write(writableId(args._id), body, mode, args.force === true);
      audit(call, action, [role._id]);
      return serializeRole(role);
    },
  });
}

/** security: roles (Kuzzle's routes, arguments and result shapes). */
export const roleActions: ActionDefinition[] = [
  roleWrite('createRole', 'create', 'POST', '/roles/:_id/_create', 'Creates a role; refused when the id exists.'),
  roleWrite('createOrReplaceRole', 'createOrReplace', 'PUT', '/roles/:_id', 'Creates a role, or replaces it.'),
  roleWrite('updateRole', 'replace', 'PUT', '/roles/:_id/_update', 'Replaces an existing role (as Kuzzle: the whole role, not a merge).'),
  defineAction({
    controller: 'security', action: 'getRole', description: 'A role by id.',
    http: [{ verb: 'GET', path: '/roles/:_id' }], args: idArgs, body: noBody,
    handler: async ({ args, ctx }) => serializeRole(await ctx.roles.get(args._id)),
  }),
  defineAction({
    controller: 'security', action: 'mGetRoles', description: 'Several roles by id.',
    http: [{ verb: 'POST', path: '/roles/_mGet' }], args: z.object({}).loose(), body: idsBody,
    handler: async ({ body, ctx }) => ({ hits: (await ctx.roles.mGet(body.ids)).map(serializeRole) }),
  }),
  defineAction({
    controller: 'security', action: 'deleteRole', description: 'Deletes a role no profile uses; the built-in roles cannot be deleted.',
    http: [{ verb: 'DELETE', path: '/roles/:_id' }], args: idArgs, body: noBody,
    async handler(call) {
      await call.ctx.roles.delete([call.args._id]);
      audit(call, 'deleteRole', [call.args._id]);
      return { _id: call.args._id };
    },
  }),
  defineAction({
    controller: 'security', action: 'mDeleteRoles', description: 'Deletes several roles, all or none.',
    http: [{ verb: 'POST', path: '/roles/_mDelete' }], args: z.object({}).loose(), body: idsBody,
    async handler(call) {
      const deleted = await call.ctx.roles.delete(deletable(call.body.ids));
      audit(call, 'mDeleteRoles', deleted);
      return deleted;
    },
  }),
];
