import { AUDIT_EVENT_TYPES, AUDIT_OUTCOMES, fail, isAuditEventType, pageOf, type AuditEvent, type AuditEventType } from '@portcullis/core';
import { z } from 'zod';
import { defineAction } from '../api/action.js';
import { authenticated } from '../api/access.js';
import { count, id } from '../api/schemas.js';

/** Page size when none is asked for (at most limits.documentsFetchCount). */
const DEFAULT_SIZE = 100;

/** Epoch milliseconds; over HTTP they come from the query string as text. */
const epoch = z.union([z.number().int().min(0), z.string().regex(/^\d{1,16}$/).transform(Number)]).optional();
/** One type, several as an array, or a comma list (`?type=auth:login,auth:logout` over HTTP). */
const types = z.union([z.string().max(2000), z.array(z.string().max(64)).max(AUDIT_EVENT_TYPES.length)]).optional();
/** Where the previous page ended: `<at>.<_id>` of its last event, as the previous answer gave it. */
const cursor = z.string().regex(/^\d{1,16}\.[0-9a-f-]{36}$/, 'a cursor returned by a previous page').optional();

const filters = {
  since: epoch, until: epoch, userId: id.optional(), type: types, outcome: z.enum(AUDIT_OUTCOMES).optional(), from: count, size: count, cursor,
};
const args = z.object(filters).loose();
/** `POST /_audit/_search`: the same filters in the body, which win over the query string. */
const body = z.object(filters).strict().nullish();

/** @throws api.assert.invalid_argument when a type is not an audit event type */
function typeList(value: string | string[] | undefined): AuditEventType[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : value.split(',').filter((item) => item.length > 0);
  for (const item of list) if (!isAuditEventType(item)) throw fail('api.assert.invalid_argument', 'type', `one or several of ${AUDIT_EVENT_TYPES.join(', ')}`);
  return list as AuditEventType[];
}

const cursorOf = (event: AuditEvent) => `${event.at}.${event._id}`;

/** security:searchAuditEvents, a Portcullis extension: the audit log, newest first. */
export const auditActions = [
  defineAction({
    controller: 'security',
    action: 'searchAuditEvents',
    description: 'Audit events (logins, logouts, limits hit, token, credential, user, role and profile changes), newest first, filtered by time range, user, type and outcome. A Portcullis extension.',
    http: [
      { verb: 'GET', path: '/_audit' },
      { verb: 'POST', path: '/_audit/_search' },
    ],
    args,
    body,
    access: authenticated,
    async handler({ args: given, body: posted, ctx }) {
      const query = { ...given, ...posted };
      if (query.since !== undefined && query.until !== undefined && query.since > query.until) throw fail('api.assert.invalid_argument', 'since', 'a time before until');
      if (query.cursor !== undefined && query.from !== undefined && query.from > 0) throw fail('api.assert.invalid_argument', 'from', '0 or absent with a cursor');
      const page = pageOf(query, Math.min(DEFAULT_SIZE, ctx.config.limits.documentsFetchCount), ctx.config.limits.documentsFetchCount);
      const [at, eventId] = query.cursor?.split('.') ?? [];
      const after = at !== undefined && eventId !== undefined ? { at: Number(at), id: eventId } : undefined;
      const filter = { since: query.since, until: query.until, userId: query.userId, types: typeList(query.type), outcome: query.outcome };
      const { hits, total } = await ctx.audit.search(filter, { ...page, after });
      const last = hits[hits.length - 1];
      return { hits, total, cursor: last && hits.length === page.size ? cursorOf(last) : null };
    },
  }),
];
