import { randomUUID } from 'node:crypto';
import { fail, isPlainObject, type Session } from '@portcullis/core';
import { echo } from './json-guard.js';

/** Controller and action names are echoed in answers: they must be echoable as they are. */
const NAME_RULE = 'a name of at most 128 characters, without control characters';

/** Keys of the request envelope that are not arguments (reference §1.1). */
const RESERVED = new Set(['controller', 'action', 'jwt', 'body', 'volatile', 'requestId']);

export type Protocol = 'http' | 'websocket';

/** Who sent a request: the connection it came through. */
export interface Connection {
  id: string;
  protocol: Protocol;
  ip: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /**
   * A persistent connection (a WebSocket) owns the binding of the tokens it uses, so that it
   * hears of their expiry or revocation; an HTTP request has none.
   */
  tokens?: TokenBinding;
  /**
   * The token of the `authToken` cookie this connection authenticates with when a request names
   * no other (http/cookies.ts cookieToken): an HTTP request's own, a WebSocket's upgrade's.
   */
  cookie?: string | null;
}

/** How a persistent connection follows its token: one token at a time, the last one used. */
export interface TokenBinding {
  bind(session: Session): void;
  /** Forgets the token (before a logout revokes it: the connection that logs out knows it). */
  unbind(): void;
}

/** One API request, whatever its protocol: what the funnel takes. */
export interface ApiRequest {
  controller: string;
  action: string;
  args: Record<string, unknown>;
  body: unknown;
  /** The envelope's `jwt` (a WebSocket request, or the body of `POST /_query`). */
  jwt: string | null;
  /** The token of an `Authorization: Bearer` header (HTTP): first in the chain of caller sources. */
  bearer?: string;
  volatile: Record<string, unknown> | null;
  requestId: string;
  /** HTTP Basic credentials: the local strategy authenticates this request only (no session). */
  basic?: { username: string; password: string };
}

/**
 * Turns a request envelope (a WebSocket message, or the body of `POST /_query`) into an
 * ApiRequest: the reserved keys, and every other key as an argument.
 * @throws api.assert.missing_argument, api.assert.invalid_type, api.assert.invalid_argument (a name that is too long or holds control characters)
 */
export function requestFromEnvelope(envelope: Record<string, unknown>): ApiRequest {
  const { controller, action, jwt, volatile, requestId } = envelope;
  if (requestId !== undefined && requestId !== null && typeof requestId !== 'string') throw fail('api.assert.invalid_type', 'requestId', 'string');
  if (controller === undefined || controller === null || controller === '') throw fail('api.assert.missing_argument', 'controller');
  if (typeof controller !== 'string') throw fail('api.assert.invalid_type', 'controller', 'string');
  if (echo(controller) !== controller) throw fail('api.assert.invalid_argument', 'controller', NAME_RULE);
  if (action === undefined || action === null || action === '') throw fail('api.assert.missing_argument', 'action');
  if (typeof action !== 'string') throw fail('api.assert.invalid_type', 'action', 'string');
  if (echo(action) !== action) throw fail('api.assert.invalid_argument', 'action', NAME_RULE);
  if (jwt !== undefined && jwt !== null && typeof jwt !== 'string') throw fail('api.assert.invalid_type', 'jwt', 'string');
  if (volatile !== undefined && volatile !== null && !isPlainObject(volatile)) throw fail('api.assert.invalid_type', 'volatile', 'object');
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(envelope)) if (!RESERVED.has(key) && key !== '__proto__') args[key] = value;
  return {
    controller,
    action,
    args,
    body: envelope['body'] ?? null,
    jwt: typeof jwt === 'string' ? jwt : null,
    volatile: (volatile as Record<string, unknown> | undefined) ?? null,
    requestId: (typeof requestId === 'string' && echo(requestId)) || randomUUID(),
  };
}

/** The requestId of a raw envelope, when it has a usable one (to answer an envelope that failed to parse). */
export function requestIdOf(envelope: unknown): string | null {
  return isPlainObject(envelope) && typeof envelope['requestId'] === 'string' ? echo(envelope['requestId']) : null;
}
