import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { DEFAULT_ROLES } from '@portcullis/core';
import { HttpClient, TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const LAST = 'security.rights.last_administrator';
const everythingInSecurity = { controllers: { security: { actions: { '*': true } } } };

const sec = (client: ApiClient, jwt: string | null, action: string, args: Record<string, unknown> = {}): Promise<ResponseEnvelope> =>
  client.call({ controller: 'security', action, jwt, ...args });
const source = async (client: ApiClient, jwt: string, action: string, id: string) => ok<{ _source: Record<string, unknown> }>(await sec(client, jwt, action, { _id: id }))._source;

/**
 * The rule that no change may leave the system without a user able to manage rights
 * (security:createOrReplaceRole, createOrReplaceProfile and updateUser), and restrictDefaultRights.
 */
for (const mode of MODES) {
  describe(`e2e: the administrator invariant (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let http: HttpClient;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      http = new HttpClient(node.url);
      admin = await firstAdmin(http);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      it(`refuses every change that would take the last administrator's rights, and changes nothing (${transport.name})`, async () => {
        const client = await transport.connect(node.url);
        try {
          const role = await source(client, admin, 'getRole', 'admin');
          const profile = await source(client, admin, 'getProfile', 'admin');
          failed(await sec(client, admin, 'updateRole', { _id: 'admin', body: { controllers: { security: { actions: { getUser: true } } } } }), LAST, 412);
          failed(await sec(client, admin, 'createOrReplaceProfile', { _id: 'admin', body: { policies: [{ roleId: 'default' }] } }), LAST, 412);
          failed(await sec(client, admin, 'updateUser', { _id: 'admin', body: { profileIds: ['default'] } }), LAST, 412);
          failed(await sec(client, admin, 'deleteUser', { _id: 'admin' }), LAST, 412);
          expect(await source(client, admin, 'getRole', 'admin')).to.deep.equal(role);
          expect(await source(client, admin, 'getProfile', 'admin')).to.deep.equal(profile);
          expect((await source(client, admin, 'getUser', 'admin'))['profileIds']).to.deep.equal(['admin']);
          // The refused deletion did not even end the administrator's sessions.
          ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: admin }));
        } finally {
          await client.close();
        }
      });
    }

    it('counts rights a user holds through several profiles, and lets the last administrator go only when another remains', async () => {
      ok(await sec(http, admin, 'createRole', { _id: 'keys', body: everythingInSecurity }));
      ok(await sec(http, admin, 'createProfile', { _id: 'keepers', body: { policies: [{ roleId: 'keys' }] } }));
      await createUser(http, admin, 'keeper', 'keeper', 'keeper-password-1', ['keepers']);
      ok(await sec(http, admin, 'updateUser', { _id: 'admin', body: { profileIds: ['default'] } }));
      const keeper = await login(http, 'keeper', 'keeper-password-1');
      failed(await sec(http, keeper, 'deleteProfile', { _id: 'keepers', onAssignedUsers: 'remove' }), LAST, 412);
      expect((await source(http, keeper, 'getUser', 'keeper'))['profileIds']).to.deep.equal(['keepers']);
      failed(await sec(http, keeper, 'updateRole', { _id: 'keys', body: { controllers: { security: { actions: { getUser: true } } } } }), LAST, 412);
      // Roles and profiles only ever add up: two profiles may make one administrator.
      ok(await sec(http, keeper, 'createRole', { _id: 'half-a', body: { controllers: { security: { actions: { createOrReplaceRole: true, createOrReplaceProfile: true } } } } }));
      ok(await sec(http, keeper, 'createRole', { _id: 'half-b', body: { controllers: { security: { actions: { updateUser: true } } } } }));
      ok(await sec(http, keeper, 'createProfile', { _id: 'pa', body: { policies: [{ roleId: 'half-a' }] } }));
      ok(await sec(http, keeper, 'createProfile', { _id: 'pb', body: { policies: [{ roleId: 'half-b' }] } }));
      await createUser(http, keeper, 'split', 'split', 'split-password-1', ['pa', 'pb']);
      ok(await sec(http, keeper, 'updateUser', { _id: 'keeper', body: { profileIds: ['default'] } }));
      const split = await login(http, 'split', 'split-password-1');
      failed(await sec(http, split, 'updateUser', { _id: 'split', body: { profileIds: ['pa'] } }), LAST, 412);
      failed(await sec(http, split, 'createOrReplaceProfile', { _id: 'pb', body: { policies: [{ roleId: 'default' }] } }), LAST, 412);
      // Back to the first administrator, through the rights that were kept.
      ok(await sec(http, split, 'updateUser', { _id: 'admin', body: { profileIds: ['admin'] } }));
      ok(await sec(http, admin, 'updateUser', { _id: 'split', body: { profileIds: ['default'] } }));
    });

    it('restores the secure defaults with restrictDefaultRights, everywhere at once', async () => {
      await createUser(http, admin, 'plain', 'plain', 'plain-password-1');
      const plain = await login(http, 'plain', 'plain-password-1');
      const widened = structuredClone(DEFAULT_ROLES.find((role) => role._id === 'default')!.controllers);
      widened['server']!.actions['now'] = true;
      ok(await sec(http, admin, 'createOrReplaceRole', { _id: 'default', body: { controllers: widened } }));
      ok(await sec(http, admin, 'createOrReplaceRole', { _id: 'anonymous', body: { controllers: { '*': { actions: { '*': true } } } } }));
      ok(await sec(http, admin, 'updateProfile', { _id: 'default', body: { rateLimit: 0 } }));
      ok(await http.call({ controller: 'server', action: 'now', jwt: plain }));
      ok(await http.call({ controller: 'security', action: 'getProfile', _id: 'default' }));
      expect(ok(await sec(http, admin, 'restrictDefaultRights'))).to.equal(null);
      failed(await http.call({ controller: 'server', action: 'now', jwt: plain }), 'security.rights.forbidden', 403);
      failed(await http.call({ controller: 'security', action: 'getProfile', _id: 'default' }), 'security.rights.unauthorized', 401);
      for (const role of DEFAULT_ROLES) expect(await source(http, admin, 'getRole', role._id)).to.deep.equal({ controllers: role.controllers });
      expect((await source(http, admin, 'getProfile', 'default'))['rateLimit']).to.equal(10);
    });
  });
}

/** Two administrators demoting each other at the same moment: on two nodes of one cluster (production), on one node (embedded). */
for (const mode of MODES) {
  describe(`e2e: administrators racing to demote each other (${mode})`, () => {
    let stores: TestStores;
    let nodes: Portcullis[];

    before(async () => {
      stores = new TestStores(mode);
      nodes = mode === 'production' ? [await startNode(stores), await startNode(stores)] : [await startNode(stores)];
    });

    after(async () => {
      for (const node of nodes ?? []) await node.stop();
      await stores?.destroy();
    });

    it('lets exactly one of them win, every time', async () => {
      const [a, b] = [new HttpClient(nodes[0]!.url), new HttpClient(nodes.at(-1)!.url)];
      const admin = await firstAdmin(a);
      await createUser(a, admin, 'ann', 'ann', 'ann-password-123', ['admin']);
      await createUser(a, admin, 'bob', 'bob', 'bob-password-123', ['admin']);
      ok(await sec(a, admin, 'updateUser', { _id: 'admin', body: { profileIds: ['default'] } }));
      const [ann, bob] = [await login(a, 'ann', 'ann-password-123'), await login(b, 'bob', 'bob-password-123')];
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all([
          sec(a, ann, 'updateUser', { _id: 'bob', body: { profileIds: ['default'] } }),
          sec(b, bob, 'updateUser', { _id: 'ann', body: { profileIds: ['default'] } }),
        ]);
        const won = answers.filter((answer) => answer.status === 200);
        expect(won, JSON.stringify(answers.map((answer) => answer.error?.id))).to.have.length(1);
        // The loser is refused by the invariant, or, when its request was checked after the
        // winner's change was committed, already by its own rights.
        const lost = answers.find((answer) => answer.status !== 200)!;
        expect([LAST, 'security.rights.forbidden']).to.include(lost.error!.id);
        const [winner, loser] = answers[0]!.status === 200 ? [ann, 'bob'] : [bob, 'ann'];
        expect((await source(a, winner, 'getUser', loser))['profileIds']).to.deep.equal(['default']);
        expect((await source(a, winner, 'getUser', loser === 'bob' ? 'ann' : 'bob'))['profileIds']).to.deep.equal(['admin']);
        // The winner puts the loser back for the next round.
        ok(await sec(a, winner, 'updateUser', { _id: loser, body: { profileIds: ['admin'] } }));
      }
    });
  });
}
