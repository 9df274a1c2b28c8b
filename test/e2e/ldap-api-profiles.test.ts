import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { TRANSPORTS, type ApiClient } from '../support/clients.js';
import { failed, firstAdmin, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';
import { rightKey, type Right } from '../support/rights.js';
import { ldapPluginConfig, startSlapd, type Slapd } from '../support/slapd.js';
import { GROUPS, USERS } from '../support/slapd-fixture.js';


/** Profiles made through the API, then named by the directory mapping (which is checked only at login). */
const ROLES = {
  'directory-self': { auth: { actions: { getCurrentUser: true, getMyRights: true, checkToken: true, logout: true } } },
  'helpdesk-lookup': { security: { actions: { getUser: true, searchUsers: true } } },
  'builders-strategies': { security: { actions: { getUserStrategies: true } } },
};
const PROFILES = {
  'directory-base': [{ roleId: 'directory-self' }],
  helpdesk: [{ roleId: 'helpdesk-lookup' }],
  builders: [{ roleId: 'builders-strategies' }],
};

/** Provisioning maps the `staff` group (by cn) and `devs` (by DN) to profiles that do not exist at start. */
const ldapConfig = (slapd: Slapd) =>
  ldapPluginConfig(slapd, { enabled: true, defaultProfiles: ['directory-base'], groupProfiles: { staff: ['helpdesk'], [GROUPS.devs.dn]: ['builders'] } });

describe('e2e: ldap group mapping to profiles created through the API', function () {
  let slapd: Slapd;

  before(async function () {
    this.timeout(120_000);
    slapd = await startSlapd();
  });
  after(async () => slapd?.destroy());

  // Both modes; one transport each (the mapping does not depend on it, and ldap.test.ts covers both).
  for (const [mode, transport] of [[MODES[0]!, TRANSPORTS[0]!], [MODES[1]!, TRANSPORTS[1]!]] as const) {
    describe(`(${mode}, over ${transport.name})`, () => {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;
      const ldapLogin = (username: string, password: string) => client.call({ controller: 'auth', action: 'login', strategy: 'ldap', body: { username, password } });
      const rightsOf = async (profileIds: string[]) => {
        const keys = new Set<string>();
        for (const _id of profileIds) {
          for (const right of ok<{ hits: Right[] }>(await client.call({ controller: 'security', action: 'getProfileRights', jwt: admin, _id })).hits) keys.add(rightKey(right));
        }
        return [...keys];
      };

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { plugins: { ldap: ldapConfig(slapd) } });
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      it('refuses a directory login while a mapped profile does not exist, and creates nothing', async () => {
        failed(await ldapLogin('erin', USERS.erin.password), 'security.profile.not_found', 404);
        expect(ok(await client.call({ controller: 'security', action: 'getCredentialsById', jwt: admin, strategy: 'ldap', _id: 'erin' }))).to.deep.equal({});
      });

      it('gives the members of each mapped group exactly the rights of the API-made profiles', async () => {
        for (const [_id, controllers] of Object.entries(ROLES)) ok(await client.call({ controller: 'security', action: 'createRole', jwt: admin, _id, body: { controllers } }));
        for (const [_id, policies] of Object.entries(PROFILES)) ok(await client.call({ controller: 'security', action: 'createProfile', jwt: admin, _id, body: { policies } }));

        // erin is in staff and devs; carol only in devs.
        const erin = ok<{ _id: string; jwt: string }>(await ldapLogin('erin', USERS.erin.password));
        const carol = ok<{ _id: string; jwt: string }>(await ldapLogin('carol', USERS.carol.password));
        const profilesOf = async (kuid: string) => ok<{ _source: { profileIds: string[] } }>(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: kuid }))._source.profileIds;
        expect(await profilesOf(erin._id)).to.have.members(['directory-base', 'helpdesk', 'builders']);
        expect(await profilesOf(carol._id)).to.have.members(['directory-base', 'builders']);

        for (const [user, profileIds] of [[erin, ['directory-base', 'helpdesk', 'builders']], [carol, ['directory-base', 'builders']]] as const) {
          const mine = ok<{ hits: Right[] }>(await client.call({ controller: 'auth', action: 'getMyRights', jwt: user.jwt })).hits;
          expect(mine.map(rightKey)).to.have.members(await rightsOf([...profileIds]));
          ok(await client.call({ controller: 'security', action: 'getUserStrategies', jwt: user.jwt, _id: user._id }));
          failed(await client.call({ controller: 'security', action: 'createUser', jwt: user.jwt, _id: 'intruder', body: { content: { profileIds: ['admin'] } } }), 'security.rights.forbidden', 403);
        }
        ok(await client.call({ controller: 'security', action: 'getUser', jwt: erin.jwt, _id: carol._id }));
        failed(await client.call({ controller: 'security', action: 'getUser', jwt: carol.jwt, _id: erin._id }), 'security.rights.forbidden', 403);
      });

      it('applies a change to an API-made profile to directory users at once, and keeps a profile they hold', async () => {
        const erin = ok<{ _id: string; jwt: string }>(await ldapLogin('erin', USERS.erin.password));
        ok(await client.call({ controller: 'security', action: 'getUser', jwt: erin.jwt, _id: erin._id }));
        ok(await client.call({ controller: 'security', action: 'updateProfile', jwt: admin, _id: 'helpdesk', body: { policies: [{ roleId: 'directory-self' }] } }));
        failed(await client.call({ controller: 'security', action: 'getUser', jwt: erin.jwt, _id: erin._id }), 'security.rights.forbidden', 403);
        failed(await client.call({ controller: 'security', action: 'deleteProfile', jwt: admin, _id: 'helpdesk' }), 'security.profile.in_use', 412);
        failed(await client.call({ controller: 'security', action: 'deleteRole', jwt: admin, _id: 'builders-strategies' }), 'security.role.in_use', 412);
        ok(await client.call({ controller: 'security', action: 'getUserStrategies', jwt: erin.jwt, _id: erin._id }));
      });
    });
  }
});
