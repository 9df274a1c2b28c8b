import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { TRANSPORTS, HttpClient, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, ok, sleep } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

const IVY = { username: 'ivy', password: 'ivy-password-12' };
const HOUR = 3_600_000;

interface Issued {
  jwt: string;
  expiresAt: number;
  ttl: number;
}

const loginWith = (client: ApiClient, expiresIn?: unknown) =>
  client.call({ controller: 'auth', action: 'login', strategy: 'local', body: IVY, ...(expiresIn === undefined ? {} : { expiresIn }) });
const refreshWith = (client: ApiClient, jwt: string, expiresIn?: unknown) =>
  client.call({ controller: 'auth', action: 'refreshToken', jwt, ...(expiresIn === undefined ? {} : { expiresIn }) });

describe('e2e: tokens do not live forever by default', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores);
    const http = new HttpClient(node.url);
    await createUser(http, await firstAdmin(http), 'ivy', IVY.username, IVY.password);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('has a finite maxTTL of 24 hours by default', () => {
    expect(node.context.config.security.jwt.maxTTL).to.equal(24 * HOUR);
  });

  for (const { name, connect } of TRANSPORTS) {
    describe(`over ${name}`, () => {
      let client: ApiClient;

      before(async () => {
        client = await connect(node.url);
      });

      after(async () => {
        await client?.close();
      });

      it('refuses a login that asks for a token that never expires, or one past maxTTL', async () => {
        for (const expiresIn of [-1, '-1', '25h', '7d', 24 * HOUR + 1]) failed(await loginWith(client, expiresIn), 'security.token.ttl_exceeded', 400);
      });

      it('issues tokens up to maxTTL, and of the default hour without expiresIn', async () => {
        expect(ok<Issued>(await loginWith(client, '24h')).ttl).to.equal(24 * HOUR);
        expect(ok<Issued>(await loginWith(client)).ttl).to.equal(HOUR);
      });

      it('refuses a refresh that asks for a token that never expires, or one past maxTTL', async () => {
        const { jwt } = ok<Issued>(await loginWith(client, '10m'));
        for (const expiresIn of [-1, '25h']) failed(await refreshWith(client, jwt, expiresIn), 'security.token.ttl_exceeded', 400);
        // The refused refreshes changed nothing: the token can still be refreshed once.
        expect(ok<Issued>(await refreshWith(client, jwt)).ttl).to.equal(HOUR);
      });
    });
  }
});

describe('e2e: a chain of refreshes ends maxTTL after its login', () => {
  let stores: TestStores;
  let node: Portcullis;
  const maxTTL = 4000;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { security: { jwt: { maxTTL, expiresIn: 3000 } } });
    const http = new HttpClient(node.url);
    await createUser(http, await firstAdmin(http), 'ivy', IVY.username, IVY.password);
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  for (const { name, connect } of TRANSPORTS) {
    it(`cuts each refreshed token to what is left of maxTTL, then refuses (${name})`, async () => {
      const client = await connect(node.url);
      let token = ok<Issued>(await loginWith(client, 3000));
      // The server stamps the login between the request and its answer: taking the client's
      // clock after the answer bounds it from above (before the request, a login stamped in the
      // next second would pass the bound by a few milliseconds).
      const loginAt = Date.now();
      await sleep(1200);
      token = ok<Issued>(await refreshWith(client, token.jwt, maxTTL));
      // auth_time counts whole seconds: the chain ends at most maxTTL after the login.
      expect(token.expiresAt).to.be.at.most(loginAt + maxTTL);
      expect(token.ttl).to.be.below(maxTTL - 1000);
      await sleep(1200);
      token = ok<Issued>(await refreshWith(client, token.jwt));
      expect(token.expiresAt).to.be.at.most(loginAt + maxTTL);
      const me = await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: token.jwt });
      expect(ok<{ _id: string }>(me)._id).to.equal('ivy');
      await sleep(Math.max(0, token.expiresAt - Date.now()) + 100);
      failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: token.jwt }), 'security.token.expired', 401);
      await client.close();
    });
  }
});
