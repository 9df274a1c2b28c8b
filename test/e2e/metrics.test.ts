import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { HttpClient, TRANSPORTS, WsClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { answers, metricsOf } from '../support/metrics.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const PASSWORD = 'metrics-password-1';

const count = (responses: ResponseEnvelope[], id: string): number => responses.filter((response) => response.error?.id === id).length;

for (const mode of MODES) {
  describe(`e2e: server:metrics (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;
    /** Reads the figures: its own requests are counted too, and the deltas below allow for them. */
    let reader: HttpClient;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { limits: { loginsPerSecond: 3 }, security: { loginLimits: { freeFailures: 2 } } });
      reader = new HttpClient(node.url);
      admin = await firstAdmin(reader);
      // No API manages profiles in this build: stored directly, then reloaded.
      await node.context.storage.profiles.put({ _id: 'limited', policies: [{ roleId: 'default' }], rateLimit: 2 });
      await node.context.security.init();
      for (const transport of TRANSPORTS) await createUser(reader, admin, `alice-${transport.name}`, `alice-${transport.name}`, PASSWORD);
      await createUser(reader, admin, 'busy', 'busy', PASSWORD, ['limited']);
      await createUser(reader, admin, 'target', 'target', PASSWORD);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      it(`counts requests, logins, sessions and cache lookups with exact deltas (${transport.name})`, async () => {
        const client = await transport.connect(node.url);
        const name = `alice-${transport.name}`;
        try {
          const before = await metricsOf(reader, admin);
          const jwt = await login(client, name, PASSWORD);
          await login(client, name, PASSWORD);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: name, password: 'wrong-password-1' } }), 'plugin.strategy.missing_user', 401);
          for (let i = 0; i < 3; i++) ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
          if (client instanceof WsClient) failed(await client.call({ controller: 'nope', action: 'nothing' }), 'api.process.controller_not_found', 404);
          else expect((await fetch(`${node.url}/no/such/route`)).status).to.equal(404);
          const after = await metricsOf(reader, admin);

          expect(answers(after, 'auth:login', 200) - answers(before, 'auth:login', 200)).to.equal(2);
          expect(answers(after, 'auth:login', 401) - answers(before, 'auth:login', 401)).to.equal(1);
          expect(answers(after, 'auth:getCurrentUser', 200) - answers(before, 'auth:getCurrentUser', 200)).to.equal(3);
          expect(answers(after, '_unrouted:_unrouted', 404) - answers(before, '_unrouted:_unrouted', 404)).to.equal(1);
          // The reading request before is counted once it answered: the one after sees it.
          expect(answers(after, 'server:metrics', 200) - answers(before, 'server:metrics', 200)).to.equal(1);
          const logins = (snapshot: typeof before) => snapshot.portcullis.logins['local']!;
          expect(logins(after).success - logins(before).success).to.equal(2);
          expect(logins(after).failure - logins(before).failure).to.equal(1);
          expect(after.portcullis.sessions.active! - before.portcullis.sessions.active!).to.equal(2);
          const { caches } = after.portcullis;
          const delta = (cache: 'users' | 'sessions' | 'rights', field: 'hits' | 'misses') => caches[cache][field] - before.portcullis.caches[cache][field];
          // The new token's first check reads the store, the next two are served from memory,
          // and so is the reader's own check; alice is read from the database once.
          expect([delta('sessions', 'misses'), delta('sessions', 'hits')]).to.deep.equal([1, 3]);
          expect([delta('users', 'misses'), delta('users', 'hits')]).to.deep.equal([1, 3]);
          // Every request that reached an action had its rights checked once: 3 logins, 3 reads, the reader.
          expect(delta('rights', 'hits') + delta('rights', 'misses')).to.equal(7);
          expect(after.api.pendingRequests).to.equal(0);
          // The reading request itself is being executed.
          expect(after.api.concurrentRequests).to.equal(1);
          expect(after.realtime).to.deep.equal({ rooms: 0, subscriptions: 0 });
        } finally {
          await client.close();
        }
      });
    }

    it('counts each limit that refuses a request, and the logins it refused as limited', async () => {
      const before = await metricsOf(reader, admin);
      const http = new HttpClient(node.url);
      const wrong = () => http.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'target', password: 'wrong-password-1' } });
      // freeFailures is 2: the third attempt from this address must wait.
      failed(await wrong(), 'plugin.strategy.missing_user', 401);
      failed(await wrong(), 'plugin.strategy.missing_user', 401);
      failed(await wrong(), 'security.login.too_many_failures', 429);

      const socket = await WsClient.connect(node.url);
      let refusedLogins: number;
      let refusedRequests: number;
      try {
        // 3 logins a second per connection: 8 at once span at most two frames, so 2 at least are refused.
        const logins = await Promise.all(Array.from({ length: 8 }, () => socket.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'busy', password: PASSWORD } })));
        refusedLogins = count(logins, 'api.process.too_many_logins_requests');
        expect(refusedLogins).to.be.at.least(2);
        const jwt = (logins.find((response) => response.status === 200)!.result as { jwt: string }).jwt;
        // The profile allows 2 requests a second: 6 at once span at most two frames.
        const reads = await Promise.all(Array.from({ length: 6 }, () => socket.call({ controller: 'auth', action: 'getCurrentUser', jwt })));
        refusedRequests = count(reads, 'api.process.too_many_requests');
        expect(refusedRequests).to.be.at.least(2);
      } finally {
        await socket.close();
      }
      const after = await metricsOf(reader, admin);
      const hits = (snapshot: typeof before) => snapshot.portcullis.limits;
      expect(hits(after)['security.login.too_many_failures'] - hits(before)['security.login.too_many_failures']).to.equal(1);
      expect(hits(after)['api.process.too_many_logins_requests'] - hits(before)['api.process.too_many_logins_requests']).to.equal(refusedLogins);
      expect(hits(after)['api.process.too_many_requests'] - hits(before)['api.process.too_many_requests']).to.equal(refusedRequests);
      const logins = (snapshot: typeof before) => snapshot.portcullis.logins['local']!;
      expect(logins(after).limited - logins(before).limited).to.equal(1 + refusedLogins);
      expect(logins(after).failure - logins(before).failure).to.equal(2);
      expect(logins(after).success - logins(before).success).to.equal(8 - refusedLogins);
      expect(answers(after, 'auth:login', 429) - answers(before, 'auth:login', 429)).to.equal(1 + refusedLogins);
    });

    it('does not count logins with a strategy it does not serve (the name comes from the client)', async () => {
      const http = new HttpClient(node.url);
      const before = await metricsOf(reader, admin);
      failed(await http.call({ controller: 'auth', action: 'login', strategy: 'made-up', body: {} }), 'security.credentials.unknown_strategy', 400);
      const after = await metricsOf(reader, admin);
      expect(Object.keys(after.portcullis.logins)).to.deep.equal(['local']);
      expect(answers(after, 'auth:login', 400) - answers(before, 'auth:login', 400)).to.equal(1);
    });

    it('counts open WebSockets, as Kuzzle counts connections per protocol', async () => {
      const before = await metricsOf(reader, admin);
      const sockets = await Promise.all([WsClient.connect(node.url), WsClient.connect(node.url)]);
      const opened = await metricsOf(reader, admin);
      expect(opened.portcullis.websockets - before.portcullis.websockets).to.equal(2);
      expect(opened.network.connections['websocket']).to.equal(opened.portcullis.websockets);
      expect(opened.network.connections['http/1.1']).to.be.at.least(1);
      await sockets[0]!.close();
      let closed = await metricsOf(reader, admin);
      for (let tries = 0; tries < 40 && closed.portcullis.websockets !== before.portcullis.websockets + 1; tries++) closed = await metricsOf(reader, admin);
      expect(closed.portcullis.websockets - before.portcullis.websockets).to.equal(1);
      await sockets[1]!.close();
    });

    for (const transport of TRANSPORTS) {
      it(`refuses anonymous callers and users without the right, and serves admin (${transport.name})`, async () => {
        const client = await transport.connect(node.url);
        try {
          const user = await login(client, `alice-${transport.name}`, PASSWORD);
          for (const action of ['metrics', 'prometheus']) {
            failed(await client.call({ controller: 'server', action }), 'security.rights.unauthorized', 401);
            failed(await client.call({ controller: 'server', action, jwt: user }), 'security.rights.forbidden', 403);
          }
          expect(ok(await client.call({ controller: 'server', action: 'metrics', jwt: admin }))).to.have.keys('api', 'network', 'realtime', 'portcullis');
        } finally {
          await client.close();
        }
      });
    }
  });
}
