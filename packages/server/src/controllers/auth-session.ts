import { fail, isPortcullisError } from '@portcullis/core';
import { recordFor } from '../api/audit-stage.js';
import { loginAccount, passportRequest, userOfToken } from '../api/callers.js';
import { z } from 'zod';
import { defineAction, outcome } from '../api/action.js';
import { authenticated } from '../api/access.js';
import { cookieCleared, cookieMode, tokenInCookie } from '../api/cookie-auth.js';
import { sessionOrigin } from '../api/session-origin.js';
import { expiresIn, flag, noBody, plainObject, strategyName } from '../api/schemas.js';

/** auth: login, logout, checkToken, refreshToken. */
export const sessionActions = [
  defineAction({
    controller: 'auth',
    action: 'login',
    issuesToken: true,
    description: 'Logs in with a strategy; the body holds the credentials. Returns a token (with `cookieAuth`, over HTTP: in an HttpOnly `authToken` cookie instead).',
    http: [
      { verb: 'POST', path: '/_login/:strategy' },
      { verb: 'GET', path: '/_login/:strategy' },
    ],
    args: z.object({ strategy: strategyName, expiresIn, cookieAuth: flag }).loose(),
    body: plainObject.nullable(),
    checksSecret: ({ args, body }) => loginAccount(args.strategy, body),
    async handler(call) {
      const { args, body, connection, ctx } = call;
      const request = passportRequest(args.strategy, body ?? {}, args, connection);
      ctx.strategies.require(args.strategy);
      const inCookie = cookieMode(args.cookieAuth, connection, ctx.config.server);
      // Parse expiresIn before the (expensive) credential check, so a bad value costs nothing.
      ctx.tokens.ttlOf(args.expiresIn);
      const result = await ctx.strategies.login(args.strategy, request);
      if (result.type === 'redirect') return outcome({ headers: result.headers, statusCode: result.statusCode }, result.statusCode, result.headers);
      const { token, session } = await ctx.tokens.createSession(result.user._id, args.expiresIn, 'kauth', { origin: sessionOrigin(args.strategy, connection) });
      // A password change that ran while this login was being verified has revoked the sessions
      // that existed then, not this one: if the credentials changed, the login is refused.
      if (!(await ctx.strategies.stillVerified(args.strategy, result))) {
        await ctx.tokens.revoke(session.id);
        throw fail('plugin.strategy.missing_user', `Unable to log in using the strategy "${args.strategy}"`);
      }
      connection.tokens?.bind(session);
      recordFor(call, { type: 'auth:login', userId: result.user._id, actorId: result.user._id, strategy: args.strategy, details: { sessionId: session.id } });
      return inCookie ? tokenInCookie(token, ctx.config.server) : token;
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'logout',
    description: 'Revokes the token of the request (its authToken cookie\'s included); with `global`, every login token of the user. With `cookieAuth`, over HTTP, also removes the cookie.',
    http: [{ verb: 'POST', path: '/_logout' }],
    args: z.object({ global: flag, cookieAuth: flag }).loose(),
    body: noBody,
    access: authenticated,
    async handler(call) {
      const { args, token, user, connection, ctx } = call;
      const inCookie = cookieMode(args.cookieAuth, connection, ctx.config.server);
      // The connection that logs out knows it: it is not told its token was revoked.
      connection.tokens?.unbind();
      if (args.global) await ctx.tokens.revokeUser(user._id);
      else if (token && token.session.kind === 'kauth') await ctx.tokens.revoke(token.session.id);
      const sessionId = token?.session.id ?? null;
      recordFor(call, { type: 'auth:logout', userId: user._id, details: { global: args.global === true, sessionId } });
      if (args.global) recordFor(call, { type: 'token:revoke', userId: user._id, details: { reason: 'logout', all: true } });
      return inCookie ? cookieCleared({ acknowledged: true }, ctx.config.server) : { acknowledged: true };
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'checkToken',
    description: 'Tells whether the token in the body (with `cookieAuth`: the authToken cookie\'s) is valid. Without a token: the anonymous user.',
    http: [{ verb: 'POST', path: '/_checkToken' }],
    args: z.object({ cookieAuth: flag }).loose(),
    body: z.object({ token: z.string().nullable().optional() }).loose().nullable(),
    async handler({ args, body, connection, ctx }) {
      const candidate = cookieMode(args.cookieAuth, connection, ctx.config.server, true) ? connection.cookie : body?.token;
      if (candidate === undefined || candidate === null) return { valid: true, kuid: '-1', expiresAt: null };
      try {
        const { token } = await userOfToken(ctx, candidate);
        return { valid: true, kuid: token.kuid, expiresAt: token.session.expiresAt };
      } catch (error) {
        // Only authentication failures mean "not valid"; a store that is down is an error.
        if (isPortcullisError(error) && error.status === 401) return { valid: false, state: error.message };
        throw error;
      }
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'createToken',
    issuesToken: true,
    description: 'Returns an extra token for the caller; with `singleUse`, one that the first request using it consumes, on whichever node.',
    http: [{ verb: 'POST', path: '/_createToken' }],
    args: z.object({ expiresIn, singleUse: flag }).loose(),
    body: noBody,
    access: authenticated,
    async handler(call) {
      const { args, user, token: caller, connection, ctx } = call;
      if (args.expiresIn === -1 || (typeof args.expiresIn === 'string' && args.expiresIn.trim() === '-1')) {
        throw fail('security.token.invalid_expiration', 'a token created by auth:createToken must expire');
      }
      const singleUse = args.singleUse === true;
      // The extra token is a session of its own, from where its caller's came.
      const origin = sessionOrigin(caller?.session.strategy ?? null, connection);
      const { token, session } = await ctx.tokens.createSession(user._id, args.expiresIn, 'kauth', { singleUse, origin });
      recordFor(call, { type: 'token:create', userId: user._id, details: { reason: 'createToken', singleUse, sessionId: session.id } });
      return { token: token.jwt, expiresAt: token.expiresAt, ttl: token.ttl, singleUse };
    },
  }),
  defineAction({
    controller: 'auth',
    action: 'refreshToken',
    issuesToken: true,
    description: 'Returns a new token for the same user; the old one stays valid for the grace period.',
    http: [{ verb: 'POST', path: '/_refreshToken' }],
    args: z.object({ expiresIn, cookieAuth: flag }).loose(),
    body: noBody,
    access: authenticated,
    async handler(call) {
      const { args, token, connection, ctx } = call;
      const inCookie = cookieMode(args.cookieAuth, connection, ctx.config.server);
      // HTTP Basic callers have no token to refresh.
      if (!token) throw fail('security.token.refresh_forbidden', 'Basic credentials');
      const { token: fresh, session } = await ctx.tokens.refreshSession(token, args.expiresIn);
      connection.tokens?.bind(session);
      recordFor(call, { type: 'token:create', userId: token.kuid, details: { reason: 'refresh', sessionId: session.id, previousSessionId: token.session.id } });
      return inCookie ? tokenInCookie(fresh, ctx.config.server) : fresh;
    },
  }),
];
