import type { IncomingHttpHeaders } from 'node:http';
import { fail, type Config, type IssuedToken } from '@portcullis/core';
import { outcome, type ActionOutcome } from './action.js';
import { echo } from './json-guard.js';
import type { ApiRequest, Connection } from './request.js';
import { authCookie, clearedAuthCookie } from '../http/cookies.js';

/**
 * The rules of the `authToken` cookie (Kuzzle's `cookieAuth`), whatever the transport: which
 * requests it authenticates, from which pages, and how an action answers in cookie mode.
 *
 * Cross-site safety rests on three things: the cookie is `SameSite` (a page of another site never
 * gets it sent), bodies must be JSON (a cross-origin page cannot send one without a CORS
 * preflight), and only origins listed exactly in `server.allowOrigin` get credentialed CORS and may
 * act with the cookie; a request from any other page that carries it is refused here.
 */
type ServerSettings = Config['server'];

/**
 * Whether a page at `origin` may act with the cookie: a request without Origin (not sent by a
 * script of another origin), an origin listed exactly in `server.allowOrigin` (`"*"` never counts),
 * or the server's own origin (its host is the request's Host: a page served by the same host and
 * port, e.g. behind the same reverse proxy).
 */
export function cookieOriginAllowed(headers: IncomingHttpHeaders, allowOrigin: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (credentialedOrigin(origin, allowOrigin)) return true;
  const scheme = origin.indexOf('://');
  return scheme !== -1 && headers.host !== undefined && origin.slice(scheme + 3) === headers.host;
}

/** Whether CORS answers to `origin` may allow credentials: it is listed exactly (never through `"*"`). */
export function credentialedOrigin(origin: string, allowOrigin: readonly string[]): boolean {
  return origin !== '*' && allowOrigin.includes(origin);
}

/** @throws security.cookie.unauthorized_origin when the request's page may not act with the cookie */
export function assertCookieOrigin(headers: IncomingHttpHeaders, allowOrigin: readonly string[]): void {
  if (!cookieOriginAllowed(headers, allowOrigin)) throw fail('security.cookie.unauthorized_origin', echo(headers.origin ?? ''));
}

/**
 * The token a request authenticates with from its connection's cookie, or null (no cookie, or
 * an action the cookie must not stand in the way of). `auth:login` and `auth:checkToken` never
 * authenticate from it: a stale or revoked cookie must not stop a new login, and checkToken reports
 * on the cookie (with `cookieAuth`) instead of failing on it.
 * @throws security.cookie.unauthorized_origin
 */
export function tokenFromCookie(request: ApiRequest, connection: Connection, server: ServerSettings): string | null {
  const cookie = connection.cookie;
  if (cookie === undefined || cookie === null) return null;
  if (request.controller === 'auth' && (request.action === 'login' || request.action === 'checkToken')) return null;
  assertCookieOrigin(connection.headers, server.allowOrigin);
  return cookie;
}

/**
 * Whether an action answers in cookie mode: `cookieAuth` was asked and cookies are enabled
 * (disabled, the argument is ignored and the token stays in the body, as Kuzzle does: the SDK
 * then reports that the server does not support cookies).
 * @param overWebSocket whether the action may run in cookie mode over WebSocket (checkToken reads
 *   the upgrade's cookie; a WebSocket answer cannot set one)
 * @throws api.assert.invalid_argument over WebSocket where a cookie cannot be set
 * @throws security.cookie.unauthorized_origin from a page that may not act with the cookie
 */
export function cookieMode(cookieAuth: boolean | null | undefined, connection: Connection, server: ServerSettings, overWebSocket = false): boolean {
  if (cookieAuth !== true || !server.cookies.enabled) return false;
  if (connection.protocol === 'websocket' && !overWebSocket) throw fail('api.assert.invalid_argument', 'cookieAuth', 'false over WebSocket: log in, refresh and log out over HTTP to set the cookie');
  assertCookieOrigin(connection.headers, server.allowOrigin);
  return true;
}

/** A login or refresh answered in cookie mode: the token in the cookie, the body without `jwt`. */
export function tokenInCookie(token: IssuedToken, server: ServerSettings): ActionOutcome {
  return { ...outcome({ _id: token._id, expiresAt: token.expiresAt, ttl: token.ttl }), cookie: authCookie(token.jwt, token.expiresAt, server.cookies) };
}

/** A logout answered in cookie mode: the cookie is removed. */
export function cookieCleared(result: unknown, server: ServerSettings): ActionOutcome {
  return { ...outcome(result), cookie: clearedAuthCookie(server.cookies) };
}
