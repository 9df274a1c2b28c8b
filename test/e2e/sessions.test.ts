import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient, TRANSPORTS, WsClient, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

interface SessionHit {
  _id: string;
  strategy: string | null;
  createdAt: number;
  lastUsedAt: number;
  ip: string | null;
  userAgent: string | null;
  expiresAt: number;
  current: boolean;
}
type SessionList = { hits: SessionHit[]; total: number };

/** Short, so that the last use moves within a test (the default is a minute). */
const LAST_USE_INTERVAL = 300;
const AGENT = 'SessionsTest/1.0 (X11; Linux x86_64)';

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: sessions users can see (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;
      const clients: ApiClient[] = [];

      /** A client of this suite's transport that sends `agent` as its User-Agent; over WebSocket from 127.0.0.2. */
      const connectAs = async (agent: string): Promise<ApiClient> => {
        const connected = transport.name === 'http'
          ? new HttpClient(node.url, { 'user-agent': agent })
          : await WsClient.connect(node.url, { headers: { 'user-agent': agent }, localAddress: '127.0.0.2' });
        clients.push(connected);
        return connected;
      };
      const expectedIp = transport.name === 'http' ? '127.0.0.1' : '127.0.0.2';
      const mine = async (jwt: string, args: Record<string, unknown> = {}) =>
        ok<SessionList>(await client.call({ controller: 'auth', action: 'listMySessions', jwt, ...args }));
      const currentOf = async (jwt: string) => (await mine(jwt)).hits.find((hit) => hit.current)!;
      const works = async (jwt: string) => ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
      const refused = async (jwt: string) => failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }), 'security.token.invalid', 401);

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { security: { sessions: { lastUseInterval: LAST_USE_INTERVAL } } });
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        for (const name of ['ann', 'bob', 'cal', 'dee', 'eve']) await createUser(client, admin, name, name, `${name}-password-1`);
      });

      after(async () => {
        for (const each of clients) await each.close();
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      describe('auth:listMySessions', () => {
        it('shows the strategy, client address, user agent and times recorded at login, and never a token', async () => {
          const before = Date.now();
          const issued = ok<{ jwt: string; expiresAt: number }>(await (await connectAs(AGENT)).call({
            controller: 'auth', action: 'login', strategy: 'local', body: { username: 'ann', password: 'ann-password-1' },
          }));
          const after = Date.now();
          const list = await mine(issued.jwt);
          const hit = list.hits.find((each) => each.current)!;
          expect(hit).to.include({ strategy: 'local', ip: expectedIp, userAgent: AGENT, expiresAt: issued.expiresAt, current: true });
          expect(hit.createdAt).to.be.within(before, after);
          expect(hit.lastUsedAt).to.be.at.least(hit.createdAt);
          expect(hit).to.have.all.keys('_id', 'strategy', 'createdAt', 'lastUsedAt', 'ip', 'userAgent', 'expiresAt', 'current');
          const text = JSON.stringify(list);
          expect(text).to.not.include(issued.jwt.slice(6));
          expect(text).to.not.include('kauth-');
        });

        it('keeps a user agent bounded and without control characters', async () => {
          const jwt = await login(await connectAs(`Bad\tAgent${'x'.repeat(600)}`), 'ann', 'ann-password-1');
          const agent = (await currentOf(jwt)).userAgent!;
          expect(agent.startsWith('BadAgentxxx')).to.equal(true);
          expect(agent.length).to.be.at.most(256);
        });

        it('moves lastUsedAt once the interval has passed, and not on every request', async () => {
          const jwt = await login(client, 'bob', 'bob-password-1');
          const first = (await currentOf(jwt)).lastUsedAt;
          await works(jwt);
          expect((await currentOf(jwt)).lastUsedAt).to.equal(first);
          await sleep(LAST_USE_INTERVAL + 100);
          await works(jwt);
          let moved = first;
          for (let attempt = 0; attempt < 20 && moved === first; attempt++) {
            await sleep(25);
            moved = (await currentOf(jwt)).lastUsedAt;
          }
          expect(moved).to.be.above(first + LAST_USE_INTERVAL);
        });

        it('carries the strategy, address and agent over to the session a refresh begins, with its own creation time', async () => {
          const agentClient = await connectAs(AGENT);
          const old = await login(agentClient, 'cal', 'cal-password-1');
          const before = await currentOf(old);
          await sleep(10);
          const fresh = ok<{ jwt: string }>(await client.call({ controller: 'auth', action: 'refreshToken', jwt: old })).jwt;
          const after = await currentOf(fresh);
          expect(after._id).to.not.equal(before._id);
          expect(after).to.include({ strategy: 'local', ip: expectedIp, userAgent: AGENT });
          expect(after.createdAt).to.be.above(before.createdAt);
        });

        it('pages newest first, with the total, and marks only the current session', async () => {
          const jwts: string[] = [];
          for (let index = 0; index < 3; index++) {
            jwts.push(await login(client, 'dee', 'dee-password-1'));
            await sleep(5);
          }
          const all = await mine(jwts[0]!);
          expect(all.total).to.equal(3);
          const created = all.hits.map((hit) => hit.createdAt);
          expect(created).to.deep.equal([...created].sort((a, b) => b - a));
          expect(all.hits.filter((hit) => hit.current)).to.have.length(1);
          expect(all.hits[2]!.current).to.equal(true);
          const first = await mine(jwts[0]!, { from: 0, size: 2 });
          const rest = await mine(jwts[0]!, { from: 2, size: 2 });
          expect(first.total).to.equal(3);
          expect([...first.hits, ...rest.hits].map((hit) => hit._id)).to.deep.equal(all.hits.map((hit) => hit._id));
          failed(await client.call({ controller: 'auth', action: 'listMySessions', jwt: jwts[0]!, size: 'many' }), 'api.assert.invalid_argument', 400);
        });
      });

      describe('auth:deleteMySession and auth:deleteMyOtherSessions', () => {
        it('ends one session at once, and tells a socket bound to it', async () => {
          const keep = await login(client, 'eve', 'eve-password-1');
          const other = await login(client, 'eve', 'eve-password-1');
          const socket = await WsClient.connect(node.url);
          clients.push(socket);
          ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: other }));
          const target = (await currentOf(other))._id;
          expect(ok(await client.call({ controller: 'auth', action: 'deleteMySession', jwt: keep, _id: target }))).to.deep.equal({ _id: target });
          await refused(other);
          expect(await socket.waitForNotification(2000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
          await works(keep);
          expect((await mine(keep)).hits.map((hit) => hit._id)).to.not.include(target);
          failed(await client.call({ controller: 'auth', action: 'deleteMySession', jwt: keep, _id: target }), 'security.session.not_found', 404);
        });

        it('ends every other session of the caller, and keeps the current one', async () => {
          const jwts = [await login(client, 'eve', 'eve-password-1'), await login(client, 'eve', 'eve-password-1'), await login(client, 'eve', 'eve-password-1')];
          const result = ok<{ deleted: string[] }>(await client.call({ controller: 'auth', action: 'deleteMyOtherSessions', jwt: jwts[0]! }));
          expect(result.deleted.length).to.be.at.least(2);
          await works(jwts[0]!);
          for (const jwt of jwts.slice(1)) await refused(jwt);
          const left = await mine(jwts[0]!);
          expect(left.total).to.equal(1);
          expect(left.hits[0]!.current).to.equal(true);
        });

        it("refuses another user's session as unknown, and leaves it alone", async () => {
          const anns = await login(client, 'ann', 'ann-password-1');
          const target = (await currentOf(anns))._id;
          const bobs = await login(client, 'bob', 'bob-password-1');
          failed(await client.call({ controller: 'auth', action: 'deleteMySession', jwt: bobs, _id: target }), 'security.session.not_found', 404);
          failed(await client.call({ controller: 'auth', action: 'deleteMySession', jwt: bobs, _id: 'no-such-session' }), 'security.session.not_found', 404);
          await works(anns);
        });

        it('refuses anonymous callers', async () => {
          failed(await client.call({ controller: 'auth', action: 'listMySessions' }), 'security.rights.unauthorized', 401);
          failed(await client.call({ controller: 'auth', action: 'deleteMySession', _id: 'x' }), 'security.rights.unauthorized', 401);
          failed(await client.call({ controller: 'auth', action: 'deleteMyOtherSessions' }), 'security.rights.unauthorized', 401);
        });
      });

      describe('security:listUserSessions and security:deleteUserSession', () => {
        it("lets an administrator list and end another user's sessions", async () => {
          const anns = await login(await connectAs(AGENT), 'ann', 'ann-password-1');
          const id = (await currentOf(anns))._id;
          const list = ok<SessionList>(await client.call({ controller: 'security', action: 'listUserSessions', jwt: admin, _id: 'ann', size: 100 }));
          const hit = list.hits.find((each) => each._id === id)!;
          expect(hit).to.include({ strategy: 'local', userAgent: AGENT, current: false });
          expect(list.total).to.equal(list.hits.length);
          expect(JSON.stringify(list)).to.not.include('kauth-');
          expect(ok(await client.call({ controller: 'security', action: 'deleteUserSession', jwt: admin, _id: 'ann', sessionId: id }))).to.deep.equal({ _id: id });
          await refused(anns);
        });

        it("refuses the wrong user's session, an unknown user, and callers who are not administrators", async () => {
          const anns = await login(client, 'ann', 'ann-password-1');
          const id = (await currentOf(anns))._id;
          failed(await client.call({ controller: 'security', action: 'deleteUserSession', jwt: admin, _id: 'bob', sessionId: id }), 'security.session.not_found', 404);
          failed(await client.call({ controller: 'security', action: 'listUserSessions', jwt: admin, _id: 'ghost' }), 'security.user.not_found', 404);
          const bobs = await login(client, 'bob', 'bob-password-1');
          failed(await client.call({ controller: 'security', action: 'listUserSessions', jwt: bobs, _id: 'ann' }), 'security.rights.forbidden', 403);
          failed(await client.call({ controller: 'security', action: 'deleteUserSession', jwt: bobs, _id: 'ann', sessionId: id }), 'security.rights.forbidden', 403);
          failed(await client.call({ controller: 'security', action: 'listUserSessions', _id: 'ann' }), 'security.rights.unauthorized', 401);
          await works(anns);
        });
      });
    });
  }
}
