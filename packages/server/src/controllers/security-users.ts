import { assertSelfEditable, fail, userChangeDetails, type UserContent, type UserRecord } from '@portcullis/core';
import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { untilFirstAdmin } from '../api/access.js';
import { flag, id, idArgs, kuidMode, noBody, plainObject } from '../api/schemas.js';
import { recordFor } from '../api/audit-stage.js';
import { audit } from './rights-common.js';

const createArgs = z.object({ _id: id.optional(), kuid: kuidMode, refresh: z.string().optional() }).loose();
const credentials = z.record(z.string(), plainObject).optional();
/** A user as Kuzzle answers it: `{_id, _source}`. */
export const serializeUser = (user: UserRecord) => ({ _id: user._id, _source: user.content });
/** A user's whole content: `profileIds` required, as in createUser. */
const fullContent = plainObject.and(z.object({ profileIds: z.array(z.string().min(1)).min(1) }));

/** @throws api.assert.forbidden_argument when a user's content names its own `_id` */
function assertNoId(content: Record<string, unknown>, name: string): void {
  if (Object.hasOwn(content, '_id')) throw fail('api.assert.forbidden_argument', name);
}

/**
 * The content of a user whose profiles the server chooses (first admin, self sign-up).
 * @throws api.assert.forbidden_argument when the caller names profiles itself
 */
function withProfiles(content: Record<string, unknown> | undefined, profileIds: string[]): UserContent {
  if (content && Object.hasOwn(content, 'profileIds')) throw fail('api.assert.forbidden_argument', 'body.content.profileIds');
  return { ...content, profileIds };
}

/** security: users. */
export const userActions = [
  defineAction({
    controller: 'security',
    action: 'createFirstAdmin',
    description: 'Creates the first administrator; open to anonymous callers only while no administrator exists.',
    http: [
      { verb: 'POST', path: '/_createFirstAdmin' },
      { verb: 'POST', path: '/_createFirstAdmin/:_id' },
    ],
    args: createArgs.extend({ reset: flag }),
    body: z.object({ content: plainObject.optional(), credentials }).strict(),
    access: untilFirstAdmin,
    async handler(call) {
      const { args, body, ctx } = call;
      const content = withProfiles(body.content, ['admin']);
      // The guard is a lock in the shared database: one administrator, however many nodes race.
      const admin = await ctx.users.createFirstAdmin({ kuid: args._id, content, credentials: body.credentials ?? {} });
      recordFor(call, { type: 'user:create', userId: admin._id, details: userChangeDetails('createFirstAdmin', content, body.credentials ?? {}) });
      // Kuzzle's `reset`: the default roles and profiles back to the secure standard set.
      if (args.reset) {
        await ctx.profiles.restrictDefaultRights();
        audit(call, 'restrictDefaultRights', ['admin', 'default', 'anonymous'], ['profile:update', 'role:update']);
      }
      return serializeUser(admin);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'createUser',
    description: 'Creates a user and its credentials, all or nothing.',
    http: [
      { verb: 'POST', path: '/users/_create' },
      { verb: 'POST', path: '/users/:_id/_create' },
    ],
    args: createArgs,
    body: z.object({ content: plainObject.and(z.object({ profileIds: z.array(z.string().min(1)).min(1) })), credentials }).strict(),
    async handler(call) {
      const { args, body, ctx } = call;
      const user = await ctx.users.create({ kuid: args._id, content: body.content, credentials: body.credentials ?? {} });
      recordFor(call, { type: 'user:create', userId: user._id, details: userChangeDetails('createUser', body.content, body.credentials ?? {}) });
      return serializeUser(user);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'createRestrictedUser',
    description: 'Creates a user with the restricted profiles of the config (self sign-up).',
    http: [
      { verb: 'POST', path: '/users/_createRestricted' },
      { verb: 'POST', path: '/users/:_id/_createRestricted' },
    ],
    args: createArgs,
    body: z.object({ content: plainObject.optional(), credentials }).strict(),
    async handler(call) {
      const { args, body, ctx } = call;
      // Whoever signs up chooses these credentials about themselves, as with auth:createMyCredentials.
      for (const [strategy, given] of Object.entries(body.credentials ?? {})) assertSelfEditable(ctx.strategies.require(strategy), given);
      const content = withProfiles(body.content, [...ctx.config.security.restrictedProfileIds]);
      const user = await ctx.users.create({ kuid: args._id, content, credentials: body.credentials ?? {} });
      recordFor(call, { type: 'user:create', userId: user._id, details: userChangeDetails('createRestrictedUser', content, body.credentials ?? {}) });
      return serializeUser(user);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'getUser',
    description: 'A user by kuid.',
    http: [{ verb: 'GET', path: '/users/:_id' }],
    args: idArgs,
    body: noBody,
    handler: async ({ args, ctx }) => serializeUser(await ctx.security.requireUser(args._id)),
  }),
  defineAction({
    controller: 'security',
    action: 'updateUser',
    description: "Merges the body into the user's content; `profileIds`, when given, must name existing profiles.",
    http: [{ verb: 'PUT', path: '/users/:_id/_update' }],
    args: idArgs,
    body: plainObject,
    async handler(call) {
      const { args, body, ctx } = call;
      assertNoId(body, 'body._id');
      if (body['profileIds'] !== undefined && (!Array.isArray(body['profileIds']) || !body['profileIds'].every((p) => typeof p === 'string'))) {
        throw fail('api.assert.invalid_type', 'body.profileIds', 'string[]');
      }
      const user = await ctx.users.update(args._id, body);
      recordFor(call, { type: 'user:update', userId: user._id, details: userChangeDetails('updateUser', body) });
      return serializeUser(user);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'replaceUser',
    description: "Replaces the whole content of an existing user; `profileIds` is required and must name existing profiles.",
    http: [{ verb: 'PUT', path: '/users/:_id/_replace' }],
    args: idArgs,
    body: fullContent,
    async handler(call) {
      const { args, body, ctx } = call;
      assertNoId(body, 'body._id');
      const user = await ctx.users.replace(args._id, body);
      recordFor(call, { type: 'user:update', userId: user._id, details: userChangeDetails('replaceUser', body) });
      return serializeUser(user);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'upsertUser',
    description: 'Merges `content` into the user when it exists; else creates it with `{...default, ...content}` and `credentials`.',
    http: [{ verb: 'POST', path: '/users/:_id/_upsert' }],
    args: idArgs,
    body: z.object({ content: fullContent, credentials, default: plainObject.optional() }).strict(),
    async handler(call) {
      const { args, body, ctx } = call;
      assertNoId(body.content, 'body.content._id');
      if (body.default) assertNoId(body.default, 'body.default._id');
      const user = await ctx.users.upsert(args._id, body.content, body.default ?? {}, body.credentials ?? {});
      // Created or merged: the event says upsert; `fields` are those of the content given.
      recordFor(call, { type: 'user:update', userId: user._id, details: userChangeDetails('upsertUser', body.content, body.credentials ?? {}) });
      return serializeUser(user);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'getUserRights',
    description: "A user's rights, as auth:getMyRights gives the caller's.",
    http: [{ verb: 'GET', path: '/users/:_id/_rights' }],
    args: idArgs,
    body: noBody,
    async handler({ args, ctx }) {
      const hits = ctx.security.rightsOf(await ctx.security.requireUser(args._id));
      return { hits, total: hits.length };
    },
  }),
  defineAction({
    controller: 'security',
    action: 'deleteUser',
    description: 'Deletes a user, its credentials in every strategy and all its tokens.',
    http: [{ verb: 'DELETE', path: '/users/:_id' }],
    args: idArgs,
    body: noBody,
    async handler(call) {
      const { args, ctx } = call;
      await ctx.users.delete(args._id);
      recordFor(call, { type: 'user:delete', userId: args._id, details: { action: 'deleteUser' } });
      return { _id: args._id };
    },
  }),
  defineAction({
    controller: 'security',
    action: 'revokeTokens',
    description: "Revokes every login token of a user (API keys are kept).",
    http: [{ verb: 'DELETE', path: '/users/:_id/tokens' }],
    args: idArgs,
    body: noBody,
    async handler(call) {
      const { args, ctx } = call;
      await ctx.security.requireUser(args._id);
      await ctx.tokens.revokeUser(args._id);
      recordFor(call, { type: 'token:revoke', userId: args._id, details: { reason: 'revokeTokens', all: true } });
      return null;
    },
  }),
  defineAction({
    controller: 'security',
    action: 'getUserStrategies',
    description: 'The strategies a user holds credentials for.',
    http: [{ verb: 'GET', path: '/users/:_id/_strategies' }],
    args: idArgs,
    body: noBody,
    async handler({ args, ctx }) {
      const user = await ctx.security.requireUser(args._id);
      const strategies = user._id === '-1' ? [] : await ctx.users.strategiesOf(user._id);
      return { strategies, total: strategies.length };
    },
  }),
  defineAction({
    controller: 'security',
    action: 'checkRights',
    description: 'Whether a user may run the request envelope given as body.',
    http: [{ verb: 'POST', path: '/_checkRights/:userId' }],
    args: z.object({ userId: id }).loose(),
    body: z.object({ controller: z.string().min(1), action: z.string().min(1) }).loose(),
    async handler({ args, body, ctx }) {
      const user = await ctx.security.requireUser(args.userId);
      return { allowed: ctx.security.isAllowed(user, { controller: body.controller, action: body.action }) };
    },
  }),
];
