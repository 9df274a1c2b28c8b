import type { Kysely, Migration } from 'kysely';

/**
 * Migration 0007_audit_log: one row per audit event. `at` is epoch ms. Queries are newest
 * first, filtered by a time range and optionally a user, a type or an outcome:
 * - `(at, id)` serves the unfiltered page, the time range, the cursor and the purge (oldest first);
 * - `(user_id, at, id)` serves one user's events;
 * - `(type, at, id)` serves one or several types.
 * An outcome alone is filtered while walking `(at, id)`: failures are a large share of events.
 */
export const auditLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createTable('audit_events')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('at', 'bigint', (column) => column.notNull())
      .addColumn('type', 'text', (column) => column.notNull())
      .addColumn('outcome', 'text', (column) => column.notNull())
      .addColumn('user_id', 'text')
      .addColumn('actor_id', 'text')
      .addColumn('strategy', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('details', 'text', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute();
    await db.schema.createIndex('audit_events_user_at').on('audit_events').columns(['user_id', 'at', 'id']).execute();
    await db.schema.createIndex('audit_events_type_at').on('audit_events').columns(['type', 'at', 'id']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_events').ifExists().execute();
  },
};
