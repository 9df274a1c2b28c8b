import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

/** Logins that only look like "Quinn": case, width, and each kind of invisible character. */
const LOOKALIKES = ['quinn', 'QUINN', 'ＱＵＩＮＮ', 'Qu\u200Binn', 'Quinn\u200D', 'Qu\uFEFFinn', 'Qu\u00ADinn', 'Qui\u2060nn', 'Quinn\u200E', '\u202EQuinn', 'Qu\u2066inn\u2069'];
/** "é" composed (NFC) and decomposed (NFD): one password, typed on two keyboards. */
const PASSWORD_NFC = 'cr\u00e8me br\u00fbl\u00e9e';
const PASSWORD_NFD = 'cre\u0300me bru\u0302le\u0301e';

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: logins that look alike (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores);
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        await createUser(client, admin, 'quinn', 'Quinn', 'quinn-password-1');
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      const create = (kuid: string, username: string, password = 'any-password-1') => client.call({
        controller: 'security', action: 'createUser', jwt: admin, _id: kuid,
        body: { content: { profileIds: ['default'] }, credentials: { local: { username, password } } },
      });

      it('refuses a login that differs from a held one only by case, width or invisible characters, and creates no user', async () => {
        for (const [index, username] of LOOKALIKES.entries()) {
          failed(await create(`mimic-${index}`, username), 'security.credentials.login_taken', 412);
          failed(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: `mimic-${index}` }), 'security.user.not_found', 404);
        }
      });

      it('refuses a login made only of invisible characters', async () => {
        failed(await create('ghost', '\u200B\u200C\u200D'), 'security.credentials.rejected', 400);
      });

      it('logs in with any form of the login, and shows the login as it was given', async () => {
        for (const username of ['quinn', 'ＱＵＩＮＮ', 'Qu\u200Binn']) {
          const jwt = await login(client, username, 'quinn-password-1');
          expect(ok(await client.call({ controller: 'auth', action: 'getMyCredentials', jwt, strategy: 'local' }))).to.deep.equal({ username: 'Quinn', kuid: 'quinn' });
        }
        expect(ok(await client.call({ controller: 'security', action: 'getCredentialsById', jwt: admin, strategy: 'local', _id: 'QUINN' }))).to.deep.equal({ username: 'Quinn', kuid: 'quinn' });
      });

      it('refuses a rename into another user\'s login, and lets a user change how their own is written', async () => {
        await createUser(client, admin, 'rory', 'rory', 'rory-password-1');
        const jwt = await login(client, 'rory', 'rory-password-1');
        failed(await client.call({ controller: 'auth', action: 'updateMyCredentials', jwt, strategy: 'local', body: { currentPassword: 'rory-password-1', username: 'ＱＵＩＮＮ' } }), 'security.credentials.login_taken', 412);
        ok(await client.call({ controller: 'auth', action: 'updateMyCredentials', jwt, strategy: 'local', body: { currentPassword: 'rory-password-1', username: 'Rory' } }));
        expect(ok(await client.call({ controller: 'auth', action: 'getMyCredentials', jwt, strategy: 'local' }))).to.deep.equal({ username: 'Rory', kuid: 'rory' });
      });

      it('does not tell a user, through validateMyCredentials, whether another user holds a login', async () => {
        await createUser(client, admin, 'sam', 'sam', 'sam-password-1');
        const jwt = await login(client, 'sam', 'sam-password-1');
        const validate = (username: string) => client.call({ controller: 'auth', action: 'validateMyCredentials', jwt, strategy: 'local', body: { username } });
        const taken = await validate('quinn');
        const free = await validate('nobody-has-this-login');
        expect(ok(taken)).to.equal(true);
        const unmarked = ({ requestId, node, room, ...rest }: Record<string, unknown>) => rest;
        expect(unmarked({ ...taken })).to.deep.equal(unmarked({ ...free }));
        // It still checks everything else, and administrators are told.
        failed(await client.call({ controller: 'auth', action: 'validateMyCredentials', jwt, strategy: 'local', body: { password: 'short' } }), 'security.credentials.rejected', 400);
        failed(await client.call({ controller: 'security', action: 'validateCredentials', jwt: admin, strategy: 'local', _id: 'sam', body: { username: 'quinn', password: 'long-enough-1' } }), 'security.credentials.login_taken', 412);
      });

      it('normalises passwords (NFC): one typed decomposed logs in composed, and the other way round', async () => {
        ok(await create('tess', 'tess', PASSWORD_NFD));
        await login(client, 'tess', PASSWORD_NFC);
        await login(client, 'tess', PASSWORD_NFD);
        failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'tess', password: 'creme brulee' } }), 'plugin.strategy.missing_user', 401);
      });
    });
  }
}
