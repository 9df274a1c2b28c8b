import { endLoginSession, listLoginSessions } from '@portcullis/core';
import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { authenticated } from '../api/access.js';
import { recordFor } from '../api/audit-stage.js';
import { count, id, idArgs, noBody } from '../api/schemas.js';

/** Kuzzle's search default: 10 hits unless told (and never more than limits.documentsFetchCount). */
const DEFAULT_PAGE = 10;
const pageArgs = z.object({ from: count, size: count }).loose();

/**
 * Portcullis extensions of auth and security (not in Kuzzle): the login sessions a user holds,
 * as they can recognise them, and ending them. Ending one revokes it on every node at once and
 * tells the WebSocket connections bound to it. API keys are not listed here: they have their own.
 */
export const userSessionActions = [
  defineAction({
    controller: 'auth',
    action: 'listMySessions',
    description: "The caller's login sessions, newest first (strategy, creation, last use, address, user agent, expiry; never a token), with from/size paging. `current` marks the request's own.",
    http: [{ verb: 'GET', path: '/_me/_sessions' }],
    args: pageArgs,
    body: noBody,
    access: authenticated,
    handler: ({ args, user, token, ctx }) =>
      listLoginSessions(ctx.storage.sessions, user._id, ctx.search.page(args, DEFAULT_PAGE), token?.session.id),
  }),
  defineAction({
    controller: 'auth',
    action: 'deleteMySession',
    description: "Ends one of the caller's login sessions (the current one included) on every node.",
    http: [{ verb: 'DELETE', path: '/_me/_sessions/:_id' }],
    args: idArgs,
    body: noBody,
    access: authenticated,
    async handler(call) {
      const { args, user, ctx } = call;
      await endLoginSession(ctx.storage.sessions, user._id, args._id);
      recordFor(call, { type: 'session:delete', userId: user._id, details: { sessionId: args._id } });
      return { _id: args._id };
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'deleteMyOtherSessions',
    description: "Ends every login session of the caller but the request's own, on every node.",
    http: [{ verb: 'DELETE', path: '/_me/_sessions' }],
    args: z.object({}).loose(),
    body: noBody,
    access: authenticated,
    async handler(call) {
      const { user, token, ctx } = call;
      // An API key or HTTP Basic caller has no login session of its own to keep.
      const current = token?.session.kind === 'kauth' ? token.session.id : undefined;
      const deleted = current === undefined ? await ctx.tokens.revokeUser(user._id) : await ctx.tokens.revokeUserExcept(user._id, current);
      recordFor(call, { type: 'session:delete', userId: user._id, details: { sessionIds: deleted, allButCurrent: true } });
      return { deleted };
    },
  }),
  defineAction({
    controller: 'security',
    action: 'listUserSessions',
    description: "A user's login sessions, newest first, as auth:listMySessions shows them to the user.",
    http: [{ verb: 'GET', path: '/users/:_id/_sessions' }],
    args: pageArgs.extend({ _id: id }),
    body: noBody,
    async handler({ args, token, ctx }) {
      const page = ctx.search.page(args, DEFAULT_PAGE);
      await ctx.security.requireUser(args._id);
      return listLoginSessions(ctx.storage.sessions, args._id, page, token?.session.id);
    },
  }),
  defineAction({
    controller: 'security',
    action: 'deleteUserSession',
    description: "Ends one of a user's login sessions on every node.",
    http: [{ verb: 'DELETE', path: '/users/:_id/_sessions/:sessionId' }],
    args: z.object({ _id: id, sessionId: id }).loose(),
    body: noBody,
    async handler(call) {
      const { args, ctx } = call;
      await ctx.security.requireUser(args._id);
      await endLoginSession(ctx.storage.sessions, args._id, args.sessionId);
      recordFor(call, { type: 'session:delete', userId: args._id, details: { sessionId: args.sessionId } });
      return { _id: args.sessionId };
    },
  }),
];
