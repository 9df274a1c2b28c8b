import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { basicAuth, BoundHttpClient } from '../support/bound-client.js';
import { HttpClient, WsClient, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

/** Small numbers, so that the tests reach every limit in a few requests. */
const POLICY = { freeFailures: 3, delay: 1, maxDelay: 4, maxFailures: 100, maxFailuresPerAccount: 4, maxFailuresPerAddress: 12, window: 60 };
const PASSWORD = 'right-password-1';
const NEW_PASSWORD = 'right-password-2';
const PROXY = '127.0.0.9';

/** Each test plays its clients from addresses of its own, so counters never meet across tests. */
let nextAddress = 20;
const freshAddress = (): string => `127.0.0.${nextAddress++}`;

type Connect = (url: string, address: string, headers?: Record<string, string>) => Promise<ApiClient>;
const TRANSPORTS: Array<{ name: string; connect: Connect }> = [
  { name: 'http', connect: async (url, address, headers) => new BoundHttpClient(url, address, headers) },
  { name: 'websocket', connect: (url, address) => WsClient.connect(url, { localAddress: address }) },
];

const attempt = (client: ApiClient, username: string, password: string): Promise<ResponseEnvelope> =>
  client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username, password } });

/** Changes the caller's own local password, giving `currentPassword` as the current one. */
const changeOwn = (client: ApiClient, jwt: string, currentPassword: string): Promise<ResponseEnvelope> =>
  client.call({ controller: 'auth', action: 'updateMyCredentials', jwt, strategy: 'local', body: { currentPassword, password: NEW_PASSWORD } });

const me = (client: ApiClient, jwt: string): Promise<ResponseEnvelope> => client.call({ controller: 'auth', action: 'getCurrentUser', jwt });

/** Asserts the 429 of a refused attempt, its wait in props and, over HTTP, in Retry-After. */
function waitRequired(client: ApiClient, response: ResponseEnvelope, seconds: number): void {
  failed(response, 'security.login.too_many_failures', 429);
  expect(response.error!.props).to.deep.equal([String(seconds)]);
  if (client instanceof BoundHttpClient) expect(client.last!.headers['retry-after']).to.equal(String(seconds));
}

for (const mode of MODES) {
  describe(`e2e: failed-login limits (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;
    let users = 0;

    /** A fresh user, so that each test starts from clean counters. */
    async function newUser(): Promise<string> {
      const name = `user${++users}`;
      await createUser(new HttpClient(node.url), admin, name, name, PASSWORD);
      return name;
    }

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { server: { trustedProxies: [PROXY] }, security: { loginLimits: POLICY } });
      admin = await firstAdmin(new HttpClient(node.url));
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      describe(`over ${transport.name}`, () => {
        it('refuses the account from an address once it failed freeFailures times, with a wait that doubles', async () => {
          const name = await newUser();
          const client = await transport.connect(node.url, freshAddress());
          try {
            for (let i = 0; i < POLICY.freeFailures; i++) failed(await attempt(client, name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
            waitRequired(client, await attempt(client, name, 'wrong-password'), 1);
            // The right password does not get through a wait either.
            waitRequired(client, await attempt(client, name, PASSWORD), 1);
            await sleep(1100);
            failed(await attempt(client, name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
            waitRequired(client, await attempt(client, name, PASSWORD), 2);
          } finally {
            await client.close();
          }
        });

        it('lets the owner in from another address while one address floods the account', async () => {
          const name = await newUser();
          const attacker = await transport.connect(node.url, freshAddress());
          const owner = await transport.connect(node.url, freshAddress());
          try {
            for (let i = 0; i < POLICY.freeFailures + 3; i++) await attempt(attacker, name, `guess-${i}`);
            failed(await attempt(attacker, name, PASSWORD), 'security.login.too_many_failures', 429);
            ok(await attempt(owner, name, PASSWORD));
          } finally {
            await attacker.close();
            await owner.close();
          }
        });

        it('forgets the failures of an account from an address once a login succeeds there', async () => {
          const name = await newUser();
          const client = await transport.connect(node.url, freshAddress());
          try {
            for (let round = 0; round < 2; round++) {
              for (let i = 0; i < POLICY.freeFailures - 1; i++) failed(await attempt(client, name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
              ok(await attempt(client, name, PASSWORD));
            }
          } finally {
            await client.close();
          }
        });

        it('counts a wrong current password as a failed login on the account, changing nothing until the right one comes after the wait', async () => {
          const name = await newUser();
          const client = await transport.connect(node.url, freshAddress());
          const elsewhere = new BoundHttpClient(node.url, freshAddress());
          try {
            const jwt = await login(client, name, PASSWORD);
            const other = await login(elsewhere, name, PASSWORD);
            for (let i = 0; i < POLICY.freeFailures; i++) failed(await changeOwn(client, jwt, `wrong-password-${i}`), 'security.credentials.wrong_password', 403);
            // Nothing changed: the user's other session lives on, the old password still logs in.
            ok(await me(elsewhere, other));
            await login(elsewhere, name, PASSWORD);
            waitRequired(client, await changeOwn(client, jwt, PASSWORD), 1);
            // The failures are the account's login failures: logging in from the address waits as well.
            waitRequired(client, await attempt(client, name, PASSWORD), 1);
            await sleep(1100);
            ok(await changeOwn(client, jwt, PASSWORD));
            failed(await me(elsewhere, other), 'security.token.invalid', 401);
            ok(await me(client, jwt));
            await login(elsewhere, name, NEW_PASSWORD);
            // The success reset the account's count from the address: a failure there is free again.
            failed(await attempt(client, name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
            ok(await attempt(client, name, NEW_PASSWORD));
          } finally {
            await client.close();
          }
        });

        it('refuses an address that failed on too many accounts, and no other address', async () => {
          const client = await transport.connect(node.url, freshAddress());
          const other = await transport.connect(node.url, freshAddress());
          try {
            for (let i = 0; i < POLICY.maxFailuresPerAddress; i++) failed(await attempt(client, `nobody-${i}`, 'wrong-password'), 'plugin.strategy.missing_user', 401);
            const name = await newUser();
            failed(await attempt(client, name, PASSWORD), 'security.login.too_many_failures', 429);
            ok(await attempt(other, name, PASSWORD));
          } finally {
            await client.close();
            await other.close();
          }
        });
      });
    }

    it('counts HTTP Basic failures with the logins of the same account and address', async () => {
      const name = await newUser();
      const client = new BoundHttpClient(node.url, freshAddress());
      for (let i = 0; i < POLICY.freeFailures; i++) {
        const answer = await client.send('GET', '/_me', basicAuth(name, 'wrong-password'));
        failed(answer.envelope, 'plugin.strategy.missing_user', 401);
      }
      const refused = await client.send('GET', '/_me', basicAuth(name, PASSWORD));
      failed(refused.envelope, 'security.login.too_many_failures', 429);
      expect(refused.headers['retry-after']).to.equal('1');
      waitRequired(client, await attempt(client, name, PASSWORD), 1);
      await sleep(1100);
      expect(ok<{ _id: string }>((await client.send('GET', '/_me', basicAuth(name, PASSWORD))).envelope)._id).to.equal(name);
    });

    it('counts the look-alikes of a login (case, width, invisible characters) on its account', async () => {
      const name = await newUser();
      const client = new BoundHttpClient(node.url, freshAddress());
      const lookAlikes = [name.toUpperCase(), `\u200B${name}`, `${name.slice(0, 1)}\u2060${name.slice(1)}`];
      for (const lookAlike of lookAlikes.slice(0, POLICY.freeFailures)) failed(await attempt(client, lookAlike, 'wrong-password'), 'plugin.strategy.missing_user', 401);
      waitRequired(client, await attempt(client, name, PASSWORD), 1);
    });

    it('adds failed logins and wrong current passwords up on one account, whatever its kuid', async () => {
      const kuid = `kuid-of-user${++users}`;
      const name = `login-of-user${users}`;
      await createUser(new HttpClient(node.url), admin, kuid, name, PASSWORD);
      const client = new BoundHttpClient(node.url, freshAddress());
      const jwt = await login(client, name, PASSWORD);
      for (let i = 0; i < POLICY.freeFailures - 1; i++) failed(await attempt(client, name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
      failed(await changeOwn(client, jwt, 'wrong-password'), 'security.credentials.wrong_password', 403);
      waitRequired(client, await attempt(client, name, PASSWORD), 1);
      waitRequired(client, await changeOwn(client, jwt, PASSWORD), 1);
    });

    it('makes each address wait from its first failure once guesses on an account come from many, and lets the owner in', async () => {
      const name = await newUser();
      for (let i = 0; i < POLICY.maxFailuresPerAccount; i++) failed(await attempt(new BoundHttpClient(node.url, freshAddress()), name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
      const next = new BoundHttpClient(node.url, freshAddress());
      failed(await attempt(next, name, 'wrong-password'), 'plugin.strategy.missing_user', 401);
      waitRequired(next, await attempt(next, name, 'wrong-password'), 1);
      ok(await attempt(new BoundHttpClient(node.url, freshAddress()), name, PASSWORD));
    });

    it('reads X-Forwarded-For from the configured proxies only', async () => {
      let name = await newUser();
      const viaProxy = (forwarded: string) => new BoundHttpClient(node.url, PROXY, { 'x-forwarded-for': forwarded });
      for (let i = 0; i < POLICY.freeFailures; i++) await attempt(viaProxy('198.51.100.1'), name, 'wrong-password');
      failed(await attempt(viaProxy('198.51.100.1'), name, PASSWORD), 'security.login.too_many_failures', 429);
      ok(await attempt(viaProxy('198.51.100.2'), name, PASSWORD));

      // Anyone else's header is ignored: the socket's address is counted, whatever it says.
      name = await newUser();
      const direct = freshAddress();
      const spoofing = (forwarded: string) => new BoundHttpClient(node.url, direct, { 'x-forwarded-for': forwarded });
      for (let i = 0; i < POLICY.freeFailures; i++) await attempt(spoofing(`198.51.100.${10 + i}`), name, 'wrong-password');
      failed(await attempt(spoofing('198.51.100.99'), name, PASSWORD), 'security.login.too_many_failures', 429);
    });
  });
}

describe('e2e: failed-login limits across two nodes (production)', () => {
  let stores: TestStores;
  let nodes: Portcullis[];

  before(async () => {
    stores = new TestStores('production');
    const config = { security: { loginLimits: POLICY } };
    nodes = [await startNode(stores, config), await startNode(stores, config)];
    const admin = await firstAdmin(new HttpClient(nodes[0]!.url));
    await createUser(new HttpClient(nodes[0]!.url), admin, 'shared', 'shared', PASSWORD);
  });

  after(async () => {
    for (const node of nodes ?? []) await node.stop();
    await stores?.destroy();
  });

  it('counts the failures made on one node on the other', async () => {
    const address = freshAddress();
    const [a, b] = nodes.map((node) => new BoundHttpClient(node.url, address)) as [BoundHttpClient, BoundHttpClient];
    for (let i = 0; i < POLICY.freeFailures - 1; i++) failed(await attempt(a, 'shared', 'wrong-password'), 'plugin.strategy.missing_user', 401);
    failed(await attempt(b, 'shared', 'wrong-password'), 'plugin.strategy.missing_user', 401);
    waitRequired(a, await attempt(a, 'shared', PASSWORD), 1);
    waitRequired(b, await attempt(b, 'shared', PASSWORD), 1);
  });
});
