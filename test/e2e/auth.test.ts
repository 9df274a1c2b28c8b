import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { TRANSPORTS, WsClient, type ApiClient } from '../support/clients.js';
import { ADMIN, createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: auth and security (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { security: { jwt: { gracePeriod: 300 } } });
        client = await transport.connect(node.url);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      describe('first administrator', () => {
        it('is refused to anonymous callers of other admin actions before it exists', async () => {
          failed(await client.call({ controller: 'security', action: 'getUser', _id: 'admin' }), 'security.rights.unauthorized', 401);
          expect(ok(await client.call({ controller: 'server', action: 'publicApi' }))).to.have.nested.property('auth.login');
        });

        it('is created anonymously once, then the route closes', async () => {
          admin = await firstAdmin(client);
          failed(
            await client.call({ controller: 'security', action: 'createFirstAdmin', body: { credentials: { local: { username: 'intruder', password: 'intruder-password' } } } }),
            'security.rights.unauthorized',
            401,
          );
          failed(await client.call({ controller: 'security', action: 'createFirstAdmin', jwt: admin, body: {} }), 'api.process.admin_exists', 412);
          expect(ok(await client.call({ controller: 'server', action: 'adminExists', jwt: admin }))).to.deep.equal({ exists: true });
        });
      });

      describe('login and the current user', () => {
        before(() => createUser(client, admin, 'alice', 'alice', 'alice-password-1'));

        it('logs in with local credentials and reads itself', async () => {
          const response = await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'alice', password: 'alice-password-1' } });
          const token = ok<{ _id: string; jwt: string; expiresAt: number; ttl: number }>(response);
          expect(token._id).to.equal('alice');
          expect(token.jwt).to.match(/^kauth-[\w-]+\.[\w-]+\.[\w-]+$/);
          expect(token.ttl).to.equal(3_600_000);
          expect(token.expiresAt).to.be.closeTo(Date.now() + 3_600_000, 5000);
          const me = ok<{ _id: string; _source: Record<string, unknown>; strategies: string[] }>(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: token.jwt }));
          expect(me).to.deep.equal({ _id: 'alice', _source: { profileIds: ['default'], name: 'alice' }, strategies: ['local'] });
        });

        it('answers the anonymous user without a token', async () => {
          const me = ok(await client.call({ controller: 'auth', action: 'getCurrentUser' }));
          expect(me).to.deep.equal({ _id: '-1', _source: { profileIds: ['anonymous'], name: 'Anonymous' }, strategies: [] });
        });

        it('checks tokens', async () => {
          const jwt = await login(client, 'alice', 'alice-password-1');
          const valid = ok<{ valid: boolean; kuid: string; expiresAt: number }>(await client.call({ controller: 'auth', action: 'checkToken', body: { token: jwt } }));
          expect(valid.valid).to.equal(true);
          expect(valid.kuid).to.equal('alice');
          expect(ok(await client.call({ controller: 'auth', action: 'checkToken', body: { token: 'kauth-garbage' } }))).to.deep.equal({ valid: false, state: 'Invalid token.' });
          expect(ok(await client.call({ controller: 'auth', action: 'checkToken', body: {} }))).to.deep.equal({ valid: true, kuid: '-1', expiresAt: null });
        });

        it('honours expiresIn and refuses an unparsable one', async () => {
          const token = ok<{ ttl: number }>(await client.call({ controller: 'auth', action: 'login', strategy: 'local', expiresIn: '2m', body: { username: 'alice', password: 'alice-password-1' } }));
          expect(token.ttl).to.equal(120_000);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', expiresIn: 'soon', body: { username: 'alice', password: 'alice-password-1' } }), 'api.assert.invalid_argument', 400);
        });

        it('gives the same error for a wrong password and an unknown user', async () => {
          const wrong = await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'alice', password: 'not-her-password' } });
          const unknown = await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'nobody-here', password: 'not-her-password' } });
          failed(wrong, 'plugin.strategy.missing_user', 401);
          failed(unknown, 'plugin.strategy.missing_user', 401);
          expect(wrong.error).to.deep.equal(unknown.error);
        });

        it('refuses an unknown strategy and a stale token on login', async () => {
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'nope', body: { username: 'alice', password: 'x' } }), 'security.credentials.unknown_strategy', 400);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', jwt: 'kauth-stale', body: { username: 'alice', password: 'alice-password-1' } }), 'security.token.invalid', 401);
        });
      });

      describe('refresh and logout', () => {
        before(() => createUser(client, admin, 'bob', 'bob', 'bob-password-12'));

        it('refreshes a token; the old one dies after the grace period and cannot be refreshed twice', async () => {
          const old = await login(client, 'bob', 'bob-password-12');
          const fresh = ok<{ jwt: string; _id: string }>(await client.call({ controller: 'auth', action: 'refreshToken', jwt: old }));
          expect(fresh._id).to.equal('bob');
          expect(fresh.jwt).to.not.equal(old);
          ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: old }));
          failed(await client.call({ controller: 'auth', action: 'refreshToken', jwt: old }), 'security.token.invalid', 401);
          await sleep(400);
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: old }), 'security.token.invalid', 401);
          ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: fresh.jwt }));
        });

        it('logs out: the token is refused at once, the other sessions live', async () => {
          const first = await login(client, 'bob', 'bob-password-12');
          const second = await login(client, 'bob', 'bob-password-12');
          expect(ok(await client.call({ controller: 'auth', action: 'logout', jwt: first }))).to.deep.equal({ acknowledged: true });
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: first }), 'security.token.invalid', 401);
          ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: second }));
        });

        it('logs out globally: every session of the user ends', async () => {
          const first = await login(client, 'bob', 'bob-password-12');
          const second = await login(client, 'bob', 'bob-password-12');
          ok(await client.call({ controller: 'auth', action: 'logout', jwt: first, global: true }));
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: second }), 'security.token.invalid', 401);
        });

        it('refuses logout to anonymous callers', async () => {
          failed(await client.call({ controller: 'auth', action: 'logout' }), 'security.rights.unauthorized', 401);
        });

        it('revokes a user\'s tokens on an administrator\'s request', async () => {
          const jwt = await login(client, 'bob', 'bob-password-12');
          expect(ok(await client.call({ controller: 'security', action: 'revokeTokens', jwt: admin, _id: 'bob' }))).to.equal(null);
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }), 'security.token.invalid', 401);
        });
      });

      describe('rights', () => {
        before(() => createUser(client, admin, 'carol', 'carol', 'carol-password-1'));

        it('gives 403 to a user whose role lacks the right, 401 to anonymous', async () => {
          const jwt = await login(client, 'carol', 'carol-password-1');
          failed(await client.call({ controller: 'security', action: 'getUser', jwt, _id: 'alice' }), 'security.rights.forbidden', 403);
          failed(await client.call({ controller: 'security', action: 'getUser', _id: 'alice' }), 'security.rights.unauthorized', 401);
          expect(ok(await client.call({ controller: 'auth', action: 'checkRights', jwt, body: { controller: 'security', action: 'getUser' } }))).to.deep.equal({ allowed: false });
          expect(ok(await client.call({ controller: 'auth', action: 'checkRights', jwt, body: { controller: 'auth', action: 'getCurrentUser' } }))).to.deep.equal({ allowed: true });
        });

        it('lists the rights of the caller', async () => {
          const jwt = await login(client, 'carol', 'carol-password-1');
          const rights = ok<{ hits: Array<{ controller: string; action: string; value: string }>; total: number }>(await client.call({ controller: 'auth', action: 'getMyRights', jwt }));
          expect(rights.total).to.equal(rights.hits.length);
          expect(rights.hits).to.deep.include({ controller: 'auth', action: 'logout', index: '*', collection: '*', value: 'allowed' });
          expect(rights.hits.some((hit) => hit.controller === 'security')).to.equal(false);
        });
      });

      describe('users and credentials', () => {
        it('refuses a second user with the same username and creates nothing', async () => {
          await createUser(client, admin, 'dave', 'dave', 'dave-password-1');
          failed(
            await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: 'dave2', body: { content: { profileIds: ['default'] }, credentials: { local: { username: 'dave', password: 'another-password' } } } }),
            'security.credentials.login_taken',
            412,
          );
          failed(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'dave2' }), 'security.user.not_found', 404);
          expect(await login(client, 'dave', 'dave-password-1')).to.be.a('string');
        });

        it('creates restricted users with the configured profiles only', async () => {
          failed(
            await client.call({ controller: 'security', action: 'createRestrictedUser', jwt: admin, _id: 'rita', body: { content: { profileIds: ['admin'] }, credentials: { local: { username: 'rita', password: 'rita-password-1' } } } }),
            'api.assert.forbidden_argument',
            400,
          );
          const created = ok<{ _source: { profileIds: string[] } }>(
            await client.call({ controller: 'security', action: 'createRestrictedUser', jwt: admin, _id: 'rita', body: { content: { name: 'Rita' }, credentials: { local: { username: 'rita', password: 'rita-password-1' } } } }),
          );
          expect(created._source.profileIds).to.deep.equal(['default']);
          failed(await client.call({ controller: 'security', action: 'createFirstAdmin', jwt: admin, body: { content: { profileIds: ['default'] } } }), 'api.assert.forbidden_argument', 400);
        });

        it('rolls the user back when its credentials are refused', async () => {
          failed(
            await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: 'erin', body: { content: { profileIds: ['default'] }, credentials: { local: { username: 'erin', password: 'short' } } } }),
            'security.credentials.rejected',
            400,
          );
          failed(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'erin' }), 'security.user.not_found', 404);
        });

        it('never returns a password or a hash', async () => {
          await createUser(client, admin, 'frank', 'frank', 'frank-password-1');
          const response = await client.call({ controller: 'security', action: 'getCredentials', jwt: admin, strategy: 'local', _id: 'frank' });
          expect(ok(response)).to.deep.equal({ username: 'frank', kuid: 'frank' });
          const jwt = await login(client, 'frank', 'frank-password-1');
          expect(ok(await client.call({ controller: 'auth', action: 'getMyCredentials', jwt, strategy: 'local' }))).to.deep.equal({ username: 'frank', kuid: 'frank' });
          expect(JSON.stringify(await client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: 'frank' }))).to.not.match(/argon2|frank-password/);
        });

        it('changes a password: the old one is refused and the other sessions end', async () => {
          await createUser(client, admin, 'gina', 'gina', 'gina-password-1');
          const current = await login(client, 'gina', 'gina-password-1');
          const other = await login(client, 'gina', 'gina-password-1');
          ok(await client.call({ controller: 'auth', action: 'updateMyCredentials', jwt: current, strategy: 'local', body: { currentPassword: 'gina-password-1', password: 'gina-password-2' } }));
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: other }), 'security.token.invalid', 401);
          ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: current }));
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'gina', password: 'gina-password-1' } }), 'plugin.strategy.missing_user', 401);
          expect(await login(client, 'gina', 'gina-password-2')).to.be.a('string');
        });

        it('deletes a user: its tokens and credentials go with it', async () => {
          await createUser(client, admin, 'hank', 'hank', 'hank-password-1');
          const jwt = await login(client, 'hank', 'hank-password-1');
          expect(ok(await client.call({ controller: 'security', action: 'deleteUser', jwt: admin, _id: 'hank' }))).to.deep.equal({ _id: 'hank' });
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }), 'security.token.invalid', 401);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'hank', password: 'hank-password-1' } }), 'plugin.strategy.missing_user', 401);
          expect(ok(await client.call({ controller: 'security', action: 'getCredentialsById', jwt: admin, strategy: 'local', _id: 'hank' }))).to.deep.equal({});
          // The username is free again.
          await createUser(client, admin, 'hank2', 'hank', 'hank-password-2');
        });

        it('reports strategies and credential fields', async () => {
          expect(ok(await client.call({ controller: 'auth', action: 'getStrategies', jwt: admin }))).to.deep.equal(['local']);
          expect(ok(await client.call({ controller: 'security', action: 'getCredentialFields', jwt: admin, strategy: 'local' }))).to.deep.equal(['username', 'password']);
          expect(ok(await client.call({ controller: 'security', action: 'getAllCredentialFields', jwt: admin }))).to.deep.equal({ local: ['username', 'password'] });
          expect(ok(await client.call({ controller: 'security', action: 'getUserStrategies', jwt: admin, _id: 'alice' }))).to.deep.equal({ strategies: ['local'], total: 1 });
          expect(ok(await client.call({ controller: 'security', action: 'hasCredentials', jwt: admin, strategy: 'local', _id: 'alice' }))).to.equal(true);
        });

        it('updates a user and itself, refusing forbidden fields', async () => {
          const updated = ok<{ _source: Record<string, unknown> }>(await client.call({ controller: 'security', action: 'updateUser', jwt: admin, _id: 'alice', body: { email: 'alice@example.test' } }));
          expect(updated._source).to.deep.include({ email: 'alice@example.test', profileIds: ['default'] });
          const jwt = await login(client, 'alice', 'alice-password-1');
          expect(ok<{ _source: Record<string, unknown> }>(await client.call({ controller: 'auth', action: 'updateSelf', jwt, body: { nickname: 'al' } }))._source).to.include({ nickname: 'al' });
          failed(await client.call({ controller: 'auth', action: 'updateSelf', jwt, body: { profileIds: ['admin'] } }), 'api.assert.forbidden_argument', 400);
          failed(await client.call({ controller: 'security', action: 'updateUser', jwt: admin, _id: 'alice', body: { profileIds: ['no-such-profile'] } }), 'security.profile.not_found', 404);
        });
      });

      describe('malformed input', () => {
        it('answers bad arguments with 4xx envelopes', async () => {
          // Over HTTP the strategy is part of the path: without it, no route matches.
          const noStrategy = await client.call({ controller: 'auth', action: 'login', body: { username: 'a', password: 'b' } });
          if (transport.name === 'http') failed(noStrategy, 'network.http.url_not_found', 404);
          else failed(noStrategy, 'api.assert.missing_argument', 400);
          failed(await client.call({ controller: 'security', action: 'createUser', jwt: admin, body: { content: { profileIds: 'admin' } } }), 'api.assert.invalid_type', 400);
          failed(await client.call({ controller: 'security', action: 'createUser', jwt: admin, body: { content: {} } }), 'api.assert.missing_argument', 400);
          failed(await client.call({ controller: 'security', action: 'createUser', jwt: admin, _id: '_underscore', body: { content: { profileIds: ['default'] } } }), 'api.assert.invalid_id', 400);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: ['a'], password: 'b' } }), 'plugin.strategy.missing_user', 401);
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: 'not-a-token' }), 'security.token.invalid', 401);
        });

        it('ignores prototype pollution keys', async () => {
          const jwt = await login(client, 'alice', 'alice-password-1');
          const body = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as Record<string, unknown>;
          await client.call({ controller: 'auth', action: 'updateSelf', jwt, body });
          expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
          const me = ok<{ _source: Record<string, unknown> }>(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
          expect(me._source['profileIds']).to.deep.equal(['default']);
        });
      });

      if (transport.name === 'websocket') {
        describe('notifications', () => {
          it('tells a socket when its token expires', async () => {
            const socket = client as WsClient;
            socket.notifications.length = 0;
            const response = await socket.call({ controller: 'auth', action: 'login', strategy: 'local', expiresIn: 1500, body: { username: 'alice', password: 'alice-password-1' } });
            const { jwt } = ok<{ jwt: string }>(response);
            ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
            const notification = await socket.waitForNotification(4000);
            expect(notification).to.deep.equal({ status: 200, info: 'This is an automated server notification', message: 'Authentication Token Expired', type: 'TokenExpired', node: notification['node'], room: 'kuzzle:notification:server' });
            expect(notification['node']).to.be.a('string');
          });

          it('binds a token to the socket that logged in with it, even if it sends nothing else', async () => {
            const socket = await WsClient.connect(node.url);
            try {
              ok(await socket.call({ controller: 'auth', action: 'login', strategy: 'local', expiresIn: 1200, body: { username: 'alice', password: 'alice-password-1' } }));
              expect(await socket.waitForNotification(4000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Expired' });
            } finally {
              await socket.close();
            }
          });

          it('does not tell the socket that logs out that its token was revoked', async () => {
            const socket = await WsClient.connect(node.url);
            try {
              const jwt = await login(socket, 'alice', 'alice-password-1');
              ok(await socket.call({ controller: 'auth', action: 'logout', jwt }));
              await sleep(300);
              expect(socket.notifications).to.deep.equal([]);
            } finally {
              await socket.close();
            }
          });

          it('tells every socket bound to a token when it is revoked', async () => {
            const watcher = await WsClient.connect(node.url);
            try {
              const jwt = await login(watcher, 'alice', 'alice-password-1');
              ok(await watcher.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
              ok(await client.call({ controller: 'auth', action: 'logout', jwt }));
              const notification = await watcher.waitForNotification(3000);
              expect(notification).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked', room: 'kuzzle:notification:server' });
            } finally {
              await watcher.close();
            }
          });
        });
      }

      describe('restart', () => {
        it('keeps users, credentials and sessions across a restart', async () => {
          const jwt = await login(client, 'alice', 'alice-password-1');
          await client.close();
          await node.stop();
          node = await startNode(stores, { security: { jwt: { gracePeriod: 300 } } });
          client = await transport.connect(node.url);
          expect(ok<{ _id: string }>(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }))._id).to.equal('alice');
          expect(await login(client, ADMIN.username, ADMIN.password)).to.be.a('string');
        });
      });
    });
  }
}
