import { API_KEY_FIELDS, apiKeyView } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, type ServerContext } from '../api/action.js';
import { authenticated } from '../api/access.js';
import { recordFor } from '../api/audit-stage.js';
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

type Call = Parameters<typeof recordFor>[0];

/** Creates a key and records it in the audit log (its id and description: never the key). */
async function createKey(call: Call, userId: string, description: string, options: { expiresIn: unknown; id: string | undefined; capped: boolean }) {
  const created = await call.ctx.apiKeys.create(userId, description, options);
  recordFor(call, { type: 'apiKey:create', userId, details: { keyId: created._id, description, expiresAt: created._source.expiresAt } });
  return created;
}

async function deleteKey(call: Call, userId: string, keyId: string) {
  const deleted = await call.ctx.apiKeys.delete(userId, keyId);
  recordFor(call, { type: 'apiKey:delete', userId, details: { keyId } });
  return deleted;
}

/** Kuzzle's API keys: auth: for the caller's own keys, security: for any user's. */
export const apiKeyActions = [
  defineAction({
    controller: 'auth', action: 'createApiKey', issuesToken: true, access: authenticated,
    description: 'Creates an API key for the caller; the answer holds its token, shown this once. expiresIn: -1 (default) never expires, within security.apiKey.maxTTL.',
    http: [{ verb: 'POST', path: '/api-keys/_create' }], args: createArgs, body: keyBody,
    handler: (call) => createKey(call, call.user._id, call.body.description, { expiresIn: call.args.expiresIn, id: call.args._id, capped: true }),
  }),
  defineAction({
    controller: 'auth', action: 'searchApiKeys', access: authenticated,
    description: "The caller's API keys matching an Elasticsearch query (fields: _id, description, expiresAt, ttl, userId), with from/size; never a token.",
    http: [{ verb: 'POST', path: '/api-keys/_search' }], args: searchArgs.omit({ scroll: true }), body: searchBody.nullable(),
    handler: ({ args, body, user, ctx }) => searchKeys(ctx, user._id, body, args),
  }),
  defineAction({
    controller: 'auth', action: 'deleteApiKey', access: authenticated,
    description: 'Deletes one of the caller\'s API keys: it is refused at once on every node.',
    http: [{ verb: 'DELETE', path: '/api-keys/:_id' }], args: deleteArgs, body: z.unknown(),
    handler: (call) => deleteKey(call, call.user._id, call.args._id),
  }),
  defineAction({
    controller: 'security', action: 'createApiKey', issuesToken: true,
    description: 'Creates an API key for a user; the answer holds its token, shown this once. expiresIn: -1 (default) never expires; security.apiKey.maxTTL does not apply.',
    http: [{ verb: 'POST', path: '/users/:userId/api-keys/_create' }], args: createArgs.extend(userArg), body: keyBody,
    handler: (call) => createKey(call, call.args.userId, call.body.description, { expiresIn: call.args.expiresIn, id: call.args._id, capped: false }),
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
    handler: (call) => deleteKey(call, call.args.userId, call.args._id),
  }),
];
