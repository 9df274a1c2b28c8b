import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient, WsClient } from '../support/clients.js';
import { createUser, failed, login, ok } from '../support/fixtures.js';
import { startTwoNodes, type TwoNodes } from '../support/cluster.js';

const LIMITS = { security: { apiKey: { maxPerUser: 3 } } };

/** Two nodes on one PostgreSQL schema and Redis prefix: API keys and single-use tokens across them. */
describe('e2e: API keys and single-use tokens on two nodes', () => {
  let cluster: TwoNodes | undefined;
  let nodes: [Portcullis, Portcullis];
  let a: HttpClient;
  let b: HttpClient;
  let admin: string;

  before(async () => {
    cluster = await startTwoNodes(LIMITS);
    ({ nodes, a, b, admin } = cluster);
  });

  after(() => cluster?.stop());

  it('refuses a key on node B as soon as node A deletes it, and tells a socket bound on B', async () => {
    const zoe = await login(a, 'zoe', 'zoe-password-12');
    const key = ok<{ _id: string; _source: { token: string } }>(await a.call({ controller: 'auth', action: 'createApiKey', jwt: zoe, body: { description: 'cluster' } }));
    const socket = await WsClient.connect(nodes[1].url);
    try {
      // Both nodes now hold the key's session in memory.
      ok(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt: key._source.token }));
      ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: key._source.token }));
      ok(await a.call({ controller: 'auth', action: 'deleteApiKey', jwt: zoe, _id: key._id }));
      failed(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt: key._source.token }), 'security.token.invalid', 401);
      expect(await socket.waitForNotification(2000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
      failed(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: key._source.token }), 'security.token.invalid', 401);
    } finally {
      await socket.close();
    }
  });

  it('counts concurrent creations on both nodes against one limit of keys per user', async () => {
    await createUser(a, admin, 'kim', 'kim', 'kim-password-12');
    const create = (client: HttpClient, index: number) => client.call({ controller: 'security', action: 'createApiKey', jwt: admin, userId: 'kim', body: { description: `key ${index}` } });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => create(index % 2 ? b : a, index)));
    expect(answers.filter((answer) => answer.error === null)).to.have.length(3);
    for (const refused of answers.filter((answer) => answer.error !== null)) expect(refused.error!.id).to.equal('security.apikey.limit_exceeded');
    expect(ok<{ total: number }>(await b.call({ controller: 'security', action: 'searchApiKeys', jwt: admin, userId: 'kim' })).total).to.equal(3);
  });

  it('accepts a single-use token sent to both nodes at the same moment exactly once, round after round', async () => {
    const zoe = await login(a, 'zoe', 'zoe-password-12');
    const sockets = [await WsClient.connect(nodes[0].url), await WsClient.connect(nodes[1].url)];
    try {
      for (let round = 0; round < 20; round++) {
        const { token } = ok<{ token: string }>(await (round % 2 ? b : a).call({ controller: 'auth', action: 'createToken', jwt: zoe, singleUse: true }));
        // Half the rounds over HTTP, half over WebSocket: both nodes, both transports.
        const answers = round % 2
          ? await Promise.all([a, b].map((client) => client.call({ controller: 'auth', action: 'getCurrentUser', jwt: token })))
          : await Promise.all(sockets.map((socket) => socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: token })));
        const accepted = answers.filter((answer) => answer.error === null);
        expect(accepted, `round ${round}`).to.have.length(1);
        for (const refused of answers.filter((answer) => answer.error !== null)) expect(refused.error!.id).to.equal('security.token.invalid');
        for (const client of [a, b]) failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: token }), 'security.token.invalid', 401);
      }
    } finally {
      for (const socket of sockets) await socket.close();
    }
  });
});
