import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { apiKeys } from './api-keys-migration.js';
import { canonicalLogins } from './canonical-logins.js';
import { auditLog } from './audit-log-table.js';
import { searchIndex } from './search-index.js';
import { sessionDetails } from './session-details.js';

/**
 * The schema's history. A migration, once released, is never edited: add the next one
 * ("0002_...") instead. Names sort in the order they run.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('users')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('content', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createTable('user_profiles')
        .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
        .addColumn('profile_id', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('user_profiles_pk', ['profile_id', 'user_id'])
        .execute();
      await db.schema.createIndex('user_profiles_user_id').on('user_profiles').column('user_id').execute();
      for (const table of ['profiles', 'roles']) {
        await db.schema.createTable(table)
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('body', 'text', (column) => column.notNull())
          .execute();
      }
      await db.schema.createTable('credentials')
        .addColumn('strategy', 'text', (column) => column.notNull())
        .addColumn('kuid', 'text', (column) => column.notNull())
        .addColumn('login', 'text', (column) => column.notNull())
        .addColumn('data', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('credentials_pk', ['strategy', 'kuid'])
        .addUniqueConstraint('credentials_login', ['strategy', 'login'])
        .execute();
      await db.schema.createIndex('credentials_kuid').on('credentials').column('kuid').execute();
      await db.schema.createTable('settings')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('value', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createTable('sessions')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('kuid', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .addColumn('ttl', 'bigint', (column) => column.notNull())
        .addColumn('refreshed', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('sessions_kuid').on('sessions').column('kuid').execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['sessions', 'settings', 'credentials', 'roles', 'profiles', 'user_profiles', 'users']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '0003_canonical_logins': canonicalLogins,
  '0004_search_index': searchIndex,
  '0005_api_keys': apiKeys,
  '0006_session_details': sessionDetails,
  '0007_audit_log': auditLog,
};

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/**
 * Brings the database to the latest migration. Safe to run on every start and from several
 * nodes at once: Kysely takes a lock (an advisory lock on PostgreSQL) and skips what ran.
 * @param schema where Kysely keeps its bookkeeping tables (PostgreSQL only)
 * @returns the names of the migrations applied by this call
 */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
