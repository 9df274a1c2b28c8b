import { fail, type ProfileWriteMode } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../api/action.js';
import { idArgs, noArgs, noBody, plainObject } from '../api/schemas.js';
import { audit, deleteActions, readActions, serializeProfile, writeAction } from './rights-common.js';

/** Kuzzle asserts `body.policies` is an array before anything else on create and createOrReplace. */
const withPolicies = z.object({ policies: z.array(z.unknown()) }).loose();

function profileWrite(action: string, mode: ProfileWriteMode, verb: 'POST' | 'PUT', path: string, description: string): ActionDefinition {
  return writeAction({
    action, route: { verb, path }, description, body: mode === 'update' ? plainObject : withPolicies, serialize: serializeProfile,
    write: ({ args, body, ctx }, id) => ctx.profiles.write(id, body, mode, args.strict === true),
  });
}

/** The security collections `security:refresh` accepts (Kuzzle's list). */
const SECURITY_COLLECTIONS = ['users', 'profiles', 'roles'];

/** security: profiles, the default rights, and `refresh` (Kuzzle's routes, arguments and result shapes). */
export const profileActions: ActionDefinition[] = [
  profileWrite('createProfile', 'create', 'POST', '/profiles/:_id/_create', 'Creates a profile; refused when the id exists.'),
  profileWrite('createOrReplaceProfile', 'createOrReplace', 'PUT', '/profiles/:_id', 'Creates a profile, or replaces it.'),
  profileWrite('updateProfile', 'update', 'PUT', '/profiles/:_id/_update', 'Merges the body\'s top-level keys into an existing profile.'),
  ...readActions('Profile', '/profiles', ({ ctx }) => ctx.profiles, serializeProfile),
  defineAction({
    controller: 'security', action: 'getProfileRights', description: 'What a profile allows, action by action.',
    http: [{ verb: 'GET', path: '/profiles/:_id/_rights' }], args: idArgs, body: noBody,
    async handler({ args, ctx }) {
      const hits = await ctx.profiles.rightsOf(args._id);
      return { hits, total: hits.length };
    },
  }),
  ...deleteActions('Profile', '/profiles', idArgs.extend({ onAssignedUsers: z.enum(['fail', 'remove']).optional() }),
    ({ ctx }, ids, onAssignedUsers) => ctx.profiles.delete(ids, onAssignedUsers)),
  defineAction({
    controller: 'security', action: 'restrictDefaultRights', description: 'Overwrites the roles and profiles admin, default and anonymous with the secure defaults.',
    http: [{ verb: 'POST', path: '/_restrictDefaultRights' }], args: noArgs, body: noBody,
    async handler(call) {
      await call.ctx.profiles.restrictDefaultRights();
      // The same ids name the roles and the profiles it overwrites.
      audit(call, 'restrictDefaultRights', ['admin', 'default', 'anonymous'], ['profile:update', 'role:update']);
      return null;
    },
  }),
  defineAction({
    controller: 'security', action: 'refresh', description: 'Accepted for Kuzzle clients: every write is visible at once, there is nothing to refresh.',
    http: [{ verb: 'POST', path: '/_security/:collection/_refresh' }],
    args: z.object({ collection: z.string() }).loose(), body: noBody,
    async handler({ args }) {
      if (!SECURITY_COLLECTIONS.includes(args.collection)) throw fail('api.assert.unexpected_argument', args.collection, SECURITY_COLLECTIONS.join(', '));
      return null;
    },
  }),
];
