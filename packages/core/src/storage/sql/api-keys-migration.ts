import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Migration 0005_api_keys: Kuzzle's API keys, and single-use sessions.
 *
 * `api_keys` holds what a key's owner may list (id, description, expiry) and what finds it
 * (its session's id, a fingerprint of the key): never the key. A key's id is unique per user;
 * its rows go with their user (ON DELETE CASCADE). `sessions.single_use` marks a token good for
 * one request (auth:createToken's `singleUse`) in embedded mode; Redis keeps the mark in the
 * session's hash.
 */
export const apiKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createTable('api_keys')
      .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('description', 'text', (column) => column.notNull())
      .addColumn('expires_at', 'bigint', (column) => column.notNull())
      .addColumn('ttl', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('session_id', 'text', (column) => column.notNull().unique())
      .addColumn('fingerprint', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('api_keys_pk', ['user_id', 'id'])
      .execute();
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      // Byte order, as users.id (see search-index.ts): ids sort alike on both databases.
      await sql`alter table api_keys alter column user_id type text collate "C", alter column id type text collate "C"`.execute(db);
    }
    await db.schema.alterTable('sessions').addColumn('single_use', 'integer', (column) => column.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('sessions').dropColumn('single_use').execute();
    await db.schema.dropTable('api_keys').ifExists().execute();
  },
};
