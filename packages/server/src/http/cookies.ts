import type { IncomingHttpHeaders } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Config } from '@portcullis/core';

/** Kuzzle's cookie name: the SDK 7 in cookie mode relies on the server reading this one. */
export const AUTH_COOKIE = 'authToken';

export type CookieSettings = Config['server']['cookies'];

/**
 * The token of a request's `authToken` cookie, when the request may authenticate from it: cookies
 * are enabled and the request has no `Authorization` header (a header always wins). An empty
 * value, or Kuzzle's `null` (what its logout used to set), is no cookie.
 */
export function cookieToken(headers: IncomingHttpHeaders, settings: CookieSettings): string | null {
  const header = headers.cookie;
  if (header === undefined || !settings.enabled || headers.authorization !== undefined) return null;
  const value = parseCookie(header)[AUTH_COOKIE];
  return value === undefined || value === '' || value === 'null' ? null : value;
}

/**
 * The `Set-Cookie` header that hands a browser its token: `HttpOnly` (no script reads it),
 * `Path=/`, `SameSite` and `Secure` as configured, and a `Max-Age` that ends it no later than the
 * token. A token that never expires gets a cookie without `Max-Age`, which the browser drops when
 * it closes: a browser should not keep an endless credential on disk (the token itself stays valid
 * until a logout, like any endless token).
 */
export function authCookie(token: string, expiresAt: number, settings: CookieSettings): string {
  const maxAge = expiresAt === -1 ? undefined : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  return stringifySetCookie({ name: AUTH_COOKIE, value: token, ...attributes(settings), ...(maxAge === undefined ? {} : { maxAge }) });
}

/** The `Set-Cookie` header that removes the cookie (same name, path and attributes; `Max-Age=0`). */
export function clearedAuthCookie(settings: CookieSettings): string {
  return stringifySetCookie({ name: AUTH_COOKIE, value: '', ...attributes(settings), maxAge: 0 });
}

function attributes(settings: CookieSettings) {
  return { httpOnly: true, path: '/', sameSite: settings.sameSite, secure: settings.secure } as const;
}
