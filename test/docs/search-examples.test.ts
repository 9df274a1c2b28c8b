import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { WsClient } from '../support/clients.js';
import { apiJsonBlocks as jsonBlocks } from '../support/doc-blocks.js';
import { firstAdmin, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

describe('docs: the search example of the API reference', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('answers security:searchUsers as documented', async () => {
    const client = await WsClient.connect(node.url);
    try {
      const jwt = await firstAdmin(client);
      ok(await client.call({ controller: 'security', action: 'updateUserMapping', jwt, body: { properties: { city: { type: 'keyword' }, age: { type: 'integer' } } } }));
      for (const [id, city, age] of [['ann', 'Paris', 31], ['cyd', 'Paris', 47], ['kid', 'Paris', 12], ['bob', 'Lyon', 25]] as const) {
        ok(await client.call({ controller: 'security', action: 'createUser', jwt, _id: id, body: { content: { profileIds: ['default'], city, age } } }));
      }
      const [request, result] = jsonBlocks('search-users');
      expect(ok(await client.call({ ...request, jwt }))).to.deep.equal(result);
    } finally {
      await client.close();
    }
  });
});
