import { fail, parseMappingBody, type ScrolledResult, type UserRecord } from '@portcullis/core';
import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { noBody, strategyName } from '../api/schemas.js';
import { serializeUser } from './security-users.js';

/** A non-negative integer argument; over HTTP it comes from the query string as text. */
export const count = z.union([z.number().int().min(0), z.string().regex(/^\d{1,9}$/).transform(Number)]).optional();
/** A scroll duration: "1m", "30s", or milliseconds. */
const scroll = z.union([z.number().int().positive(), z.string().min(1).max(32)]).optional();

export const searchArgs = z.object({ from: count, size: count, scroll, lang: z.literal('elasticsearch').optional() }).loose();
export const scrollArgs = z.object({ scrollId: z.string().min(1).max(65_536), scroll }).loose();
/** A search body: Elasticsearch's `{query, sort}`; parse-query.ts checks what is inside. */
export const searchBody = z.record(z.string(), z.unknown()).optional();

const serializeUsers = (result: ScrolledResult<UserRecord>) => ({
  ...result,
  hits: result.hits.map(serializeUser),
});

/** security: searching users (searchUsers, scrollUsers). */
export const userSearchActions = [
  defineAction({
    controller: 'security',
    action: 'searchUsers',
    description: "Users matching an Elasticsearch query (a subset: see the API reference), with from/size paging or a scroll.",
    http: [{ verb: 'POST', path: '/users/_search' }],
    args: searchArgs,
    body: searchBody,
    handler: async ({ args, body, ctx }) => serializeUsers(await ctx.search.searchUsers(body, args)),
  }),
  defineAction({
    controller: 'security',
    action: 'scrollUsers',
    description: 'The next page of a scrolled user search.',
    http: [{ verb: 'GET', path: '/users/_scroll/:scrollId' }],
    args: scrollArgs,
    body: noBody,
    handler: async ({ args, ctx }) => serializeUsers(await ctx.search.scrollUsers(args.scrollId, args.scroll)),
  }),
];

/** security:searchUsersByCredentials: a strategy's own search, Kuzzle's optional plugin method. */
export const credentialSearchActions = [
  defineAction({
    controller: 'security',
    action: 'searchUsersByCredentials',
    description: "A strategy's credentials matching an Elasticsearch query (the local strategy: `username` in queries, `username` or `kuid` in sorts), each with its kuid.",
    http: [{ verb: 'POST', path: '/credentials/:strategy/users/_search' }],
    args: searchArgs.extend({ strategy: strategyName }),
    body: searchBody,
    async handler({ args, body, ctx }) {
      // Kuzzle's getSearchParams: 10 hits unless told.
      const page = ctx.search.page({ from: args.from, size: args.size }, 10);
      return ctx.strategies.call(args.strategy, async (plugin) => {
        if (!plugin.search) throw fail('plugin.strategy.missing_optional_method', args.strategy, 'search');
        return plugin.search(body ?? {}, page);
      });
    },
  }),
];

/** security: the user mapping (which content fields search can use). */
export const userMappingActions = [
  defineAction({
    controller: 'security',
    action: 'getUserMapping',
    description: 'The user mapping: the content fields search can use, with their Elasticsearch types.',
    http: [{ verb: 'GET', path: '/users/_mapping' }],
    args: z.object({}).loose(),
    body: noBody,
    handler: async ({ ctx }) => ({ mapping: await ctx.storage.search.userMapping() }),
  }),
  defineAction({
    controller: 'security',
    action: 'updateUserMapping',
    description: 'Adds fields to the user mapping (a field keeps its type for ever) and indexes them for every user.',
    http: [{ verb: 'PUT', path: '/users/_mapping' }],
    args: z.object({}).loose(),
    body: z.unknown(),
    handler: async ({ body, ctx }) => ({ properties: await ctx.storage.search.updateUserMapping(parseMappingBody(body)) }),
  }),
];

/** Every search and mapping action. */
export const searchActions = [...userSearchActions, ...credentialSearchActions, ...userMappingActions];
