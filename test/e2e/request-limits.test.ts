import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { BoundHttpClient } from '../support/bound-client.js';
import { HttpClient, WsClient } from '../support/clients.js';
import { createUser, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const PASSWORD = 'right-password-1';

const ids = (responses: ResponseEnvelope[]): Array<string | null> => responses.map((response) => response.error?.id ?? null);

for (const mode of MODES) {
  describe(`e2e: Kuzzle's request limits (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      // Kuzzle's default: one login per second per connection.
      node = await startNode(stores, { limits: { loginsPerSecond: 1 } });
      const http = new HttpClient(node.url);
      admin = await firstAdmin(http);
      // No API manages profiles yet: the profile is stored directly, then the node reloads them.
      await node.context.storage.profiles.put({ _id: 'limited', policies: [{ roleId: 'default' }], rateLimit: 2 });
      await node.context.security.init();
      await createUser(http, admin, 'slow', 'slow', PASSWORD, ['limited']);
      await createUser(http, admin, 'free', 'free', PASSWORD, ['limited', 'default']);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    it('refuses a WebSocket its second login in one second with api.process.too_many_logins_requests', async () => {
      const socket = await WsClient.connect(node.url);
      const other = await WsClient.connect(node.url);
      try {
        const logins = await Promise.all([1, 2, 3].map(() => socket.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'free', password: PASSWORD } })));
        // Three logins span at most two one-second frames: one at least is refused.
        expect(ids(logins)).to.include('api.process.too_many_logins_requests');
        expect(ids(logins).filter((id) => id === null)).to.have.length.within(1, 2);
        // Another connection has its own allowance.
        expect(await login(other, 'free', PASSWORD)).to.be.a('string');
      } finally {
        await socket.close();
        await other.close();
      }
    });

    it('counts each HTTP request as its own connection, as Kuzzle does', async () => {
      const http = new HttpClient(node.url);
      const logins = await Promise.all([1, 2, 3].map(() => http.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'free', password: PASSWORD } })));
      expect(ids(logins)).to.deep.equal([null, null, null]);
    });

    it('refuses a user past its profile\'s rateLimit with api.process.too_many_requests and Retry-After', async () => {
      const client = new BoundHttpClient(node.url, '127.0.0.1');
      const jwt = await login(client, 'slow', PASSWORD);
      const answers = await Promise.all(Array.from({ length: 8 }, () => client.send('GET', '/_me', { authorization: `Bearer ${jwt}` })));
      const refused = answers.filter((answer) => answer.envelope.error?.id === 'api.process.too_many_requests');
      // 2 per second: 8 requests in at most two frames leave 4 or more refused.
      expect(refused.length).to.be.at.least(4);
      for (const answer of refused) {
        expect(answer.status).to.equal(429);
        expect(answer.headers['retry-after']).to.equal('1');
      }
    });

    it('leaves a user unlimited when one of its profiles sets no rateLimit, and lets a limited user log out', async () => {
      const http = new HttpClient(node.url);
      const jwt = await login(http, 'free', PASSWORD);
      const answers = await Promise.all(Array.from({ length: 8 }, () => http.call({ controller: 'auth', action: 'getCurrentUser', jwt })));
      expect(ids(answers)).to.deep.equal(Array(8).fill(null));

      const slow = await login(http, 'slow', PASSWORD);
      await Promise.all(Array.from({ length: 4 }, () => http.call({ controller: 'auth', action: 'getCurrentUser', jwt: slow })));
      ok(await http.call({ controller: 'auth', action: 'logout', jwt: slow }));
    });
  });
}

describe('e2e: the password-hashing queue under a flood from one address', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, {
      plugins: { local: { argon2: { timeCost: 4 }, maxConcurrentHashes: 1, maxQueuedHashes: 20, maxQueuedHashesPerAddress: 3 } },
    });
    const http = new HttpClient(node.url);
    const admin = await firstAdmin(http);
    await createUser(http, admin, 'flooder', 'flooder', PASSWORD);
    await createUser(http, admin, 'owner', 'owner', PASSWORD);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('still completes a login from another address while one address fills its line', async () => {
    const flooder = new BoundHttpClient(node.url, '127.0.0.50');
    const owner = new BoundHttpClient(node.url, '127.0.0.51');
    const body = (username: string) => JSON.stringify({ username, password: PASSWORD });
    const flood = Array.from({ length: 30 }, () => flooder.send('POST', '/_login/local', {}, body('flooder')));
    // The flood is queued once its first requests are refused for a full line.
    await Promise.race(flood.map((answer) => answer.then((a) => (a.envelope.error?.id === 'api.process.too_many_logins_requests' ? a : new Promise(() => undefined)))));
    const mine = await owner.send('POST', '/_login/local', {}, body('owner'));
    expect(mine.envelope.error).to.equal(null);
    const flooded = await Promise.all(flood);
    expect(flooded.filter((a) => a.envelope.error?.id === 'api.process.too_many_logins_requests').length).to.be.at.least(20);
  });
});
