import { expect } from 'chai';
import type { Storage } from '@portcullis/core';
import { LocalStrategyPlugin, parseLocalStrategyConfig } from '../src/index.js';
import { FAST_ARGON2 } from './helpers/argon2.js';
import { CountingHasher } from './helpers/counting-hasher.js';
import { expectRejection } from './helpers/errors.js';
import { newCredentials, openTestStorage, silentLogger, strategyContext, verifyFromBody } from './helpers/storage.js';

/** The core calls prepare before its transaction, then create or update with the same object. */
describe('strategy-local/local-strategy #prepare', () => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  let plugin: LocalStrategyPlugin;
  let hasher: CountingHasher;

  beforeEach(async () => {
    ({ storage, cleanup } = await openTestStorage());
    const config = parseLocalStrategyConfig({ argon2: FAST_ARGON2 }, 'local');
    hasher = new CountingHasher(config.argon2);
    plugin = new LocalStrategyPlugin({ name: 'local', config, credentials: strategyContext(storage).credentials, hasher, logger: silentLogger });
  });
  afterEach(async () => cleanup());

  it('hashes in prepare, so that create on the same object stores that hash without hashing again', async () => {
    const credentials = newCredentials();
    await plugin.prepare(credentials, 'ada', false);
    expect(hasher.calls.hash).to.equal(1);
    await plugin.create(credentials, 'ada');
    expect(hasher.calls.hash).to.equal(1);
    expect(await verifyFromBody(plugin, credentials.username, credentials.password)).to.deep.include({ kuid: 'ada' });
  });

  it('hashes again when the object\'s password changed after prepare, or for another object', async () => {
    const credentials: Record<string, unknown> = newCredentials();
    await plugin.prepare(credentials, 'ada', false);
    credentials['password'] = 'another password altogether';
    await plugin.create(credentials, 'ada');
    expect(hasher.calls.hash).to.equal(2);
    expect(await verifyFromBody(plugin, String(credentials['username']), 'another password altogether')).to.deep.include({ kuid: 'ada' });
    await plugin.create(newCredentials(), 'bob');
    expect(hasher.calls.hash).to.equal(3);
  });

  it('prepares an update\'s new password, and nothing when the update keeps the password', async () => {
    const first = newCredentials();
    await plugin.create(first, 'ada');
    const change = { password: 'a brand new password' };
    await plugin.prepare(change, 'ada', true);
    await plugin.update(change, 'ada');
    expect(hasher.calls.hash).to.equal(2);
    await plugin.prepare({ username: 'ada-renamed' }, 'ada', true);
    expect(hasher.calls.hash).to.equal(2);
    expect(await verifyFromBody(plugin, first.username, 'a brand new password')).to.deep.include({ kuid: 'ada' });
  });

  it('refuses bad credentials as create does, before any hash', async () => {
    await expectRejection(plugin.prepare({ username: 'ada', password: 'short' }, 'ada', false), 'security.credentials.rejected');
    expect(hasher.calls.hash).to.equal(0);
  });
});
