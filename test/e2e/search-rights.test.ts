import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import type { ApiClient } from '../support/clients.js';
import { TRANSPORTS } from '../support/clients.js';
import { failed, firstAdmin, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { ids, type Hits } from '../support/search.js';

for (const mode of MODES) {
  describe(`e2e: profile and role search, mappings (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let jwt: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      jwt = await firstAdmin(await TRANSPORTS[0]!.connect(node.url));
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      describe(`over ${transport.name}`, () => {
        let client: ApiClient;
        const call = (action: string, rest: Record<string, unknown> = {}) => client.call({ controller: 'security', action, jwt, ...rest });
        before(async () => { client = await transport.connect(node.url); });
        after(async () => { await client.close(); });

        it('searches profiles by roles (Kuzzle\'s body) or by query, and scrolls them', async () => {
          expect(ids(ok<Hits>(await call('searchProfiles', { body: { roles: ['admin'] } })))).to.deep.equal(['admin']);
          const first = ok<Hits>(await call('searchProfiles', { body: { query: { prefix: { _id: 'a' } }, sort: [{ _id: 'desc' }] }, size: 1, scroll: '5s' }));
          expect(ids(first)).to.deep.equal(['anonymous']);
          expect(first.total).to.equal(2);
          const next = ok<Hits>(await call('scrollProfiles', { scrollId: first.scrollId }));
          expect(ids(next)).to.deep.equal(['admin']);
          expect(next.hits[0]!._source).to.have.property('policies');
          failed(await call('searchProfiles', { body: { roles: ['admin'], query: {} } }), 'api.assert.invalid_argument', 400);
          failed(await call('searchProfiles', { body: { query: { term: { rateLimit: 0 } } } }), 'services.storage.unknown_field', 400);
          failed(await call('scrollUsers', { scrollId: first.scrollId }), 'services.storage.unknown_scroll_id', 404);
        });

        it('searches roles by controllers, as Kuzzle does', async () => {
          expect(ids(ok<Hits>(await call('searchRoles', { body: { controllers: ['security'] } })))).to.deep.equal(['admin']);
          expect(ok<Hits>(await call('searchRoles', { body: { controllers: ['auth'] } })).total).to.equal(3);
          expect(ids(ok<Hits>(await call('searchRoles', { body: {}, from: 1, size: 1 })))).to.deep.equal(['anonymous']);
        });

        it('serves the mappings: users grow, profiles and roles are fixed', async () => {
          expect(ok(await call('getProfileMapping'))).to.have.nested.property('mapping.policies.properties.roleId.type', 'keyword');
          expect(ok(await call('getRoleMapping'))).to.have.nested.property('mapping.tags.type', 'keyword');
          ok(await call('updateProfileMapping', { body: { properties: { tags: { type: 'keyword' } } } }));
          failed(await call('updateRoleMapping', { body: { properties: { description: { type: 'text' } } } }), 'services.storage.cannot_change_mapping', 400);
          const grown = ok(await call('updateUserMapping', { body: { properties: { address: { properties: { city: { type: 'keyword' } } } } } }));
          expect(grown).to.have.nested.property('properties.address.properties.city.type', 'keyword');
          expect(ok(await call('getUserMapping'))).to.have.nested.property('mapping.profileIds.type', 'keyword');
          failed(await call('updateUserMapping', { body: { properties: { address: { properties: { city: { type: 'integer' } } } } } }), 'services.storage.cannot_change_mapping', 400);
          failed(await call('updateUserMapping', { body: { properties: { shoe: { type: 'geo_point' } } } }), 'services.storage.invalid_mapping', 400);
        });
      });
    }
  });
}
