import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { recordFor } from '../api/audit-stage.js';
import { credentialsBody, id, noArgs, noBody, strategyAndId, strategyArgs, strategyName } from '../api/schemas.js';

/** security: credentials of any user, by an administrator. */
export const credentialActions = [
  defineAction({
    controller: 'security', action: 'createCredentials', description: "Adds credentials for a strategy to a user.",
    http: [{ verb: 'POST', path: '/credentials/:strategy/:_id/_create' }], args: strategyAndId, body: credentialsBody,
    async handler(call) {
      const { args, body, ctx } = call;
      const info = await ctx.users.createCredentials(args.strategy, args._id, body);
      recordFor(call, { type: 'credentials:create', userId: args._id, strategy: args.strategy, details: { action: 'createCredentials', fields: Object.keys(body) } });
      return info;
    },
  }),
  defineAction({
    controller: 'security', action: 'updateCredentials', description: "Changes a user's credentials; its sessions end.",
    http: [{ verb: 'PUT', path: '/credentials/:strategy/:_id/_update' }], args: strategyAndId, body: credentialsBody,
    async handler(call) {
      const { args, body, ctx } = call;
      const info = await ctx.users.updateCredentials(args.strategy, args._id, body);
      recordFor(call, { type: 'credentials:update', userId: args._id, strategy: args.strategy, details: { action: 'updateCredentials', fields: Object.keys(body) } });
      return info;
    },
  }),
  defineAction({
    controller: 'security', action: 'deleteCredentials', description: "Deletes a user's credentials for a strategy; its sessions end.",
    http: [{ verb: 'DELETE', path: '/credentials/:strategy/:_id' }], args: strategyAndId, body: noBody,
    async handler(call) {
      const { args, ctx } = call;
      await ctx.users.deleteCredentials(args.strategy, args._id);
      recordFor(call, { type: 'credentials:delete', userId: args._id, strategy: args.strategy, details: { action: 'deleteCredentials' } });
      return { acknowledged: true };
    },
  }),
  defineAction({
    controller: 'security', action: 'hasCredentials', description: 'Whether a user has credentials for a strategy.',
    http: [{ verb: 'GET', path: '/credentials/:strategy/:_id/_exists' }], args: strategyAndId, body: noBody,
    handler: async ({ args, ctx }) => ctx.users.hasCredentials(args.strategy, args._id),
  }),
  defineAction({
    controller: 'security', action: 'getCredentials', description: "A user's credentials for a strategy (never a secret), or {}.",
    http: [{ verb: 'GET', path: '/credentials/:strategy/:_id' }], args: strategyAndId, body: noBody,
    handler: async ({ args, ctx }) => ctx.users.getCredentials(args.strategy, args._id),
  }),
  defineAction({
    controller: 'security', action: 'getCredentialsById', description: 'Credentials by strategy-side id (a username), or {}.',
    http: [{ verb: 'GET', path: '/credentials/:strategy/:_id/_byId' }], args: strategyAndId, body: noBody,
    handler: async ({ args, ctx }) => ctx.users.getCredentialsById(args.strategy, args._id),
  }),
  defineAction({
    controller: 'security', action: 'validateCredentials', description: 'Checks credentials for a strategy without storing them.',
    http: [{ verb: 'POST', path: '/credentials/:strategy/:_id/_validate' }],
    args: z.object({ strategy: strategyName, _id: id.optional() }).loose(), body: credentialsBody,
    async handler({ args, body, ctx }) {
      const isUpdate = args._id ? await ctx.users.hasCredentials(args.strategy, args._id) : false;
      await ctx.users.validate(args.strategy, body, args._id ?? null, isUpdate);
      return true;
    },
  }),
  defineAction({
    controller: 'security', action: 'getCredentialFields', description: 'The credential fields of a strategy.',
    http: [{ verb: 'GET', path: '/credentials/:strategy/_fields' }], args: strategyArgs, body: noBody,
    handler: async ({ args, ctx }) => [...ctx.strategies.require(args.strategy).fields],
  }),
  defineAction({
    controller: 'security', action: 'getAllCredentialFields', description: 'The credential fields of every strategy.',
    http: [{ verb: 'GET', path: '/credentials/_fields' }], args: noArgs, body: noBody,
    handler: async ({ ctx }) => Object.fromEntries(ctx.strategies.names().map((name) => [name, [...ctx.strategies.require(name).fields]])),
  }),
];
