import { expect } from 'chai';
import { openSqlDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlSessionStore } from '../../src/storage/sql/sql-session-store.js';
import { silentLogger, sleep, sqlFactory, sqlPlace, type SqlPlace, type StoreFixture } from './fixtures.js';
import { session } from './session-store.conformance.js';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`core/storage/sql/sql-session-store (${dialect})`, () => {
    let fixture: StoreFixture<{ database: SqlDatabase; sessions: SqlSessionStore }>;
    beforeEach(async () => {
      fixture = await sqlFactory(dialect, (database) => ({ database, sessions: new SqlSessionStore(database.db, silentLogger, 50) }),
        ({ sessions }) => sessions.close())();
    });
    afterEach(() => fixture.cleanup());

    async function rowIds(): Promise<string[]> {
      const rows = await fixture.store.database.db.selectFrom('sessions').select('id').orderBy('id').execute();
      return rows.map((row) => row.id);
    }

    it('purges expired rows and keeps live and never-expiring ones', async () => {
      const { sessions } = fixture.store;
      const [expired, live, forever] = [session('alice', 1), session('alice', 60_000), session('alice', -1)];
      for (const created of [expired, live, forever]) await sessions.create(created);
      await sleep(5);
      expect(await sessions.purgeExpired()).to.equal(1);
      expect(await rowIds()).to.deep.equal([live.id, forever.id].sort());
    });

    it('purges on its own timer', async () => {
      const expired = session('alice', 1);
      await fixture.store.sessions.create(expired);
      await sleep(200);
      expect(await rowIds()).to.deep.equal([]);
    });
  });
}

/**
 * Two connections to one SQLite file stand for two processes (a second node, the CLI):
 * data_version tells each one about the other's commits.
 */
describe('core/storage/sql/sql-session-store (sqlite, with its session cache)', () => {
  let place: SqlPlace;
  let databases: SqlDatabase[];
  let mine: SqlSessionStore;
  let theirs: SqlSessionStore;

  beforeEach(async () => {
    place = await sqlPlace('sqlite');
    databases = [await openSqlDatabase(place.options, silentLogger), await openSqlDatabase(place.options, silentLogger)];
    [mine, theirs] = databases.map((database) => new SqlSessionStore(database.db, silentLogger, undefined, database.dataVersion));
  });

  afterEach(async () => {
    for (const store of [mine, theirs]) await store.close();
    for (const database of databases) await database.close();
    await place.remove();
  });

  it('answers from memory once a session was read, and forgets what it revoked itself', async () => {
    const created = session('alice', 60_000);
    await mine.create(created);
    expect(mine.peek(created.id)).to.equal(undefined);
    expect(await mine.get(created.id)).to.deep.equal(created);
    expect(mine.peek(created.id)).to.deep.equal(created);
    await mine.delete(created.id);
    expect(mine.peek(created.id)).to.equal(undefined);
    expect(await mine.get(created.id)).to.equal(null);
  });

  it('forgets what it cached as soon as another process commits, and tells its user listeners', async () => {
    const created = session('bob', 60_000);
    await mine.create(created);
    await mine.get(created.id);
    const told: Array<string | null> = [];
    mine.onUserChange((kuid) => told.push(kuid));
    expect(await theirs.delete(created.id)).to.equal(true);
    expect(mine.peek(created.id)).to.equal(undefined);
    expect(await mine.get(created.id)).to.equal(null);
    expect(told).to.deep.equal([null]);
  });

  it('sees a refresh made by another process, and one made by itself', async () => {
    const [first, second] = [session('carol', 60_000), session('carol', 60_000)];
    for (const created of [first, second]) await mine.create(created);
    for (const created of [first, second]) await mine.get(created.id);
    expect(await theirs.markRefreshed(first.id, 1000)).to.equal(true);
    expect((await mine.get(first.id))?.refreshed).to.equal(true);
    expect(await mine.markRefreshed(second.id, 1000)).to.equal(true);
    expect(mine.peek(second.id)).to.equal(undefined);
    expect((await mine.get(second.id))?.expiresAt).to.be.at.most(Date.now() + 1000);
  });
});
