import { fail, type ProfileWriteMode } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, type ActionDefinition } from '../api/action.js';
import { idArgs, noArgs, noBody, plainObject } from '../api/schemas.js';
import { audit, deletable, idsBody, serializeProfile, writableId, writeArgs } from './rights-common.js';

/** Kuzzle asserts `body.policies` is an array before anything else on create and createOrReplace. */
const withPolicies = z.object({ policies: z.array(z.unknown()) }).loose();

function profileWrite(action: string, mode: ProfileWriteMode, verb: 'POST' | 'PUT', path: string, description: string): ActionDefinition {
  return defineAction({
    controller: 'security', action, description,
    http: [{ verb, path }],
    args: writeArgs,
    body: mode === 'update' ? plainObject : withPolicies,
    async handler(call) {
      const { args, body, ctx } = call;
      const profile = await ctx.profiles.write(writableId(args._id), body, mode, args.strict === true);
      audit(call, action, [profile._id]);
      return serializeProfile(profile);
    },
  });
}

/** The security collections `security:refresh` accepts (Kuzzle's list). */
const SECURITY_COLLECTIONS = ['users', 'profiles', 'roles'];

/** security: profiles, the default rights, and `refresh` (Kuzzle's routes, arguments and result shapes). */
export const profileActions: ActionDefinition[] = [
  profileWrite('createProfile', 'create', 'POST', '/profiles/:_id/_create', 'Creates a profile; refused when the id exists.'),
  profileWrite('createOrReplaceProfile', 'createOrReplace', 'PUT', '/profiles/:_id', 'Creates a profile, or replaces it.'),
  profileWrite('updateProfile', 'update', 'PUT', '/profiles/:_id/_update', 'Merges the body\'s top-level keys into an existing profile.'),
  defineAction({
    controller: 'security', action: 'getProfile', description: 'A profile by id.',
    http: [{ verb: 'GET', path: '/profiles/:_id' }], args: idArgs, body: noBody,
    handler: async ({ args, ctx }) => serializeProfile(await ctx.profiles.get(args._id)),
  }),
  defineAction({
    controller: 'security', action: 'mGetProfiles', description: 'Several profiles by id.',
    http: [{ verb: 'POST', path: '/profiles/_mGet' }], args: noArgs, body: idsBody,
    handler: async ({ body, ctx }) => ({ hits: (await ctx.profiles.mGet(body.ids)).map(serializeProfile) }),
  }),
  defineAction({
    controller: 'security', action: 'getProfileRights', description: 'What a profile allows, action by action.',
    http: [{ verb: 'GET', path: '/profiles/:_id/_rights' }], args: idArgs, body: noBody,
    async handler({ args, ctx }) {
      const hits = await ctx.profiles.rightsOf(args._id);
      return { hits, total: hits.length };
    },
  }),
  defineAction({
    controller: 'security', action: 'deleteProfile', description: 'Deletes a profile no user holds, or takes it from its users (onAssignedUsers=remove).',
    http: [{ verb: 'DELETE', path: '/profiles/:_id' }],
    args: idArgs.extend({ onAssignedUsers: z.enum(['fail', 'remove']).optional() }),
    body: noBody,
    async handler(call) {
      await call.ctx.profiles.delete([call.args._id], call.args.onAssignedUsers ?? 'fail');
      audit(call, 'deleteProfile', [call.args._id]);
      return { _id: call.args._id };
    },
  }),
  defineAction({
    controller: 'security', action: 'mDeleteProfiles', description: 'Deletes several profiles no user holds, all or none.',
    http: [{ verb: 'POST', path: '/profiles/_mDelete' }], args: noArgs, body: idsBody,
    async handler(call) {
      const deleted = await call.ctx.profiles.delete(deletable(call.body.ids));
      audit(call, 'mDeleteProfiles', deleted);
      return deleted;
    },
  }),
  defineAction({
    controller: 'security', action: 'restrictDefaultRights', description: 'Overwrites the roles and profiles admin, default and anonymous with the secure defaults.',
    http: [{ verb: 'POST', path: '/_restrictDefaultRights' }], args: noArgs, body: noBody,
    async handler(call) {
      await call.ctx.profiles.restrictDefaultRights();
      audit(call, 'restrictDefaultRights', ['admin', 'default', 'anonymous']);
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
