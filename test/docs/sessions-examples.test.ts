import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient } from '../support/clients.js';
import { DOC_URL, fencedBlock, jsonLines, readDoc, runBash } from '../support/doc-blocks.js';
import { createUser, firstAdmin } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

describe('docs: the "Seeing and ending sessions" example of the API reference, with curl', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores);
    const client = new HttpClient(node.url);
    await createUser(client, await firstAdmin(client), 'alice', 'alice', 'alice-example-pw');
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('lists the laptop and phone sessions, ends the phone one, and its token is refused', async () => {
    const answers = jsonLines(await runBash(fencedBlock(readDoc('docs/api.md'), 'sessions-example').replaceAll(DOC_URL, node.url)));
    expect(answers.map((answer) => `${answer['action']} ${answer['status']}`)).to.deep.equal(['listMySessions 200', 'deleteMySession 200', 'getCurrentUser 401']);
    const { hits, total } = answers[0]!['result'] as { hits: Array<Record<string, unknown>>; total: number };
    expect(total).to.equal(2);
    expect(hits.map(({ userAgent, current, strategy, ip }) => ({ userAgent, current, strategy, ip }))).to.deep.equal([
      { userAgent: 'Safari on the phone', current: false, strategy: 'local', ip: '127.0.0.1' },
      { userAgent: 'Firefox on the laptop', current: true, strategy: 'local', ip: '127.0.0.1' },
    ]);
    expect(answers[1]!['result']).to.deep.equal({ _id: hits[0]!['_id'] });
    expect(answers[2]!['error']).to.include({ id: 'security.token.invalid' });
    // The documented answer has the same shape.
    const documented = readDoc('docs/api.md').split('<!-- docs-test: sessions-example -->')[1]!;
    const shown = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(documented)![1]!) as { hits: Array<Record<string, unknown>> };
    expect(shown.hits.map((hit) => Object.keys(hit))).to.deep.equal(hits.map((hit) => Object.keys(hit)));
  });
});
