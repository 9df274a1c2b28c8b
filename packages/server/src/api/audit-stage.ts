import { ANONYMOUS_USER, type AuditEventInput, type UserRecord } from '@portcullis/core';
import type { ActionDefinition, ServerContext } from './action.js';
import { BASIC_STRATEGY, type Caller } from './callers.js';
import { userAgentOf } from './session-origin.js';
import type { ApiRequest, Connection } from './request.js';
import type { ResponseEnvelope } from './response.js';

/** The refusals of the request limits: each is a `limits:hit` event, whatever the action. */
const LIMIT_ERRORS: ReadonlySet<string> = new Set(['security.login.too_many_failures', 'api.process.too_many_requests', 'api.process.too_many_logins_requests']);

/** What a strategy answers a wrong current password with (auth:updateMyCredentials). */
const WRONG_SECRET = 'security.credentials.wrong_password';

/** Where a request came from, for an event: the client address and its user agent. */
export function clientOf(connection: Connection): { ip: string | undefined; userAgent: string | null } {
  return { ip: connection.ip, userAgent: userAgentOf(connection) ?? null };
}

/** The actor of an event: the caller, or null for an anonymous one. */
export function actorOf(user: UserRecord): string | null {
  return user._id === ANONYMOUS_USER._id ? null : user._id;
}

/**
 * Records an event about a request an action served: the caller is its actor (unless the
 * input names one), the connection its address and user agent.
 */
export function recordFor(call: { ctx: ServerContext; user: UserRecord; connection: Connection }, event: AuditEventInput): void {
  call.ctx.audit.record({ actorId: actorOf(call.user), ...clientOf(call.connection), ...event });
}

/**
 * The audit stage: maps an answered request to the events only its answer tells, failed
 * logins and limits hit. Successful changes are recorded by the actions that make them. The
 * funnel calls it for error answers only, so the answers served from memory pay nothing.
 * @param caller the caller, when it was found before the request failed
 */
export function auditAnswer(ctx: ServerContext, definition: ActionDefinition | undefined, request: ApiRequest, answer: ResponseEnvelope, connection: Connection, caller: Caller | undefined): void {
  // The funnel never throws: neither does its audit stage.
  try {
    eventsOfAnswer(ctx, definition, request, answer, connection, caller);
  } catch (error) {
    ctx.logger.error({ err: error, requestId: request.requestId }, 'the audit stage failed');
  }
}

function eventsOfAnswer(ctx: ServerContext, definition: ActionDefinition | undefined, request: ApiRequest, answer: ResponseEnvelope, connection: Connection, caller: Caller | undefined): void {
  const error = answer.error;
  if (error === null) return;
  const user = caller?.user;
  const base = { actorId: user ? actorOf(user) : null, ...clientOf(connection) };
  if (LIMIT_ERRORS.has(error.id)) {
    ctx.audit.record({
      ...base, type: 'limits:hit', outcome: 'failure', userId: base.actorId, strategy: served(ctx, loginStrategy(definition, request)),
      details: { error: error.id, controller: request.controller, action: request.action },
    });
    return;
  }
  if (error.id === WRONG_SECRET && definition?.checksSecret && user) {
    // A wrong current password given to change one's credentials: a guess at a secret, like a failed login.
    const strategy = request.args['strategy'];
    ctx.audit.record({
      ...base, type: 'credentials:update', outcome: 'failure', userId: user._id, strategy: served(ctx, typeof strategy === 'string' ? strategy : null),
      details: { error: error.id, action: request.action },
    });
    return;
  }
  // A Basic request whose caller was found logged in: its error is the action's.
  const strategy = caller?.source === 'basic' ? null : loginStrategy(definition, request);
  if (strategy === null || !isLoginRefusal(error.id, error.status)) return;
  const username = request.basic ? request.basic.username : usernameOf(request.body);
  const known = served(ctx, strategy);
  const record = (userId: string | null) => ctx.audit.record({
    ...base, actorId: null, type: 'auth:login', outcome: 'failure', userId, strategy: known,
    details: { error: error.id, ...(request.basic ? { via: 'basic' } : {}) },
  });
  // Who the failed login was about, when the login it names exists: the typed name itself is
  // not kept (it may be a password typed in the wrong field).
  if (username === null || known === null) return record(null);
  ctx.storage.credentials.findByLogin(strategy, username).then((found) => record(found?.kuid ?? null), () => record(null));
}

/** The strategy of a login attempt: auth:login's argument, or the local strategy of HTTP Basic; null for other requests. */
function loginStrategy(definition: ActionDefinition | undefined, request: ApiRequest): string | null {
  if (request.basic) return BASIC_STRATEGY;
  if (definition?.controller !== 'auth' || definition.action !== 'login') return null;
  const strategy = request.args['strategy'];
  return typeof strategy === 'string' ? strategy : null;
}

/** The strategy if this node serves it: a name the client made up is not stored (its error id says enough). */
function served(ctx: ServerContext, strategy: string | null): string | null {
  return strategy !== null && ctx.strategies.has(strategy) ? strategy : null;
}

/** A refused login: wrong credentials, unknown strategy, bad arguments; not a fault of ours (5xx), which is logged instead. */
function isLoginRefusal(id: string, status: number): boolean {
  return status < 500 && !id.startsWith('security.rights.');
}

function usernameOf(body: unknown): string | null {
  const username = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['username'] : undefined;
  return typeof username === 'string' && username.length > 0 && username.length <= 256 ? username : null;
}
