import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { USER_MAPPING_KEY } from './user-field-index.js';

/**
 * Migration 0004_search_index: what user search needs to answer from indexes alone.
 *
 * Design. Users keep their content as JSON text (one schema for both dialects, no JSON
 * operators to keep in step). Each field the user mapping names is copied, value by value, to
 * `user_fields(user_id, field, value_text, value_number)`, written by SqlUserStore.insert /
 * replace in the user's own transaction, like `user_profiles`:
 * - `(field, value_text, user_id)` serves term, terms, match, prefix (as a range) and range on
 *   keyword, text and boolean fields, and exists;
 * - `(field, value_number, user_id)` serves the same on numbers and dates (epoch ms);
 * - a test on one field is `users.id in (select user_id from user_fields where ...)`: the index
 *   finds the ids, the users' primary key finds the rows; bool combines such tests.
 * `profileIds` is answered from `user_profiles`, `_id` from `users.id`, logins from
 * `credentials.login_key`.
 *
 * Collation. A prefix is searched as the range [prefix, next string), which is exact only in
 * code point order. SQLite's default BINARY collation is that order; on PostgreSQL the
 * searched columns are given the "C" collation (byte order, the same for UTF-8), so that the
 * range is right whatever the database's locale, sorts agree between the two databases, and
 * the plain indexes serve it. Equality is unchanged: every deterministic collation compares
 * equal exactly the same strings.
 */
export const searchIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema.createTable('user_fields')
      .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('field', 'text', (column) => column.notNull())
      .addColumn('value_text', 'text')
      .addColumn('value_number', 'double precision')
      .execute();
    if (postgres) {
      await sql`alter table user_fields alter column value_text type text collate "C", alter column user_id type text collate "C", alter column field type text collate "C"`.execute(db);
      await sql`alter table users alter column id type text collate "C"`.execute(db);
      await sql`alter table user_profiles alter column user_id type text collate "C", alter column profile_id type text collate "C"`.execute(db);
      await sql`alter table credentials alter column login_key type text collate "C", alter column kuid type text collate "C"`.execute(db);
    }
    await db.schema.createIndex('user_fields_text').on('user_fields').columns(['field', 'value_text', 'user_id']).execute();
    await db.schema.createIndex('user_fields_number').on('user_fields').columns(['field', 'value_number', 'user_id']).execute();
    await db.schema.createIndex('user_fields_user').on('user_fields').column('user_id').execute();
    // The mapping row exists from now on, so that user writes can always lock it (see UserFieldIndex).
    await sql`insert into settings (key, value) values (${USER_MAPPING_KEY}, '{}') on conflict (key) do nothing`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('user_fields').ifExists().execute();
  },
};
