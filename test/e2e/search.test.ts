import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import type { ApiClient } from '../support/clients.js';
import { TRANSPORTS } from '../support/clients.js';
import { failed, firstAdmin, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { ids, type Hits } from '../support/search.js';

for (const mode of MODES) {
  describe(`e2e: user search (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let jwt: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      const http = await TRANSPORTS[0]!.connect(node.url);
      jwt = await firstAdmin(http);
      ok(await http.call({ controller: 'security', action: 'updateUserMapping', jwt, body: { properties: { city: { type: 'keyword' }, age: { type: 'integer' }, bio: { type: 'text' } } } }));
      const people = [
        { _id: 'u-alice', city: 'Paris', age: 31, bio: 'Loves climbing and chess' },
        { _id: 'u-bob', city: 'Lyon', age: 25, bio: 'Chess player' },
        { _id: 'u-carol', city: 'Paris', age: 47, bio: 'Gardener' },
        { _id: 'v-dave', city: 'Nice', age: 25 },
      ];
      for (const { _id, ...content } of people) {
        const credentials = { local: { username: `${_id.slice(2)}.smith`, password: 'a-password-long-enough' } };
        ok(await http.call({ controller: 'security', action: 'createUser', jwt, _id, body: { content: { profileIds: ['default'], ...content }, credentials } }));
      }
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      describe(`over ${transport.name}`, () => {
        let client: ApiClient;
        before(async () => { client = await transport.connect(node.url); });
        after(async () => { await client.close(); });

        const search = async (body: unknown, args: Record<string, unknown> = {}) => client.call({ controller: 'security', action: 'searchUsers', jwt, body, ...args });

        it('finds users by term, prefix, range and bool, sorted', async () => {
          expect(ids(ok<Hits>(await search({ query: { term: { city: 'Paris' } } })))).to.deep.equal(['u-alice', 'u-carol']);
          expect(ids(ok<Hits>(await search({ query: { prefix: { _id: 'u-' } }, sort: [{ age: 'desc' }] })))).to.deep.equal(['u-carol', 'u-alice', 'u-bob']);
          expect(ids(ok<Hits>(await search({ query: { range: { age: { gte: 25, lt: 31 } } } })))).to.deep.equal(['u-bob', 'v-dave']);
          const bool = ok<Hits>(await search({ query: { bool: { must: { match: { bio: 'CHESS' } }, must_not: { term: { city: 'Lyon' } } } } }));
          expect(ids(bool)).to.deep.equal(['u-alice']);
          expect(bool.total).to.equal(1);
        });

        it('pages with from/size and scrolls to the end', async () => {
          const first = ok<Hits>(await search({ query: { term: { profileIds: 'default' } } }, { size: 2, scroll: '10s' }));
          expect(ids(first)).to.deep.equal(['u-alice', 'u-bob']);
          expect(first.total).to.equal(4);
          const second = ok<Hits>(await client.call({ controller: 'security', action: 'scrollUsers', jwt, scrollId: first.scrollId }));
          expect(ids(second)).to.deep.equal(['u-carol', 'v-dave']);
          expect(second.remaining).to.equal(0);
        });

        it('searches local logins by prefix, as Kuzzle\'s local plugin does', async () => {
          const bySearch = (body: unknown, args: Record<string, unknown> = {}) => client.call({ controller: 'security', action: 'searchUsersByCredentials', strategy: 'local', jwt, body, ...args });
          const found = ok<{ hits: unknown[]; total: number }>(await bySearch({ query: { prefix: { username: 'CA' } } }));
          expect(found).to.deep.equal({ hits: [{ username: 'carol.smith', kuid: 'u-carol' }], total: 1 });
          const sorted = ok<{ hits: Array<{ kuid: string }>; total: number }>(await bySearch({ query: { bool: { should: [{ term: { username: 'bob.smith' } }, { prefix: { username: 'dave' } }] } }, sort: [{ kuid: 'desc' }] }));
          expect(sorted.hits.map((hit) => hit.kuid)).to.deep.equal(['v-dave', 'u-bob']);
          failed(await bySearch({ query: { term: { kuid: 'u-bob' } } }), 'services.storage.unknown_field', 400);
          failed(await bySearch({}, { strategy: 'nope' }), 'security.credentials.unknown_strategy', 400);
        });

        it('refuses an unsupported clause, an unmapped field, and a forged scroll id', async () => {
          failed(await search({ query: { wildcard: { city: 'P*' } } }), 'services.storage.unsupported_query', 400);
          failed(await search({ query: { term: { country: 'FR' } } }), 'services.storage.unknown_field', 400);
          failed(await client.call({ controller: 'security', action: 'scrollUsers', jwt, scrollId: 'abc.def' }), 'services.storage.unknown_scroll_id', 404);
          failed(await search({}, { size: 10_001 }), 'services.storage.get_limit_exceeded', 413);
        });
      });
    }
  });
}
