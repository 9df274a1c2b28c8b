import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { HttpClient, TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const readOnly = { controllers: { security: { actions: { getRole: true, getProfile: true } } } };

/** Roles and profiles over the API: every action, every refusal (and that it changed nothing), in both modes and over both transports. */
for (const mode of MODES) {
  describe(`e2e: roles and profiles (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      admin = await firstAdmin(new HttpClient(node.url));
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      describe(transport.name, () => {
        let client: ApiClient;
        const id = (name: string) => `${transport.name}-${name}`;
        const sec = (action: string, args: Record<string, unknown> = {}): Promise<ResponseEnvelope> => client.call({ controller: 'security', action, jwt: admin, ...args });
        const role = async (name: string) => ok<{ _source: unknown }>(await sec('getRole', { _id: name }))._source;
        const profile = async (name: string) => ok<{ _source: unknown }>(await sec('getProfile', { _id: name }))._source;

        before(async () => {
          client = await transport.connect(node.url);
        });
        after(async () => client?.close());

        it('creates, reads, replaces and updates roles with Kuzzle\'s result shapes', async () => {
          expect(ok(await sec('createRole', { _id: id('reader'), body: readOnly }))).to.deep.equal({ _id: id('reader'), _source: readOnly });
          failed(await sec('createRole', { _id: id('reader'), body: { controllers: { '*': { actions: { '*': true } } } } }), 'services.storage.document_already_exists', 400);
          expect(await role(id('reader'))).to.deep.equal(readOnly);
          const other = { controllers: { server: { actions: { now: true } } } };
          ok(await sec('createOrReplaceRole', { _id: id('reader'), body: other }));
          // updateRole replaces the whole role, as Kuzzle's does.
          ok(await sec('updateRole', { _id: id('reader'), body: readOnly }));
          expect(await role(id('reader'))).to.deep.equal(readOnly);
          failed(await sec('updateRole', { _id: id('ghost'), body: readOnly }), 'security.role.not_found', 404);
          failed(await sec('getRole', { _id: id('ghost') }), 'security.role.not_found', 404);
          const hits = ok<{ hits: Array<{ _id: string }> }>(await sec('mGetRoles', { body: { ids: [id('reader'), 'admin'] } })).hits;
          expect(hits.map((hit) => hit._id)).to.deep.equal([id('reader'), 'admin']);
          failed(await sec('mGetRoles', { body: { ids: ['admin', id('ghost')] } }), 'security.role.not_found', 404);
          failed(await sec('mGetRoles', { body: {} }), 'api.assert.missing_argument', 400);
        });

        it('refuses malformed roles and unknown controllers or actions, storing nothing', async () => {
          const refusals: Array<[unknown, string]> = [
            [{}, 'api.assert.missing_argument'],
            [{ controllers: [] }, 'api.assert.invalid_type'],
            [{ controllers: {} }, 'api.assert.empty_argument'],
            [{ controllers: { auth: { actions: {} } } }, 'api.assert.empty_argument'],
            [{ controllers: { auth: { actions: { login: 'yes' } } } }, 'api.assert.invalid_type'],
            [{ controllers: { auth: {} } }, 'api.assert.empty_argument'],
            [{ controllers: { auth: { actions: { login: true }, extra: 1 } } }, 'api.assert.unexpected_argument'],
            [{ controllers: { auth: { actions: { login: true } } }, colour: 'red' }, 'api.assert.unexpected_argument'],
            [{ controllers: { '*': { actions: { login: true } } } }, 'security.role.unknown_action'],
            [{ controllers: { auth: { actions: { fly: true } } } }, 'security.role.unknown_action'],
            [{ controllers: { document: { actions: { create: true } } } }, 'security.role.unknown_controller'],
          ];
          for (const [body, error] of refusals) {
            failed(await sec('createRole', { _id: id('bad'), body }), error, 400);
            failed(await sec('getRole', { _id: id('bad') }), 'security.role.not_found', 404);
          }
          // force accepts a controller that may register later, not an unknown action of a served one.
          failed(await sec('createRole', { _id: id('bad'), force: true, body: { controllers: { auth: { actions: { fly: true } } } } }), 'security.role.unknown_action', 400);
          const plugin = { controllers: { 'my-plugin/ctrl': { actions: { run: true } } } };
          expect(ok(await sec('createRole', { _id: id('plugin'), force: true, body: plugin }))).to.deep.equal({ _id: id('plugin'), _source: plugin });
          failed(await sec('createRole', { _id: `_${id('x')}`, body: readOnly }), 'api.assert.invalid_id', 400);
          failed(await sec('createRole', { _id: id('nobody') }), 'api.assert.body_required', 400);
        });

        it('keeps auth:login in the anonymous role', async () => {
          const before = await role('anonymous');
          failed(await sec('createOrReplaceRole', { _id: 'anonymous', body: { controllers: { auth: { actions: { checkToken: true } } } } }), 'security.role.login_required', 400);
          failed(await sec('updateRole', { _id: 'anonymous', body: { controllers: { auth: { actions: { '*': true, login: false } } } } }), 'security.role.login_required', 400);
          expect(await role('anonymous')).to.deep.equal(before);
        });

        it('creates, reads and merges profiles, and refuses malformed ones', async () => {
          await sec('createRole', { _id: id('viewer'), body: readOnly });
          const policies = [{ roleId: id('viewer'), restrictedTo: [{ index: 'books', collections: ['fiction'] }] }];
          expect(ok(await sec('createProfile', { _id: id('viewers'), body: { policies } }))).to.deep.equal({ _id: id('viewers'), _source: { policies, rateLimit: 0 } });
          failed(await sec('createProfile', { _id: id('viewers'), body: { policies } }), 'services.storage.document_already_exists', 400);
          expect(ok(await sec('updateProfile', { _id: id('viewers'), body: { rateLimit: 5 } }))).to.deep.equal({ _id: id('viewers'), _source: { policies, rateLimit: 5 } });
          failed(await sec('updateProfile', { _id: id('ghost'), body: { rateLimit: 5 } }), 'security.profile.not_found', 404);
          const refusals: Array<[string, unknown, string, number]> = [
            ['createProfile', {}, 'api.assert.missing_argument', 400],
            ['createProfile', { policies: [] }, 'api.assert.empty_argument', 400],
            ['createProfile', { policies: [{ roleId: id('ghost') }] }, 'security.role.not_found', 404],
            ['createProfile', { policies: [{ roleId: id('viewer'), extra: 1 }] }, 'api.assert.unexpected_argument', 400],
            ['createProfile', { policies: [{ roleId: id('viewer') }], colour: 'red' }, 'api.assert.unexpected_argument', 400],
            ['createProfile', { policies: [{ roleId: id('viewer') }], rateLimit: 1.5 }, 'api.assert.invalid_type', 400],
            ['createProfile', { policies: [{ roleId: id('viewer') }], rateLimit: -1 }, 'api.assert.invalid_argument', 400],
            ['createProfile', { policies: [{ roleId: id('viewer'), restrictedTo: [{ collections: ['x'] }] }] }, 'api.assert.missing_argument', 400],
            ['createProfile', { policies: [{ roleId: id('viewer'), restrictedTo: [{ index: 'i', collections: 'x' }] }] }, 'api.assert.invalid_type', 400],
          ];
          for (const [action, body, error, status] of refusals) {
            failed(await sec(action, { _id: id('badprofile'), body }), error, status);
            failed(await sec('getProfile', { _id: id('badprofile') }), 'security.profile.not_found', 404);
          }
          failed(await sec('createProfile', { _id: id('badprofile'), strict: true, body: { policies } }), 'services.storage.unknown_index', 412);
          failed(await sec('updateProfile', { _id: id('viewers'), body: { policies: [{ roleId: id('ghost') }] } }), 'security.role.not_found', 404);
          expect(await profile(id('viewers'))).to.deep.equal({ policies, rateLimit: 5 });
          const hits = ok<{ hits: unknown[] }>(await sec('mGetProfiles', { body: { ids: [id('viewers')] } })).hits;
          expect(hits).to.deep.equal([{ _id: id('viewers'), _source: { policies, rateLimit: 5 } }]);
          const rights = ok<{ hits: unknown[]; total: number }>(await sec('getProfileRights', { _id: id('viewers') }));
          expect(rights.total).to.equal(2);
          expect(rights.hits).to.deep.include({ controller: 'security', action: 'getRole', index: 'books', collection: 'fiction', value: 'allowed' });
        });

        it('keeps the anonymous role in the anonymous profile', async () => {
          const before = await profile('anonymous');
          failed(await sec('createOrReplaceProfile', { _id: 'anonymous', body: { policies: [{ roleId: 'default' }] } }), 'security.profile.missing_anonymous_role', 400);
          expect(await profile('anonymous')).to.deep.equal(before);
        });

        it('refuses to delete a role a profile uses, or a built-in one, and deletes all or none', async () => {
          await sec('createRole', { _id: id('used'), body: readOnly });
          await sec('createRole', { _id: id('free'), body: readOnly });
          await sec('createProfile', { _id: id('user-of-used'), body: { policies: [{ roleId: id('used') }] } });
          failed(await sec('deleteRole', { _id: id('used') }), 'security.role.in_use', 412);
          for (const builtIn of ['admin', 'default', 'anonymous']) failed(await sec('deleteRole', { _id: builtIn }), 'security.role.cannot_delete', 400);
          failed(await sec('mDeleteRoles', { body: { ids: [id('free'), id('used')] } }), 'security.role.in_use', 412);
          await role(id('free'));
          failed(await sec('mDeleteRoles', { body: { ids: Array.from({ length: 201 }, (_, n) => `r${n}`) } }), 'services.storage.write_limit_exceeded', 413);
          failed(await sec('deleteRole', { _id: id('ghost') }), 'security.role.not_found', 404);
          ok(await sec('deleteProfile', { _id: id('user-of-used') }));
          expect(ok(await sec('mDeleteRoles', { body: { ids: [id('free'), id('used')] } }))).to.deep.equal([id('free'), id('used')]);
          failed(await sec('getRole', { _id: id('used') }), 'security.role.not_found', 404);
        });

        it('refuses to delete a profile a user holds unless onAssignedUsers=remove, which leaves the user anonymous at worst', async () => {
          await sec('createProfile', { _id: id('held'), body: { policies: [{ roleId: 'default' }] } });
          await sec('createProfile', { _id: id('spare'), body: { policies: [{ roleId: 'default' }] } });
          await createUser(client, admin, id('holder'), id('holder'), 'holder-password-1', [id('held')]);
          await createUser(client, admin, id('both'), id('both'), 'both-password-12', [id('held'), 'default']);
          failed(await sec('deleteProfile', { _id: id('held') }), 'security.profile.in_use', 412);
          failed(await sec('mDeleteProfiles', { body: { ids: [id('spare'), id('held')] } }), 'security.profile.in_use', 412);
          await profile(id('spare'));
          for (const builtIn of ['admin', 'default', 'anonymous']) failed(await sec('deleteProfile', { _id: builtIn }), 'security.profile.cannot_delete', 400);
          failed(await sec('deleteProfile', { _id: id('held'), onAssignedUsers: 'maybe' }), 'api.assert.invalid_argument', 400);
          expect(ok(await sec('deleteProfile', { _id: id('held'), onAssignedUsers: 'remove' }))).to.deep.equal({ _id: id('held') });
          const holder = ok<{ _source: { profileIds: string[] } }>(await sec('getUser', { _id: id('holder') }));
          expect(holder._source.profileIds).to.deep.equal(['anonymous']);
          const both = ok<{ _source: { profileIds: string[] } }>(await sec('getUser', { _id: id('both') }));
          expect(both._source.profileIds).to.deep.equal(['default']);
          expect(ok(await sec('mDeleteProfiles', { body: { ids: [id('spare')] } }))).to.deep.equal([id('spare')]);
        });

        it('applies a role change to the next request at once', async () => {
          await sec('createRole', { _id: id('getter'), body: { controllers: { security: { actions: { getUser: true } } } } });
          await sec('createProfile', { _id: id('getters'), body: { policies: [{ roleId: id('getter') }] } });
          await createUser(client, admin, id('getter-user'), id('getter-user'), 'getter-password-1', [id('getters')]);
          const jwt = await login(client, id('getter-user'), 'getter-password-1');
          ok(await client.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }));
          ok(await sec('updateRole', { _id: id('getter'), body: readOnly }));
          failed(await client.call({ controller: 'security', action: 'getUser', jwt, _id: 'admin' }), 'security.rights.forbidden', 403);
          ok(await client.call({ controller: 'security', action: 'getRole', jwt, _id: 'admin' }));
        });

        it('accepts security:refresh for the three security collections only', async () => {
          for (const collection of ['users', 'profiles', 'roles']) expect(ok(await sec('refresh', { collection }))).to.equal(null);
          failed(await sec('refresh', { collection: 'books' }), 'api.assert.unexpected_argument', 400);
        });

        it('refuses every one of these actions to a user of the default profile', async () => {
          await createUser(client, admin, id('plain'), id('plain'), 'plain-password-1');
          const jwt = await login(client, id('plain'), 'plain-password-1');
          failed(await client.call({ controller: 'security', action: 'createRole', jwt, _id: id('x'), body: readOnly }), 'security.rights.forbidden', 403);
          failed(await client.call({ controller: 'security', action: 'restrictDefaultRights', jwt }), 'security.rights.forbidden', 403);
          failed(await client.call({ controller: 'security', action: 'getProfile', _id: 'admin' }), 'security.rights.unauthorized', 401);
        });
      });
    }
  });
}
