import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { bindingsNamespace, createLogger, type Logger } from '@portcullis/core';
import { CONTRACTORS_DN, GROUPS_DN, PEOPLE_DN, USERS } from '../../../test/support/slapd-fixture.js';
import { directoryConfig, openLdapCore, refusal, type LdapCore } from './helpers/core.js';
import { modifyEntry, useSlapd } from './helpers/slapd.js';

const BINDINGS = bindingsNamespace('ldap');

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: Logger; text(): string } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }) });
  return { logger, text: () => lines.join('') };
}

describe('strategy-ldap: one directory entry, at most one user', () => {
  const slapd = useSlapd();
  const cores: LdapCore[] = [];
  let directory: string;
  /** A core on the shared SQLite file: several configs over the same data, as across restarts. */
  const open = async (overrides: Parameters<typeof directoryConfig>[1] = {}, logger?: Logger): Promise<LdapCore> => {
    const core = await openLdapCore(directoryConfig(slapd(), overrides), { directory, profiles: ['staff'], ...(logger ? { logger } : {}) });
    cores.push(core);
    return core;
  };
  const mapUser = (core: LdapCore, kuid: string, credentials: Record<string, unknown>) =>
    core.users.create({ kuid, content: { profileIds: ['default'] }, credentials: { ldap: credentials } });
  const boundKey = async (core: LdapCore, kuid: string) => (await core.storage.credentials.findByKuid(BINDINGS, kuid))?.login ?? null;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'portcullis-ldap-binding-'));
  });
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.cleanup();
    rmSync(directory, { recursive: true, force: true });
  });

  it('binds credentials to the entry of their first login, by canonical DN', async () => {
    const core = await open();
    await mapUser(core, 'alice-kuid', { username: 'alice' });
    expect(await boundKey(core, 'alice-kuid')).to.equal(null);
    expect((await core.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
    expect(await boundKey(core, 'alice-kuid')).to.equal(`dn:${USERS.alice.dn.replaceAll(',', ', ')}`);
  });

  it('refuses another entry sharing the login value, as a wrong password, and logs the kuid and DN without the password', async () => {
    const people = await open();
    await mapUser(people, 'alice-kuid', { username: 'alice' });
    await people.login('alice', USERS.alice.password);
    // The same data, now searched where the other "alice" lives (say, a searchBase changed).
    const capture = capturingLogger();
    const contractors = await open({ searchBase: CONTRACTORS_DN }, capture.logger);
    const error = await refusal(contractors.login('alice', USERS.aliceTwin.password));
    expect(error.id).to.equal('plugin.strategy.missing_user');
    expect(error.message).to.equal((await refusal(contractors.login('alice', 'not-the-password'))).message);
    expect(capture.text()).to.include('the credentials are bound to another directory entry').and.include('alice-kuid').and.include(USERS.aliceTwin.dn);
    expect(capture.text()).not.to.include(USERS.aliceTwin.password);
    // The owner still gets in.
    expect((await people.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
  });

  it('refuses credentials whose overrides point at an entry bound to another user', async () => {
    const core = await open();
    await mapUser(core, 'bob-kuid', { username: 'bob' });
    await core.login('bob', USERS.bob.password);
    await mapUser(core, 'portal-kuid', { username: 'portal', searchBase: PEOPLE_DN, searchFilter: '(uid=bob)' });
    expect((await refusal(core.login('portal', USERS.bob.password))).id).to.equal('plugin.strategy.missing_user');
    expect(await boundKey(core, 'portal-kuid')).to.equal(null);
    expect((await core.login('bob', USERS.bob.password))._id).to.equal('bob-kuid');
  });

  it('refuses an administrator\'s bindDN that names an entry bound to another user (security.credentials.login_taken)', async () => {
    const core = await open();
    await mapUser(core, 'carol-kuid', { username: 'carol', bindDN: USERS.carol.dn });
    expect(await boundKey(core, 'carol-kuid'), 'bound at creation').to.equal(`dn:${USERS.carol.dn.replaceAll(',', ', ')}`);
    const byCreate = await refusal(mapUser(core, 'other-kuid', { username: 'other', bindDN: USERS.carol.dn.toUpperCase() }));
    expect(byCreate.id).to.equal('security.credentials.login_taken');
    await mapUser(core, 'other-kuid', { username: 'other' });
    const byUpdate = await refusal(core.users.updateCredentials('ldap', 'other-kuid', { bindDN: USERS.carol.dn }));
    expect(byUpdate.id).to.equal('security.credentials.login_taken');
    expect(await core.plugin.getInfo('other-kuid')).to.deep.equal({ username: 'other', kuid: 'other-kuid' });
  });

  it('lets only one of two users whose credentials find the same entry bind to it, even when their first logins race', async () => {
    const core = await open();
    await mapUser(core, 'dave-1', { username: 'dave' });
    await mapUser(core, 'dave-2', { username: 'dave-too', searchFilter: '(uid=dave)' });
    const outcomes = await Promise.allSettled([core.login('dave', USERS.dave.password), core.login('dave-too', USERS.dave.password)]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).to.have.length(1);
    const keys = [await boundKey(core, 'dave-1'), await boundKey(core, 'dave-2')];
    expect(keys.filter((key) => key !== null)).to.have.length(1);
  });

  it('keeps an entry with its user when its login value changes in the directory', async () => {
    const core = await open();
    await mapUser(core, 'erin-kuid', { username: 'erin' });
    await core.login('erin', USERS.erin.password);
    await modifyEntry(slapd(), USERS.erin.dn, 'add', 'uid', 'erin-renamed');
    try {
      expect((await core.login('erin-renamed', USERS.erin.password))._id).to.equal('erin-kuid');
    } finally {
      await modifyEntry(slapd(), USERS.erin.dn, 'delete', 'uid', 'erin-renamed');
    }
  });

  it('forgets the binding when an administrator changes the credentials or deletes them', async () => {
    const core = await open();
    await mapUser(core, 'alice-kuid', { username: 'alice' });
    await core.login('alice', USERS.alice.password);
    await core.users.updateCredentials('ldap', 'alice-kuid', { username: 'bob' });
    expect(await boundKey(core, 'alice-kuid')).to.equal(null);
    expect((await core.login('bob', USERS.bob.password))._id).to.equal('alice-kuid');
    await core.users.deleteCredentials('ldap', 'alice-kuid');
    expect(await boundKey(core, 'alice-kuid')).to.equal(null);
    await mapUser(core, 'bob-kuid', { username: 'bob' });
    expect((await core.login('bob', USERS.bob.password))._id, 'the entry is free again').to.equal('bob-kuid');
  });

  it('drops a stale binding left by a crash between deleting credentials and their binding', async () => {
    const core = await open();
    await core.storage.credentials.insert({ strategy: BINDINGS, kuid: 'gone-kuid', login: `dn:${USERS.carol.dn.replaceAll(',', ', ')}`, data: {} });
    await mapUser(core, 'carol-kuid', { username: 'carol' });
    expect((await core.login('carol', USERS.carol.password))._id).to.equal('carol-kuid');
    expect(await core.storage.credentials.findByKuid(BINDINGS, 'gone-kuid')).to.equal(null);
  });

  describe('plugins.ldap.entryKeyAttribute', () => {
    it('keys entries by entryUUID, and moves DN keys to it at the next login', async () => {
      const byDn = await open();
      await mapUser(byDn, 'alice-kuid', { username: 'alice' });
      await byDn.login('alice', USERS.alice.password);
      const byUuid = await open({ entryKeyAttribute: 'entryUUID' });
      expect((await byUuid.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
      expect(await boundKey(byUuid, 'alice-kuid')).to.match(/^entryuuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await mapUser(byUuid, 'bob-kuid', { username: 'bob' });
      expect((await byUuid.login('bob', USERS.bob.password))._id).to.equal('bob-kuid');
      expect(await boundKey(byUuid, 'bob-kuid')).to.match(/^entryuuid:/);
    });

    it('refuses an entry without the attribute, and the twin entry of a bound user', async () => {
      const capture = capturingLogger();
      const core = await open({ entryKeyAttribute: 'employeeNumber' }, capture.logger);
      await mapUser(core, 'alice-kuid', { username: 'alice' });
      expect((await refusal(core.login('alice', USERS.alice.password))).id).to.equal('plugin.strategy.missing_user');
      expect(capture.text()).to.include('no single entryKeyAttribute value');
      const byUuid = await open({ entryKeyAttribute: 'entryUUID' });
      await byUuid.login('alice', USERS.alice.password);
      const twin = await open({ entryKeyAttribute: 'entryUUID', searchBase: CONTRACTORS_DN });
      expect((await refusal(twin.login('alice', USERS.aliceTwin.password))).id).to.equal('plugin.strategy.missing_user');
    });
  });

  describe('with provisioning', () => {
    const provisioning = { enabled: true, attributes: { name: 'cn' }, groupProfiles: { staff: ['staff'] } };
    const groupSearch = { base: GROUPS_DN };

    it('never merges two entries: the twin of a provisioned user is refused and changes nothing', async () => {
      const people = await open({ provisioning, groupSearch });
      const alice = await people.login('alice', USERS.alice.password);
      expect(alice.content).to.deep.equal({ profileIds: ['default', 'staff'], name: USERS.alice.cn });
      const contractors = await open({ searchBase: CONTRACTORS_DN, provisioning, groupSearch });
      expect((await refusal(contractors.login('alice', USERS.aliceTwin.password))).id).to.equal('plugin.strategy.missing_user');
      expect((await contractors.storage.users.get(alice._id))?.content, 'no group or name of the twin').to.deep.equal(alice.content);
      expect((await contractors.users.strategiesOf(alice._id))).to.deep.equal(['ldap']);
    });

    it('provisions a user once per entry, however many logins the entry answers to', async () => {
      const core = await open({ provisioning, groupSearch });
      const first = await core.login('dave', USERS.dave.password);
      await modifyEntry(slapd(), USERS.dave.dn, 'add', 'uid', 'dave-alias');
      try {
        expect((await core.login('dave-alias', USERS.dave.password))._id).to.equal(first._id);
      } finally {
        await modifyEntry(slapd(), USERS.dave.dn, 'delete', 'uid', 'dave-alias');
      }
      expect(await core.storage.credentials.findByLogin('ldap', 'dave-alias')).to.equal(null);
    });
  });
});
