import { fail, type PassportRequest, type UserRecord, type VerifiedToken } from '@portcullis/core';
import type { ServerContext } from './action.js';
import type { MaybeAsync } from './maybe-async.js';
import type { Connection } from './request.js';

/**
 * Verifies a token and loads its user: synchronously when this node holds both the session and
 * the user in memory (the common case), else from the stores.
 * @throws security.token.invalid also when the session outlived its user (deleted on another node mid-flight)
 * @throws security.token.expired
 */
export function userOfToken(ctx: ServerContext, jwt: unknown): MaybeAsync<{ user: UserRecord; token: VerifiedToken }> {
  const token = ctx.tokens.verifyCached(jwt);
  const user = token && ctx.security.cachedUser(token.kuid);
  return user ? { user, token: token! } : loadUserOfToken(ctx, jwt, token);
}

async function loadUserOfToken(ctx: ServerContext, jwt: unknown, verified: VerifiedToken | undefined): Promise<{ user: UserRecord; token: VerifiedToken }> {
  const token = verified ?? (await ctx.tokens.verify(jwt));
  const user = await ctx.security.getUser(token.kuid);
  if (!user) throw fail('security.token.invalid');
  return { user, token };
}

/** The request a strategy's Passport flow sees for a login, whatever the protocol. */
export function passportRequest(strategy: string, body: Record<string, unknown>, query: Record<string, unknown>, connection: Connection): PassportRequest {
  return { method: 'POST', url: `/login?strategy=${encodeURIComponent(strategy)}`, body, query, headers: connection.headers, ip: connection.ip };
}

/** The account a login names, for the failed-login limits: `<strategy>:<username>`, or null without a username. */
export function loginAccount(strategy: string, body: Record<string, unknown> | null): string | null {
  const username = body?.['username'];
  return typeof username === 'string' && username !== '' ? `${strategy}:${username}` : null;
}
