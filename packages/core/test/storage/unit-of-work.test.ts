import { expect } from 'chai';
import { openSqlDatabase, type SqlDatabase, type SqlDialectName } from '../../src/storage/sql/database.js';
import { SqlCredentialStore } from '../../src/storage/sql/sql-credential-store.js';
import { SqlUserStore } from '../../src/storage/sql/sql-user-store.js';
import { silentLogger, sqlPlace, type SqlPlace } from './fixtures.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

for (const dialect of ['sqlite', 'postgres'] as SqlDialectName[]) {
  describe(`core/storage/sql/unit-of-work (${dialect})`, () => {
    let place: SqlPlace;
    let database: SqlDatabase;
    let users: SqlUserStore;
    let credentials: SqlCredentialStore;

    beforeEach(async () => {
      place = await sqlPlace(dialect);
      database = await openSqlDatabase(place.options, silentLogger);
      users = new SqlUserStore(database.db);
      credentials = new SqlCredentialStore(database.db);
    });

    afterEach(async () => {
      await database.close();
      await place.remove();
    });

    const user = (id: string) => ({ _id: id, content: { profileIds: ['default'] } });
    const credential = (kuid: string) => ({ strategy: 'local', kuid, login: kuid, data: {} });

    it('commits every store\'s writes together when the unit resolves', async () => {
      const result = await database.transaction(async () => {
        expect(await users.insert(user('ann'))).to.equal(true);
        expect(await credentials.insert(credential('ann'))).to.equal('created');
        // Read back through the unit: its own writes are visible to it.
        expect(await credentials.findByKuid('local', 'ann')).to.not.equal(null);
        return 'done';
      });
      expect(result).to.equal('done');
      expect(await users.get('ann')).to.not.equal(null);
      expect(await credentials.findByKuid('local', 'ann')).to.not.equal(null);
    });

    it('rolls back every write, the store\'s own nested transactions included, when the unit rejects', async () => {
      const error = await database.transaction(async () => {
        await users.insert(user('ben'));
        await credentials.insert(credential('ben'));
        throw new Error('a later strategy refused');
      }).catch((caught: unknown) => caught as Error);
      expect(error.message).to.equal('a later strategy refused');
      expect(await users.get('ben')).to.equal(null);
      expect(await users.existsWithProfile('default')).to.equal(false);
      expect(await credentials.findByKuid('local', 'ben')).to.equal(null);
    });

    it('keeps the unit usable after a nested transaction fails, and joins a nested unit', async () => {
      await users.insert(user('cat'));
      await database.transaction(async () => {
        // A duplicate insert is refused inside the store's own (nested) transaction.
        expect(await users.insert(user('cat'))).to.equal(false);
        await database.transaction(async () => {
          expect(await credentials.insert(credential('cat'))).to.equal('created');
        });
        expect(await users.replace({ _id: 'cat', content: { profileIds: ['admin'] } })).to.equal(true);
      });
      expect((await users.get('cat'))?.content.profileIds).to.deep.equal(['admin']);
      expect(await credentials.findByKuid('local', 'cat')).to.not.equal(null);
    });

    it('goes on after a credential update refused for a taken login, as the store promises', async () => {
      await credentials.insert(credential('fay'));
      await database.transaction(async () => {
        await users.insert(user('gil'));
        await credentials.insert(credential('gil'));
        expect(await credentials.update({ ...credential('gil'), login: 'fay' })).to.equal('login_taken');
        expect(await credentials.update({ ...credential('gil'), login: 'gil2' })).to.equal(true);
      });
      expect((await credentials.findByKuid('local', 'gil'))?.login).to.equal('gil2');
    });

    it('hides uncommitted writes from queries made outside the unit', async () => {
      let release!: () => void;
      const held = new Promise<void>((done) => (release = done));
      let inserted!: () => void;
      const written = new Promise<void>((done) => (inserted = done));
      const unit = database.transaction(async () => {
        await users.insert(user('dan'));
        inserted();
        await held;
      });
      await written;
      // Outside: PostgreSQL answers from the last commit; SQLite's only connection waits for the unit.
      const outside = users.get('dan');
      await sleep(50);
      release();
      await unit;
      const seen = await outside;
      if (dialect === 'postgres') expect(seen).to.equal(null);
      else expect(seen).to.not.equal(null);
    });

    it('makes units that take the same lock run one after the other', async () => {
      const events: string[] = [];
      const first = database.transaction(async () => {
        await database.lock('test');
        events.push('first locked');
        await sleep(150);
        events.push('first ends');
      });
      await sleep(30);
      const second = database.transaction(async () => {
        await database.lock('test');
        events.push('second locked');
      });
      await Promise.all([first, second]);
      expect(events).to.deep.equal(['first locked', 'first ends', 'second locked']);
    });

    it('refuses a lock outside a unit, where it would hold nothing', async () => {
      const error = await database.lock('test').catch((caught: unknown) => caught as Error);
      expect(error).to.be.instanceOf(Error);
      expect(error.message).to.include('outside a transaction');
    });

    it('gives a query still pending when the unit ends a connection of its own', async () => {
      let late: Promise<unknown> | undefined;
      await database.transaction(async () => {
        await users.insert(user('eve'));
        late = sleep(20).then(() => users.get('eve'));
      });
      expect(await late).to.not.equal(null);
    });
  });
}
