import { expect } from 'chai';
import type { SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlSessionStore } from '../../src/storage/sql/sql-session-store.js';
import { silentLogger, sleep, sqlFactory, type StoreFixture } from './fixtures.js';
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
