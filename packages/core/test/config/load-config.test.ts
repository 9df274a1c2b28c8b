import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, validateConfig } from '../../src/index.js';

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('core/config/load-config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every field its default with no file and no environment', () => {
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.server).to.include({ host: '127.0.0.1', port: 7512 });
    expect(config.database.url).to.equal('sqlite:./data/portcullis.db');
    expect(config.redis.url).to.equal(undefined);
    expect(config.security.jwt).to.include({ algorithm: 'HS256', expiresIn: '1h', maxTTL: 86_400_000, gracePeriod: 1000 });
    expect(Object.isFrozen(config.security.jwt)).to.equal(true);
  });

  it('reads the file, then the environment over it', () => {
    writeFileSync(join(dir, 'portcullis.config.json'), JSON.stringify({ server: { port: 8000, host: '0.0.0.0' } }));
    const config = loadConfig({ cwd: dir, env: { PORTCULLIS_PORT: '9000', PORTCULLIS_REDIS_URL: 'redis://127.0.0.1:6379', PORTCULLIS_ALLOW_ORIGIN: 'https://a.test, https://b.test' } });
    expect(config.server).to.include({ port: 9000, host: '0.0.0.0' });
    expect(config.redis.url).to.equal('redis://127.0.0.1:6379');
    expect(config.server.allowOrigin).to.deep.equal(['https://a.test', 'https://b.test']);
  });

  it('reads the authToken cookie\'s attributes from the environment, and refuses an origin a browser never sends', () => {
    expect(loadConfig({ cwd: dir, env: {} }).server.cookies).to.deep.equal({ enabled: true, sameSite: 'strict', secure: true });
    const config = loadConfig({ cwd: dir, env: { PORTCULLIS_COOKIE_SECURE: 'false', PORTCULLIS_COOKIE_SAME_SITE: 'lax' } });
    expect(config.server.cookies).to.include({ secure: false, sameSite: 'lax' });
    expect(() => loadConfig({ cwd: dir, env: { PORTCULLIS_ALLOW_ORIGIN: 'https://a.test/' } })).to.throw(/origin/);
  });

  it('reads the proxies and the per-address socket cap from the environment, for containers', () => {
    const config = loadConfig({ cwd: dir, env: { PORTCULLIS_TRUSTED_PROXIES: '10.0.0.0/8, loopback', PORTCULLIS_WS_MAX_SOCKETS_PER_ADDRESS: '0' } });
    expect(config.server.trustedProxies).to.deep.equal(['10.0.0.0/8', 'loopback']);
    expect(config.server.websocket.maxSocketsPerAddress).to.equal(0);
  });

  it('names the key of every invalid value', () => {
    expect(refusal(() => validateConfig({ server: { port: 70000 } })).message).to.include('server.port');
    expect(refusal(() => validateConfig({ security: { jwt: { expiresIn: 'soon' } } })).message).to.include('security.jwt.expiresIn');
    expect(refusal(() => validateConfig({ security: { jwt: { expiresIn: '2h', maxTTL: 60_000 } } })).message).to.include('exceeds maxTTL');
    expect(refusal(() => validateConfig({ security: { jwt: { secret: 'short' } } })).message).to.include('security.jwt.secret');
    expect(refusal(() => loadConfig({ cwd: dir, env: { PORTCULLIS_PORT: 'abc' } })).message).to.include('PORTCULLIS_PORT');
  });

  it('turns the failed-login limits on by default, with OWASP ASVS\'s 100 failures an hour', () => {
    const config = validateConfig({});
    expect(config.security.loginLimits).to.deep.equal({ freeFailures: 5, delay: 1, maxDelay: 900, maxFailures: 100, maxFailuresPerAccount: 100, maxFailuresPerAddress: 100, window: 3600, maxTrackedKeys: 50_000 });
    expect(config.limits.loginsPerSecond).to.equal(1);
    expect(config.server.trustedProxies).to.deep.equal([]);
  });

  it('takes proxies as addresses, CIDR ranges or reserved range names, and refuses anything else', () => {
    const proxies = ['10.0.0.5', '10.0.0.0/8', 'fd00::/8', '::1', 'loopback', 'uniquelocal'];
    expect(validateConfig({ server: { trustedProxies: proxies } }).server.trustedProxies).to.deep.equal(proxies);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0/8', '::1/129', '10.0.0.1/8/1', '']) {
      expect(refusal(() => validateConfig({ server: { trustedProxies: [bad] } })).message, bad).to.include('server.trustedProxies');
    }
    expect(refusal(() => validateConfig({ security: { loginLimits: { delay: 60, maxDelay: 10 } } })).message).to.include('security.loginLimits.delay');
  });

  it('refuses misspelt keys instead of ignoring them', () => {
    expect(refusal(() => validateConfig({ server: { prot: 8000 } })).message).to.include('prot');
    expect(refusal(() => validateConfig({ sever: {} })).message).to.include('sever');
  });

  it('refuses a missing --config file and a file that is not a JSON object', () => {
    expect(refusal(() => loadConfig({ cwd: dir, env: {}, file: 'nope.json' })).message).to.include('not found');
    writeFileSync(join(dir, 'bad.json'), '[1]');
    expect(refusal(() => loadConfig({ cwd: dir, env: {}, file: 'bad.json' })).message).to.include('JSON object');
  });
});
