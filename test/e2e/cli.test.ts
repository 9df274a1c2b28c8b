import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../support/clients.js';
import { login, ok } from '../support/fixtures.js';
import { listening, startProcess as start } from '../support/process.js';

describe('e2e: the portcullis command', function () {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves on 127.0.0.1:7512 from ./data with no configuration, logs where, and stops cleanly on SIGTERM', async () => {
    const started = start(dir, {});
    const url = await listening(started);
    expect(url).to.equal('http://127.0.0.1:7512');
    expect(existsSync(join(dir, 'data', 'portcullis.db'))).to.equal(true);
    const line = started.lines.find((entry) => entry['url'])!;
    expect(line['database']).to.match(/^sqlite:/);
    expect(line['sessions']).to.be.a('string');
    expect((await fetch(`${url}/_healthcheck`)).status).to.equal(200);
    started.child.kill('SIGTERM');
    expect(await started.exited).to.equal(0);
    expect(started.lines.some((entry) => entry['msg'] === 'Portcullis stopped')).to.equal(true);
  });

  it('creates the first administrator from the environment, without logging the password', async () => {
    const started = start(dir, { PORTCULLIS_PORT: '0', PORTCULLIS_ADMIN_USERNAME: 'root', PORTCULLIS_ADMIN_PASSWORD: 'bootstrap-secret-pw' });
    try {
      const url = await listening(started);
      const client = new HttpClient(url);
      const jwt = await login(client, 'root', 'bootstrap-secret-pw');
      expect(ok<{ _source: { profileIds: string[] } }>(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }))._source.profileIds).to.deep.equal(['admin']);
      expect(JSON.stringify(started.lines)).to.not.include('bootstrap-secret-pw');
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });

  it('reads --config and refuses an invalid value, naming the key', async () => {
    writeFileSync(join(dir, 'custom.json'), JSON.stringify({ server: { port: 'high' } }));
    const started = start(dir, {}, ['--config', 'custom.json']);
    expect(await started.exited).to.equal(78);
    expect(started.stderr).to.include('server.port');
    writeFileSync(join(dir, 'plugin.json'), JSON.stringify({ plugins: { local: { argon2: { timeCost: 0 } } } }));
    const badPlugin = start(dir, { PORTCULLIS_PORT: '0' }, ['--config', 'plugin.json']);
    expect(await badPlugin.exited).to.equal(78);
    expect(badPlugin.stderr).to.include('plugins.local.argon2.timeCost');
    const badEnv = start(dir, { PORTCULLIS_PORT: 'abc' });
    expect(await badEnv.exited).to.equal(78);
    expect(badEnv.stderr).to.include('PORTCULLIS_PORT');
  });
});
