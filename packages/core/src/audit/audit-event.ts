/**
 * The audit log's events: who did what to whom, from where, and how it ended. Types are named
 * in Kuzzle's event style (`<domain>:<what>`). `details` holds non-secret facts only (ids, a
 * strategy name, an error id, the names of changed fields): never a password, a hash, a token,
 * an API key, a credential value or a request body. Its values are flat by type, so that a
 * nested body cannot be stored by mistake.
 */
export const AUDIT_EVENT_TYPES = [
  'auth:login', 'auth:logout', 'limits:hit',
  'token:create', 'token:revoke',
  'apiKey:create', 'apiKey:delete', 'session:delete',
  'credentials:create', 'credentials:update', 'credentials:delete',
  'user:create', 'user:update', 'user:delete',
  'role:create', 'role:update', 'role:delete',
  'profile:create', 'profile:update', 'profile:delete',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A value of `details`: flat, never an object. */
export type AuditDetail = string | number | boolean | null | readonly string[];
export type AuditDetails = Readonly<Record<string, AuditDetail>>;

/** One recorded event, as stored, queried and handed to hooks. */
export interface AuditEvent {
  _id: string;
  /** Epoch milliseconds. */
  at: number;
  type: AuditEventType;
  outcome: AuditOutcome;
  /** Whom the event is about (the user who logged in, the user an administrator changed); null when unknown. */
  userId: string | null;
  /** Who did it: the user themselves, or the administrator; null for anonymous requests. */
  actorId: string | null;
  strategy: string | null;
  /** The client address (the socket's, or a trusted proxy's X-Forwarded-For). */
  ip: string | null;
  userAgent: string | null;
  details: AuditDetails;
}

/** What a caller of AuditLog.record gives: the log stamps `_id` and `at`. */
export interface AuditEventInput {
  type: AuditEventType;
  /** Default: success. */
  outcome?: AuditOutcome;
  userId?: string | null | undefined;
  actorId?: string | null | undefined;
  strategy?: string | null | undefined;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
  details?: AuditDetails;
}

/**
 * What a plugin subscribes to: one function per event type, called after the event is
 * recorded, off the request path. A hook that throws or rejects is logged and changes nothing
 * else; one still running after `audit.hookTimeout` is logged and no longer waited for.
 */
export type AuditHooks = { readonly [T in AuditEventType]?: (event: Readonly<AuditEvent>) => void | Promise<void> };

/** What administrators filter the log by (security:searchAuditEvents). */
export interface AuditQuery {
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, exclusive. */
  until?: number | undefined;
  userId?: string | undefined;
  types?: readonly AuditEventType[] | undefined;
  outcome?: AuditOutcome | undefined;
}

/** Where a page starts: `from` events skipped, or after the event a cursor names (newest first). */
export interface AuditPage {
  from: number;
  size: number;
  after?: { at: number; id: string } | undefined;
}

export function isAuditEventType(value: unknown): value is AuditEventType {
  return typeof value === 'string' && (AUDIT_EVENT_TYPES as readonly string[]).includes(value);
}
