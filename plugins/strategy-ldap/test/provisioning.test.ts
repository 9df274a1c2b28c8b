import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '@portcullis/core';
import { createLdapStrategy, PROVISIONED } from '../src/index.js';
import { GROUPS, GROUPS_DN, USERS } from '../../../test/support/slapd-fixture.js';
import { directoryConfig, openLdapCore, refusal, silentLogger, thrown, type LdapCore } from './helpers/core.js';
import { modifyEntry, useSlapd } from './helpers/slapd.js';

describe('strategy-ldap/provisioning', () => {
  const slapd = useSlapd();
  let core: LdapCore | undefined;
  const provisioning = {
    enabled: true,
    defaultProfiles: ['default'],
    attributes: { email: 'mail', name: 'cn' },
    groupProfiles: { staff: ['staff'], [GROUPS.admins.dn.toUpperCase()]: ['admin'], devs: ['developer', 'staff'] },
  };
  const groupSearch = { base: GROUPS_DN, filter: '(|(member={{dn}})(memberUid={{username}}))' };
  const open = async (overrides: Parameters<typeof directoryConfig>[1] = {}, logger = silentLogger): Promise<LdapCore> => {
    core = await openLdapCore(directoryConfig(slapd(), { provisioning, groupSearch, ...overrides }), { profiles: ['staff', 'developer'], logger });
    return core;
  };
  afterEach(async () => {
    await core?.cleanup();
    core = undefined;
  });

  it('creates the user at the first login, with default and group profiles and mapped attributes', async () => {
    const { login, users, plugin } = await open();
    const user = await login('Alice', USERS.alice.password);
    expect(user._id).to.match(/^kuid-/);
    expect(user.content).to.deep.equal({ profileIds: ['default', 'staff'], email: USERS.alice.mail, name: USERS.alice.cn });
    expect(await plugin.getInfo(user._id)).to.deep.equal({ username: 'alice', kuid: user._id });
    // Marked as the directory's in the same write as the user's creation, not in a second one.
    expect((await core!.storage.credentials.findByKuid('ldap', user._id))?.data[PROVISIONED]).to.equal(true);
    expect((await login('alice', USERS.alice.password))._id, 'the same user the next time').to.equal(user._id);
    expect(await users.strategiesOf(user._id)).to.deep.equal(['ldap']);
  });

  it('maps groupOfNames by cn or DN (any case) and posixGroup by memberUid', async () => {
    const { login } = await open();
    expect((await login('bob', USERS.bob.password)).content.profileIds).to.deep.equal(['default', 'staff', 'admin']);
    expect((await login('carol', USERS.carol.password)).content.profileIds).to.deep.equal(['default', 'developer', 'staff']);
    expect((await login('dave', USERS.dave.password)).content.profileIds).to.deep.equal(['default']);
  });

  it('re-evaluates groups at each login', async () => {
    const { login, storage } = await open();
    // Another administrator: dave leaving the admins group must not leave none (see the next test).
    await storage.users.insert({ _id: 'keeper', content: { profileIds: ['admin'] } });
    expect((await login('dave', USERS.dave.password)).content.profileIds).to.deep.equal(['default']);
    await modifyEntry(slapd(), GROUPS.admins.dn, 'add', 'member', USERS.dave.dn);
    try {
      expect((await login('dave', USERS.dave.password)).content.profileIds).to.deep.equal(['default', 'admin']);
    } finally {
      await modifyEntry(slapd(), GROUPS.admins.dn, 'delete', 'member', USERS.dave.dn);
    }
    expect((await login('dave', USERS.dave.password)).content.profileIds).to.deep.equal(['default']);
  });

  it('refuses the login that would take the rights of the last administrator, who stays one', async () => {
    const { login, storage } = await open();
    await modifyEntry(slapd(), GROUPS.admins.dn, 'add', 'member', USERS.dave.dn);
    let kuid: string;
    try {
      kuid = (await login('dave', USERS.dave.password))._id;
    } finally {
      await modifyEntry(slapd(), GROUPS.admins.dn, 'delete', 'member', USERS.dave.dn);
    }
    expect((await refusal(login('dave', USERS.dave.password))).id).to.equal('security.rights.last_administrator');
    expect((await storage.users.get(kuid))?.content.profileIds).to.deep.equal(['default', 'admin']);
  });

  it('leaves users an administrator created as they are', async () => {
    const { login, users } = await open();
    await users.create({ kuid: 'bob-by-hand', content: { profileIds: ['default'], name: 'Robert' }, credentials: { ldap: { username: 'bob' } } });
    expect((await login('bob', USERS.bob.password)).content).to.deep.equal({ profileIds: ['default'], name: 'Robert' });
    expect((await core!.storage.credentials.findByKuid('ldap', 'bob-by-hand'))?.data[PROVISIONED]).to.equal(undefined);
  });

  it('creates one user when first logins race', async () => {
    const { login } = await open();
    const kuids = await Promise.all(Array.from({ length: 5 }, () => login('erin', USERS.erin.password).then((user) => user._id)));
    expect(new Set(kuids).size).to.equal(1);
  });

  it('creates nothing when provisioning is off, or for a wrong password', async () => {
    const off = await open({ provisioning: { enabled: false } });
    expect((await refusal(off.login('alice', USERS.alice.password))).id).to.equal('plugin.strategy.missing_user');
    expect(await off.storage.credentials.findByLogin('ldap', 'alice')).to.equal(null);
    await off.cleanup();
    const on = await open();
    expect((await refusal(on.login('alice', 'wrong-password'))).id).to.equal('plugin.strategy.missing_user');
    expect(await on.storage.credentials.findByLogin('ldap', 'alice')).to.equal(null);
  });

  it('refuses the login and creates nothing when a mapped profile does not exist', async () => {
    const { login, storage } = await open({ provisioning: { ...provisioning, groupProfiles: { staff: ['ghost'] } } });
    expect((await refusal(login('alice', USERS.alice.password))).id).to.equal('security.profile.not_found');
    expect(await storage.credentials.findByLogin('ldap', 'alice')).to.equal(null);
  });

  it('logs who was provisioned, never a password', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }) });
    const { login } = await open({}, logger);
    await login('alice', USERS.alice.password);
    await refusal(login('alice', 'my-wrong-password'));
    expect(lines.join('')).to.include('user provisioned from the directory');
    expect(lines.join('')).not.to.match(/alice-directory-pw|my-wrong-password|service-account-pw/);
  });

  it('refuses to start with provisioning when the context offers no user management', () => {
    const context = { name: 'ldap', config: directoryConfig(slapd(), { provisioning }), credentials: {} as never, logger: silentLogger };
    expect(thrown(() => createLdapStrategy(context)).id).to.equal('plugin.strategy.invalid_description');
  });
});
