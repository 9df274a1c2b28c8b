import { expect } from 'chai';
import type { AuditEvent } from '@portcullis/core';
import type { Portcullis } from '@portcullis/server';
import { auditTableText, awaitEvents } from '../support/audit.js';
import { TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const BOB = { username: 'bob', password: 'bob-password-secret-1' };

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: the audit log of API keys, extra tokens and sessions (${mode}, over ${transport.name})`, () => {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;

      const one = async (filters: Record<string, unknown>, match: (event: AuditEvent) => boolean): Promise<AuditEvent> => {
        const hits = await awaitEvents(client, admin, filters, (found) => found.some(match));
        return hits.find(match)!;
      };

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { audit: { flushInterval: 20 } });
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        await createUser(client, admin, 'bob', BOB.username, BOB.password);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      it('records the creation and deletion of API keys, with who made them and never the key', async () => {
        const created = ok<{ _id: string; _source: { token: string } }>(await client.call({
          controller: 'security', action: 'createApiKey', userId: 'bob', _id: 'ci-key', body: { description: 'CI pipeline' }, jwt: admin,
        }));
        const event = await one({ type: 'apiKey:create', userId: 'bob' }, (found) => found.details['keyId'] === 'ci-key');
        expect(event).to.include({ outcome: 'success', actorId: 'admin' });
        expect(event.details).to.include({ description: 'CI pipeline', expiresAt: -1 });
        ok(await client.call({ controller: 'security', action: 'deleteApiKey', userId: 'bob', _id: 'ci-key', jwt: admin }));
        expect((await one({ type: 'apiKey:delete', userId: 'bob' }, () => true)).details).to.deep.equal({ keyId: 'ci-key' });
        await node.context.audit.flush();
        const table = await auditTableText(stores);
        expect(table).to.not.include(created._source.token);
        expect(table).to.not.include(created._source.token.split('.')[2]!);
      });

      it('records the extra tokens of auth:createToken and the sessions users end', async () => {
        const laptop = await login(client, BOB.username, BOB.password);
        const phone = await login(client, BOB.username, BOB.password);
        // The default role does not allow auth:createToken (as in Kuzzle): the administrator makes one.
        const extra = ok<{ token: string }>(await client.call({ controller: 'auth', action: 'createToken', singleUse: true, jwt: admin }));
        const token = await one({ type: 'token:create', userId: 'admin' }, (found) => found.details['reason'] === 'createToken');
        expect(token).to.include({ actorId: 'admin' });
        expect(token.details).to.include({ singleUse: true });
        const sessions = ok<{ hits: Array<{ _id: string; current: boolean }> }>(await client.call({ controller: 'auth', action: 'listMySessions', jwt: phone }));
        const other = sessions.hits.find((hit) => !hit.current)!._id;
        ok(await client.call({ controller: 'auth', action: 'deleteMySession', _id: other, jwt: phone }));
        const ended = await one({ type: 'session:delete', userId: 'bob' }, (found) => found.details['sessionId'] === other);
        expect(ended).to.include({ actorId: 'bob', outcome: 'success' });
        ok(await client.call({ controller: 'auth', action: 'deleteMyOtherSessions', jwt: phone }));
        const rest = await one({ type: 'session:delete', userId: 'bob' }, (found) => found.details['allButCurrent'] === true);
        expect(rest.details['sessionIds']).to.be.an('array');
        const adminEnded = ok<{ hits: Array<{ _id: string }> }>(await client.call({ controller: 'security', action: 'listUserSessions', _id: 'bob', jwt: admin })).hits[0]!._id;
        ok(await client.call({ controller: 'security', action: 'deleteUserSession', _id: 'bob', sessionId: adminEnded, jwt: admin }));
        expect(await one({ type: 'session:delete', userId: 'bob' }, (found) => found.details['sessionId'] === adminEnded)).to.include({ actorId: 'admin' });
        await node.context.audit.flush();
        const table = await auditTableText(stores);
        for (const secret of [laptop, phone, extra.token]) expect(table).to.not.include(secret.split('.')[2]!);
      });
    });
  }
}
