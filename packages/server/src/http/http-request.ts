import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { fail, isPlainObject } from '@portcullis/core';
import type { z } from 'zod';
import type { ActionDefinition } from '../api/action.js';
import { echo, nulRefused, parseGuardedJson } from '../api/json-guard.js';
import { requestFromEnvelope, type ApiRequest } from '../api/request.js';

const EMPTY = Buffer.alloc(0);

/**
 * Reads a request body up to `limit` bytes; at once when there is none.
 * @throws network.http.request_too_large as soon as the limit is passed
 */
export function readBody(req: IncomingMessage, limit: number): Buffer | Promise<Buffer> {
  // Most GETs carry no body: no need to wait for the stream's end.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return EMPTY;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw fail('network.http.request_too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(fail('network.http.request_too_large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // A client that goes away mid-body is a client error, not ours (a 500 would be logged as one).
    req.on('error', () => reject(fail('network.http.unexpected_error', 'the request body was cut short')));
  });
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Parses a JSON body; an empty body is null. A body must declare a JSON content type, and a
 * declared type must be JSON even without a body: the types a browser may send cross-site
 * without asking first (forms, text/plain; and no type at all) never reach an action, so a
 * page elsewhere cannot run one with credentials the browser holds.
 * @throws network.http.unsupported_content, network.http.body_parse_failed (also when nested deeper than maxDepth)
 * @throws api.assert.invalid_argument when a string holds a NUL character
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined, maxDepth: number): unknown {
  if (contentType === undefined ? raw.length > 0 : !JSON_TYPE.test(contentType.trim())) throw fail('network.http.unsupported_content', echo(contentType ?? ''));
  if (raw.length === 0) return null;
  const { value, nul } = parseGuardedJson(raw, maxDepth, 'network.http.body_parse_failed');
  if (nul) throw nulRefused('body');
  return value;
}

/** The token of `Authorization: Bearer <token>`, the scheme being case-insensitive. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(.*)$/i.exec(header.trim());
  return match ? (match[1] ?? '') : null;
}

/** The credentials of `Authorization: Basic <base64(username:password)>` (RFC 7617), or undefined. */
export function basicCredentials(req: IncomingMessage): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S*)$/i.exec(req.headers.authorization?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  // No store keeps a NUL in text (PostgreSQL refuses it): such credentials are malformed.
  if (decoded.includes('\u0000')) throw nulRefused('Authorization');
  const colon = decoded.indexOf(':');
  return colon === -1 ? { username: decoded, password: '' } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Adds the credentials of the `Authorization` header: a Bearer token, or Basic credentials when
 * the request carries no token at all (on `POST /_query`, an envelope's `jwt` comes first), so
 * that a request with `basic` is one that Basic authenticates.
 */
function withAuthorization(request: ApiRequest, req: IncomingMessage): ApiRequest {
  const bearer = bearerToken(req);
  if (bearer !== null) request.bearer = bearer;
  else if (request.jwt === null) {
    const basic = basicCredentials(req);
    if (basic) request.basic = basic;
  }
  return request;
}

export interface HttpRequestParts {
  definition: ActionDefinition;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** server.maxJsonDepth, for the X-Kuzzle-Volatile header. */
  maxJsonDepth: number;
}

/** Builds the funnel's request from a routed HTTP request: query string and path placeholders become arguments. */
export function requestFromHttp(req: IncomingMessage, parts: HttpRequestParts): ApiRequest {
  const flags = booleanArgs(parts.definition);
  const args: Record<string, unknown> = {};
  for (const [key, value] of parts.query) {
    if (key === '__proto__') continue;
    if (value.includes('\u0000')) throw nulRefused(echo(key));
    // Query-string booleans are presence flags: `?global` and `?global=false` both mean true.
    args[key] = flags.has(key) ? true : value;
  }
  for (const [key, value] of Object.entries(parts.params)) {
    if (value.includes('\u0000')) throw nulRefused(key);
    args[key] = value;
  }
  return withAuthorization({
    controller: parts.definition.controller,
    action: parts.definition.action,
    args,
    body: parts.body,
    jwt: null,
    volatile: volatileHeader(req, parts.maxJsonDepth),
    requestId: requestIdHeader(req),
  }, req);
}

/** `POST /_query`: the body is a whole envelope (its `jwt` included), with the header's credentials beside it. */
export function requestFromQuery(req: IncomingMessage, body: unknown): ApiRequest {
  if (!isPlainObject(body)) throw fail('api.assert.body_required');
  return withAuthorization(requestFromEnvelope(body), req);
}

/** The client's `X-Kuzzle-Request-Id` made safe to echo, or a fresh id. */
export function requestIdHeader(req: IncomingMessage): string {
  const header = req.headers['x-kuzzle-request-id'];
  const id = typeof header === 'string' && header.length <= 128 ? echo(header) : '';
  return id.length > 0 ? id : randomUUID();
}

/**
 * @throws network.http.volatile_parse_failed (bad JSON, not an object, nested too deep)
 * @throws api.assert.invalid_argument when a string holds a NUL character
 */
function volatileHeader(req: IncomingMessage, maxDepth: number): Record<string, unknown> | null {
  const header = req.headers['x-kuzzle-volatile'];
  if (typeof header !== 'string') return null;
  const { value, nul } = parseGuardedJson(header, maxDepth, 'network.http.volatile_parse_failed');
  if (nul) throw nulRefused('volatile');
  if (!isPlainObject(value)) throw fail('network.http.volatile_parse_failed', 'not an object');
  return value;
}

const flagCache = new WeakMap<ActionDefinition, Set<string>>();

/** Names of the boolean arguments of an action, read from its schema. */
function booleanArgs(definition: ActionDefinition): Set<string> {
  let flags = flagCache.get(definition);
  if (!flags) {
    flags = new Set();
    const shape = (definition.args as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
    for (const [name, schema] of Object.entries(shape)) if (isBoolean(schema)) flags.add(name);
    flagCache.set(definition, flags);
  }
  return flags;
}

function isBoolean(schema: z.ZodType): boolean {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  if (def.type === 'boolean') return true;
  return (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType ? isBoolean(def.innerType) : false;
}
