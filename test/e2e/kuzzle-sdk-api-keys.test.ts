import { expect } from 'chai';
import { refusedWith, sdkSuites } from '../support/sdk.js';

/** kuzzle.auth's and kuzzle.security's API-key methods, driven by the Kuzzle SDK 7 (which has no createToken). */
sdkSuites('e2e: API keys through the Kuzzle SDK 7', (suite) => {
  before(async () => {
    const { kuzzle } = suite();
    await kuzzle.security.createUser('sdk-robot', { content: { profileIds: ['default'], name: 'Robot' } });
  });

  it('auth.createApiKey, searchApiKeys, deleteApiKey: the caller\'s keys, the token shown once', async () => {
    const { kuzzle } = suite();
    const created = await kuzzle.auth.createApiKey('sdk cron', { _id: 'sdk-cron', expiresIn: '1d', refresh: 'wait_for' });
    expect(created._id).to.equal('sdk-cron');
    expect(created._source).to.include({ userId: 'root', description: 'sdk cron', ttl: 86_400_000 });
    expect(created._source.token).to.match(/^kapikey-/);
    const found = await kuzzle.auth.searchApiKeys({ query: { match: { description: 'cron' } } }, { from: 0, size: 5 });
    expect(found.total).to.equal(1);
    expect(found.hits).to.deep.equal([{ _id: 'sdk-cron', _source: { userId: 'root', description: 'sdk cron', expiresAt: created._source.expiresAt, ttl: 86_400_000 } }]);
    expect(await kuzzle.auth.deleteApiKey('sdk-cron')).to.equal(null);
    expect((await kuzzle.auth.searchApiKeys()).total).to.equal(0);
    await refusedWith(kuzzle.auth.deleteApiKey('sdk-cron'), 'services.storage.not_found', 404);
  });

  it('logs in with a key (kuzzle.jwt), which logout leaves alive and deletion ends', async () => {
    const { kuzzle, connect } = suite();
    const key = await kuzzle.security.createApiKey('sdk-robot', 'robot key', { _id: 'robot-key' });
    expect(key._source).to.include({ userId: 'sdk-robot', expiresAt: -1, ttl: -1 });
    const robot = await connect();
    robot.jwt = key._source.token;
    expect((await robot.auth.getCurrentUser())._id).to.equal('sdk-robot');
    expect(await robot.auth.checkToken(key._source.token)).to.include({ valid: true, kuid: 'sdk-robot' });
    await kuzzle.query({ controller: 'security', action: 'revokeTokens', _id: 'sdk-robot' });
    await robot.auth.logout();
    robot.jwt = key._source.token;
    expect((await robot.auth.getCurrentUser())._id).to.equal('sdk-robot');
    const listed = await kuzzle.security.searchApiKeys('sdk-robot', { query: { term: { _id: 'robot-key' } } });
    expect(listed.hits.map((hit: { _id: string }) => hit._id)).to.deep.equal(['robot-key']);
    expect(JSON.stringify(listed)).to.not.include('kapikey-');
    await kuzzle.security.deleteApiKey('sdk-robot', 'robot-key');
    expect(await kuzzle.auth.checkToken(key._source.token)).to.include({ valid: false });
    // Over WebSocket the revocation notification may come first: the SDK then drops the key and asks as anonymous.
    const after = await robot.auth.getCurrentUser().then((user: { _id: string }) => ({ user }), (error: { id: string }) => ({ error }));
    if ('error' in after) expect(after.error).to.include({ id: 'security.token.invalid' });
    else {
      expect(after.user._id).to.equal('-1');
      expect(robot.jwt).to.not.equal(key._source.token);
    }
    await refusedWith(kuzzle.security.deleteApiKey('sdk-robot', 'robot-key'), 'services.storage.not_found', 404);
  });

  it('refuses a key without description and an unknown user', async () => {
    const { kuzzle } = suite();
    await refusedWith(kuzzle.auth.createApiKey(undefined as unknown as string), 'api.assert.missing_argument', 400);
    await refusedWith(kuzzle.security.createApiKey('sdk-nobody', 'x'), 'security.user.not_found', 404);
  });
});
