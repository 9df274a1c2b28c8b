import { expect } from 'chai';
import sdk from 'kuzzle-sdk';
import type { Portcullis } from '@portcullis/server';
import { MODES, startNode, TestStores } from '../support/node.js';

const { Kuzzle, WebSocket, Http } = sdk;
const ADMIN = { username: 'root', password: 'root-password-12' };

/** Kuzzle's own JavaScript SDK, unchanged, against a Portcullis node: the compatibility promise. */
for (const mode of MODES) {
  describe(`e2e: the Kuzzle JavaScript SDK 7 (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let port: number;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { security: { admin: ADMIN } });
      port = Number(new URL(node.url).port);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const [name, Protocol] of [['WebSocket', WebSocket], ['Http', Http]] as const) {
      describe(`over its ${name} protocol`, () => {
        let kuzzle: InstanceType<typeof Kuzzle>;

        beforeEach(async () => {
          kuzzle = new Kuzzle(new Protocol('127.0.0.1', { port }));
          await kuzzle.connect();
        });

        afterEach(() => kuzzle.disconnect());

        it('logs in, reads the user, checks, refreshes and logs out', async () => {
          const jwt = await kuzzle.auth.login('local', ADMIN);
          expect(jwt).to.match(/^kauth-/);
          const me = await kuzzle.auth.getCurrentUser();
          expect(me._id).to.equal('root');
          expect(me.content).to.deep.include({ profileIds: ['admin'] });
          expect(await kuzzle.auth.checkToken()).to.include({ valid: true, kuid: 'root' });
          const refreshed = await kuzzle.auth.refreshToken();
          expect(refreshed.jwt).to.not.equal(jwt);
          expect(kuzzle.jwt).to.equal(refreshed.jwt);
          await kuzzle.auth.logout();
          expect(kuzzle.jwt).to.equal(null);
          expect(await kuzzle.auth.checkToken(refreshed.jwt)).to.include({ valid: false });
        });

        it('creates a user with the security controller, who then logs in', async () => {
          await kuzzle.auth.login('local', ADMIN);
          const username = `sdk-${name.toLowerCase()}`;
          await kuzzle.security.createUser(username, { content: { profileIds: ['default'] }, credentials: { local: { username, password: 'sdk-password-123' } } });
          expect(await kuzzle.security.getUserStrategies(username)).to.deep.equal(['local']);
          await kuzzle.auth.login('local', { username, password: 'sdk-password-123' });
          expect((await kuzzle.auth.getCurrentUser())._id).to.equal(username);
          const error = await kuzzle.security.getUser('root').catch((caught: unknown) => caught);
          expect(error).to.include({ id: 'security.rights.forbidden', status: 403 });
        });

        it('reports a refused login with Kuzzle\'s error id', async () => {
          const error = await kuzzle.auth.login('local', { username: 'root', password: 'wrong-password' }).catch((caught: unknown) => caught);
          expect(error).to.include({ id: 'plugin.strategy.missing_user', status: 401 });
        });
      });
    }

    it('emits tokenExpired when the server says the token expired', async () => {
      const kuzzle = new Kuzzle(new WebSocket('127.0.0.1', { port }));
      await kuzzle.connect();
      try {
        const expired = new Promise<void>((resolve) => kuzzle.on('tokenExpired', () => resolve()));
        await kuzzle.auth.login('local', ADMIN, 1500);
        await kuzzle.auth.getCurrentUser();
        await expired;
        expect(kuzzle.jwt).to.equal(null);
      } finally {
        kuzzle.disconnect();
      }
    });
  });
}
