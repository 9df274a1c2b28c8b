import type { ApiKeyService, AuditLog, LoginLimiter, Logger, PortcullisError, ProfileService, RoleService, SearchService, SecurityService, StrategyRegistry, TokenManager, UserRecord, UserService, VerifiedToken, Config, Storage } from '@portcullis/core';
import type { z } from 'zod';
import type { AccessRule } from './access.js';
import type { MaybeAsync } from './maybe-async.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { Connection } from './request.js';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRoute {
  verb: HttpVerb;
  path: string;
  /** Kept for the SDK's static route table; not listed by server:publicApi. */
  deprecated?: boolean;
}

/** What every action handler may use: no globals, one context per server. */
export interface ServerContext {
  config: Readonly<Config>;
  logger: Logger;
  nodeId: string;
  storage: Storage;
  security: SecurityService;
  strategies: StrategyRegistry;
  tokens: TokenManager;
  /** Kuzzle's API keys (auth: and security: createApiKey, searchApiKeys, deleteApiKey). */
  apiKeys: ApiKeyService;
  users: UserService;
  /** Roles and profiles over the API (validated, guarded, announced to every node). */
  roles: RoleService;
  profiles: ProfileService;
  /** Failed-login counters (Redis or memory): every action that checks a secret goes through them. */
  logins: LoginLimiter;
  /** User, credential, profile and role searches, with their scroll ids (limits.documentsFetchCount). */
  search: SearchService;
  version: string;
  startedAt: number;
  /** This node's figures (server:metrics, Prometheus). */
  metrics: NodeMetrics;
  /** The audit log: actions record the changes they make (api/audit-stage.ts: recordFor). */
  audit: AuditLog;
}

/** What a handler gets: validated arguments and body, the caller, and the context. */
export interface ActionCall<Args, Body> {
  args: Args;
  body: Body;
  user: UserRecord;
  /** The caller's verified token (a login token or an API key); null for Basic and anonymous callers. */
  token: VerifiedToken | null;
  /** The connection the request came through; a WebSocket binds the tokens it is given with `connection.tokens`. */
  connection: Connection;
  requestId: string;
  ctx: ServerContext;
}

/** What a handler returns: a result, or a result with a status and headers (redirections). */
export interface ActionOutcome {
  result: unknown;
  status?: number;
  headers?: Record<string, string>;
  /** An error answered beside the result (Kuzzle's request.setError): a partial failure, a store down. */
  error?: PortcullisError;
  /** A `Set-Cookie` header (cookieAuth): sent over HTTP, never in the envelope (Kuzzle's body never shows set-cookie). */
  cookie?: string;
}

/**
 * An API action, declared once and served on every protocol: its name, argument and body
 * schemas (validation and the API reference both come from them), its HTTP routes and its
 * handler, which returns plain data.
 */
export interface ActionDefinition<ArgsSchema extends z.ZodType = z.ZodType, BodySchema extends z.ZodType = z.ZodType> {
  controller: string;
  action: string;
  description: string;
  http: HttpRoute[];
  args: ArgsSchema;
  body: BodySchema;
  /** Who may run it (api/access.ts): by default, whoever the caller's profiles allow. */
  access?: AccessRule;
  /**
   * Over HTTP, a successful answer's body is its result alone, not the envelope (Kuzzle's raw
   * format: server:openapi serves the OpenAPI document itself). WebSocket answers keep the envelope.
   */
  rawOverHttp?: boolean;
  /** Its answers carry a token: over HTTP they are sent `Cache-Control: no-store`, so that no cache keeps one. */
  issuesToken?: boolean;
  /**
   * Marks an action that checks a secret (a login, a current password): it runs behind the
   * failed-login limits, and its refused secrets count as failed logins on the account this
   * returns (e.g. `local:alice`; null when the request names none: the address alone counts).
   * A promise only where the account must be looked up (the caller's own login, say): logins
   * name theirs, and stay free of an extra step.
   */
  checksSecret?(call: { args: z.output<ArgsSchema>; body: z.output<BodySchema>; user: UserRecord; ctx: ServerContext }): MaybeAsync<string | null>;
  /** Returns the result, or a promise of it: an action that can answer from memory answers at once. */
  handler(call: ActionCall<z.output<ArgsSchema>, z.output<BodySchema>>): MaybeAsync<unknown | ActionOutcome>;
}

/** Typed helper: infers the handler's argument and body types from the schemas. */
export function defineAction<A extends z.ZodType, B extends z.ZodType>(definition: ActionDefinition<A, B>): ActionDefinition {
  return definition as unknown as ActionDefinition;
}

/** Marks a handler's return value as an outcome with a status and headers. */
export function outcome(result: unknown, status?: number, headers?: Record<string, string>): ActionOutcome & { [OUTCOME]: true } {
  return { [OUTCOME]: true, result, ...(status === undefined ? {} : { status }), ...(headers ? { headers } : {}) };
}

/**
 * Marks a result answered together with an error, as Kuzzle does for partial failures
 * (`services.storage.incomplete_delete`, 206) and health checks that find a store down (503):
 * the envelope carries the error, its status, and the result.
 */
export function withError(result: unknown, error: PortcullisError): ActionOutcome & { [OUTCOME]: true } {
  return { [OUTCOME]: true, result, error };
}

export const OUTCOME = Symbol('outcome');

export function isOutcome(value: unknown): value is ActionOutcome {
  return typeof value === 'object' && value !== null && OUTCOME in value;
}
