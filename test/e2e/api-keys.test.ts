import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { TRANSPORTS, WsClient, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

type ApiKey = { _id: string; _source: { userId: string; description: string; expiresAt: number; ttl: number; token?: string } };
type Hits = { hits: ApiKey[]; total: number };

/** What a user with the API-key and token actions of the auth controller may do. */
const KEY_ACTIONS = { createApiKey: true, searchApiKeys: true, deleteApiKey: true, createToken: true };

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: API keys and extra tokens (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;
      let ann: string;

      const call = (request: Parameters<ApiClient['call']>[0]) => client.call(request);
      const me = async (jwt: string) => call({ controller: 'auth', action: 'getCurrentUser', jwt });
      const create = async (jwt: string, description: string, extra: Record<string, unknown> = {}) =>
        ok<ApiKey>(await call({ controller: 'auth', action: 'createApiKey', jwt, body: { description }, ...extra }));
      const search = async (jwt: string, body?: unknown, extra: Record<string, unknown> = {}) =>
        ok<Hits>(await call({ controller: 'auth', action: 'searchApiKeys', jwt, ...(body === undefined ? {} : { body }), ...extra }));

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { security: { apiKey: { maxPerUser: 4 } } });
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        ok(await call({ controller: 'security', action: 'createRole', jwt: admin, _id: 'keys', body: { controllers: { auth: { actions: KEY_ACTIONS } } } }));
        ok(await call({ controller: 'security', action: 'createProfile', jwt: admin, _id: 'keys', body: { policies: [{ roleId: 'default' }, { roleId: 'keys' }] } }));
        for (const name of ['ann', 'ben', 'cap', 'dan', 'eve']) await createUser(client, admin, name, name, `${name}-password-1`, ['keys']);
        ann = await login(client, 'ann', 'ann-password-1');
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      describe('auth:createApiKey', () => {
        it('answers Kuzzle\'s shape, the token once, and the key authenticates as its user', async () => {
          const key = await create(ann, 'cron job');
          expect(key._id).to.be.a('string').and.not.equal('');
          expect(key._source).to.include({ userId: 'ann', description: 'cron job', expiresAt: -1, ttl: -1 });
          expect(key._source.token).to.match(/^kapikey-/);
          expect(ok<{ _id: string }>(await me(key._source.token!))._id).to.equal('ann');
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: key._id }));
        });

        it('takes a chosen _id and expiresIn, and refuses the same _id twice for one user', async () => {
          const key = await create(ann, 'chosen', { _id: 'ann-key', expiresIn: '1h', refresh: 'wait_for' });
          expect(key._id).to.equal('ann-key');
          expect(key._source.ttl).to.equal(3_600_000);
          expect(key._source.expiresAt).to.be.within(Date.now() + 3_590_000, Date.now() + 3_600_000);
          failed(await call({ controller: 'auth', action: 'createApiKey', jwt: ann, _id: 'ann-key', body: { description: 'again' } }), 'services.storage.document_already_exists', 400);
          ok(await me(key._source.token!));
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: 'ann-key' }));
        });

        it('refuses bad arguments and anonymous callers, creating nothing', async () => {
          const createWith = (request: Record<string, unknown>) => call({ controller: 'auth', action: 'createApiKey', jwt: ann, ...request });
          failed(await createWith({ body: {} }), 'api.assert.missing_argument', 400);
          failed(await createWith({ body: { description: 5 } }), 'api.assert.invalid_type', 400);
          failed(await createWith({ body: { description: 'x' }, expiresIn: 'soon' }), 'api.assert.invalid_argument', 400);
          failed(await createWith({ body: { description: 'x' }, expiresIn: 0 }), 'api.assert.invalid_argument', 400);
          failed(await call({ controller: 'auth', action: 'createApiKey', body: { description: 'x' } }), 'security.rights.unauthorized', 401);
          expect((await search(ann)).total).to.equal(0);
        });

        it('bounds the keys of one user (security.apiKey.maxPerUser)', async () => {
          const cap = await login(client, 'cap', 'cap-password-1');
          const keys = [];
          for (let index = 0; index < 4; index++) keys.push(await create(cap, `key ${index}`));
          failed(await call({ controller: 'auth', action: 'createApiKey', jwt: cap, body: { description: 'one more' } }), 'security.apikey.limit_exceeded', 412);
          expect((await search(cap)).total).to.equal(4);
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: cap, _id: keys[0]!._id }));
          await create(cap, 'in its place');
        });
      });

      describe('auth:searchApiKeys', () => {
        it('lists the caller\'s keys only, never a token, with a query and from/size', async () => {
          const [first, second] = [await create(ann, 'deploy robot'), await create(ann, 'backup robot')];
          const admins = ok<ApiKey>(await call({ controller: 'auth', action: 'createApiKey', jwt: admin, body: { description: 'admin robot' } }));
          const all = await search(ann);
          expect(all.total).to.equal(2);
          expect(all.hits.map((hit) => hit._id).sort()).to.deep.equal([first._id, second._id].sort());
          for (const hit of all.hits) expect(hit._source).to.have.keys('userId', 'description', 'expiresAt', 'ttl');
          expect(JSON.stringify(all)).to.not.include('kapikey-');
          const matched = await search(ann, { query: { match: { description: 'deploy' } } });
          expect(matched.hits.map((hit) => hit._source.description)).to.deep.equal(['deploy robot']);
          const paged = await search(ann, { sort: [{ _id: 'asc' }] }, { from: 1, size: 1 });
          expect(paged).to.deep.include({ total: 2 });
          expect(paged.hits).to.have.length(1);
          failed(await call({ controller: 'auth', action: 'searchApiKeys', jwt: ann, body: { query: { term: { token: 'x' } } } }), 'services.storage.unknown_field', 400);
          failed(await call({ controller: 'auth', action: 'searchApiKeys' }), 'security.rights.unauthorized', 401);
          for (const key of [first, second]) ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: key._id }));
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: admin, _id: admins._id }));
        });
      });

      describe('auth:deleteApiKey', () => {
        it('ends the key at once, tells a socket bound to it, and answers {_id}', async () => {
          const key = await create(ann, 'to delete');
          const socket = await WsClient.connect(node.url);
          try {
            ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: key._source.token! }));
            expect(ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: key._id }))).to.deep.equal({ _id: key._id });
            failed(await me(key._source.token!), 'security.token.invalid', 401);
            expect(await socket.waitForNotification(2000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
          } finally {
            await socket.close();
          }
          failed(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: key._id }), 'services.storage.not_found', 404);
        });

        it('cannot reach another user\'s key, which keeps working', async () => {
          const ben = await login(client, 'ben', 'ben-password-1');
          const key = await create(ben, 'ben only', { _id: 'shared-name' });
          failed(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: 'shared-name' }), 'services.storage.not_found', 404);
          ok(await me(key._source.token!));
          failed(await call({ controller: 'auth', action: 'deleteApiKey', _id: 'shared-name' }), 'security.rights.unauthorized', 401);
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ben, _id: 'shared-name' }));
        });
      });

      describe('what does not end a key', () => {
        it('survives logout (even global), logging out with the key itself, and security:revokeTokens', async () => {
          const jwt = await login(client, 'ann', 'ann-password-1');
          const key = (await create(jwt, 'long lived'))._source.token!;
          ok(await call({ controller: 'auth', action: 'logout', jwt, global: true }));
          failed(await me(jwt), 'security.token.invalid', 401);
          ok(await me(key));
          ok(await call({ controller: 'auth', action: 'logout', jwt: key }));
          ok(await me(key));
          ok(await call({ controller: 'security', action: 'revokeTokens', jwt: admin, _id: 'ann' }));
          ok(await me(key));
          failed(await call({ controller: 'auth', action: 'refreshToken', jwt: key }), 'security.token.refresh_forbidden', 401);
          ann = await login(client, 'ann', 'ann-password-1');
          const [hit] = (await search(ann)).hits;
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: hit!._id }));
        });

        it('refuses a key once it expired (security.token.expired)', async () => {
          const key = (await create(ann, 'short', { expiresIn: 1000 }))._source.token!;
          ok(await me(key));
          await sleep(1300);
          failed(await me(key), 'security.token.expired', 401);
          expect((await search(ann)).total).to.equal(0);
        });
      });

      describe('security:createApiKey, searchApiKeys, deleteApiKey', () => {
        it('manages any user\'s keys, and only administrators may', async () => {
          const key = ok<ApiKey>(await call({ controller: 'security', action: 'createApiKey', jwt: admin, userId: 'ben', _id: 'by-admin', body: { description: 'made for ben' } }));
          expect(key._source).to.include({ userId: 'ben', description: 'made for ben', expiresAt: -1, ttl: -1 });
          expect(ok<{ _id: string }>(await me(key._source.token!))._id).to.equal('ben');
          const found = ok<Hits>(await call({ controller: 'security', action: 'searchApiKeys', jwt: admin, userId: 'ben', body: { query: { term: { _id: 'by-admin' } } } }));
          expect(found.hits).to.deep.equal([{ _id: 'by-admin', _source: { userId: 'ben', description: 'made for ben', expiresAt: -1, ttl: -1 } }]);
          failed(await call({ controller: 'security', action: 'createApiKey', jwt: ann, userId: 'ann', body: { description: 'x' } }), 'security.rights.forbidden', 403);
          failed(await call({ controller: 'security', action: 'searchApiKeys', jwt: ann, userId: 'ben' }), 'security.rights.forbidden', 403);
          failed(await call({ controller: 'security', action: 'deleteApiKey', jwt: ann, userId: 'ben', _id: 'by-admin' }), 'security.rights.forbidden', 403);
          failed(await call({ controller: 'security', action: 'createApiKey', jwt: admin, userId: 'nobody', body: { description: 'x' } }), 'security.user.not_found', 404);
          failed(await call({ controller: 'security', action: 'createApiKey', jwt: admin, body: { description: 'x' } }), 'api.assert.missing_argument', 400);
          failed(await call({ controller: 'security', action: 'deleteApiKey', jwt: admin, userId: 'ann', _id: 'by-admin' }), 'services.storage.not_found', 404);
          expect(ok(await call({ controller: 'security', action: 'deleteApiKey', jwt: admin, userId: 'ben', _id: 'by-admin' }))).to.deep.equal({ _id: 'by-admin' });
          failed(await me(key._source.token!), 'security.token.invalid', 401);
        });

        it('ends a user\'s keys with the user (deleteUser and mDeleteUsers), telling bound sockets', async () => {
          const keyOf = async (userId: string) => ok<ApiKey>(await call({ controller: 'security', action: 'createApiKey', jwt: admin, userId, body: { description: 'doomed' } }))._source.token!;
          const [dan, eve] = [await keyOf('dan'), await keyOf('eve')];
          const socket = await WsClient.connect(node.url);
          try {
            ok(await socket.call({ controller: 'auth', action: 'getCurrentUser', jwt: dan }));
            ok(await call({ controller: 'security', action: 'deleteUser', jwt: admin, _id: 'dan' }));
            failed(await me(dan), 'security.token.invalid', 401);
            expect(await socket.waitForNotification(2000)).to.include({ type: 'TokenExpired', message: 'Authentication Token Revoked' });
          } finally {
            await socket.close();
          }
          ok(await call({ controller: 'security', action: 'mDeleteUsers', jwt: admin, body: { ids: ['eve'] } }));
          failed(await me(eve), 'security.token.invalid', 401);
          // A new user of the same id inherits nothing.
          await createUser(client, admin, 'dan', 'dan', 'dan-password-1', ['keys']);
          failed(await me(dan), 'security.token.invalid', 401);
          expect(ok<Hits>(await call({ controller: 'security', action: 'searchApiKeys', jwt: admin, userId: 'dan' })).total).to.equal(0);
        });
      });

      describe('auth:createToken', () => {
        type Created = { token: string; expiresAt: number; ttl: number; singleUse: boolean };
        const createToken = async (extra: Record<string, unknown> = {}) => call({ controller: 'auth', action: 'createToken', jwt: ann, ...extra });

        it('returns an extra token of the caller, good until it expires', async () => {
          const created = ok<Created>(await createToken({ expiresIn: '10m' }));
          expect(created).to.include({ ttl: 600_000, singleUse: false });
          expect(created.token).to.match(/^kauth-/);
          for (let index = 0; index < 3; index++) expect(ok<{ _id: string }>(await me(created.token))._id).to.equal('ann');
        });

        it('makes a single-use token that one request consumes, a checkToken included', async () => {
          const once = ok<Created>(await createToken({ singleUse: true }));
          expect(once).to.include({ ttl: 3_600_000, singleUse: true });
          expect(ok<{ _id: string }>(await me(once.token))._id).to.equal('ann');
          failed(await me(once.token), 'security.token.invalid', 401);
          const checked = ok<Created>(await createToken({ singleUse: true }));
          expect(ok(await call({ controller: 'auth', action: 'checkToken', body: { token: checked.token } }))).to.include({ valid: true, kuid: 'ann' });
          expect(ok(await call({ controller: 'auth', action: 'checkToken', body: { token: checked.token } }))).to.include({ valid: false });
        });

        it('accepts a single-use token once when two requests bring it at the same moment', async () => {
          for (let round = 0; round < 5; round++) {
            const { token } = ok<Created>(await createToken({ singleUse: true }));
            const answers = await Promise.all([me(token), me(token)]);
            expect(answers.filter((answer) => answer.error === null)).to.have.length(1);
          }
        });

        it('refuses a token that never expires, bad arguments and anonymous callers', async () => {
          failed(await createToken({ expiresIn: -1 }), 'security.token.invalid_expiration', 400);
          failed(await createToken({ expiresIn: 'never' }), 'api.assert.invalid_argument', 400);
          failed(await call({ controller: 'auth', action: 'createToken' }), 'security.rights.unauthorized', 401);
        });
      });

      if (transport.name === 'http') {
        it('authenticates a key sent in the body of POST /_query', async () => {
          const key = await create(ann, 'query');
          const response = await fetch(`${node.url}/_query`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ controller: 'auth', action: 'getCurrentUser', jwt: key._source.token }),
          });
          expect(ok<{ _id: string }>((await response.json()) as ResponseEnvelope)._id).to.equal('ann');
          ok(await call({ controller: 'auth', action: 'deleteApiKey', jwt: ann, _id: key._id }));
        });
      }
    });
  }
}
