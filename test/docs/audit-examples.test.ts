import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { awaitEvents } from '../support/audit.js';
import { WsClient } from '../support/clients.js';
import { apiJsonBlocks, fencedBlock, readDoc } from '../support/doc-blocks.js';
import { createUser, failed, firstAdmin, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

describe('docs: the audit example of the API reference', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { audit: { flushInterval: 20 } });
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('answers security:searchAuditEvents as documented', async () => {
    const client = await WsClient.connect(node.url);
    try {
      const jwt = await firstAdmin(client);
      await createUser(client, jwt, 'alice', 'alice', 'alice-password-1');
      failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'alice', password: 'not-her-password' } }), 'plugin.strategy.missing_user', 401);
      await awaitEvents(client, jwt, { type: 'auth:login', outcome: 'failure' }, (hits) => hits.length > 0);
      const [request, documented] = apiJsonBlocks('search-audit-events');
      const result = ok<{ hits: Array<Record<string, unknown>>; cursor: string }>(await client.call({ ...request, jwt }));
      expect(result.cursor).to.match(/^\d+\.[0-9a-f-]{36}$/);
      for (const hit of result.hits) for (const key of ['_id', 'at', 'ip', 'userAgent']) delete hit[key];
      expect({ ...result, cursor: '<at>.<_id>' }).to.deep.equal(documented);
    } finally {
      await client.close();
    }
  });
});

describe('docs: the audit hooks example of docs/plugins.md', () => {
  it('shows the code of test/docs/example-hooks.ts', () => {
    const documented = fencedBlock(readDoc('docs/plugins.md'), 'example-hooks');
    expect(documented.trim()).to.equal(readDoc('test/docs/example-hooks.ts').trim());
  });
});
