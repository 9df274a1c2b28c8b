import { assertSelfEditable, fail, isPortcullisError, userChangeDetails } from '@portcullis/core';
import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { authenticated } from '../api/access.js';
import { loginAccount } from '../api/callers.js';
import { recordFor } from '../api/audit-stage.js';
import { credentialsBody, noArgs, noBody, plainObject, strategyArgs } from '../api/schemas.js';

const me = (path: string) => [{ verb: 'GET' as const, path }];

/** auth: the caller reading and changing itself. */
export const selfActions = [
  defineAction({
    controller: 'auth',
    action: 'getCurrentUser',
    description: 'The user of the request, with the strategies it can log in with.',
    http: [...me('/_me'), { verb: 'GET', path: '/users/_me', deprecated: true }],
    args: noArgs,
    body: noBody,
    handler({ user, ctx }) {
      const describe = (strategies: readonly string[]) => ({ _id: user._id, _source: user.content, strategies });
      if (user._id === '-1') return describe([]);
      // The hottest read of all: answered at once when this node knows the user's strategies.
      const known = ctx.users.cachedStrategiesOf(user._id);
      return known ? describe(known) : ctx.users.strategiesOf(user._id).then(describe);
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'getMyRights',
    description: 'The rights of the user of the request.',
    http: [...me('/_me/_rights'), { verb: 'GET', path: '/users/_me/_rights', deprecated: true }],
    args: noArgs,
    body: noBody,
    async handler({ user, ctx }) {
      const hits = ctx.security.rightsOf(user);
      return { hits, total: hits.length };
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'getStrategies',
    description: 'The names of the strategies this node serves.',
    http: [{ verb: 'GET', path: '/strategies' }],
    args: noArgs,
    body: noBody,
    async handler({ ctx }) {
      return ctx.strategies.names();
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'updateSelf',
    description: 'Merges the body into the content of the user of the request (not `_id` nor `profileIds`).',
    http: [
      { verb: 'PUT', path: '/_me' },
      { verb: 'PUT', path: '/_updateSelf', deprecated: true },
    ],
    args: noArgs,
    body: plainObject,
    access: authenticated,
    async handler(call) {
      const { body, user, ctx } = call;
      for (const key of ['_id', 'profileIds']) if (Object.hasOwn(body, key)) throw fail('api.assert.forbidden_argument', `body.${key}`);
      const updated = await ctx.users.update(user._id, body);
      recordFor(call, { type: 'user:update', userId: user._id, details: userChangeDetails('updateSelf', body) });
      return { _id: updated._id, _source: updated.content };
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'checkRights',
    description: 'Whether the user of the request may run the request envelope given as body.',
    http: [{ verb: 'POST', path: '/_checkRights' }],
    args: noArgs,
    body: z.object({ controller: z.string().min(1), action: z.string().min(1) }).loose(),
    async handler({ body, user, ctx }) {
      return { allowed: ctx.security.isAllowed(user, { controller: body.controller, action: body.action }) };
    },
  }),
  ...myCredentialsActions(),
];

function myCredentialsActions() {
  const route = (verb: 'GET' | 'POST' | 'PUT' | 'DELETE', suffix: string, legacy: string) => [
    { verb, path: `/_me/credentials/:strategy${suffix}` },
    { verb, path: `/credentials/:strategy/_me${legacy}`, deprecated: true },
  ];
  return [
    defineAction({
      controller: 'auth', action: 'credentialsExist', description: 'Whether the caller has credentials for the strategy.',
      http: route('GET', '/_exists', '/_exists'), args: strategyArgs, body: noBody, access: authenticated,
      handler: async ({ args, user, ctx }) => ctx.users.hasCredentials(args.strategy, user._id),
    }),
    defineAction({
      controller: 'auth', action: 'getMyCredentials', description: "The caller's credentials for the strategy (never a secret), or {}.",
      http: route('GET', '', ''), args: strategyArgs, body: noBody, access: authenticated,
      handler: async ({ args, user, ctx }) => ctx.users.getCredentials(args.strategy, user._id),
    }),
    defineAction({
      controller: 'auth', action: 'createMyCredentials', description: 'Adds credentials for the strategy to the caller.',
      http: route('POST', '/_create', '/_create'), args: strategyArgs, body: credentialsBody, access: authenticated,
      async handler(call) {
        const { args, body, user, ctx } = call;
        assertSelfEditable(ctx.strategies.require(args.strategy), body);
        const info = await ctx.users.createCredentials(args.strategy, user._id, body);
        recordFor(call, { type: 'credentials:create', userId: user._id, strategy: args.strategy, details: { action: 'createMyCredentials', fields: Object.keys(body) } });
        return info;
      },
    }),
    defineAction({
      controller: 'auth', action: 'updateMyCredentials',
      description: "Changes the caller's credentials (local: with `currentPassword`); the caller's other sessions end.",
      http: route('PUT', '/_update', '/_update'), args: strategyArgs, body: credentialsBody, access: authenticated,
      // A wrong current password is a failed login on the account the caller logs in with (the
      // same counters as `auth:login`, or a token holder would get a second set of guesses).
      checksSecret: async ({ args, user, ctx }) => loginAccount(args.strategy, await ctx.users.getCredentials(args.strategy, user._id)) ?? `kuid:${user._id}`,
      async handler(call) {
        const { args, body, user, token, ctx } = call;
        assertSelfEditable(ctx.strategies.require(args.strategy), body);
        const info = await ctx.users.updateCredentials(args.strategy, user._id, body, token?.session.id, { isSelf: true });
        recordFor(call, { type: 'credentials:update', userId: user._id, strategy: args.strategy, details: { action: 'updateMyCredentials', fields: Object.keys(body) } });
        return info;
      },
    }),
    defineAction({
      controller: 'auth', action: 'validateMyCredentials',
      description: 'Checks credentials for the strategy without storing them; whether another user holds the login is not told.',
      http: route('POST', '/_validate', '/_validate'), args: strategyArgs, body: credentialsBody, access: authenticated,
      async handler({ args, body, user, ctx }) {
        assertSelfEditable(ctx.strategies.require(args.strategy), body);
        try {
          await ctx.users.validate(args.strategy, body, user._id, await ctx.users.hasCredentials(args.strategy, user._id));
        } catch (error) {
          // Otherwise any user could probe which logins exist, one request each, without the
          // cost of a create. Administrators ask security:validateCredentials, which tells.
          if (!isPortcullisError(error) || error.id !== 'security.credentials.login_taken') throw error;
        }
        return true;
      },
    }),
    defineAction({
      controller: 'auth', action: 'deleteMyCredentials', description: "Deletes the caller's credentials for the strategy.",
      http: route('DELETE', '', ''), args: strategyArgs, body: noBody, access: authenticated,
      async handler(call) {
        const { args, user, token, ctx } = call;
        await ctx.users.deleteCredentials(args.strategy, user._id, token?.session.id);
        recordFor(call, { type: 'credentials:delete', userId: user._id, strategy: args.strategy, details: { action: 'deleteMyCredentials' } });
        return { acknowledged: true };
      },
    }),
  ];
}
