import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient, WsClient } from '../support/clients.js';
import { createUser, failed, login, ok, sleep } from '../support/fixtures.js';
import { startTwoNodes, type TwoNodes } from '../support/cluster.js';

/** Two nodes on the same PostgreSQL schema and Redis prefix: what one does, the other knows at once. */
describe('e2e: two nodes of a cluster', () => {
  let cluster: TwoNodes | undefined;
  let nodes: [Portcullis, Portcullis];
  let a: HttpClient;
  let b: HttpClient;
  let admin: string;

  before(async () => {
    cluster = await startTwoNodes();
    ({ nodes, a, b, admin } = cluster);
  });

  after(() => cluster?.stop());

  it('shares the generated token secret: a token from one node works on the other', async () => {
    const jwt = await login(a, 'zoe', 'zoe-password-12');
    expect(ok<{ _id: string }>(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt }))._id).to.equal('zoe');
  });

  it('refuses a token on every node as soon as one node revokes it, and tells sockets on the other node', async () => {
    const jwt = await login(a, 'zoe', 'zoe-password-12');
    const socket = await WsClient.connect(nodes[1].url);
    try {
      ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
      ok(await a.call({ controller: 'auth', action: 'logout', jwt }));
      failed(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt }), 'security.token.invalid', 401);
      expect(await socket.waitForNotification(2000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
    } finally {
      await socket.close();
    }
  });

  it('refuses on every node, at once, a session its user ended on one node, and tells sockets on the other', async () => {
    await createUser(a, admin, 'sam', 'sam', 'sam-password-12');
    const ended = await login(a, 'sam', 'sam-password-12');
    const kept = await login(b, 'sam', 'sam-password-12');
    const socket = await WsClient.connect(nodes[1].url);
    try {
      // Node B has checked the token (and cached its session) before node A ends it.
      ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: ended }));
      const { hits } = ok<{ hits: Array<{ _id: string; current: boolean }> }>(await b.call({ controller: 'auth', action: 'listMySessions', jwt: ended }));
      const id = hits.find((hit) => hit.current)!._id;
      ok(await a.call({ controller: 'auth', action: 'deleteMySession', jwt: kept, _id: id }));
      failed(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt: ended }), 'security.token.invalid', 401);
      expect(await socket.waitForNotification(2000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
      ok(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt: kept }));
    } finally {
      await socket.close();
    }
  });

  it('applies a change of rights made on one node to requests on the other', async () => {
    const jwt = await login(b, 'zoe', 'zoe-password-12');
    ok(await b.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }));
    ok(await a.call({ controller: 'security', action: 'updateUser', jwt: admin, _id: 'zoe', body: { profileIds: ['default'] } }));
    await sleep(100);
    failed(await b.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }), 'security.rights.forbidden', 403);
    expect(ok<{ _source: { profileIds: string[] } }>(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt }))._source.profileIds).to.deep.equal(['default']);
  });

  it('shows credentials changed on one node in the strategies the other reports', async () => {
    await createUser(a, admin, 'yan', 'yan', 'yan-password-123');
    const jwt = await login(b, 'yan', 'yan-password-123');
    expect(ok<{ strategies: string[] }>(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt })).strategies).to.deep.equal(['local']);
    ok(await a.call({ controller: 'security', action: 'deleteCredentials', jwt: admin, strategy: 'local', _id: 'yan' }));
    await sleep(100);
    const fresh = (await b.call({ controller: 'security', action: 'getUserStrategies', jwt: admin, _id: 'yan' })).result as { strategies: string[] };
    expect(fresh.strategies).to.deep.equal([]);
  });
});
