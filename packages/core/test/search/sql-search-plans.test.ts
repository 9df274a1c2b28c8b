import { expect } from 'chai';
import { sql, type RawBuilder } from 'kysely';
import { compileClause } from '../../src/search/compile.js';
import type { FlatMapping } from '../../src/search/mapping.js';
import { parseSearchBody } from '../../src/search/parse-query.js';
import { credentialOrder, credentialTarget } from '../../src/storage/sql/credential-search-target.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { countIds } from '../../src/storage/sql/user-id-sets.js';
import { userMatches } from '../../src/storage/sql/user-search-target.js';
import type { SearchQuery } from '../../src/search/query.js';
import type { SearchPage } from '../../src/storage/ports.js';
import { SqlSearchStore } from '../../src/storage/sql/sql-search-store.js';
import { USER_MAPPING_KEY } from '../../src/storage/sql/user-field-index.js';
import { userPage, walkBudget, type UserRow } from '../../src/storage/sql/user-page.js';
import { silentLogger, sqlPlace, type SqlPlace } from '../storage/fixtures.js';

const ROWS = 20_000;
const MAPPING: FlatMapping = new Map([['city', 'keyword'], ['age', 'integer']]);
const PAGE = { from: 0, size: 10 };
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
      const matches = userMatches(query, MAPPING);
      return {
        page: await plan(userPage(matches, query, MAPPING, PAGE)),
        walk: await plan(userPage(matches, query, MAPPING, PAGE, 1_000)),
        count: await plan(countIds(matches)),
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

    /** The total is counted from the index tables, without reading users (PostgreSQL: `on users u`; SQLite: `SCAN u`, `SEARCH u`). */
    const expectNoUsers = (text: string) => expect(text).to.not.match(/ on users\b|(SCAN|SEARCH) u\b/);

    it('answers term on a content field from (field, value_text, user_id)', async () => {
      const { page, count } = await userPlans({ query: { term: { city: 'city-7' } } });
      expectIndexed(page, /user_fields_text/);
      expectIndexed(count, /user_fields_text/);
      expectNoUsers(count);
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
      expectNoUsers(count);
    });

    it('counts bool combinations as set operations over the indexes, never reading users', async () => {
      const must = await userPlans({ query: { bool: { must: [{ term: { city: 'city-7' } }, { range: { age: { gte: 10, lt: 12 } } }] } } });
      expectIndexed(must.count, /user_fields_text[\s\S]*user_fields_number|user_fields_number[\s\S]*user_fields_text/);
      expectNoUsers(must.count);
      expect(must.count).to.match(/Intersect|INTERSECT/);
      const should = await userPlans({ query: { bool: { should: [{ term: { city: 'city-7' } }, { term: { profileIds: 'profile-3' } }, { range: { age: { gte: 10, lt: 12 } } }], minimum_should_match: 2 } } });
      expectIndexed(should.count, /user_profiles_pk|sqlite_autoindex_user_profiles_1/);
      expectNoUsers(should.count);
      const not = await userPlans({ query: { bool: { must: { range: { age: { gte: 10, lt: 12 } } }, must_not: { term: { city: 'city-7' } } } } });
      expectIndexed(not.count, /user_fields_number/);
      expectNoUsers(not.count);
      expect(not.count).to.match(/Except|EXCEPT/);
    });

    it('walks users by id, testing each through the index, and stops at the end of the page', async () => {
      const { walk } = await userPlans({ query: { bool: { must: { range: { age: { gte: 10, lt: 12 } } }, must_not: { term: { city: 'city-7' } } } } });
      if (dialect === 'sqlite') {
        // A bounded range of the primary key in order: no list of the matches, no sort.
        expect(walk).to.match(/SEARCH u USING INDEX sqlite_autoindex_users_1 \(id<\?\)/);
        expect(walk).to.match(/SEARCH f EXISTS USING INDEX user_fields_user \(user_id=\?\)|user_fields_text \(field=\? AND value_text=\? AND user_id=\?\)/);
        expect(walk).to.not.match(/LIST SUBQUERY|TEMP B-TREE/);
      }
      expect(walk).to.not.match(/SCAN (f|p)\b|Seq Scan on (user_fields|user_profiles)/);
    });

    it('walks to the same page as listing the matches, or falls short', async () => {
      const rows = async (body: unknown, page: typeof PAGE & { after?: string }, walk?: number): Promise<string[]> => {
        const query = parseSearchBody(body);
        const result = await userPage(userMatches(query, MAPPING), query, MAPPING, page, walk).execute(database.db);
        return (result.rows as UserRow[]).map((row) => row.id);
      };
      const bodies = [
        { query: { range: { age: { gte: 10, lt: 12 } } } },
        { query: { range: { age: { gte: 10, lt: 12 } } }, sort: [{ _id: 'desc' }] },
        { query: { range: { age: { gte: 10, lt: 12 } } }, sort: ['_id'], search_after: ['user-5000'] },
        { query: { bool: { should: [{ term: { city: 'city-7' } }, { term: { profileIds: 'profile-3' } }], must_not: { range: { age: { lt: 30 } } } } } },
        { query: { prefix: { _id: 'user-19' } } },
      ];
      let full = 0;
      let short = 0;
      for (const body of bodies) {
        for (const page of [PAGE, { from: 35, size: 10 }, { from: 0, size: 10, after: 'user-17' }]) {
          const listed = await rows(body, page);
          for (const walk of [0, 40, 1_000, ROWS * 2]) {
            const walked = await rows(body, page, walk);
            // A full page is the page; a short one sends the store back to listing (see userPage).
            if (walked.length === page.size) {
              expect(walked, JSON.stringify({ body, page, walk })).to.deep.equal(listed);
              full += 1;
            } else short += 1;
          }
        }
      }
      expect(full).to.be.greaterThan(20);
      expect(short).to.be.greaterThan(5);
    });

    it('pages in the store as listing the matches does, walking dense matches and falling back from a short walk', async () => {
      // The seeded fields, mapped without the backfill that updateUserMapping would run over contents of '{}'.
      await database.db.updateTable('settings').set({ value: JSON.stringify(Object.fromEntries([...MAPPING].map(([field, type]) => [field, { type }]))) })
        .where('key', '=', USER_MAPPING_KEY).execute();
      const store = new SqlSearchStore(database.db, dialect);
      const listed = async (query: SearchQuery, page: SearchPage) =>
        ((await userPage(userMatches(query, MAPPING), query, MAPPING, page).execute(database.db)).rows as UserRow[]).map((row) => row.id);
      // 10,010 users of 20,000, their ages spread over the ids: a walk finds a page after 20 users or so.
      const dense = parseSearchBody({ query: { range: { age: { lt: 45 } } }, sort: [{ _id: 'desc' }] });
      // 8,889 users whose ids all sort after the 11,111 of user-1*: a walk of a quarter of them meets none.
      const clustered = parseSearchBody({ query: { bool: { must_not: { prefix: { _id: 'user-1' } } } } });
      for (const [query, total, short] of [[dense, 10_010, false], [clustered, 8_889, true]] as const) {
        for (const page of [PAGE, { from: 30, size: 10 }]) {
          expect(walkBudget(query, page, total, ROWS)).to.be.a('number');
          const walked = await userPage(userMatches(query, MAPPING), query, MAPPING, page, walkBudget(query, page, total, ROWS)).execute(database.db);
          expect(walked.rows.length < page.size).to.equal(short);
          const result = await store.users(query, page);
          expect(result.total).to.equal(total);
          expect(result.hits.map((hit) => hit._id)).to.deep.equal(await listed(query, page)).and.have.length(10);
        }
      }
      // 40 of 20,000 users: listing them is cheap, a walk would have to test 5,000 users.
      expect(walkBudget(parseSearchBody({ query: { term: { city: 'city-7' } } }), PAGE, 40, ROWS)).to.equal(undefined);
      expect(walkBudget(parseSearchBody({ sort: ['city'] }), PAGE, ROWS, ROWS)).to.equal(undefined);
    });

    it('answers _id prefix and profileIds from the primary keys', async () => {
      expectIndexed((await userPlans({ query: { prefix: { _id: 'user-123' } } })).page, dialect === 'postgres' ? /Index Cond: \(\(id >= 'user-123'::text\) AND \(id < 'user-124'::text\)\)/ : /sqlite_autoindex_users_1 \(id>\? AND id<\?\)/);
      const profiles = (await userPlans({ query: { term: { profileIds: 'profile-3' } } })).count;
      expectIndexed(profiles, /user_profiles_pk|sqlite_autoindex_user_profiles_1 \(profile_id=\?\)/);
      expectNoUsers(profiles);
    });

    it('answers a login prefix from the credentials\' (strategy, login_key) index', async () => {
      const query = parseSearchBody({ query: { prefix: { username: 'LOGIN12' } }, sort: ['username'] });
      const where = compileClause(credentialTarget(FIELDS.query), query.query);
      const text = await plan(sql`select c.kuid, c.login from credentials c where c.strategy = ${'local'} and ${where} order by ${credentialOrder(query, FIELDS.sort)} limit 10 offset 0`);
      expectIndexed(text, dialect === 'postgres' ? /credentials_login_key[\s\S]*login_key >= 'login12'::text\) AND \(login_key < 'login13'::text/ : /credentials_login_key \(strategy=\? AND login_key>\? AND login_key<\?\)/);
    });
  });
}
