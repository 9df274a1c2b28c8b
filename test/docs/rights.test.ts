import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient } from '../support/clients.js';
import { DOC_URL, fencedBlock, jsonLines, readDoc, runBash, runModule } from '../support/doc-blocks.js';
import { failed, login, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

type Answer = Record<string, unknown> & { controller: string; action: string; status: number; error: { id: string } | null };
const GUIDE = 'docs/rights.md';
/** The administrator the guide logs in as. */
const DOC_ADMIN = { username: 'admin', password: 'admin-example-pw' };

/** A node with the guide's administrator, as the README's session leaves it. */
async function guideNode(): Promise<{ stores: TestStores; node: Portcullis; admin: string; client: HttpClient }> {
  const stores = new TestStores('embedded');
  const node = await startNode(stores);
  const client = new HttpClient(node.url);
  ok(await client.call({ controller: 'security', action: 'createFirstAdmin', _id: 'admin', body: { content: {}, credentials: { local: DOC_ADMIN } } }));
  return { stores, node, client, admin: await login(client, DOC_ADMIN.username, DOC_ADMIN.password) };
}

/** Runs the guide's setup block then `example` against `url`; returns the answers printed. */
async function runExample(url: string, example: string): Promise<Answer[]> {
  const guide = readDoc(GUIDE);
  const script = `${fencedBlock(guide, 'rights-setup')}\n${fencedBlock(guide, example)}`.replaceAll(DOC_URL, url);
  return jsonLines(await runBash(script)) as Answer[];
}

const calls = (answers: Answer[]) => answers.map((answer) => `${answer.controller}:${answer.action} ${answer.status}`);
const forbidden = (answer: Answer) => expect(answer.error).to.include({ id: 'security.rights.forbidden' });

describe('docs: the worked examples of docs/rights.md, with curl', () => {
  let stores: TestStores;
  let node: Portcullis;
  let client: HttpClient;
  let admin: string;

  before(async () => ({ stores, node, client, admin } = await guideNode()));
  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('a read-only profile reads users, profiles and roles, and changes nothing', async () => {
    const answers = await runExample(node.url, 'rights-read-only');
    expect(calls(answers)).to.deep.equal([
      'security:createOrReplaceRole 200', 'security:createOrReplaceProfile 200', 'security:createUser 200',
      'security:searchUsers 200', 'security:getRole 200', 'security:updateProfile 403', 'security:deleteUser 403',
    ]);
    expect(answers[3]!['result']).to.deep.include({ total: 1, hits: [{ _id: 'audrey', _source: { profileIds: ['auditor'], name: 'Audrey' } }] });
    expect(answers[4]!['result']).to.deep.include({ _id: 'admin' });
    answers.slice(5).forEach(forbidden);
    const auditor = ok<{ _source: { policies: unknown } }>(await client.call({ controller: 'security', action: 'getProfile', jwt: admin, _id: 'auditor' }));
    expect(auditor._source.policies).to.deep.equal([{ roleId: 'security-reader' }, { roleId: 'default' }]);
    ok(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'admin' }));
  });

  it('a support profile resets a password and ends sessions, and cannot change rights', async () => {
    const answers = await runExample(node.url, 'rights-support');
    expect(calls(answers)).to.deep.equal([
      'security:createOrReplaceRole 200', 'security:createOrReplaceProfile 200', 'security:createUser 200', 'security:createUser 200',
      'security:updateCredentials 200', 'security:revokeTokens 200', 'security:updateUser 403', 'security:createOrReplaceRole 403', 'auth:login 200',
    ]);
    answers.slice(6, 8).forEach(forbidden);
    expect(answers[8]!['result']).to.include({ _id: 'bob' });
    failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'bob', password: 'bob-forgotten-pw' } }), 'plugin.strategy.missing_user', 401);
    expect(ok<{ _source: unknown }>(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'bob' }))._source).to.deep.equal({ profileIds: ['default'] });
    const role = ok<{ _source: { controllers: object } }>(await client.call({ controller: 'security', action: 'getRole', jwt: admin, _id: 'password-reset' }));
    expect(role._source.controllers).to.have.all.keys('security');
  });

  it('a rate-limited profile gets 429 past its rateLimit in one second', async () => {
    const answers = await runExample(node.url, 'rights-rate-limited');
    expect(calls(answers.slice(0, 2))).to.deep.equal(['security:createOrReplaceProfile 200', 'security:createUser 200']);
    const burst = answers.slice(2);
    expect(burst).to.have.length(5);
    // The first two always pass; the others are refused unless a new second began between them.
    expect(calls(burst.slice(0, 2))).to.deep.equal(['auth:getCurrentUser 200', 'auth:getCurrentUser 200']);
    const refused = burst.filter((answer) => answer.status === 429);
    expect(refused).to.not.be.empty;
    for (const answer of refused) {
      expect(answer.error).to.include({ id: 'api.process.too_many_requests' });
      expect(answer['headers']).to.deep.include({ 'Retry-After': '1' });
    }
  });
});

describe('docs: the Kuzzle SDK example of docs/rights.md', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => ({ stores, node } = await guideNode()));
  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('prints what the guide says it prints', async () => {
    const guide = readDoc(GUIDE);
    const port = new URL(node.url).port;
    const stdout = await runModule(fencedBlock(guide, 'rights-sdk').replaceAll('port: 7512', `port: ${port}`));
    expect(stdout.trim()).to.equal(fencedBlock(guide, 'rights-sdk-output').trim());
  });
});
