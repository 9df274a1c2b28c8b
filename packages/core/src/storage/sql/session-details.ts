import type { Kysely, Migration } from 'kysely';

/**
 * Migration 0006_session_details: what a user needs to recognise a session (its strategy,
 * creation and last use, client address and user agent). Sessions stored before it read
 * 0 for both times and null for the rest; they end within `maxTTL` anyway.
 */
export const sessionDetails: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // SQLite adds one column per ALTER TABLE statement.
    await db.schema.alterTable('sessions').addColumn('created_at', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('sessions').addColumn('last_used_at', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
    for (const name of ['strategy', 'ip', 'user_agent']) await db.schema.alterTable('sessions').addColumn(name, 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const name of ['user_agent', 'ip', 'strategy', 'last_used_at', 'created_at']) {
      await db.schema.alterTable('sessions').dropColumn(name).execute();
    }
  },
};
