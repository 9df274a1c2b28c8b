import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, type Storage } from '@portcullis/core';
import { createLocalStrategy, LOCAL_STRATEGY_NAME } from '../src/index.js';
import { expectRejection } from './helpers/errors.js';
import { localPlugin, loginRequest, openTestStorage, strategyContext, verifyFromBody } from './helpers/storage.js';

/** A logger writing into `lines`, at debug level so that every line the plugin may write is seen. */
function capturingLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('strategy-local/create-local-strategy', () => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ storage, cleanup } = await openTestStorage()));
  afterEach(async () => cleanup());

  it('registers as "local" with the username and password fields', async () => {
    const plugin = await createLocalStrategy(strategyContext(storage));
    expect(LOCAL_STRATEGY_NAME).to.equal('local');
    expect(plugin.name).to.equal('local');
    expect(plugin.fields).to.deep.equal(['username', 'password']);
  });

  it('takes the name it is registered under', async () => {
    expect((await localPlugin(storage, { name: 'staff' })).name).to.equal('staff');
  });

  it('starts with OWASP parameters when its config namespace is absent', async () => {
    const context = { ...strategyContext(storage), config: undefined };
    const plugin = await createLocalStrategy(context);
    await plugin.create({ username: 'ada', password: 'long enough' }, 'ada');
    const record = await storage.credentials.findByKuid('local', 'ada');
    expect(String(record?.data['hash'])).to.match(/^\$argon2id\$v=19\$/).and.to.include('m=19456').and.to.include('t=2').and.to.include('p=1');
  });

  it('refuses an invalid config with plugin.strategy.invalid_description naming the key', async () => {
    const context = { ...strategyContext(storage), config: { maxConcurrentHashes: 0 } };
    const error = await expectRejection(Promise.resolve().then(() => createLocalStrategy(context)), 'plugin.strategy.invalid_description');
    expect(error.message).to.include('plugins.local.maxConcurrentHashes');
  });

  it('warns when argon2 parameters are below the OWASP minimum', async () => {
    const { lines, logger } = capturingLogger();
    await localPlugin(storage, { logger, config: { argon2: { memoryCost: 8192, timeCost: 1 } } });
    expect(lines.join('')).to.include('below the OWASP minimum');
  });

  it('never logs a password or a hash, re-hash included', async () => {
    const { lines, logger } = capturingLogger();
    const legacy = await localPlugin(storage, { logger });
    await legacy.create({ username: 'ada', password: 'my secret password' }, 'ada');
    const plugin = await localPlugin(storage, { logger, config: {} });
    await verifyFromBody(plugin, 'ada', 'my wrong password');
    await verifyFromBody(plugin, 'ada', 'my secret password');
    await plugin.update({ password: 'my next password' }, 'ada');
    const output = lines.join('');
    expect(output).to.include('password hash upgraded');
    expect(output).not.to.match(/my (secret|wrong|next) password|\$argon2/);
  });
});
