import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { HttpClient, TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

type User = { _id: string; _source: Record<string, unknown> };

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: user batches, replace, upsert and rights (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;

      const getUser = async (kuid: string) => client.call({ controller: 'security', action: 'getUser', jwt: admin, _id: kuid });
      const sourceOf = async (kuid: string) => ok<User>(await getUser(kuid))._source;

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { limits: { documentsFetchCount: 5, documentsWriteCount: 3 } });
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        for (const name of ['ann', 'ben', 'cid']) await createUser(client, admin, name, name, `${name}-password-1`);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      describe('security:mGetUsers', () => {
        it('answers the users asked for, in order, leaving out kuids of no user', async () => {
          const result = ok<{ hits: User[] }>(await client.call({ controller: 'security', action: 'mGetUsers', jwt: admin, ids: ['cid', 'ghost', 'ann'] }));
          expect(result.hits.map((hit) => hit._id)).to.deep.equal(['cid', 'ann']);
          expect(result.hits[0]!._source).to.deep.equal({ profileIds: ['default'], name: 'cid' });
        });

        it('takes a comma list and a JSON array in a string', async () => {
          for (const ids of ['ann,ben', '["ann","ben"]']) {
            const result = ok<{ hits: User[] }>(await client.call({ controller: 'security', action: 'mGetUsers', jwt: admin, ids }));
            expect(result.hits.map((hit) => hit._id)).to.deep.equal(['ann', 'ben']);
          }
        });

        it('refuses a missing ids, a bad JSON array and more ids than limits.documentsFetchCount', async () => {
          failed(await client.call({ controller: 'security', action: 'mGetUsers', jwt: admin }), 'api.assert.missing_argument', 400);
          failed(await client.call({ controller: 'security', action: 'mGetUsers', jwt: admin, ids: '[1,2]' }), 'api.assert.invalid_type', 400);
          failed(await client.call({ controller: 'security', action: 'mGetUsers', jwt: admin, ids: 'a,b,c,d,e,f' }), 'services.storage.get_limit_exceeded', 413);
        });

        it('is refused to a user without the right', async () => {
          const jwt = await login(client, 'ann', 'ann-password-1');
          failed(await client.call({ controller: 'security', action: 'mGetUsers', jwt, ids: 'ann' }), 'security.rights.forbidden', 403);
        });
      });

      describe('security:replaceUser', () => {
        it('replaces the whole content', async () => {
          const result = ok<User>(await client.call({ controller: 'security', action: 'replaceUser', jwt: admin, _id: 'ben', body: { profileIds: ['default'], email: 'ben@example.com' } }));
          expect(result).to.deep.equal({ _id: 'ben', _source: { profileIds: ['default'], email: 'ben@example.com' } });
          expect(await sourceOf('ben')).to.deep.equal({ profileIds: ['default'], email: 'ben@example.com' });
        });

        it('refuses, changing nothing: no profileIds, an unknown profile, an _id in the body, an unknown user', async () => {
          const before = await sourceOf('ben');
          const replace = (_id: string, body: unknown) => client.call({ controller: 'security', action: 'replaceUser', jwt: admin, _id, body });
          failed(await replace('ben', { email: 'x@example.com' }), 'api.assert.missing_argument', 400);
          failed(await replace('ben', { profileIds: ['nope'], email: 'x@example.com' }), 'security.profile.not_found', 404);
          failed(await replace('ben', { profileIds: ['default'], _id: 'other' }), 'api.assert.forbidden_argument', 400);
          failed(await replace('ben', { profileIds: 'default' }), 'api.assert.invalid_type', 400);
          failed(await replace('nobody', { profileIds: ['default'] }), 'security.user.not_found', 404);
          expect(await sourceOf('ben')).to.deep.equal(before);
          failed(await getUser('nobody'), 'security.user.not_found', 404);
        });
      });

      describe('security:upsertUser', () => {
        it('merges content into an existing user and ignores default', async () => {
          const result = ok<User>(await client.call({ controller: 'security', action: 'upsertUser', jwt: admin, _id: 'cid', body: { content: { profileIds: ['default'], city: 'Lyon' }, default: { city: 'Paris', age: 3 } } }));
          expect(result._source).to.deep.equal({ profileIds: ['default'], name: 'cid', city: 'Lyon' });
        });

        it('creates a missing user from default and content, with its credentials', async () => {
          const body = { content: { profileIds: ['default'], city: 'Lyon' }, default: { city: 'Paris', age: 3 }, credentials: { local: { username: 'dan', password: 'dan-password-1' } } };
          const result = ok<User>(await client.call({ controller: 'security', action: 'upsertUser', jwt: admin, _id: 'dan', body }));
          expect(result).to.deep.equal({ _id: 'dan', _source: { profileIds: ['default'], city: 'Lyon', age: 3 } });
          expect(await login(client, 'dan', 'dan-password-1')).to.be.a('string');
        });

        it('refuses, creating nothing: an unknown profile, a reserved id, bad credentials, an unknown body key', async () => {
          const upsert = (_id: string, body: unknown) => client.call({ controller: 'security', action: 'upsertUser', jwt: admin, _id, body });
          failed(await upsert('eve', { content: { profileIds: ['nope'] } }), 'security.profile.not_found', 404);
          failed(await upsert('_eve', { content: { profileIds: ['default'] } }), 'api.assert.invalid_id', 400);
          failed(await upsert('eve', { content: { profileIds: ['default'] }, credentials: { local: { username: 'eve', password: 'x' } } }), 'security.credentials.rejected', 400);
          failed(await upsert('eve', { content: { profileIds: ['default'] }, extra: 1 }), 'api.assert.invalid_argument', 400);
          failed(await upsert('eve', { content: {} }), 'api.assert.missing_argument', 400);
          failed(await getUser('eve'), 'security.user.not_found', 404);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'eve', password: 'x' } }), 'plugin.strategy.missing_user', 401);
        });
      });

      describe('security:getUserRights', () => {
        it("lists a user's rights as auth:getMyRights does", async () => {
          const jwt = await login(client, 'ann', 'ann-password-1');
          const mine = ok(await client.call({ controller: 'auth', action: 'getMyRights', jwt }));
          const rights = ok<{ hits: unknown[]; total: number }>(await client.call({ controller: 'security', action: 'getUserRights', jwt: admin, _id: 'ann' }));
          expect(rights).to.deep.equal(mine);
          expect(rights.total).to.equal(rights.hits.length).and.be.above(0);
          const anonymous = ok<{ hits: Array<{ controller: string; action: string }> }>(await client.call({ controller: 'security', action: 'getUserRights', jwt: admin, _id: '-1' }));
          expect(anonymous.hits).to.deep.include({ controller: 'auth', action: 'login', index: '*', collection: '*', value: 'allowed' });
          failed(await client.call({ controller: 'security', action: 'getUserRights', jwt: admin, _id: 'nobody' }), 'security.user.not_found', 404);
        });
      });

      describe('security:mDeleteUsers', () => {
        it('refuses more ids than limits.documentsWriteCount, or ids that are not strings, deleting nothing', async () => {
          const mDelete = (body: unknown) => client.call({ controller: 'security', action: 'mDeleteUsers', jwt: admin, body });
          failed(await mDelete({ ids: ['ann', 'ben', 'cid', 'dan'] }), 'services.storage.write_limit_exceeded', 413);
          failed(await mDelete({ ids: ['ann', 7] }), 'api.assert.invalid_type', 400);
          failed(await mDelete({ ids: 'ann' }), 'api.assert.invalid_type', 400);
          failed(await mDelete({}), 'api.assert.missing_argument', 400);
          const left = ok<{ hits: User[] }>(await client.call({ controller: 'security', action: 'mGetUsers', jwt: admin, ids: 'ann,ben,cid,dan' }));
          expect(left.hits).to.have.length(4);
        });

        it('deletes each user fully (credentials, sessions) and answers a partial error naming the others', async () => {
          const annJwt = await login(client, 'ann', 'ann-password-1');
          const response: ResponseEnvelope = await client.call({ controller: 'security', action: 'mDeleteUsers', jwt: admin, body: { ids: ['ann', 'ghost', 'ben'] } });
          expect(response.status).to.equal(206);
          expect(response.error).to.include({ id: 'services.storage.incomplete_delete', status: 206 });
          expect(response.error!.props[0]).to.equal('ghost (security.user.not_found)');
          expect(response.result).to.deep.equal(['ann', 'ben']);
          for (const kuid of ['ann', 'ben']) failed(await getUser(kuid), 'security.user.not_found', 404);
          failed(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt: annJwt }), 'security.token.invalid', 401);
          failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'ann', password: 'ann-password-1' } }), 'plugin.strategy.missing_user', 401);
          // The username is free again: its credentials went with the user.
          await createUser(client, admin, 'ann2', 'ann', 'ann-password-2');
        });

        it('answers the deleted kuids when every deletion succeeds', async () => {
          expect(ok<string[]>(await client.call({ controller: 'security', action: 'mDeleteUsers', jwt: admin, body: { ids: ['cid', 'ann2'] } }))).to.deep.equal(['cid', 'ann2']);
        });
      });

      if (transport.name === 'http') {
        // Runs before the nested suites: ann, ben and cid exist.
        it('serves POST /users/_mGet with a body, and GET /users/_mGet?ids=a,b', async () => {
          const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
          const posted = (await (await fetch(`${node.url}/users/_mGet`, { method: 'POST', headers, body: JSON.stringify({ ids: ['cid', 'admin'] }) })).json()) as ResponseEnvelope;
          expect(ok<{ hits: User[] }>(posted).hits.map((hit) => hit._id)).to.deep.equal(['cid', 'admin']);
          const got = (await (await fetch(`${node.url}/users/_mGet?ids=admin,cid`, { headers: { authorization: `Bearer ${admin}` } })).json()) as ResponseEnvelope;
          expect(ok<{ hits: User[] }>(got).hits.map((hit) => hit._id)).to.deep.equal(['admin', 'cid']);
        });
      }
    });
  }
}

describe('e2e: user changes reach the cache of every node', () => {
  let stores: TestStores;
  let nodes: Portcullis[];

  before(async () => {
    stores = new TestStores('production');
    nodes = [await startNode(stores), await startNode(stores)];
  });

  after(async () => {
    for (const node of nodes ?? []) await node.stop();
    await stores?.destroy();
  });

  it('applies replaceUser, upsertUser and mDeleteUsers made on one node to requests on the other at once', async () => {
    const [a, b] = nodes.map((node) => new HttpClient(node.url)) as [HttpClient, HttpClient];
    const admin = await firstAdmin(a);
    await createUser(a, admin, 'zed', 'zed', 'zed-password-1', ['admin']);
    const jwt = await login(b, 'zed', 'zed-password-1');
    // Node b now holds zed in its cache, with the admin profile.
    ok(await b.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }));
    ok(await a.call({ controller: 'security', action: 'replaceUser', jwt: admin, _id: 'zed', body: { profileIds: ['default'] } }));
    failed(await b.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }), 'security.rights.forbidden', 403);
    ok(await a.call({ controller: 'security', action: 'upsertUser', jwt: admin, _id: 'zed', body: { content: { profileIds: ['admin'] } } }));
    ok(await b.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }));
    expect(ok<string[]>(await a.call({ controller: 'security', action: 'mDeleteUsers', jwt: admin, body: { ids: ['zed'] } }))).to.deep.equal(['zed']);
    failed(await b.call({ controller: 'auth', action: 'getCurrentUser', jwt }), 'security.token.invalid', 401);
  });
});
