import { expect } from 'chai';
import { PEOPLE_DN, SOLO_DN, USERS } from '../../../test/support/slapd-fixture.js';
import { directoryConfig, openLdapCore, refusal, type LdapCore } from './helpers/core.js';
import { directoryAccepts, rawSearch, useSlapd } from './helpers/slapd.js';

const INJECTIONS = ['*', 'admin*', '*)(uid=*', 'x)(|(uid=*'];

describe('strategy-ldap/ldap-strategy: logins against slapd', () => {
  const slapd = useSlapd();
  let core: LdapCore;
  const open = async (overrides: Parameters<typeof directoryConfig>[1] = {}) => {
    await core?.cleanup();
    core = await openLdapCore(directoryConfig(slapd(), overrides));
  };
  const mapUser = (kuid: string, credentials: Record<string, unknown>) =>
    core.users.create({ kuid, content: { profileIds: ['default'] }, credentials: { ldap: credentials } });
  afterEach(async () => {
    await core?.cleanup();
    core = undefined as unknown as LdapCore;
  });

  it('logs a mapped directory user in, whatever the case of the login', async () => {
    await open();
    await mapUser('alice-kuid', { username: 'alice' });
    expect((await core.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
    expect((await core.login('ALICE', USERS.alice.password))._id).to.equal('alice-kuid');
  });

  it('refuses a wrong password, an unknown user and an unmapped entry with one error', async () => {
    await open();
    await mapUser('alice-kuid', { username: 'alice' });
    const wrong = await refusal(core.login('alice', 'not-her-password'));
    const unknown = await refusal(core.login('nobody', 'whatever'));
    const unmapped = await refusal(core.login('bob', USERS.bob.password));
    for (const error of [wrong, unknown, unmapped]) {
      expect(error.id).to.equal('plugin.strategy.missing_user');
      expect(error.status).to.equal(401);
      expect(error.message).to.equal(wrong.message);
    }
  });

  it('refuses an empty password before any bind, though this directory takes it as an anonymous success', async () => {
    await open();
    await mapUser('alice-kuid', { username: 'alice' });
    expect(await directoryAccepts(slapd(), USERS.alice.dn, ''), 'the fixture directory accepts an empty password').to.equal(true);
    for (const password of ['', undefined, null, 42, ['alice-directory-pw']]) {
      const error = await refusal(core.login('alice', password));
      expect(error.id).to.equal('plugin.strategy.missing_user');
      expect(error.message).to.equal('a username and a non-empty password are required');
    }
  });

  it('never lets a filter injection match another entry, where an unescaped filter would', async () => {
    // ou=solo holds one entry, "admin": an unescaped (uid=*) or (uid=admin*) would find exactly it.
    const searchFilter = '(&(objectClass=inetOrgPerson)(uid={{username}}))';
    await open({ searchBase: SOLO_DN, searchFilter });
    await mapUser('solo-admin', { username: 'admin' });
    for (const username of INJECTIONS.slice(0, 3)) {
      expect(await rawSearch(slapd(), SOLO_DN, searchFilter.replace('{{username}}', username)), username).to.deep.equal([USERS.soloAdmin.dn]);
    }
    for (const username of INJECTIONS) {
      const error = await refusal(core.login(username, USERS.soloAdmin.password));
      expect(error.id, username).to.equal('plugin.strategy.missing_user');
    }
    expect((await core.login('admin', USERS.soloAdmin.password))._id).to.equal('solo-admin');
  });

  it('finds logins holding RFC 4515 special characters (escaped once, not twice)', async () => {
    await open();
    await mapUser('oneil', { username: USERS.special.uid });
    expect((await core.login(USERS.special.uid, USERS.special.password))._id).to.equal('oneil');
  });

  it('searches anonymously when no service account is configured', async () => {
    await open({ bindDN: undefined, bindCredentials: undefined });
    await mapUser('alice-kuid', { username: 'alice' });
    expect((await core.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
  });

  it('tries the next URL when the first cannot be reached', async () => {
    await open({ url: ['ldap://127.0.0.1:1', slapd().url] });
    await mapUser('alice-kuid', { username: 'alice' });
    expect((await core.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
  });

  it('maps by the entry\'s usernameAttribute when the filter accepts other logins (mail)', async () => {
    await open({ searchFilter: '(|(uid={{username}})(mail={{username}}))' });
    await mapUser('alice-kuid', { username: 'alice' });
    expect((await core.login(USERS.alice.mail, USERS.alice.password))._id).to.equal('alice-kuid');
  });

  it('refuses, and never picks one, when the search matches several entries', async () => {
    await open({ searchFilter: '(|(uid={{username}})(objectClass=inetOrgPerson))' });
    await mapUser('alice-kuid', { username: 'alice' });
    expect((await refusal(core.login('alice', USERS.alice.password))).id).to.equal('plugin.strategy.missing_user');
  });

  describe('per-user overrides', () => {
    it('binds as the credentials\' bindDN without a search', async () => {
      // A search base where alice is not: only the per-user bindDN can find her.
      await open({ searchBase: SOLO_DN });
      await mapUser('alice-kuid', { username: 'alice', bindDN: USERS.alice.dn });
      expect((await core.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
      expect((await refusal(core.login('alice', USERS.bob.password))).id).to.equal('plugin.strategy.missing_user');
    });

    it('searches with the credentials\' searchBase and searchFilter, and maps to that user', async () => {
      await open({ searchBase: SOLO_DN });
      await mapUser('portal-bob', { username: 'portal-bob', searchBase: PEOPLE_DN, searchFilter: '(uid=bob)' });
      expect((await core.login('portal-bob', USERS.bob.password))._id).to.equal('portal-bob');
      expect(await core.plugin.getInfo('portal-bob')).to.deep.equal({ username: 'portal-bob', kuid: 'portal-bob', searchBase: PEOPLE_DN, searchFilter: '(uid=bob)' });
      await core.plugin.update({ searchBase: null, searchFilter: null }, 'portal-bob');
      expect((await refusal(core.login('portal-bob', USERS.bob.password))).id).to.equal('plugin.strategy.missing_user');
    });
  });
});
