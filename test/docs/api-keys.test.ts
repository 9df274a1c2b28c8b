import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient } from '../support/clients.js';
import { DOC_URL, fencedBlock, jsonLines, readDoc, runBash } from '../support/doc-blocks.js';
import { login, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

type Answer = { controller: string; action: string; status: number; error: { id: string } | null; result: Record<string, unknown> | null };
const GUIDE = 'docs/api-keys.md';
const BLOCKS = ['api-keys-setup', 'api-keys-create', 'api-keys-use', 'api-keys-list', 'api-keys-logout', 'api-keys-delete', 'api-keys-expiry', 'api-keys-admin', 'api-keys-single-use'];

describe('docs: the worked examples of docs/api-keys.md, with curl', () => {
  let stores: TestStores;
  let node: Portcullis;
  let answers: Answer[];

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores);
    const client = new HttpClient(node.url);
    ok(await client.call({ controller: 'security', action: 'createFirstAdmin', _id: 'admin', body: { content: {}, credentials: { local: { username: 'admin', password: 'admin-example-pw' } } } }));
    await login(client, 'admin', 'admin-example-pw');
    const guide = readDoc(GUIDE);
    const script = BLOCKS.map((name) => fencedBlock(guide, name)).join('\n').replaceAll(DOC_URL, node.url);
    answers = jsonLines(await runBash(script)) as Answer[];
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('runs every block in order, with the answers the guide describes', () => {
    expect(answers.map((answer) => `${answer.controller}:${answer.action} ${answer.status}`)).to.deep.equal([
      'security:createOrReplaceRole 200', 'security:createOrReplaceProfile 200', 'security:createUser 200',
      'auth:createApiKey 200', 'auth:getCurrentUser 200', 'auth:searchApiKeys 200',
      'auth:logout 200', 'auth:getCurrentUser 200',
      'auth:deleteApiKey 200', 'auth:getCurrentUser 401',
      'auth:createApiKey 200', 'security:createApiKey 200', 'security:searchApiKeys 200',
      'auth:getCurrentUser 200', 'auth:getCurrentUser 401',
    ]);
    const [, , , created, used, listed, , afterLogout, , deleted, monthly, byAdmin, adminList, once, twice] = answers as [Answer, ...Answer[]] as Answer[];
    expect(created!.result).to.deep.include({ _id: 'nightly-export' });
    expect(created!.result!['_source']).to.include({ userId: 'carol', description: 'nightly export', expiresAt: -1, ttl: -1 });
    expect(used!.result).to.include({ _id: 'carol' });
    expect(listed!.result).to.deep.equal({ hits: [{ _id: 'nightly-export', _source: { userId: 'carol', description: 'nightly export', expiresAt: -1, ttl: -1 } }], total: 1 });
    expect(afterLogout!.result).to.include({ _id: 'carol' });
    expect(deleted!.error).to.include({ id: 'security.token.invalid' });
    expect(monthly!.result!['_source']).to.include({ ttl: 2_592_000_000 });
    expect(byAdmin!.result!['_source']).to.include({ userId: 'carol', description: 'made by the admin' });
    expect(adminList!.result).to.include({ total: 2 });
    expect(JSON.stringify(adminList!.result)).to.not.include('kapikey-');
    expect(once!.result).to.include({ _id: 'carol' });
    expect(twice!.error).to.include({ id: 'security.token.invalid' });
  });

  it('shows the answers it quotes', () => {
    const guide = readDoc(GUIDE);
    expect(guide).to.include('{"hits":[{"_id":"nightly-export","_source":{"userId":"carol","description":"nightly export","expiresAt":-1,"ttl":-1}}],"total":1}');
    expect(guide).to.include('{"_id":"nightly-export","_source":{"userId":"carol","description":"nightly export","expiresAt":-1,"ttl":-1,"token":"kapikey-');
  });
});
