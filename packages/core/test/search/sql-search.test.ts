import { expect } from 'chai';
import { sql } from 'kysely';
import { SearchService } from '../../src/search/search-service.js';
import { parseSearchBody } from '../../src/search/parse-query.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlCredentialStore } from '../../src/storage/sql/sql-credential-store.js';
import { SqlSearchStore } from '../../src/storage/sql/sql-search-store.js';
import { SqlSettingsStore } from '../../src/storage/sql/sql-settings-store.js';
import { SqlUserStore } from '../../src/storage/sql/sql-user-store.js';
import { expectRejection, silentLogger, sqlPlace, type SqlPlace } from '../storage/fixtures.js';

/** Eight users whose content covers every mapped type, multi-valued and missing fields. */
const PEOPLE: Array<[string, Record<string, unknown>]> = [
  ['ann', { city: 'Paris', age: 31, bio: 'Loves climbing and chess', born: '1993-04-01', active: true, tags: ['a', 'b'], address: { zip: '75001' } }],
  ['bob', { city: 'Lyon', age: 25, bio: 'Chess player', born: '1999-01-15', active: false, tags: ['b'] }],
  ['cyd', { city: 'Paris', age: 47, bio: 'Gardener', active: true, tags: 'c', address: { zip: '75015' } }],
  ['dee', { city: 'Nice', age: '25', bio: 'Sailing, chess and climbing', born: 915148800000 }],
  ['eve', { city: 'paris', age: 19, active: 'true' }],
  ['fay', { age: 62, bio: 'Retired', tags: [] }],
  ['Gus', { city: 'Évry', age: 33.9 }],
  ['hal', { city: 'Lyon', active: false, address: [{ zip: '69001' }, { zip: '69002' }] }],
];

const MAPPING = {
  city: { type: 'keyword' }, age: { type: 'integer' }, bio: { type: 'text' }, born: { type: 'date' },
  active: { type: 'boolean' }, tags: { type: 'keyword' }, address: { properties: { zip: { type: 'keyword' } } },
} as const;

/** Query → ids in the expected order (default order: `_id`, code point order, so "Gus" first). */
const CASES: Array<[string, unknown, string[]]> = [
  ['match_all', { query: { match_all: {} } }, ['Gus', 'ann', 'bob', 'cyd', 'dee', 'eve', 'fay', 'hal']],
  ['an empty query', {}, ['Gus', 'ann', 'bob', 'cyd', 'dee', 'eve', 'fay', 'hal']],
  ['ids', { query: { ids: { values: ['bob', 'zed', 'eve'] } } }, ['bob', 'eve']],
  ['term on a keyword (case matters)', { query: { term: { city: 'Paris' } } }, ['ann', 'cyd']],
  ['term in its long form', { query: { term: { city: { value: 'Lyon', boost: 2 } } } }, ['bob', 'hal']],
  ['term on an integer given as text', { query: { term: { age: '25' } } }, ['bob', 'dee']],
  ['term on a boolean', { query: { term: { active: true } } }, ['ann', 'cyd', 'eve']],
  ['term on an array field', { query: { term: { tags: 'b' } } }, ['ann', 'bob']],
  ['term on a nested object field', { query: { term: { 'address.zip': '69002' } } }, ['hal']],
  ['terms', { query: { terms: { city: ['Nice', 'Évry', 'Rome'] } } }, ['Gus', 'dee']],
  ['terms on profileIds', { query: { terms: { profileIds: ['admin'] } } }, ['cyd']],
  ['terms on profileIds, a user holding both', { query: { terms: { profileIds: ['admin', 'default'] } } }, ['Gus', 'ann', 'bob', 'cyd', 'dee', 'eve', 'fay', 'hal']],
  ['range over the values of an array field', { query: { range: { tags: { gte: 'a', lte: 'c' } } } }, ['ann', 'bob', 'cyd']],
  ['bool must_not beside must', { query: { bool: { must: { exists: { field: 'city' } }, must_not: [{ term: { city: 'Paris' } }, { match: { bio: 'chess' } }] } } }, ['Gus', 'eve', 'hal']],
  ['bool minimum_should_match 2 over multi-valued fields', { query: { bool: { should: [{ match: { bio: 'chess climbing' } }, { terms: { tags: ['a', 'b'] } }, { prefix: { _id: 'd' } }], minimum_should_match: 2 } } }, ['ann', 'bob', 'dee']],
  ['bool minimum_should_match counts a clause once, however many values match', { query: { bool: { should: [{ match: { bio: 'chess climbing' } }, { term: { city: 'Rome' } }, { term: { age: 99 } }], minimum_should_match: 2 } } }, []],
  ['match on a text field (any term, case-blind)', { query: { match: { bio: 'CHESS gardener' } } }, ['ann', 'bob', 'cyd', 'dee']],
  ['match with operator and', { query: { match: { bio: { query: 'chess climbing', operator: 'and' } } } }, ['ann', 'dee']],
  ['match on a keyword is exact', { query: { match: { city: 'paris' } } }, ['eve']],
  ['prefix on a keyword', { query: { prefix: { city: 'Pa' } } }, ['ann', 'cyd']],
  ['prefix beyond ASCII', { query: { prefix: { city: 'É' } } }, ['Gus']],
  ['prefix on _id', { query: { prefix: { _id: { value: 'e' } } } }, ['eve']],
  ['range on an integer (truncated values)', { query: { range: { age: { gte: 25, lt: 34 } } } }, ['Gus', 'ann', 'bob', 'dee']],
  ['range gt/lte', { query: { range: { age: { gt: 47, lte: 62 } } } }, ['fay']],
  ['range on a date, string and epoch bounds', { query: { range: { born: { gte: '1995-01-01', lt: 1e13 } } } }, ['bob', 'dee']],
  ['range on a keyword', { query: { range: { city: { gte: 'M', lt: 'P' } } } }, ['dee']],
  ['exists', { query: { exists: { field: 'bio' } } }, ['ann', 'bob', 'cyd', 'dee', 'fay']],
  ['exists on an empty array', { query: { exists: { field: 'tags' } } }, ['ann', 'bob', 'cyd']],
  ['bool must + filter', { query: { bool: { must: { term: { city: 'Lyon' } }, filter: [{ term: { active: false } }, { exists: { field: 'address.zip' } }] } } }, ['hal']],
  ['bool must_not a prefix of _id (a test of two bounds)', { query: { bool: { must_not: { prefix: { _id: 'd' } } } } }, ['Gus', 'ann', 'bob', 'cyd', 'eve', 'fay', 'hal']],
  ['bool must_not', { query: { bool: { must_not: [{ exists: { field: 'city' } }] } } }, ['fay']],
  ['bool should alone needs one', { query: { bool: { should: [{ term: { city: 'Nice' } }, { term: { age: 62 } }] } } }, ['dee', 'fay']],
  ['bool should beside must is optional', { query: { bool: { must: { term: { city: 'Lyon' } }, should: { term: { age: 99 } } } } }, ['bob', 'hal']],
  ['bool minimum_should_match 2', { query: { bool: { should: [{ term: { city: 'Paris' } }, { term: { active: true } }, { range: { age: { gt: 40 } } }], minimum_should_match: 2 } } }, ['ann', 'cyd']],
  ['bool minimum_should_match percentage', { query: { bool: { should: [{ term: { city: 'Paris' } }, { term: { active: true } }, { range: { age: { gt: 40 } } }], minimum_should_match: '100%' } } }, ['cyd']],
  ['nested bool', { query: { bool: { should: [{ bool: { must: [{ term: { city: 'Paris' } }], must_not: { term: { _id: 'ann' } } } }, { prefix: { _id: 'G' } }] } } }, ['Gus', 'cyd']],
  ['sort desc on an integer, missing last', { query: { range: { age: { gte: 40 } } }, sort: [{ age: { order: 'desc' } }] }, ['fay', 'cyd']],
  ['sort on a keyword, then _id', { sort: ['city', { _id: 'desc' }] }, ['hal', 'bob', 'dee', 'cyd', 'ann', 'eve', 'Gus', 'fay']],
  ['sort on an array field: least value asc', { query: { exists: { field: 'tags' } }, sort: { tags: 'asc' } }, ['ann', 'bob', 'cyd']],
  ['sort on an array field: greatest value desc', { query: { exists: { field: 'tags' } }, sort: [{ tags: 'desc' }] }, ['cyd', 'ann', 'bob']],
  ['search_after on _id', { sort: ['_id'], search_after: ['dee'] }, ['eve', 'fay', 'hal']],
  ['search_after on a number then _id', { sort: [{ age: 'desc' }, '_id'], search_after: [31, 'ann'] }, ['bob', 'dee', 'eve', 'hal']],
  ['search_after a missing value', { sort: [{ age: 'desc' }, '_id'], search_after: [null, 'cyd'] }, ['hal']],
  ['search_after on a keyword, ties skipped', { query: { exists: { field: 'city' } }, sort: ['city'], search_after: ['Nice'] }, ['ann', 'cyd', 'eve', 'Gus']],
];

/** Bodies → the error id they must be refused with. */
const REFUSALS: Array<[string, unknown, string]> = [
  ['wildcard', { query: { wildcard: { city: 'P*' } } }, 'services.storage.unsupported_query'],
  ['a clause deep in bool', { query: { bool: { must: [{ term: { city: 'x' } }, { fuzzy: { city: 'x' } }] } } }, 'services.storage.unsupported_query'],
  ['a nested query', { query: { nested: { path: 'address', query: { match_all: {} } } } }, 'services.storage.unsupported_query'],
  ['aggregations', { aggregations: { cities: { terms: { field: 'city' } } } }, 'services.storage.unsupported_query'],
  ['a bool key of its own', { query: { bool: { must: [], adjust_pure_negative: true } } }, 'services.storage.unsupported_query'],
  ['minimum_should_match combinations', { query: { bool: { should: [], minimum_should_match: '3<90%' } } }, 'api.assert.invalid_argument'],
  ['an unmapped field', { query: { term: { country: 'FR' } } }, 'services.storage.unknown_field'],
  ['an unmapped nested field', { query: { exists: { field: 'address.street' } } }, 'services.storage.unknown_field'],
  ['sorting a text field', { sort: ['bio'] }, 'services.storage.unknown_field'],
  ['sorting by _score', { sort: ['_score'] }, 'services.storage.unknown_field'],
  ['prefix on an integer', { query: { prefix: { age: '2' } } }, 'services.storage.unknown_field'],
  ['a word in an integer field', { query: { term: { age: 'old' } } }, 'api.assert.invalid_argument'],
  ['two fields in a term', { query: { term: { city: 'a', age: 1 } } }, 'api.assert.invalid_argument'],
  ['two clauses in one object', { query: { term: { city: 'a' }, prefix: { city: 'b' } } }, 'api.assert.invalid_argument'],
  ['a range option outside the subset', { query: { range: { age: { from: 1 } } } }, 'services.storage.unsupported_query'],
  ['more than 10,000 listed values', { query: { bool: { should: [{ terms: { city: Array.from({ length: 6000 }, (_, n) => `c${n}`) } }, { ids: { values: Array.from({ length: 6000 }, (_, n) => `u${n}`) } }] } } }, 'api.assert.invalid_argument'],
  ['search_after without as many values as sort keys', { sort: ['_id'], search_after: ['a', 'b'] }, 'api.assert.invalid_argument'],
  ['search_after with a word for a number', { sort: ['age'], search_after: ['old'] }, 'api.assert.invalid_argument'],
  ['a term that is no scalar', { query: { term: { city: ['a'] } } }, 'api.assert.invalid_argument'],
];

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`core/search over SQL (${dialect})`, () => {
    let place: SqlPlace;
    let database: SqlDatabase;
    let users: SqlUserStore;
    let search: SqlSearchStore;
    let service: SearchService;

    const found = async (body: unknown, page = { from: 0, size: 100 }) => (await search.users(parseSearchBody(body), page)).hits.map((user) => user._id);

    before(async () => {
      place = await sqlPlace(dialect);
      database = await openSqlDatabase(place.options, silentLogger);
      users = new SqlUserStore(database.db, dialect);
      search = new SqlSearchStore(database.db, dialect);
      service = new SearchService(search, new SqlSettingsStore(database.db));
      // Half the users exist before the fields are mapped: the mapping update must index them.
      for (const [id, content] of PEOPLE.slice(0, 4)) await users.insert({ _id: id, content: { profileIds: ['default'], ...content } });
      await search.updateUserMapping(MAPPING);
      for (const [id, content] of PEOPLE.slice(4)) await users.insert({ _id: id, content: { profileIds: ['default'], ...content } });
      await users.replace({ _id: 'cyd', content: { profileIds: ['default', 'admin'], ...PEOPLE[2]![1] } });
      await users.insert({ _id: 'gone', content: { profileIds: ['default'], city: 'Paris' } });
      await users.delete('gone');
    });

    after(async () => {
      await database?.close();
      await place?.remove();
    });

    for (const [name, body, expected] of CASES) {
      it(`answers ${name}`, async () => {
        const result = await search.users(parseSearchBody(body), { from: 0, size: 100 });
        expect(result.hits.map((user) => user._id)).to.deep.equal(expected);
        // The total counts the matches once each (search_after narrows the hits, not the total).
        if ((body as { search_after?: unknown }).search_after === undefined) expect(result.total).to.equal(expected.length);
      });
    }

    for (const [name, body, id] of REFUSALS) {
      it(`refuses ${name} with ${id}`, async () => {
        await expectRejection((async () => search.users(parseSearchBody(body), { from: 0, size: 10 }))(), id as never);
      });
    }

    it('counts every match whatever the page, and pages without overlap', async () => {
      const page = await search.users(parseSearchBody({ query: { exists: { field: 'city' } } }), { from: 2, size: 3 });
      expect(page.total).to.equal(7);
      expect(page.hits.map((user) => user._id)).to.deep.equal(['bob', 'cyd', 'dee']);
      expect(await found({}, { from: 7, size: 5 })).to.deep.equal(['hal']);
    });

    it('re-indexes a replaced user and forgets a deleted one', async () => {
      expect(await found({ query: { term: { profileIds: 'admin' } } })).to.deep.equal(['cyd']);
      await users.replace({ _id: 'bob', content: { profileIds: ['default'], city: 'Rome' } });
      expect(await found({ query: { term: { city: 'Rome' } } })).to.deep.equal(['bob']);
      expect(await found({ query: { match: { bio: 'player' } } })).to.deep.equal([]);
      await users.replace({ _id: 'bob', content: { profileIds: ['default'], ...PEOPLE[1]![1] } });
      expect(await found({ query: { term: { city: 'Paris' } } })).to.not.include('gone');
    });

    it('scrolls by keyset in _id order, and by offset in any other order', async () => {
      const first = await service.searchUsers({}, { size: 3, scroll: '30s' });
      expect(first.hits.map((user) => user._id)).to.deep.equal(['Gus', 'ann', 'bob']);
      const second = await service.scrollUsers(first.scrollId!);
      expect(second.hits.map((user) => user._id)).to.deep.equal(['cyd', 'dee', 'eve']);
      const third = await service.scrollUsers(second.scrollId!, '10s');
      expect(third.hits.map((user) => user._id)).to.deep.equal(['fay', 'hal']);
      expect(third.remaining).to.equal(0);
      expect((await service.scrollUsers(third.scrollId!)).hits).to.deep.equal([]);
      const sorted = await service.searchUsers({ query: { exists: { field: 'age' } }, sort: [{ age: 'desc' }] }, { size: 4, scroll: '30s' });
      expect(sorted.hits.map((user) => user._id)).to.deep.equal(['fay', 'cyd', 'Gus', 'ann']);
      const rest = await service.scrollUsers(sorted.scrollId!);
      expect(rest.hits.map((user) => user._id)).to.deep.equal(['bob', 'dee', 'eve']);
    });

    it('refuses a forged, altered or over-long scroll, and pages past the limit', async () => {
      const { scrollId } = await service.searchUsers({}, { size: 1, scroll: '30s' });
      const [payload, signature] = scrollId!.split('.');
      const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), from: 5 })).toString('base64url');
      await expectRejection(service.scrollUsers(`${altered}.${signature}`), 'services.storage.unknown_scroll_id');
      await expectRejection(service.scrollUsers('not-a-scroll-id'), 'services.storage.unknown_scroll_id');
      await expectRejection(service.searchUsers({}, { scroll: '2m' }), 'services.storage.scroll_duration_too_great');
      await expectRejection(service.scrollUsers(scrollId!, 'forever'), 'services.storage.scroll_duration_too_great');
      await expectRejection(service.searchUsers({}, { size: 10_001 }), 'services.storage.get_limit_exceeded');
      await expectRejection(service.searchUsers({}, { from: 9_995, size: 10 }), 'services.storage.get_limit_exceeded');
    });

    it('takes its page limit and default size from limits.documentsFetchCount', async () => {
      const limited = new SearchService(search, new SqlSettingsStore(database.db), 3);
      expect((await limited.searchUsers({}, {})).hits).to.have.length(3);
      await expectRejection(limited.searchUsers({}, { size: 4 }), 'services.storage.get_limit_exceeded');
      await expectRejection(limited.searchUsers({}, { from: 2, size: 2 }), 'services.storage.get_limit_exceeded');
      expect(limited.page({ size: 3 }, 10)).to.deep.equal({ from: 0, size: 3 });
      expect(limited.page({}, 10)).to.deep.equal({ from: 0, size: 3 });
    });

    it('keeps a mapped type for ever, and adds nested fields', async () => {
      await expectRejection(search.updateUserMapping({ age: { type: 'keyword' } }), 'services.storage.cannot_change_mapping');
      await expectRejection(search.updateUserMapping({ city: { properties: { name: { type: 'keyword' } } } }), 'services.storage.cannot_change_mapping');
      const mapping = await search.updateUserMapping({ address: { properties: { country: { type: 'keyword' } } } });
      expect(mapping).to.deep.include({ profileIds: { type: 'keyword' }, address: { properties: { zip: { type: 'keyword' }, country: { type: 'keyword' } } } });
    });

    it('finishes a backfill a crash left half done before it answers', async () => {
      await users.insert({ _id: 'ivo', content: { profileIds: ['default'], zone: 'north' } });
      await users.insert({ _id: 'jo', content: { profileIds: ['default'], zone: 'north' } });
      // The state a crash leaves after the mapping update committed and one batch (up to "ivo") was indexed.
      const mapping = { ...(await search.userMapping()), zone: { type: 'keyword' } };
      const { profileIds: _base, ...stored } = mapping;
      await sql`update settings set value = ${JSON.stringify(stored)} where key = 'search:mapping:users'`.execute(database.db);
      await sql`insert into user_fields (user_id, field, value_text) values ('ivo', 'zone', 'north')`.execute(database.db);
      await sql`insert into settings (key, value) values ('search:mapping:users:backfill', ${JSON.stringify({ fields: ['zone'], after: 'ivo' })})`.execute(database.db);
      expect(await found({ query: { term: { zone: 'north' } } })).to.deep.equal(['ivo', 'jo']);
      const left = await sql<{ n: number | string }>`select count(*) as n from settings where key = 'search:mapping:users:backfill'`.execute(database.db);
      expect(Number(left.rows[0]!.n)).to.equal(0);
      await users.delete('ivo');
      await users.delete('jo');
    });

    it('searches credentials by canonical login prefix and term, sorted by login or kuid', async () => {
      const credentials = new SqlCredentialStore(database.db);
      for (const [kuid, login] of [['ann', 'Ann.Lee'], ['bob', 'bob'], ['cyd', 'ANNA'], ['dee', 'dee']]) {
        await credentials.insert({ strategy: 'local', kuid: kuid!, login: login!, data: { secret: 'never returned' } });
      }
      await credentials.insert({ strategy: 'other', kuid: 'eve', login: 'annie', data: {} });
      const fields = { query: { username: 'login' as const }, sort: { username: 'login' as const, kuid: 'kuid' as const } };
      const byPrefix = await credentials.search('local', parseSearchBody({ query: { prefix: { username: 'ann' } }, sort: [{ kuid: 'desc' }] }), { from: 0, size: 10 }, fields);
      expect(byPrefix).to.deep.equal({ hits: [{ kuid: 'cyd', login: 'ANNA' }, { kuid: 'ann', login: 'Ann.Lee' }], total: 2 });
      const byTerm = await credentials.search('local', parseSearchBody({ query: { bool: { should: [{ term: { username: 'BOB' } }, { terms: { username: ['dee'] } }] } }, sort: 'username' }), { from: 0, size: 10 }, fields);
      expect(byTerm.hits.map((hit) => hit.kuid)).to.deep.equal(['bob', 'dee']);
      await expectRejection(credentials.search('local', parseSearchBody({ query: { term: { kuid: 'bob' } } }), { from: 0, size: 10 }, fields), 'services.storage.unknown_field');
    });

    it('counts a user once when a field that held one value per user gets several', async () => {
      const body = { query: { range: { city: { gte: 'L', lt: 'Q' } } } };
      const before = await search.users(parseSearchBody(body), { from: 0, size: 100 });
      expect(before.total).to.equal(5);
      await users.insert({ _id: 'zoe', content: { profileIds: ['default'], city: ['Lille', 'Pau', 'Paris'] } });
      try {
        const after = await search.users(parseSearchBody(body), { from: 0, size: 100 });
        expect(after.hits.map((user) => user._id)).to.deep.equal(['ann', 'bob', 'cyd', 'dee', 'hal', 'zoe']);
        expect(after.total).to.equal(6);
      } finally {
        await users.delete('zoe');
      }
    });

    it('surveys once the fields a database held several values of before it flagged them', async () => {
      // A database written before the flags: none of them, and no survey yet.
      await sql`delete from settings where key like ${'search:multivalued:users%'}`.execute(database.db);
      const fresh = new SqlSearchStore(database.db, dialect);
      const body = { query: { range: { tags: { gte: 'a', lte: 'c' } } } };
      expect((await fresh.users(parseSearchBody(body), { from: 0, size: 100 })).total).to.equal(3);
      const flags = await sql<{ key: string }>`select key from settings where key like ${'search:multivalued:users%'} order by key`.execute(database.db);
      expect(flags.rows.map((row) => row.key)).to.include.members(['search:multivalued:users', 'search:multivalued:users:tags', 'search:multivalued:users:bio']);
      expect(flags.rows.map((row) => row.key)).to.not.include('search:multivalued:users:city');
      expect((await fresh.users(parseSearchBody(body), { from: 0, size: 100 })).total).to.equal(3);
    });
  });
}
