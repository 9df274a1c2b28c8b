import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openSqlDatabase } from '../../src/storage/sql/database.js';
import { MIGRATIONS } from '../../src/storage/sql/migrations.js';
import { SqlCredentialStore } from '../../src/storage/sql/sql-credential-store.js';
import { silentLogger, sqlPlace, type SqlPlace } from './fixtures.js';

/** Opens the database, then takes it back to the schema before 0003 and writes `rows` as an older node did. */
async function databaseBefore0003(place: SqlPlace, rows: Array<[kuid: string, login: string]>): Promise<void> {
  const database = await openSqlDatabase(place.options, silentLogger);
  try {
    const db = database.db as unknown as Kysely<unknown>;
    const schema = place.options.url.startsWith('postgres') ? place.options.schema : undefined;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) }, migrationTableSchema: schema });
    const { error } = await migrator.migrateTo('0001_initial');
    if (error) throw error;
    for (const [kuid, login] of rows) {
      await sql`insert into credentials (strategy, kuid, login, data) values ('local', ${kuid}, ${login}, '{}')`.execute(db);
    }
  } finally {
    await database.close();
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`core/storage/sql migration 0003_canonical_logins (${dialect})`, () => {
    let place: SqlPlace;
    beforeEach(async () => (place = await sqlPlace(dialect)));
    afterEach(() => place.remove());

    it('gives every existing login its key: they are found and held without regard to case', async () => {
      await databaseBefore0003(place, [['kuid-alice', 'Alice'], ['kuid-bob', 'ｂｏｂ']]);
      const database = await openSqlDatabase(place.options, silentLogger);
      try {
        const store = new SqlCredentialStore(database.db);
        expect((await store.findByLogin('local', 'ALICE'))?.login).to.equal('Alice');
        expect((await store.findByLogin('local', 'Bob'))?.kuid).to.equal('kuid-bob');
        expect(await store.insert({ strategy: 'local', kuid: 'kuid-eve', login: 'alice\u200B', data: {} })).to.equal('login_taken');
      } finally {
        await database.close();
      }
    });

    it('refuses to start while two existing logins would become one, naming them, and changes nothing', async () => {
      await databaseBefore0003(place, [['kuid-alice', 'alice'], ['kuid-mallory', 'ALICE\u200B'], ['kuid-bob', 'bob']]);
      const refusal = await openSqlDatabase(place.options, silentLogger).then(() => null, (error: Error) => error);
      expect(refusal?.message).to.match(/0003_canonical_logins/).and.to.include('"alice" (user "kuid-alice"), "ALICE\\u200b" (user "kuid-mallory")');
      expect(refusal?.message).to.not.include('kuid-bob');
      // Nothing was half-done: it refuses again, until an operator renames one of them.
      expect(await openSqlDatabase(place.options, silentLogger).then(() => 'opened', () => 'refused')).to.equal('refused');
      await renameLogin(place, 'kuid-mallory', 'mallory');
      const renamed = await openSqlDatabase(place.options, silentLogger);
      try {
        expect((await new SqlCredentialStore(renamed.db).findByLogin('local', 'MALLORY'))?.kuid).to.equal('kuid-mallory');
      } finally {
        await renamed.close();
      }
    });
  });
}

/** What an operator does by hand: an UPDATE of the credentials table, with no node running. */
async function renameLogin(place: SqlPlace, kuid: string, login: string): Promise<void> {
  const dialect = place.options.url.startsWith('sqlite:')
    ? new SqliteDialect({ database: new Database(place.options.url.slice('sqlite:'.length)) })
    : new PostgresDialect({ pool: new pg.Pool({ connectionString: place.options.url, options: `-c search_path="${place.options.schema}"` }) });
  const db = new Kysely<unknown>({ dialect });
  try {
    await sql`update credentials set login = ${login} where kuid = ${kuid}`.execute(db);
  } finally {
    await db.destroy();
  }
}
