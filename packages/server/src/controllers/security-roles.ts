import type { WriteMode } from '@portcullis/core';
import type { ActionDefinition } from '../api/action.js';
import { idArgs, plainObject } from '../api/schemas.js';
import { deleteActions, readActions, serializeRole, writeAction } from './rights-common.js';

/** createRole, createOrReplaceRole and updateRole differ only in how they treat an existing role. */
function roleWrite(action: string, mode: WriteMode, verb: 'POST' | 'PUT', path: string, description: string): ActionDefinition {
  return writeAction({
    action, route: { verb, path }, description, body: plainObject, serialize: serializeRole,
    write: ({ args, body, ctx }, id) => ctx.roles.write(id, body, mode, args.force === true),
  });
}

/** security: roles (Kuzzle's routes, arguments and result shapes). */
export const roleActions: ActionDefinition[] = [
  roleWrite('createRole', 'create', 'POST', '/roles/:_id/_create', 'Creates a role; refused when the id exists.'),
  roleWrite('createOrReplaceRole', 'createOrReplace', 'PUT', '/roles/:_id', 'Creates a role, or replaces it.'),
  roleWrite('updateRole', 'replace', 'PUT', '/roles/:_id/_update', 'Replaces an existing role (as Kuzzle: the whole role, not a merge).'),
  ...readActions('Role', '/roles', ({ ctx }) => ctx.roles, serializeRole),
  ...deleteActions('Role', '/roles', idArgs, ({ ctx }, ids) => ctx.roles.delete(ids)),
];
