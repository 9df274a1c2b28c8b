import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { UserRecord, UserStore } from '../../src/storage/ports.js';
import type { StoreFactory, StoreFixture } from './fixtures.js';

function user(profileIds: string[], extra: Record<string, unknown> = {}): UserRecord {
  return { _id: `user-${randomUUID()}`, content: { profileIds, ...extra } };
}

/** The contract every UserStore keeps. */
export function userStoreConformance(factory: StoreFactory<UserStore>): void {
  describe('UserStore', () => {
    let fixture: StoreFixture<UserStore>;
    let users: UserStore;
    beforeEach(async () => {
      fixture = await factory();
      users = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('returns null for a user that does not exist', async () => {
      expect(await users.get('nobody')).to.equal(null);
    });

    it('returns an inserted user with its nested content intact', async () => {
      const alice = user(['default'], { name: { first: 'Alice' }, tags: ['a', 'b'], age: 42 });
      expect(await users.insert(alice)).to.equal(true);
      expect(await users.get(alice._id)).to.deep.equal(alice);
    });

    it('refuses to insert a user whose id exists and keeps the first one', async () => {
      const alice = user(['default'], { name: 'first' });
      await users.insert(alice);
      expect(await users.insert({ _id: alice._id, content: { profileIds: ['admin'], name: 'second' } })).to.equal(false);
      expect(await users.get(alice._id)).to.deep.equal(alice);
      expect(await users.existsWithProfile('admin')).to.equal(false);
    });

    it('replaces the content of an existing user', async () => {
      const alice = user(['default'], { name: 'before' });
      await users.insert(alice);
      const replaced = { _id: alice._id, content: { profileIds: ['default'], other: true } };
      expect(await users.replace(replaced)).to.equal(true);
      expect(await users.get(alice._id)).to.deep.equal(replaced);
    });

    it('does not replace a user that does not exist, nor create it', async () => {
      const ghost = user(['admin']);
      expect(await users.replace(ghost)).to.equal(false);
      expect(await users.get(ghost._id)).to.equal(null);
      expect(await users.existsWithProfile('admin')).to.equal(false);
    });

    it('deletes a user once', async () => {
      const alice = user(['default']);
      await users.insert(alice);
      expect(await users.delete(alice._id)).to.equal(true);
      expect(await users.get(alice._id)).to.equal(null);
      expect(await users.delete(alice._id)).to.equal(false);
    });

    it('tells whether any user holds a profile', async () => {
      expect(await users.existsWithProfile('admin')).to.equal(false);
      await users.insert(user(['default', 'admin']));
      expect(await users.existsWithProfile('admin')).to.equal(true);
      expect(await users.existsWithProfile('default')).to.equal(true);
      expect(await users.existsWithProfile('other')).to.equal(false);
    });

    it('follows the profiles of a user through replace and delete', async () => {
      const alice = user(['admin', 'admin']);
      await users.insert(alice);
      await users.replace({ _id: alice._id, content: { profileIds: ['editor'] } });
      expect(await users.existsWithProfile('admin')).to.equal(false);
      expect(await users.existsWithProfile('editor')).to.equal(true);
      await users.delete(alice._id);
      expect(await users.existsWithProfile('editor')).to.equal(false);
    });

    it('still finds a profile held by another user after one loses it', async () => {
      const alice = user(['admin']);
      const bob = user(['admin']);
      await users.insert(alice);
      await users.insert(bob);
      await users.delete(alice._id);
      expect(await users.existsWithProfile('admin')).to.equal(true);
    });

    it('finds a user holding a profile of every group, its profiles together, and none other than the one excepted', async () => {
      const split = user(['half-a', 'half-b']);
      const half = user(['half-a']);
      await users.insert(split);
      await users.insert(half);
      expect(await users.existsWithProfilesOfEach([['admin', 'half-a'], ['admin', 'half-b']])).to.equal(true);
      expect(await users.existsWithProfilesOfEach([['half-a'], ['half-b']], split._id)).to.equal(false);
      expect(await users.existsWithProfilesOfEach([['half-a'], ['half-a']], split._id)).to.equal(true);
      expect(await users.existsWithProfilesOfEach([['half-a'], []])).to.equal(false);
      expect(await users.existsWithProfilesOfEach([['admin']])).to.equal(false);
      expect(await users.existsWithProfilesOfEach([])).to.equal(false);
    });

    it('lists the users holding a profile', async () => {
      const alice = user(['editor', 'default']);
      const bob = user(['editor']);
      await users.insert(alice);
      await users.insert(bob);
      await users.insert(user(['default']));
      const listed = await users.listWithProfile('editor');
      expect(listed.map((found) => found._id).sort()).to.deep.equal([alice._id, bob._id].sort());
      expect(listed.find((found) => found._id === alice._id)).to.deep.equal(alice);
      expect(await users.listWithProfile('nobody-has-it')).to.deep.equal([]);
    });
  });
}
