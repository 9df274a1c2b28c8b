import { expect } from 'chai';
import { JWT_SECRET, refusedWith, sdkSuites } from '../support/sdk.js';

type Frame = { completedRequests: object; connections: object; failedRequests: object; ongoingRequests: object; timestamp: number };

/** A statistics frame as Kuzzle documents it: counters per protocol and a timestamp. */
function expectFrame(frame: Frame): void {
  for (const counter of ['completedRequests', 'connections', 'failedRequests', 'ongoingRequests'] as const) {
    expect(frame[counter], counter).to.be.an('object');
    for (const value of Object.values(frame[counter])) expect(value).to.be.a('number').and.at.least(0);
  }
  expect(frame.timestamp).to.be.a('number');
}

/** Every kuzzle.server method of the Kuzzle SDK 7. */
sdkSuites('e2e: the server controller through the Kuzzle SDK 7', (suite) => {
  it('adminExists says that the administrator made by createFirstAdmin exists', async () => {
    const { kuzzle } = suite();
    expect(await kuzzle.server.adminExists({})).to.equal(true);
  });

  it('now answers the server time', async () => {
    const { kuzzle } = suite();
    const now = await kuzzle.server.now({});
    expect(now).to.be.a('number');
    expect(Math.abs(now - Date.now())).to.be.below(5000);
  });

  it('info answers Kuzzle\'s serverInfo shape, without a secret', async () => {
    const { kuzzle } = suite();
    const info = await kuzzle.server.info({});
    expect(info).to.have.nested.property('serverInfo.kuzzle.version').that.is.a('string');
    expect(info).to.have.nested.property('serverInfo.kuzzle.nodeVersion', process.version);
    expect(info).to.have.nested.property('serverInfo.services').that.is.an('object');
    expect(JSON.stringify(info)).to.not.include(JWT_SECRET);
  });

  it('getConfig answers the running configuration with every secret removed', async () => {
    const { kuzzle } = suite();
    const config = await kuzzle.server.getConfig({});
    expect(config).to.have.nested.property('limits.loginsPerSecond', 1000);
    expect(JSON.stringify(config)).to.not.include(JWT_SECRET);
  });

  it('capabilities answers the limits a client should expect', async () => {
    const { kuzzle } = suite();
    const capabilities = await kuzzle.server.capabilities({});
    expect(capabilities).to.have.property('version').that.is.a('string');
    expect(capabilities).to.have.nested.property('limits.loginsPerSecond', 1000);
    expect(JSON.stringify(capabilities)).to.not.include(JWT_SECRET);
  });

  it('getLastStats, getAllStats and getStats answer Kuzzle\'s statistics frames', async () => {
    const { kuzzle } = suite();
    const start = Date.now() - 60_000;
    const last = (await kuzzle.server.getLastStats({})) as Frame;
    expectFrame(last);
    const all = (await kuzzle.server.getAllStats({})) as { hits: Frame[]; total: number };
    expect(all.total).to.equal(all.hits.length);
    all.hits.forEach(expectFrame);
    const ranged = (await kuzzle.server.getStats(start, Date.now() + 1000, {})) as { hits: Frame[]; total: number };
    expect(ranged.total).to.equal(ranged.hits.length);
    for (const frame of ranged.hits) {
      expectFrame(frame);
      expect(frame.timestamp).to.be.within(start, Date.now() + 1000);
    }
  });

  it('refuses the configuration to a user without the right', async () => {
    const { kuzzle, connectAs } = suite();
    await kuzzle.security.createUser('sdk-plain', { content: { profileIds: ['default'] }, credentials: { local: { username: 'sdk-plain', password: 'sdk-plain-password' } } });
    const plain = await connectAs('sdk-plain', 'sdk-plain-password');
    await refusedWith(plain.server.getConfig({}), 'security.rights.forbidden', 403);
  });
});
