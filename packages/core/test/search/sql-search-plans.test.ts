import { expect } from 'chai';
import { sql, type RawBuilder } from 'kysely';
import { compileClause } from '../../src/search/compile.js';
import type { FlatMapping } from '../../src/search/mapping.js';
import { parseSearchBody } from '../../src/search/parse-query.js';
import { credentialOrder, credentialTarget } from '../../src/storage/sql/credential-search-target.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { userCondition } from '../../src/storage/sql/user-search-target.js';
import { userOrder } from '../../src/storage/sql/user-sort.js';
import { silentLogger, sqlPlace, type SqlPlace } from '../storage/fixtures.js';

const ROWS = 20_000;
const MAPPING: FlatMapping = new Map([['city', 'keyword'], ['age', 'integer']]);
const FIELDS = { query: { username: 'login' as const }, sort: { username: 'login' as const, kuid: 'kuid' as const } };

/**
 * Proof that searches are index lookups, not scans: EXPLAIN (QUERY PLAN) of the very SQL the
 * stores run, on 20,000 users with statistics gathered, on each database.
 */
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`core/search query plans (${dialect})`, () => {
    let place: SqlPlace;
    let database: SqlDatabase;

    const plan = async (statement: RawBuilder<unknown>): Promise<string> => {
      const rows = await sql<Record<string, string>>`${sql.raw(dialect === 'postgres' ? 'explain' : 'explain query plan')} ${statement}`.execute(database.db);
      return rows.rows.map((row) => row['QUERY PLAN'] ?? row['detail']).join('\n');
    };
    const userPlans = async (body: unknown) => {
      const query = parseSearchBody(body);
      const where = userCondition(query, MAPPING);
      return {
        page: await plan(sql`select u.id, u.content from users u where ${where} order by ${userOrder(query, MAPPING)} limit 10 offset 0`),
        count: await plan(sql`select count(*) as total from users u where ${where}`),
      };
    };

    before(async function () {
      this.timeout(60_000);
      place = await sqlPlace(dialect);
      // Seeding 20,000 rows may take longer than the 2 s statement timeout of the other store tests.
      database = await openSqlDatabase({ ...place.options, timeout: 30_000 }, silentLogger);
      const series = dialect === 'postgres'
        ? sql`select g as n from generate_series(1, ${ROWS}) g`
        : sql`with recursive s(n) as (select 1 union all select n + 1 from s where n < ${ROWS}) select n from s`;
      const run = (statement: RawBuilder<unknown>) => statement.execute(database.db);
      await run(sql`insert into users (id, content) select 'user-' || n, '{}' from (${series}) t`);
      await run(sql`insert into user_fields (user_id, field, value_text) select 'user-' || n, 'city', 'city-' || (n % 500) from (${series}) t`);
      await run(sql`insert into user_fields (user_id, field, value_number) select 'user-' || n, 'age', n % 90 from (${series}) t`);
      await run(sql`insert into user_profiles (user_id, profile_id) select 'user-' || n, 'profile-' || (n % 50) from (${series}) t`);
      await run(sql`insert into credentials (strategy, kuid, login, login_key, data) select 'local', 'user-' || n, 'Login' || n, 'login' || n, '{}' from (${series}) t`);
      await run(sql`analyze`);
    });

    after(async () => {
      await database?.close();
      await place?.remove();
    });

    const expectIndexed = (text: string, index: RegExp) => {
      expect(text).to.match(index);
      expect(text).to.not.match(/SCAN (u|f|p|c)\b(?! USING)|Seq Scan on (user_fields|user_profiles|credentials)/);
    };

    it('answers term on a content field from (field, value_text, user_id)', async () => {
      const { page, count } = await userPlans({ query: { term: { city: 'city-7' } } });
      expectIndexed(page, /user_fields_text/);
      expectIndexed(count, /user_fields_text/);
    });

    it('answers prefix as a range of the same index', async () => {
      const { page, count } = await userPlans({ query: { prefix: { city: 'city-12' } } });
      expect(page).to.not.match(/Seq Scan on user_fields|SCAN f\b/);
      expectIndexed(count, dialect === 'postgres' ? /Index Cond: \(\(field = 'city'::text\) AND \(value_text >= 'city-12'::text\) AND \(value_text < 'city-13'::text\)\)/ : /user_fields_text \(field=\? AND value_text>\? AND value_text<\?\)/);
    });

    it('answers range on a number from (field, value_number, user_id)', async () => {
      const { page, count } = await userPlans({ query: { range: { age: { gte: 10, lt: 12 } } } });
      expect(page).to.not.match(/Seq Scan on user_fields|SCAN f\b/);
      expectIndexed(count, /user_fields_number/);
    });

    it('answers _id prefix and profileIds from the primary keys', async () => {
      expectIndexed((await userPlans({ query: { prefix: { _id: 'user-123' } } })).page, dialect === 'postgres' ? /Index Cond: \(\(id >= 'user-123'::text\) AND \(id < 'user-124'::text\)\)/ : /sqlite_autoindex_users_1 \(id>\? AND id<\?\)/);
      expectIndexed((await userPlans({ query: { term: { profileIds: 'profile-3' } } })).count, /user_profiles_pk|sqlite_autoindex_user_profiles_1 \(profile_id=\?\)/);
    });

    it('answers a login prefix from the credentials\' (strategy, login_key) index', async () => {
      const query = parseSearchBody({ query: { prefix: { username: 'LOGIN12' } }, sort: ['username'] });
      const where = compileClause(credentialTarget(FIELDS.query), query.query);
      const text = await plan(sql`select c.kuid, c.login from credentials c where c.strategy = ${'local'} and ${where} order by ${credentialOrder(query, FIELDS.sort)} limit 10 offset 0`);
      expectIndexed(text, dialect === 'postgres' ? /credentials_login_key[\s\S]*login_key >= 'login12'::text\) AND \(login_key < 'login13'::text/ : /credentials_login_key \(strategy=\? AND login_key>\? AND login_key<\?\)/);
    });
  });
}
