import { expect } from 'chai';
import sdk from 'kuzzle-sdk';
import type { Portcullis } from '@portcullis/server';
import { MODES, startNode, TestStores } from '../support/node.js';

const { Kuzzle, WebSocket, Http } = sdk;
const ADMIN = { username: 'root', password: 'root-password-12' };

/** The SDK's own search helpers (SearchResult.next, its scroll and its paging) against Portcullis. */
for (const mode of MODES) {
  describe(`e2e: search through the Kuzzle JavaScript SDK 7 (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let port: number;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { security: { admin: ADMIN } });
      port = Number(new URL(node.url).port);
      const kuzzle = new Kuzzle(new WebSocket('127.0.0.1', { port }));
      await kuzzle.connect();
      await kuzzle.auth.login('local', ADMIN);
      await kuzzle.security.updateUserMapping({ properties: { team: { type: 'keyword' } } });
      for (let n = 1; n <= 5; n += 1) {
        await kuzzle.security.createUser(`member-${n}`, { content: { profileIds: ['default'], team: n <= 3 ? 'red' : 'blue' }, credentials: { local: { username: `Member.${n}`, password: 'member-password-1' } } });
      }
      kuzzle.disconnect();
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const [name, Protocol] of [['WebSocket', WebSocket], ['Http', Http]] as const) {
      describe(`over its ${name} protocol`, () => {
        let kuzzle: InstanceType<typeof Kuzzle>;
        // One logged-in SDK for the whole protocol: these searches only read.
        before(async () => {
          kuzzle = new Kuzzle(new Protocol('127.0.0.1', { port }));
          await kuzzle.connect();
          await kuzzle.auth.login('local', ADMIN);
        });
        after(() => kuzzle.disconnect());

        it('searches users, and scrolls with SearchResult.next', async () => {
          const first = await kuzzle.security.searchUsers({ query: { term: { team: 'red' } } }, { size: 2, scroll: '10s' });
          expect(first.total).to.equal(3);
          expect(first.hits.map((user) => user._id)).to.deep.equal(['member-1', 'member-2']);
          expect(first.hits[0]!.content).to.deep.include({ team: 'red' });
          const second = await first.next();
          expect(second?.hits.map((user) => user._id)).to.deep.equal(['member-3']);
          expect(await second?.next()).to.equal(null);
        });

        it('pages users by search_after through SearchResult.next (sorted searches)', async () => {
          const first = await kuzzle.security.searchUsers({ query: { prefix: { _id: 'member-' } }, sort: [{ _id: 'desc' }] }, { from: 0, size: 4 });
          expect(first.hits.map((user) => user._id)).to.deep.equal(['member-5', 'member-4', 'member-3', 'member-2']);
          const second = await first.next();
          expect(second?.hits.map((user) => user._id)).to.deep.equal(['member-1']);
          const byTeam = await kuzzle.security.searchUsers({ query: { prefix: { _id: 'member-' } }, sort: ['team', { _id: 'desc' }] }, { size: 3 });
          expect(byTeam.hits.map((user) => user._id)).to.deep.equal(['member-5', 'member-4', 'member-3']);
          expect((await byTeam.next())?.hits.map((user) => user._id)).to.deep.equal(['member-2', 'member-1']);
          const profiles = await kuzzle.security.searchProfiles({ sort: ['_id'] }, { size: 2 });
          expect(profiles.hits.map((profile) => profile._id)).to.deep.equal(['admin', 'anonymous']);
          expect((await profiles.next())?.hits.map((profile) => profile._id)).to.deep.equal(['default']);
        });

        it('searches credentials, profiles, roles and mappings', async () => {
          // The SDK 7 has no method for it: its generic query sends the action.
          const { result: byLogin } = await kuzzle.query({ controller: 'security', action: 'searchUsersByCredentials', strategy: 'local', size: 2, body: { query: { prefix: { username: 'member.' } }, sort: [{ kuid: 'asc' }] } });
          expect(byLogin).to.deep.equal({ hits: [{ username: 'Member.1', kuid: 'member-1' }, { username: 'Member.2', kuid: 'member-2' }], total: 5 });
          const profiles = await kuzzle.security.searchProfiles({ roles: ['default'] });
          expect(profiles.hits.map((profile) => profile._id)).to.deep.equal(['default']);
          const roles = await kuzzle.security.searchRoles({ controllers: ['security'] });
          expect(roles.hits.map((role) => role._id)).to.deep.equal(['admin']);
          expect(await kuzzle.security.getUserMapping()).to.deep.equal({ mapping: { team: { type: 'keyword' }, profileIds: { type: 'keyword' } } });
          expect(await kuzzle.security.getProfileMapping()).to.have.nested.property('mapping.policies');
          expect(await kuzzle.security.getRoleMapping()).to.have.nested.property('mapping.controllers');
        });
      });
    }
  });
}
