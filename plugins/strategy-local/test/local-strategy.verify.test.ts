import { expect } from 'chai';
import { credentialFingerprint, type Storage, type StrategyCredentials } from '@portcullis/core';
import { LocalStrategyPlugin, OWASP_ARGON2_MINIMUM, parseLocalStrategyConfig, WRONG_CREDENTIALS } from '../src/index.js';
import { phcParameters } from './helpers/argon2.js';
import { CountingHasher } from './helpers/counting-hasher.js';
import { expectRejection } from './helpers/errors.js';
import { localPlugin, loginRequest, newCredentials, openTestStorage, silentLogger, strategyContext, verifyFromBody } from './helpers/storage.js';

const FAILURE = { kuid: null, message: WRONG_CREDENTIALS };

describe('strategy-local/local-strategy #verify', () => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ storage, cleanup } = await openTestStorage()));
  afterEach(async () => cleanup());

  /** A plugin with OWASP parameters whose argon2 calls are counted. */
  async function countedPlugin(): Promise<{ plugin: LocalStrategyPlugin; hasher: CountingHasher }> {
    const config = parseLocalStrategyConfig({}, 'local');
    const hasher = new CountingHasher(config.argon2);
    const { credentials } = strategyContext(storage);
    return { plugin: new LocalStrategyPlugin({ name: 'local', config, credentials, hasher, logger: silentLogger }), hasher };
  }

  const storedHash = async (kuid: string): Promise<unknown> => (await storage.credentials.findByKuid('local', kuid))?.data['hash'];

  it('resolves {kuid} for the right username and password', async () => {
    const plugin = await localPlugin(storage);
    const { username, password } = newCredentials();
    await plugin.create({ username, password }, 'ada');
    expect(await verifyFromBody(plugin, username, password)).to.include({ kuid: 'ada' });
  });

  it('gives an unknown user and a wrong password the same answer, each after one argon2 check', async () => {
    const { plugin, hasher } = await countedPlugin();
    const { username, password } = newCredentials();
    await plugin.create({ username, password }, 'ada');
    hasher.reset();
    const wrongPassword = await verifyFromBody(plugin, username, `${password}x`);
    expect(hasher.checks).to.equal(1);
    const unknownUser = await verifyFromBody(plugin, `${username}x`, password);
    expect(hasher.checks).to.equal(2);
    expect(hasher.calls.verifyDummy).to.equal(1);
    expect(unknownUser).to.deep.equal(wrongPassword).and.to.deep.equal(FAILURE);
  });

  it('refuses a password longer than maxPasswordLength the same way, without hashing', async () => {
    const { plugin, hasher } = await countedPlugin();
    const { username } = newCredentials();
    await plugin.create({ username, password: 'p'.repeat(128) }, 'ada');
    hasher.reset();
    expect(await verifyFromBody(plugin, username, 'p'.repeat(129))).to.deep.equal(FAILURE);
    expect(await verifyFromBody(plugin, username, 'p'.repeat(1_000_000))).to.deep.equal(FAILURE);
    expect(hasher.checks + hasher.calls.hash).to.equal(0);
    expect(await verifyFromBody(plugin, username, 'p'.repeat(128))).to.include({ kuid: 'ada' });
  });

  it('treats a username or a password that is not a string as a failed login', async () => {
    const plugin = await localPlugin(storage);
    for (const [username, password] of [[42, 'password'], ['ada', { $ne: '' }], [undefined, undefined], ['ada', '']]) {
      expect(await verifyFromBody(plugin, username, password)).to.deep.equal(FAILURE);
    }
  });

  it('finds the username without regard to case, width or invisible characters; the password is case-sensitive', async () => {
    const plugin = await localPlugin(storage);
    await plugin.create({ username: 'Ada', password: 'Correct Horse' }, 'ada');
    for (const username of ['ada', 'ADA', 'Ａｄａ', 'A\u200Bda']) expect(await verifyFromBody(plugin, username, 'Correct Horse')).to.include({ kuid: 'ada' });
    expect(await verifyFromBody(plugin, 'Ada', 'correct horse')).to.deep.equal(FAILURE);
  });

  it('re-hashes with the current parameters after a successful login', async () => {
    const legacy = await localPlugin(storage, { config: { argon2: { memoryCost: 8192, timeCost: 1 } } });
    const { username, password } = newCredentials();
    await legacy.create({ username, password }, 'ada');
    const before = await storage.credentials.findByKuid('local', 'ada');
    expect(phcParameters(String(before?.data['hash']))).to.deep.equal({ m: 8192, t: 1, p: 1 });

    const current = await localPlugin(storage, { config: {} });
    expect(await verifyFromBody(current, username, `${password}x`)).to.deep.equal(FAILURE);
    expect(await storedHash('ada')).to.equal(before?.data['hash']);
    expect(await verifyFromBody(current, username, password)).to.include({ kuid: 'ada' });
    const after = await storage.credentials.findByKuid('local', 'ada');
    expect(phcParameters(String(after?.data['hash']))).to.deep.equal({ m: OWASP_ARGON2_MINIMUM.memoryCost, t: 2, p: 1 });
    expect(after?.data['passwordUpdatedAt'], 'a re-hash is not a password change').to.equal(before?.data['passwordUpdatedAt']);
    expect(await verifyFromBody(current, username, password)).to.include({ kuid: 'ada' });
    expect(await storedHash('ada'), 'no second re-hash').to.equal(after?.data['hash']);
  });

  /**
   * A user whose hash has an old cost, and a plugin with the current cost whose store lets the
   * password change (through another plugin) just before the first call of `method`.
   */
  async function racingRehash(method: 'findByKuid' | 'update'): Promise<{ current: LocalStrategyPlugin; username: string; password: string }> {
    const legacy = await localPlugin(storage, { config: { argon2: { memoryCost: 8192, timeCost: 1 } } });
    const { username, password } = newCredentials();
    await legacy.create({ username, password }, 'ada');
    let changePassword = async (): Promise<void> => {
      changePassword = async () => undefined;
      await legacy.update({ password: 'the new password' }, 'ada');
    };
    const racing = (credentials: StrategyCredentials): StrategyCredentials => ({
      ...credentials,
      [method]: async (...args: unknown[]) => {
        await changePassword();
        return (credentials[method] as (...args: unknown[]) => Promise<unknown>)(...args);
      },
    });
    return { current: await localPlugin(storage, { config: {}, wrap: racing }), username, password };
  }

  it('does not overwrite a password changed while it re-hashed the old one', async () => {
    // The re-hash re-reads the record by kuid: the password changes just before.
    const { current, username, password } = await racingRehash('findByKuid');
    expect(await verifyFromBody(current, username, password)).to.include({ kuid: 'ada' });
    expect(await verifyFromBody(current, username, 'the new password')).to.include({ kuid: 'ada' });
    expect(await verifyFromBody(current, username, password)).to.deep.equal(FAILURE);
  });

  it('does not overwrite a password changed between its re-read and its write, and says what it checked', async () => {
    const { current, username, password } = await racingRehash('update');
    const checked = await verifyFromBody(current, username, password);
    // The login checked the old password: its fingerprint is not the stored record's, so the core refuses it.
    expect(checked).to.include({ kuid: 'ada' });
    expect(checked).to.not.deep.include({ fingerprint: credentialFingerprint((await storage.credentials.findByKuid('local', 'ada'))!) });
    expect(await verifyFromBody(current, username, 'the new password')).to.include({ kuid: 'ada' });
    expect(await verifyFromBody(current, username, password)).to.deep.equal(FAILURE);
  });

  it('fails fast with api.process.too_many_logins_requests (429) beyond the queue', async () => {
    const plugin = await localPlugin(storage, { config: { maxConcurrentHashes: 1, maxQueuedHashes: 1 } });
    const { username, password } = newCredentials();
    await plugin.create({ username, password }, 'ada');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => verifyFromBody(plugin, username, password)));
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(fulfilled.length).to.be.at.least(2);
    expect(rejected.length).to.be.at.least(1);
    for (const result of fulfilled) expect(result.value).to.include({ kuid: 'ada' });
    for (const result of rejected) {
      await expectRejection(Promise.reject(result.reason), 'api.process.too_many_logins_requests');
      expect((result.reason as { status: number }).status).to.equal(429);
    }
  });

  it('rejects with a plain error (a fault, not a failed login) when the record holds no hash', async () => {
    const plugin = await localPlugin(storage);
    expect(await storage.credentials.insert({ strategy: 'local', kuid: 'ada', login: 'ada', data: {} })).to.equal('created');
    let caught: unknown;
    await verifyFromBody(plugin, 'ada', 'whatever password').catch((error: unknown) => (caught = error));
    expect(caught).to.be.an('error').and.not.to.have.property('id');
  });
});
