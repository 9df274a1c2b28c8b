import { expect } from 'chai';
import type { CredentialRecord, CredentialStore } from '../../src/storage/ports.js';
import type { StoreFactory, StoreFixture } from './fixtures.js';

function credential(kuid: string, login: string, strategy = 'local', data: Record<string, unknown> = { hash: `hash-of-${login}` }): CredentialRecord {
  return { strategy, kuid, login, data };
}

/** The contract every CredentialStore keeps. */
export function credentialStoreConformance(factory: StoreFactory<CredentialStore>): void {
  describe('CredentialStore', () => {
    let fixture: StoreFixture<CredentialStore>;
    let credentials: CredentialStore;
    beforeEach(async () => {
      fixture = await factory();
      credentials = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('returns null when nothing matches', async () => {
      expect(await credentials.findByKuid('local', 'alice')).to.equal(null);
      expect(await credentials.findByLogin('local', 'alice')).to.equal(null);
    });

    it('finds an inserted record by kuid and by login, with its data', async () => {
      const alice = credential('kuid-alice', 'alice', 'local', { hash: 'x', nested: { salt: [1, 2] } });
      expect(await credentials.insert(alice)).to.equal('created');
      expect(await credentials.findByKuid('local', 'kuid-alice')).to.deep.equal(alice);
      expect(await credentials.findByLogin('local', 'alice')).to.deep.equal(alice);
      expect(await credentials.findByLogin('ldap', 'alice')).to.equal(null);
    });

    it('refuses a second record for the same user and strategy', async () => {
      await credentials.insert(credential('kuid-alice', 'alice'));
      expect(await credentials.insert(credential('kuid-alice', 'alice2'))).to.equal('kuid_taken');
      expect(await credentials.findByLogin('local', 'alice2')).to.equal(null);
    });

    it('refuses a login another user holds in the same strategy', async () => {
      await credentials.insert(credential('kuid-alice', 'alice'));
      expect(await credentials.insert(credential('kuid-bob', 'alice'))).to.equal('login_taken');
      expect(await credentials.findByKuid('local', 'kuid-bob')).to.equal(null);
    });

    it('lets two strategies use the same login', async () => {
      await credentials.insert(credential('kuid-alice', 'alice', 'local'));
      expect(await credentials.insert(credential('kuid-bob', 'alice', 'ldap'))).to.equal('created');
      expect((await credentials.findByLogin('ldap', 'alice'))?.kuid).to.equal('kuid-bob');
    });

    it('gives a login to exactly one of two concurrent inserts', async () => {
      const results = await Promise.all([
        credentials.insert(credential('kuid-alice', 'shared')),
        credentials.insert(credential('kuid-bob', 'shared')),
      ]);
      expect([...results].sort()).to.deep.equal(['created', 'login_taken']);
    });

    it('replaces the login and data of a record', async () => {
      await credentials.insert(credential('kuid-alice', 'alice'));
      const renamed = credential('kuid-alice', 'alicia', 'local', { hash: 'new' });
      expect(await credentials.update(renamed)).to.equal(true);
      expect(await credentials.findByKuid('local', 'kuid-alice')).to.deep.equal(renamed);
      expect(await credentials.findByLogin('local', 'alice')).to.equal(null);
    });

    it('updates the data of a record whose login stays the same', async () => {
      await credentials.insert(credential('kuid-alice', 'alice'));
      expect(await credentials.update(credential('kuid-alice', 'alice', 'local', { hash: 'rotated' }))).to.equal(true);
      expect((await credentials.findByLogin('local', 'alice'))?.data).to.deep.equal({ hash: 'rotated' });
    });

    it('refuses to update to a login another user holds, and changes nothing', async () => {
      await credentials.insert(credential('kuid-alice', 'alice'));
      await credentials.insert(credential('kuid-bob', 'bob'));
      expect(await credentials.update(credential('kuid-bob', 'alice', 'local', { hash: 'new' }))).to.equal('login_taken');
      expect(await credentials.findByKuid('local', 'kuid-bob')).to.deep.equal(credential('kuid-bob', 'bob'));
    });

    it('updates only over the expected login and data when asked to (compare-and-set)', async () => {
      const alice = credential('kuid-alice', 'alice', 'local', { hash: 'one', at: 1 });
      await credentials.insert(alice);
      const read = (await credentials.findByKuid('local', 'kuid-alice'))!;
      expect(await credentials.update(credential('kuid-alice', 'alice', 'local', { hash: 'two', at: 1 }), { login: read.login, data: read.data })).to.equal(true);
      // A write derived from the first read finds the record changed: nothing is written.
      expect(await credentials.update(credential('kuid-alice', 'alice', 'local', { hash: 'stale', at: 1 }), { login: read.login, data: read.data })).to.equal(false);
      expect((await credentials.findByKuid('local', 'kuid-alice'))?.data).to.deep.equal({ hash: 'two', at: 1 });
    });

    it('does not update a record that does not exist, nor create it', async () => {
      expect(await credentials.update(credential('kuid-ghost', 'ghost'))).to.equal(false);
      expect(await credentials.findByLogin('local', 'ghost')).to.equal(null);
    });

    it('deletes a record once and frees its login', async () => {
      await credentials.insert(credential('kuid-alice', 'alice'));
      expect(await credentials.delete('local', 'kuid-alice')).to.equal(true);
      expect(await credentials.delete('local', 'kuid-alice')).to.equal(false);
      expect(await credentials.insert(credential('kuid-bob', 'alice'))).to.equal('created');
    });

    it('finds a login by its canonical key, and keeps it as it was given', async () => {
      await credentials.insert(credential('kuid-alice', 'Alice'));
      for (const variant of ['alice', 'ALICE', 'ＡＬＩＣＥ', 'Al\u200Bice', '\u202EAlice', 'Alice\uFEFF']) {
        expect((await credentials.findByLogin('local', variant))?.login, variant).to.equal('Alice');
      }
    });

    it('refuses a login that differs from a held one only by case, width or invisible characters', async () => {
      await credentials.insert(credential('kuid-alice', 'Alice'));
      for (const [index, variant] of ['alice', 'ＡＬＩＣＥ', 'Al\u00ADice', 'Ali\u2066ce'].entries()) {
        expect(await credentials.insert(credential(`kuid-${index}`, variant)), variant).to.equal('login_taken');
      }
      await credentials.insert(credential('kuid-bob', 'bob'));
      expect(await credentials.update(credential('kuid-bob', 'ALICE'))).to.equal('login_taken');
      // Its own login in another form is no conflict: the user may change how it is written.
      expect(await credentials.update(credential('kuid-alice', 'ALICE'))).to.equal(true);
      expect((await credentials.findByLogin('local', 'alice'))?.login).to.equal('ALICE');
    });

    it('gives a login to one of two concurrent inserts that differ only by case', async () => {
      const results = await Promise.all([
        credentials.insert(credential('kuid-alice', 'Shared')),
        credentials.insert(credential('kuid-bob', 'sHARED')),
      ]);
      expect([...results].sort()).to.deep.equal(['created', 'login_taken']);
    });

    it('lists the strategies in which a user holds credentials', async () => {
      expect(await credentials.strategiesOf('kuid-alice')).to.deep.equal([]);
      await credentials.insert(credential('kuid-alice', 'alice', 'oauth'));
      await credentials.insert(credential('kuid-alice', 'alice', 'local'));
      await credentials.insert(credential('kuid-bob', 'bob', 'ldap'));
      expect(await credentials.strategiesOf('kuid-alice')).to.deep.equal(['local', 'oauth']);
    });
  });
}
