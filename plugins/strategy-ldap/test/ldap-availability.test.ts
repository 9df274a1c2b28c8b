import { expect } from 'chai';
import { SERVICE, USERS } from '../../../test/support/slapd-fixture.js';
import { directoryConfig, openLdapCore, refusal, type LdapCore } from './helpers/core.js';
import { useSlapd } from './helpers/slapd.js';
import { Wire } from './helpers/wire.js';

describe('strategy-ldap/ldap-strategy: a directory that is down, slow, or behind TLS', () => {
  const slapd = useSlapd();
  let core: LdapCore | undefined;
  let wire: Wire | undefined;
  const open = async (overrides: Parameters<typeof directoryConfig>[1] = {}): Promise<LdapCore> => {
    core = await openLdapCore(directoryConfig(slapd(), overrides));
    await core.users.create({ kuid: 'alice-kuid', content: { profileIds: ['default'] }, credentials: { ldap: { username: 'alice' } } });
    return core;
  };
  const timed = async <T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = Date.now();
    const result = await run();
    return { result, ms: Date.now() - started };
  };
  afterEach(async () => {
    slapd().resume();
    await slapd().start().catch(() => undefined);
    await core?.cleanup();
    await wire?.stop();
    core = undefined;
    wire = undefined;
  });

  it('fails fast with plugin.strategy.unavailable (503) while slapd is down, and logs in again once it is back', async () => {
    const { login } = await open();
    expect((await login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
    await slapd().stop();
    const down = await timed(() => refusal(login('alice', USERS.alice.password)));
    expect(down.result.id).to.equal('plugin.strategy.unavailable');
    expect(down.result.status).to.equal(503);
    expect(down.ms).to.be.below(500);
    await slapd().start();
    expect((await login('alice', USERS.alice.password))._id, 'no restart needed').to.equal('alice-kuid');
  });

  it('fails within the operation timeout while slapd is frozen, and recovers when it resumes', async () => {
    const { login } = await open({ timeout: 500 });
    slapd().pause();
    const slow = await timed(() => refusal(login('alice', USERS.alice.password)));
    expect(slow.result.id).to.equal('plugin.strategy.unavailable');
    expect(slow.ms).to.be.within(400, 2500);
    slapd().resume();
    expect((await login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
  });

  it('fails within the connect timeout when a TLS handshake never completes', async () => {
    wire = new Wire();
    const port = await wire.start();
    const { login } = await open({ url: `ldaps://127.0.0.1:${port}`, connectTimeout: 300, timeout: 300 });
    const hung = await timed(() => refusal(login('alice', USERS.alice.password)));
    expect(hung.result.id).to.equal('plugin.strategy.unavailable');
    expect(hung.ms).to.be.below(2000);
  });

  it('logs in over ldaps:// trusting the given CA, and refuses an unverified server with unavailable', async () => {
    const trusted = await open({ url: slapd().tlsUrl, tls: { ca: [slapd().certificate] } });
    expect((await trusted.login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
    await trusted.cleanup();
    const untrusted = await open({ url: slapd().tlsUrl });
    expect((await refusal(untrusted.login('alice', USERS.alice.password))).id).to.equal('plugin.strategy.unavailable');
  });

  it('upgrades with StartTLS before the first bind: no password crosses the wire in clear text', async () => {
    wire = new Wire({ host: '127.0.0.1', port: slapd().port });
    const port = await wire.start();
    const { login } = await open({ url: `ldap://127.0.0.1:${port}`, tls: { startTLS: true, ca: [slapd().certificate], servername: 'localhost' } });
    expect((await login('alice', USERS.alice.password))._id).to.equal('alice-kuid');
    expect((await refusal(login('alice', 'a-wrong-password'))).id).to.equal('plugin.strategy.missing_user');
    expect(wire.carried('1.3.6.1.4.1.1466.20037'), 'the StartTLS request went out').to.equal(true);
    expect(wire.carried(SERVICE.password)).to.equal(false);
    expect(wire.carried(USERS.alice.password)).to.equal(false);
    expect(wire.carried('a-wrong-password')).to.equal(false);
  });

  it('sends passwords in clear over plain ldap:// (what the StartTLS test guards against)', async () => {
    wire = new Wire({ host: '127.0.0.1', port: slapd().port });
    const port = await wire.start();
    const { login } = await open({ url: `ldap://127.0.0.1:${port}` });
    await login('alice', USERS.alice.password);
    expect(wire.carried(SERVICE.password)).to.equal(true);
  });
});
