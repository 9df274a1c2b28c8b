import { expect } from 'chai';
import type { Storage } from '@portcullis/core';
import type { LocalStrategyPlugin } from '../src/index.js';
import { phcParameters, FAST_ARGON2 } from './helpers/argon2.js';
import { expectRejection } from './helpers/errors.js';
import { localPlugin, loginRequest, newCredentials, openTestStorage, verifyFromBody } from './helpers/storage.js';

/** Keys that must never reach a client (SECURITY.md, "Secrets"). */
const SECRET_KEYS = ['hash', 'password', 'passwordUpdatedAt', 'data'];

describe('strategy-local/local-strategy', () => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  let plugin: LocalStrategyPlugin;
  beforeEach(async () => {
    ({ storage, cleanup } = await openTestStorage());
    plugin = await localPlugin(storage);
  });
  afterEach(async () => cleanup());

  describe('#createPassportStrategy', () => {
    it('builds passport-local over the username and password fields, with the request passed to verify', () => {
      const verify = (): void => undefined;
      const strategy = plugin.createPassportStrategy(verify) as unknown as Record<string, unknown>;
      expect(strategy['name']).to.equal('local');
      expect(strategy).to.include({ _usernameField: 'username', _passwordField: 'password', _passReqToCallback: true, _verify: verify });
    });
  });

  describe('#create', () => {
    it('stores an argon2id hash and the date of the change, never the password', async () => {
      const { username, password } = newCredentials();
      expect(await plugin.create({ username, password }, 'ada')).to.deep.equal({ username, kuid: 'ada' });
      const record = await storage.credentials.findByKuid('local', 'ada');
      expect(record).to.deep.include({ strategy: 'local', kuid: 'ada', login: username });
      expect(Object.keys(record?.data ?? {}).sort()).to.deep.equal(['hash', 'passwordUpdatedAt']);
      expect(phcParameters(String(record?.data['hash']))).to.deep.equal({ m: FAST_ARGON2.memoryCost, t: 1, p: 1 });
      expect(JSON.stringify(record)).not.to.include(password);
    });

    it('checks the credentials itself, even when validate was not called', async () => {
      await expectRejection(plugin.create({ username: 'ada' }, 'ada'), 'api.assert.missing_argument');
      await expectRejection(plugin.create({ username: 'ada', password: 'short' }, 'ada'), 'security.credentials.rejected');
      await expectRejection(plugin.create({ username: 'ada', password: 'long enough', kuid: 'admin' }, 'ada'), 'api.assert.forbidden_argument');
      expect(await plugin.exists('ada')).to.equal(false);
    });

    it('refuses a username another user holds with security.credentials.login_taken (412)', async () => {
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      const error = await expectRejection(plugin.create({ username, password }, 'grace'), 'security.credentials.login_taken');
      expect(error.status).to.equal(412);
      expect(error.message).to.equal(`Login "${username}" is already used.`);
    });

    it('refuses a user who already has local credentials with security.credentials.already_exist', async () => {
      await plugin.create(newCredentials(), 'ada');
      const error = await expectRejection(plugin.create(newCredentials(), 'ada'), 'security.credentials.already_exist');
      expect(error.props).to.deep.equal(['ada', 'local']);
    });
  });

  describe('#validate', () => {
    it('accepts new credentials, and a user keeping their own username', async () => {
      const credentials = newCredentials();
      await plugin.validate(credentials, 'ada', false);
      await plugin.create(credentials, 'ada');
      await plugin.validate({ username: credentials.username }, 'ada', true);
    });

    it('refuses a username held by another user, or by anyone when the kuid is not known yet', async () => {
      const credentials = newCredentials();
      await plugin.create(credentials, 'ada');
      await expectRejection(plugin.validate({ username: credentials.username, password: 'long enough' }, 'grace', false), 'security.credentials.login_taken');
      await expectRejection(plugin.validate({ username: credentials.username }, 'grace', true), 'security.credentials.login_taken');
      await expectRejection(plugin.validate({ username: credentials.username, password: 'long enough' }, null, false), 'security.credentials.login_taken');
    });

    it('refuses a kuid key, unknown keys, missing fields and out-of-bounds passwords', async () => {
      await expectRejection(plugin.validate({ username: 'ada', password: 'long enough', kuid: 'x' }, 'ada', false), 'api.assert.forbidden_argument');
      await expectRejection(plugin.validate({ username: 'ada', password: 'long enough', admin: true }, 'ada', false), 'api.assert.unexpected_argument');
      await expectRejection(plugin.validate({ username: 'ada' }, 'ada', false), 'api.assert.missing_argument');
      await expectRejection(plugin.validate({}, 'ada', true), 'api.assert.missing_argument');
      await expectRejection(plugin.validate({ password: 'p'.repeat(129) }, 'ada', true), 'security.credentials.rejected');
    });
  });

  describe('#update', () => {
    it('changes the password only, keeping the username', async () => {
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      expect(await plugin.update({ password: 'a brand new password' }, 'ada')).to.deep.equal({ username, kuid: 'ada' });
      expect(await verifyFromBody(plugin, username, password)).to.have.property('kuid', null);
      expect(await verifyFromBody(plugin, username, 'a brand new password')).to.include({ kuid: 'ada' });
    });

    it('changes the username only, keeping the password', async () => {
      const { username, password } = newCredentials();
      await plugin.create({ username, password }, 'ada');
      expect(await plugin.update({ username: 'lovelace' }, 'ada')).to.deep.equal({ username: 'lovelace', kuid: 'ada' });
      expect(await verifyFromBody(plugin, 'lovelace', password)).to.include({ kuid: 'ada' });
      expect(await verifyFromBody(plugin, username, password)).to.have.property('kuid', null);
    });

    it('refuses a username another user holds, and a user without credentials', async () => {
      const taken = newCredentials();
      await plugin.create(taken, 'grace');
      await plugin.create(newCredentials(), 'ada');
      await expectRejection(plugin.update({ username: taken.username }, 'ada'), 'security.credentials.login_taken');
      const error = await expectRejection(plugin.update({ password: 'long enough' }, 'nobody'), 'security.credentials.not_found');
      expect(error.props).to.deep.equal(['nobody', 'local']);
    });
  });

  describe('#delete, #exists', () => {
    it('deletes the credentials, and refuses to delete missing ones', async () => {
      await plugin.create(newCredentials(), 'ada');
      expect(await plugin.exists('ada')).to.equal(true);
      await plugin.delete('ada');
      expect(await plugin.exists('ada')).to.equal(false);
      await expectRejection(plugin.delete('ada'), 'security.credentials.not_found');
    });
  });

  describe('#getInfo, #getById', () => {
    it('describe credentials as {username, kuid}, or null', async () => {
      const { username } = newCredentials();
      await plugin.create({ username, password: 'long enough' }, 'ada');
      expect(await plugin.getInfo('ada')).to.deep.equal({ username, kuid: 'ada' });
      expect(await plugin.getById(username)).to.deep.equal({ username, kuid: 'ada' });
      expect(await plugin.getInfo('nobody')).to.equal(null);
      expect(await plugin.getById('nobody')).to.equal(null);
    });

    it('never carries a hash or a password, nor does anything create or update returns', async () => {
      const { username, password } = newCredentials();
      const outputs = [
        await plugin.create({ username, password }, 'ada'),
        await plugin.update({ password: 'another password' }, 'ada'),
        await plugin.getInfo('ada'),
        await plugin.getById(username),
      ];
      for (const output of outputs) {
        expect(output).to.be.an('object').that.does.not.have.any.keys(...SECRET_KEYS);
        expect(JSON.stringify(output)).not.to.match(/\$argon2|another password/);
      }
    });
  });

  it('keeps the records of another strategy name apart', async () => {
    const staff = await localPlugin(storage, { name: 'staff' });
    const credentials = newCredentials();
    await plugin.create(credentials, 'ada');
    expect(await staff.create(credentials, 'ada')).to.deep.equal({ username: credentials.username, kuid: 'ada' });
    await staff.update({ password: 'staff password' }, 'ada');
    expect(await verifyFromBody(plugin, credentials.username, credentials.password)).to.include({ kuid: 'ada' });
    await staff.delete('ada');
    expect(await plugin.exists('ada')).to.equal(true);
  });
});
