import { API_KEY_FIELDS, apiKeyView } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, type ServerContext } from '../api/action.js';
import { expiresIn, id } from '../api/schemas.js';
import { searchArgs, searchBody } from './security-search.js';

/** `description` is required at creation, as in Kuzzle. */
const keyBody = z.object({ description: z.string().min(1).max(1024) }).loose();
/** `_id` chooses the key's id; `refresh` (Kuzzle's wait_for) is accepted: a key is usable once answered. */
const createArgs = z.object({ expiresIn, _id: id.optional(), refresh: z.unknown().optional() }).loose();
const deleteArgs = z.object({ _id: id, refresh: z.unknown().optional() }).loose();
const userArg = { userId: id };

/** One user's keys matching a search body, Kuzzle's default page of 10. */
async function searchKeys(ctx: ServerContext, userId: string, body: unknown, args: { from?: number | undefined; size?: number | undefined }) {
  const page = ctx.search.page({ from: args.from, size: args.size }, 10);
  const result = await ctx.search.searchDocuments('api-keys', await ctx.apiKeys.documents(userId), API_KEY_FIELDS, body, page);
  return { hits: result.hits.map(apiKeyView), total: result.total };
}

/** Kuzzle's API keys: auth: for the caller's own keys, security: for any user's. */
export const apiKeyActions = [
  defineAction({
    controller: 'auth', action: 'createApiKey', issuesToken: true, authenticated: true,
    description: 'Creates an API key for the caller; the answer holds its token, shown this once. expiresIn: -1 (default) never expires, within security.apiKey.maxTTL.',
    http: [{ verb: 'POST', path: '/api-keys/_create' }], args: createArgs, body: keyBody,
    handler: ({ args, body, user, ctx }) => ctx.apiKeys.create(user._id, body.description, { expiresIn: args.expiresIn, id: args._id, capped: true }),
  }),
  defineAction({
    controller: 'auth', action: 'searchApiKeys', authenticated: true,
    description: "The caller's API keys matching an Elasticsearch query (fields: _id, description, expiresAt, ttl, userId), with from/size; never a token.",
    http: [{ verb: 'POST', path: '/api-keys/_search' }], args: searchArgs.omit({ scroll: true }), body: searchBody.nullable(),
    handler: ({ args, body, user, ctx }) => searchKeys(ctx, user._id, body, args),
  }),
  defineAction({
    controller: 'auth', action: 'deleteApiKey', authenticated: true,
    description: 'Deletes one of the caller\'s API keys: it is refused at once on every node.',
    http: [{ verb: 'DELETE', path: '/api-keys/:_id' }], args: deleteArgs, body: z.unknown(),
    handler: ({ args, user, ctx }) => ctx.apiKeys.delete(user._id, args._id),
  }),
  defineAction({
    controller: 'security', action: 'createApiKey', issuesToken: true,
    description: 'Creates an API key for a user; the answer holds its token, shown this once. expiresIn: -1 (default) never expires; security.apiKey.maxTTL does not apply.',
    http: [{ verb: 'POST', path: '/users/:userId/api-keys/_create' }], args: createArgs.extend(userArg), body: keyBody,
    async handler({ args, body, ctx }) {
      return ctx.apiKeys.create(args.userId, body.description, { expiresIn: args.expiresIn, id: args._id, capped: false });
    },
  }),
  defineAction({
    controller: 'security', action: 'searchApiKeys',
    description: "A user's API keys matching an Elasticsearch query (fields: _id, description, expiresAt, ttl, userId), with from/size; never a token.",
    http: [{ verb: 'POST', path: '/users/:userId/api-keys/_search' }], args: searchArgs.omit({ scroll: true }).extend(userArg), body: searchBody.nullable(),
    handler: ({ args, body, ctx }) => searchKeys(ctx, args.userId, body, args),
  }),
  defineAction({
    controller: 'security', action: 'deleteApiKey',
    description: "Deletes a user's API key: it is refused at once on every node.",
    http: [{ verb: 'DELETE', path: '/users/:userId/api-keys/:_id' }], args: deleteArgs.extend(userArg), body: z.unknown(),
    handler: ({ args, ctx }) => ctx.apiKeys.delete(args.userId, args._id),
  }),
];
