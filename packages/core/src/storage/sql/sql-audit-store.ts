import type { Insertable, Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { AuditEvent, AuditEventType, AuditOutcome, AuditPage, AuditQuery } from '../../audit/audit-event.js';
import type { AuditStore } from '../ports.js';
import { guard } from './sql-errors.js';
import type { Tables } from './tables.js';

const UNAVAILABLE = 'services.storage.not_connected';

type Row = Selectable<Tables['audit_events']>;
type Query = SelectQueryBuilder<Tables, 'audit_events', object>;

function toRow(event: AuditEvent): Insertable<Tables['audit_events']> {
  return {
    id: event._id, at: event.at, type: event.type, outcome: event.outcome, user_id: event.userId, actor_id: event.actorId,
    strategy: event.strategy, ip: event.ip, user_agent: event.userAgent, details: JSON.stringify(event.details),
  };
}

function toEvent(row: Row): AuditEvent {
  return {
    _id: row.id, at: Number(row.at), type: row.type as AuditEventType, outcome: row.outcome as AuditOutcome, userId: row.user_id,
    actorId: row.actor_id, strategy: row.strategy, ip: row.ip, userAgent: row.user_agent, details: JSON.parse(row.details) as AuditEvent['details'],
  };
}

/** The filters of a query, shared by its page and its count. */
function filtered(query: Query, filter: AuditQuery): Query {
  let out = query;
  if (filter.since !== undefined) out = out.where('at', '>=', filter.since);
  if (filter.until !== undefined) out = out.where('at', '<', filter.until);
  if (filter.userId !== undefined) out = out.where('user_id', '=', filter.userId);
  if (filter.types !== undefined && filter.types.length > 0) out = out.where('type', 'in', [...filter.types]);
  if (filter.outcome !== undefined) out = out.where('outcome', '=', filter.outcome);
  return out;
}

/** Audit events in the SQL database, SQLite or PostgreSQL alike. */
export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Tables>) {}

  insert(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return guard(UNAVAILABLE, async () => {
      await this.db.insertInto('audit_events').values(events.map(toRow)).execute();
    });
  }

  search(filter: AuditQuery, page: AuditPage): Promise<{ hits: AuditEvent[]; total: number }> {
    return guard(UNAVAILABLE, async () => {
      const base = filtered(this.db.selectFrom('audit_events') as Query, filter);
      const counted = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      let rows = base.selectAll();
      const { after } = page;
      // Keyset paging: strictly older than the cursor's event, in the (at, id) order of the index.
      if (after) rows = rows.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
      const found = await rows.orderBy('at', 'desc').orderBy('id', 'desc').limit(page.size).offset(page.from).execute();
      return { hits: (found as Row[]).map(toEvent), total: Number(counted?.n ?? 0) };
    });
  }

  purge(before: number, limit: number): Promise<number> {
    return guard(UNAVAILABLE, async () => {
      const oldest = this.db.selectFrom('audit_events').select('id').where('at', '<', before).orderBy('at').limit(limit);
      const result = await this.db.deleteFrom('audit_events').where('id', 'in', oldest).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
