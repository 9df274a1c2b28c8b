import { expect } from 'chai';
import { createPortcullis, type Portcullis } from '@portcullis/server';
import { HttpClient, TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { holdingLocal, LoginHold } from '../support/login-hold.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const me = (client: ApiClient, jwt: string) => client.call({ controller: 'auth', action: 'getCurrentUser', jwt });
const changeOwn = (client: ApiClient, jwt: string, body: Record<string, unknown>) =>
  client.call({ controller: 'auth', action: 'updateMyCredentials', jwt, strategy: 'local', body });

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: password changes (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores);
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      it('asks a user changing their own password for the current one', async () => {
        await createUser(client, admin, 'ivy', 'ivy', 'ivy-password-1');
        const jwt = await login(client, 'ivy', 'ivy-password-1');
        failed(await changeOwn(client, jwt, { password: 'ivy-password-2' }), 'api.assert.missing_argument', 400);
        const wrong = await changeOwn(client, jwt, { currentPassword: 'not-ivy-password', password: 'ivy-password-2' });
        failed(wrong, 'security.credentials.wrong_password', 403);
        expect(JSON.stringify(wrong)).to.not.include('not-ivy-password');
        // Nothing changed: the old password still logs in, the new one does not.
        await login(client, 'ivy', 'ivy-password-1');
        failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'ivy', password: 'ivy-password-2' } }), 'plugin.strategy.missing_user', 401);
        const other = await login(client, 'ivy', 'ivy-password-1');
        expect(ok(await changeOwn(client, jwt, { currentPassword: 'ivy-password-1', password: 'ivy-password-2' }))).to.deep.equal({ username: 'ivy', kuid: 'ivy' });
        failed(await me(client, other), 'security.token.invalid', 401);
        ok(await me(client, jwt));
        await login(client, 'ivy', 'ivy-password-2');
      });

      it('lets an administrator set a password without the current one; every session of the user ends', async () => {
        await createUser(client, admin, 'jay', 'jay', 'jay-password-1');
        const sessions = [await login(client, 'jay', 'jay-password-1'), await login(client, 'jay', 'jay-password-1')];
        ok(await client.call({ controller: 'security', action: 'updateCredentials', jwt: admin, strategy: 'local', _id: 'jay', body: { password: 'jay-password-2' } }));
        for (const jwt of sessions) failed(await me(client, jwt), 'security.token.invalid', 401);
        await login(client, 'jay', 'jay-password-2');
      });
    });
  }

  describe(`e2e: a password change ends the logins it overlaps, on every node (${mode})`, function () {
    const hold = new LoginHold();
    let stores: TestStores;
    let held: Portcullis;
    let other: Portcullis;
    let a: HttpClient;
    let b: HttpClient;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      // Node A checks passwords, then waits at the hold before it opens the session.
      held = await createPortcullis({ config: stores.config(), strategies: { local: holdingLocal(hold) } });
      await held.start();
      other = await startNode(stores);
      [a, b] = [new HttpClient(held.url), new HttpClient(other.url)];
      admin = await firstAdmin(b);
    });

    after(async () => {
      hold.release();
      for (const node of [held, other]) await node?.stop();
      await stores?.destroy();
    });

    const changes = {
      'an administrator': (jwt: string, kuid: string) =>
        b.call({ controller: 'security', action: 'updateCredentials', jwt: admin, strategy: 'local', _id: kuid, body: { password: `${kuid}-password-2` } }),
      'the user': (jwt: string, kuid: string) => changeOwn(b, jwt, { currentPassword: `${kuid}-password-1`, password: `${kuid}-password-2` }),
    };

    for (const [who, change] of Object.entries(changes)) {
      it(`refuses a login verified with the old password before ${who} changed it`, async () => {
        const kuid = who === 'the user' ? 'kim' : 'lou';
        await createUser(b, admin, kuid, kuid, `${kuid}-password-1`);
        const session = await login(b, kuid, `${kuid}-password-1`);
        const pending = hold.arm();
        const racing = a.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: kuid, password: `${kuid}-password-1` } });
        await pending;
        // The old password was right when the login checked it; now it changes, and the change answers.
        ok(await change(session, kuid));
        hold.release();
        const response = await racing;
        if (response.error === null) {
          const jwt = (response.result as { jwt: string }).jwt;
          for (const client of [a, b]) failed(await me(client, jwt), 'security.token.invalid', 401);
        }
        failed(response, 'plugin.strategy.missing_user', 401);
        // The new password works on both nodes, and logins through the hold pass again.
        await login(a, kuid, `${kuid}-password-2`);
        await login(b, kuid, `${kuid}-password-2`);
      });
    }
  });
}
