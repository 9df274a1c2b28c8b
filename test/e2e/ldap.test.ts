import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient, TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { awaitEvents } from '../support/audit.js';
import { MODES, startNode, TestStores, type Mode } from '../support/node.js';
import { ldapPluginConfig, startSlapd, type Slapd } from '../support/slapd.js';
import { CONTRACTORS_DN, GROUPS, PEOPLE_DN, USERS } from '../support/slapd-fixture.js';

const INJECTIONS = ['*', 'admin*', '*)(uid=*', 'x)(|(uid=*'];

/** plugins.ldap for the test directory: provisioning with group mapping. */
const ldapConfig = (slapd: Slapd) =>
  ldapPluginConfig(slapd, { enabled: true, attributes: { email: 'mail', name: 'cn' }, groupProfiles: { admins: ['admin'], [GROUPS.devs.dn]: ['default'] } });

const ldapLogin = (client: ApiClient, username: unknown, password: unknown, extra: Record<string, unknown> = {}) =>
  client.call({ controller: 'auth', action: 'login', strategy: 'ldap', body: { username, password }, ...extra });

describe('e2e: ldap strategy against slapd', function () {
  let slapd: Slapd;

  before(async function () {
    this.timeout(120_000);
    slapd = await startSlapd();
  });
  after(async () => slapd?.destroy());

  const scenarios = (mode: Mode, transport: (typeof TRANSPORTS)[number]) => describe(`(${mode}, over ${transport.name})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let client: ApiClient;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { plugins: { ldap: ldapConfig(slapd) } });
      client = await transport.connect(node.url);
      admin = await firstAdmin(client);
      ok(await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: 'alice', body: { content: { profileIds: ['default'], name: 'Alice' }, credentials: { ldap: { username: 'alice' } } } }));
      // dave holds local and ldap credentials: either login gives the same kuid.
      await createUser(client, admin, 'dave', 'dave-local', 'dave-local-password');
      ok(await client.call({ controller: 'security', action: 'createCredentials', jwt: admin, strategy: 'ldap', _id: 'dave', body: { username: 'dave' } }));
    });

    after(async () => {
      await slapd.start();
      await client?.close();
      await node?.stop();
      await stores?.destroy();
    });

    it('serves ldap beside local, with its credential fields', async () => {
      expect(ok(await client.call({ controller: 'auth', action: 'getStrategies', jwt: admin }))).to.deep.equal(['local', 'ldap']);
      expect(ok(await client.call({ controller: 'security', action: 'getCredentialFields', jwt: admin, strategy: 'ldap' }))).to.deep.equal(['username', 'bindDN', 'searchBase', 'searchFilter']);
    });

    it('logs a directory user in; the token works like any other', async () => {
      const token = ok<{ _id: string; jwt: string }>(await ldapLogin(client, 'alice', USERS.alice.password));
      expect(token._id).to.equal('alice');
      const me = ok<{ _id: string; strategies: string[] }>(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: token.jwt }));
      expect(me).to.deep.include({ _id: 'alice', strategies: ['ldap'] });
      expect(ok(await client.call({ controller: 'auth', action: 'getMyCredentials', jwt: token.jwt, strategy: 'ldap' }))).to.deep.equal({ username: 'alice', kuid: 'alice' });
    });

    it('gives the same kuid to a user logging in by local or by ldap', async () => {
      const byLdap = ok<{ _id: string }>(await ldapLogin(client, 'dave', USERS.dave.password));
      const byLocal = ok<{ _id: string }>(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'dave-local', password: 'dave-local-password' } }));
      expect(byLdap._id).to.equal('dave');
      expect(byLocal._id).to.equal('dave');
      expect(ok(await client.call({ controller: 'security', action: 'getUserStrategies', jwt: admin, _id: 'dave' }))).to.deep.equal({ strategies: ['local', 'ldap'], total: 2 });
    });

    it('answers a wrong password and an unknown user with one error', async () => {
      const wrong = await ldapLogin(client, 'alice', 'not-her-password');
      const unknown = await ldapLogin(client, 'nobody-here', 'not-her-password');
      failed(wrong, 'plugin.strategy.missing_user', 401);
      failed(unknown, 'plugin.strategy.missing_user', 401);
      expect(wrong.error).to.deep.equal(unknown.error);
    });

    it('refuses an empty password before any bind, and creates nothing', async () => {
      const response = await ldapLogin(client, 'erin', '');
      failed(response, 'plugin.strategy.missing_user', 401);
      expect(response.error!.message).to.equal('a username and a non-empty password are required');
      expect(ok(await client.call({ controller: 'security', action: 'getCredentialsById', jwt: admin, strategy: 'ldap', _id: 'erin' }))).to.deep.equal({});
    });

    it('never lets a filter injection log in, whatever the password', async () => {
      for (const username of INJECTIONS) {
        for (const password of [USERS.alice.password, USERS.soloAdmin.password]) failed(await ldapLogin(client, username, password), 'plugin.strategy.missing_user', 401);
      }
      expect(ok(await client.call({ controller: 'security', action: 'getCredentialsById', jwt: admin, strategy: 'ldap', _id: '*' }))).to.deep.equal({});
    });

    it('provisions an unknown directory user at the first login, with profiles from its groups', async () => {
      const token = ok<{ _id: string; jwt: string }>(await ldapLogin(client, 'bob', USERS.bob.password));
      const user = ok<{ _source: Record<string, unknown> }>(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: token._id }));
      expect(user._source).to.deep.equal({ profileIds: ['default', 'admin'], email: USERS.bob.mail, name: USERS.bob.cn });
      // bob is in "admins": the admin profile lets him read other users.
      ok(await client.call({ controller: 'security', action: 'getUser', jwt: token.jwt, _id: 'alice' }));
      expect(ok<{ _id: string }>(await ldapLogin(client, 'BOB', USERS.bob.password))._id).to.equal(token._id);
      // The audit log tells who provisioned bob: the ldap strategy, at his first login, with no actor.
      const [created] = await awaitEvents(client, admin, { type: 'user:create', userId: token._id }, (hits) => hits.length > 0);
      expect(created).to.include({ strategy: 'ldap', actorId: null });
      expect(created!.details).to.deep.equal({ action: 'provision', fields: ['profileIds', 'email', 'name'], profileIds: ['default', 'admin'] });
    });

    it('refuses users choosing the directory entry their ldap credentials name (security.credentials.self_service_forbidden)', async () => {
      const alice = ok<{ jwt: string }>(await ldapLogin(client, 'alice', USERS.alice.password)).jwt;
      for (const body of [{ username: 'bob' }, { bindDN: USERS.bob.dn }, { searchBase: PEOPLE_DN, searchFilter: '(uid=bob)' }]) {
        failed(await client.call({ controller: 'auth', action: 'updateMyCredentials', jwt: alice, strategy: 'ldap', body }), 'security.credentials.self_service_forbidden', 403);
        failed(await client.call({ controller: 'auth', action: 'validateMyCredentials', jwt: alice, strategy: 'ldap', body }), 'security.credentials.self_service_forbidden', 403);
      }
      expect(ok(await client.call({ controller: 'security', action: 'getCredentials', jwt: admin, strategy: 'ldap', _id: 'alice' }))).to.deep.equal({ username: 'alice', kuid: 'alice' });
      // Nor can a local user whose rights allow auth:createMyCredentials (an administrator's, here)
      // give themselves ldap credentials naming someone's entry: the security controller is the way.
      await createUser(client, admin, 'frank', 'frank-local', 'frank-local-password', ['admin']);
      const frank = await login(client, 'frank-local', 'frank-local-password');
      const claim = await client.call({ controller: 'auth', action: 'createMyCredentials', jwt: frank, strategy: 'ldap', body: { username: 'carol' } });
      failed(claim, 'security.credentials.self_service_forbidden', 403);
      expect(claim.error!.message).to.include('"username"');
      expect(ok(await client.call({ controller: 'security', action: 'getUserStrategies', jwt: admin, _id: 'frank' }))).to.deep.equal({ strategies: ['local'], total: 1 });
      // Signing up is choosing credentials about oneself too.
      const signUp = await client.call({ controller: 'security', action: 'createRestrictedUser', jwt: admin, _id: 'signup', body: { credentials: { local: { username: 'signup', password: 'signup-password-long' }, ldap: { username: 'carol' } } } });
      failed(signUp, 'security.credentials.self_service_forbidden', 403);
      failed(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'signup' }), 'security.user.not_found', 404);
      // What administrators set, they still may.
      ok(await client.call({ controller: 'security', action: 'createCredentials', jwt: admin, strategy: 'ldap', _id: 'frank', body: { username: 'frank' } }));
      ok(await client.call({ controller: 'security', action: 'updateCredentials', jwt: admin, strategy: 'ldap', _id: 'frank', body: { searchFilter: '(uid=frank)' } }));
    });

    it('refuses credentials an administrator pointed at an entry bound to another user, as a wrong password', async () => {
      expect(ok<{ _id: string }>(await ldapLogin(client, 'alice', USERS.alice.password))._id).to.equal('alice');
      ok(await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: 'portal', body: { content: { profileIds: ['default'] }, credentials: { ldap: { username: 'portal', searchBase: PEOPLE_DN, searchFilter: '(uid=alice)' } } } }));
      const refused = await ldapLogin(client, 'portal', USERS.alice.password);
      failed(refused, 'plugin.strategy.missing_user', 401);
      expect(refused.error).to.deep.equal((await ldapLogin(client, 'alice', 'not-her-password')).error);
      const byDn = await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: 'mallory', body: { content: { profileIds: ['default'] }, credentials: { ldap: { username: 'mallory', bindDN: USERS.alice.dn } } } });
      failed(byDn, 'security.credentials.login_taken', 412);
      failed(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'mallory' }), 'security.user.not_found', 404);
      expect(ok<{ _id: string }>(await ldapLogin(client, 'alice', USERS.alice.password))._id).to.equal('alice');
    });

    it('binds one entry to one user when the first logins of two users finding it race', async () => {
      const create = (kuid: string, ldap: Record<string, unknown>) =>
        client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: kuid, body: { content: { profileIds: ['default'] }, credentials: { ldap } } });
      ok(await create('carol-a', { username: 'carol' }));
      ok(await create('carol-b', { username: 'carol-b', searchFilter: '(uid=carol)' }));
      const answers = await Promise.all([ldapLogin(client, 'carol', USERS.carol.password), ldapLogin(client, 'carol-b', USERS.carol.password)]);
      const winners = answers.filter((answer) => answer.error === null);
      expect(winners, JSON.stringify(answers.map((answer) => answer.error))).to.have.length(1);
      for (const answer of answers) if (answer.error) failed(answer, 'plugin.strategy.missing_user', 401);
      const winner = (winners[0]!.result as { _id: string })._id;
      for (const username of ['carol', 'carol-b']) {
        const again = await ldapLogin(client, username, USERS.carol.password);
        if (again.error) failed(again, 'plugin.strategy.missing_user', 401);
        else expect((again.result as { _id: string })._id).to.equal(winner);
      }
    });

    it('answers 503 quickly while slapd is down, keeps local logins and token checks working, and recovers without a restart', async () => {
      const held = await login(client, 'dave-local', 'dave-local-password');
      await slapd.stop();
      const started = Date.now();
      failed(await ldapLogin(client, 'alice', USERS.alice.password), 'plugin.strategy.unavailable', 503);
      expect(Date.now() - started).to.be.below(2000);
      expect(await login(client, 'dave-local', 'dave-local-password')).to.be.a('string');
      expect(ok<{ valid: boolean }>(await client.call({ controller: 'auth', action: 'checkToken', body: { token: held } })).valid).to.equal(true);
      ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: held }));
      await slapd.start();
      expect(ok<{ _id: string }>(await ldapLogin(client, 'alice', USERS.alice.password))._id).to.equal('alice');
    });
  });

  for (const transport of TRANSPORTS) scenarios('embedded', transport);
  scenarios('production', TRANSPORTS[0]!);

  for (const mode of MODES) {
    it(`(${mode}) never merges two entries sharing a uid, even through a node that searches where the other one lives`, async () => {
      const stores = new TestStores(mode);
      const nodes: Portcullis[] = [];
      try {
        nodes.push(await startNode(stores, { plugins: { ldap: ldapConfig(slapd) } }));
        nodes.push(await startNode(stores, { plugins: { ldap: { ...ldapConfig(slapd), searchBase: CONTRACTORS_DN } } }));
        const [people, contractors] = nodes.map((node) => new HttpClient(node.url)) as [HttpClient, HttpClient];
        const admin = await firstAdmin(people);
        const alice = ok<{ _id: string }>(await ldapLogin(people, 'alice', USERS.alice.password))._id;
        const before = ok(await people.call({ controller: 'security', action: 'getUser', jwt: admin, _id: alice }));
        expect(before).to.have.nested.property('_source.name', USERS.alice.cn);
        failed(await ldapLogin(contractors, 'alice', USERS.aliceTwin.password), 'plugin.strategy.missing_user', 401);
        expect(ok(await contractors.call({ controller: 'security', action: 'getUser', jwt: admin, _id: alice })), 'nothing of the twin copied').to.deep.equal(before);
        expect(ok(await contractors.call({ controller: 'security', action: 'getCredentialsById', jwt: admin, strategy: 'ldap', _id: 'alice' }))).to.deep.equal({ username: 'alice', kuid: alice });
        expect(ok<{ _id: string }>(await ldapLogin(people, 'alice', USERS.alice.password))._id).to.equal(alice);
      } finally {
        for (const node of nodes) await node.stop();
        await stores.destroy();
      }
    });
  }
});
