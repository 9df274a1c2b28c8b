import { expect } from 'chai';
import { credentialFingerprint, type Storage } from '@portcullis/core';
import { HashGate, LocalStrategyPlugin, parseLocalStrategyConfig, WRONG_CREDENTIALS } from '../src/index.js';
import { FAST_ARGON2 } from './helpers/argon2.js';
import { CountingHasher } from './helpers/counting-hasher.js';
import { expectRejection } from './helpers/errors.js';
import { localPlugin, newCredentials, openTestStorage, silentLogger, strategyContext, verifyFromBody } from './helpers/storage.js';

/** Counts the argon2 computations that go through the gate, dummy ones included. */
class CountingGate extends HashGate {
  runs = 0;
  override run<T>(task: () => Promise<T>): Promise<T> {
    this.runs += 1;
    return super.run(task);
  }
}

const SELF = { isSelf: true };
const ADMIN = { isSelf: false };
/** "é" as one code point (NFC) and as "e" + a combining acute accent (NFD). */
const NFC_PASSWORD = 'caf\u00e9 au lait';
const NFD_PASSWORD = 'cafe\u0301 au lait';

describe('strategy-local/local-strategy: password changes and normalisation', () => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ storage, cleanup } = await openTestStorage()));
  afterEach(async () => cleanup());

  async function countedPlugin(requirePassword = true): Promise<{ plugin: LocalStrategyPlugin; hasher: CountingHasher }> {
    const config = parseLocalStrategyConfig({ argon2: FAST_ARGON2, requirePassword }, 'local');
    const hasher = new CountingHasher(config.argon2);
    const { credentials } = strategyContext(storage);
    return { plugin: new LocalStrategyPlugin({ name: 'local', config, credentials, hasher, logger: silentLogger }), hasher };
  }

  describe('#update by the user (requirePassword)', () => {
    it('refuses a change without the current password, before any hashing', async () => {
      const { plugin, hasher } = await countedPlugin();
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      hasher.reset();
      await expectRejection(plugin.update({ password: 'a brand new password' }, 'ada', SELF), 'api.assert.missing_argument');
      await expectRejection(plugin.update({ username: 'lovelace' }, 'ada', SELF), 'api.assert.missing_argument');
      expect(hasher.calls).to.deep.equal({ hash: 0, verify: 0, verifyDummy: 0 });
      expect(await verifyFromBody(plugin, username, password)).to.include({ kuid: 'ada' });
    });

    it('refuses a wrong current password with security.credentials.wrong_password, after a real check', async () => {
      const { plugin, hasher } = await countedPlugin();
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      hasher.reset();
      const error = await expectRejection(plugin.update({ currentPassword: 'not the password', password: 'a brand new password' }, 'ada', SELF), 'security.credentials.wrong_password');
      expect(error.status).to.equal(403);
      expect(hasher.calls).to.deep.equal({ hash: 0, verify: 1, verifyDummy: 0 });
      // Too long to hash: it still costs a check, against the dummy hash.
      hasher.reset();
      await expectRejection(plugin.update({ currentPassword: 'p'.repeat(129), password: 'a brand new password' }, 'ada', SELF), 'security.credentials.wrong_password');
      expect(hasher.calls).to.deep.equal({ hash: 0, verify: 0, verifyDummy: 1 });
      expect(await verifyFromBody(plugin, username, password)).to.include({ kuid: 'ada' });
    });

    it('changes the password when the current one is right, and never stores it', async () => {
      const { plugin } = await countedPlugin();
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      expect(await plugin.update({ currentPassword: password, password: 'a brand new password' }, 'ada', SELF)).to.deep.equal({ username, kuid: 'ada' });
      expect(await verifyFromBody(plugin, username, 'a brand new password')).to.include({ kuid: 'ada' });
      expect(await verifyFromBody(plugin, username, password)).to.deep.equal({ kuid: null, message: WRONG_CREDENTIALS });
      expect(JSON.stringify(await storage.credentials.findByKuid('local', 'ada'))).to.not.include(password);
    });

    it('refuses a currentPassword that is not a string, and one sent alone', async () => {
      const { plugin } = await countedPlugin();
      await plugin.create(newCredentials(), 'ada');
      await expectRejection(plugin.update({ currentPassword: 42, password: 'a brand new password' }, 'ada', SELF), 'api.assert.invalid_type');
      await expectRejection(plugin.update({ currentPassword: 'whatever' }, 'ada', SELF), 'api.assert.missing_argument');
      await expectRejection(plugin.create({ ...newCredentials(), currentPassword: 'x' }, 'bob'), 'api.assert.unexpected_argument');
    });

    it('lets an administrator change a password without the current one', async () => {
      const { plugin } = await countedPlugin();
      const { username } = newCredentials();
      await plugin.create({ username, password: 'the first password' }, 'ada');
      await plugin.update({ password: 'set by an administrator' }, 'ada', ADMIN);
      await plugin.update({ password: 'set by an older core' }, 'ada');
      expect(await verifyFromBody(plugin, username, 'set by an older core')).to.include({ kuid: 'ada' });
    });

    it('asks nothing more of users when requirePassword is off', async () => {
      const { plugin } = await countedPlugin(false);
      const { username } = newCredentials();
      await plugin.create({ username, password: 'the first password' }, 'ada');
      await plugin.update({ password: 'a brand new password' }, 'ada', SELF);
      expect(await verifyFromBody(plugin, username, 'a brand new password')).to.include({ kuid: 'ada' });
    });
  });

  describe('Unicode normalisation of passwords', () => {
    it('hashes the NFC form: a password typed composed or decomposed logs in either way', async () => {
      const plugin = await localPlugin(storage);
      const { username } = newCredentials();
      await plugin.create({ username, password: NFD_PASSWORD }, 'ada');
      expect(await verifyFromBody(plugin, username, NFC_PASSWORD)).to.include({ kuid: 'ada' });
      expect(await verifyFromBody(plugin, username, NFD_PASSWORD)).to.include({ kuid: 'ada' });
      await plugin.update({ currentPassword: NFC_PASSWORD, password: NFC_PASSWORD.toUpperCase() }, 'ada', SELF);
      expect(await verifyFromBody(plugin, username, NFD_PASSWORD.toUpperCase())).to.include({ kuid: 'ada' });
    });

    it('still accepts a hash made from a non-NFC password, and re-hashes it from the NFC form', async () => {
      const { plugin, hasher } = await countedPlugin();
      const { username } = newCredentials();
      await plugin.create({ username, password: 'placeholder password' }, 'ada');
      // What a node that did not normalise stored: the hash of the decomposed form as typed.
      const legacy = await hasher.hash(NFD_PASSWORD);
      const record = (await storage.credentials.findByKuid('local', 'ada'))!;
      await storage.credentials.update({ ...record, data: { ...record.data, hash: legacy } });
      const result = await verifyFromBody(plugin, username, NFD_PASSWORD);
      const upgraded = (await storage.credentials.findByKuid('local', 'ada'))!;
      expect(upgraded.data['hash']).to.not.equal(legacy);
      // The fingerprint names the record as re-hashed, so that the core accepts the login.
      expect(result).to.deep.equal({ kuid: 'ada', fingerprint: credentialFingerprint(upgraded) });
      expect(await verifyFromBody(plugin, username, NFC_PASSWORD)).to.include({ kuid: 'ada' });
    });

    it('costs an unknown user as many argon2 checks as a wrong password, for a non-NFC password too', async () => {
      const gate = new CountingGate({ maxConcurrent: 2, maxQueued: 100 });
      const config = parseLocalStrategyConfig({ argon2: FAST_ARGON2 }, 'local');
      const { credentials } = strategyContext(storage);
      const plugin = new LocalStrategyPlugin({ name: 'local', config, credentials, hasher: new CountingHasher(config.argon2, gate), logger: silentLogger });
      await plugin.create({ username: 'ada', password: 'the real password' }, 'ada');
      for (const password of [NFC_PASSWORD, NFD_PASSWORD]) {
        gate.runs = 0;
        expect(await verifyFromBody(plugin, 'ada', password)).to.deep.equal({ kuid: null, message: WRONG_CREDENTIALS });
        const known = gate.runs;
        gate.runs = 0;
        expect(await verifyFromBody(plugin, 'nobody', password)).to.deep.equal({ kuid: null, message: WRONG_CREDENTIALS });
        expect(gate.runs).to.equal(known);
        expect(known).to.equal(password === NFC_PASSWORD ? 1 : 2);
      }
    });
  });

  describe('#verify fingerprint', () => {
    it('names the record it checked, and changes with the password', async () => {
      const plugin = await localPlugin(storage);
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      const first = await verifyFromBody(plugin, username, password);
      expect(first).to.deep.equal({ kuid: 'ada', fingerprint: credentialFingerprint((await storage.credentials.findByKuid('local', 'ada'))!) });
      await plugin.update({ password }, 'ada', ADMIN);
      expect(await verifyFromBody(plugin, username, password)).to.not.deep.equal(first);
    });
  });
});
