import { expect } from 'chai';
import { idsOf, refusedWith, sdkSuites } from '../support/sdk.js';

const READER = { security: { actions: { getUser: true, searchUsers: true } } };
const SERVER_ONLY = { server: { actions: { now: true } } };
const AUTH_ONLY = { auth: { actions: { getMyRights: true } } };

/** kuzzle.security's role methods, driven by the Kuzzle SDK 7 as an administrator would. */
sdkSuites('e2e: roles through the Kuzzle SDK 7', (suite) => {
  it('createRole, getRole: a role is written and read back as written', async () => {
    const { kuzzle } = suite();
    const created = await kuzzle.security.createRole('sdk-reader', { controllers: READER });
    expect(created).to.deep.include({ _id: 'sdk-reader', controllers: READER });
    const read = await kuzzle.security.getRole('sdk-reader');
    expect(read).to.deep.include({ _id: 'sdk-reader', controllers: READER });
    await refusedWith(kuzzle.security.getRole('sdk-no-such-role'), 'security.role.not_found', 404);
  });

  it('createOrReplaceRole creates, then replaces; updateRole replaces the controllers', async () => {
    const { kuzzle } = suite();
    expect(await kuzzle.security.createOrReplaceRole('sdk-replaced', { controllers: READER })).to.deep.include({ _id: 'sdk-replaced', controllers: READER });
    await kuzzle.security.createOrReplaceRole('sdk-replaced', { controllers: SERVER_ONLY });
    expect((await kuzzle.security.getRole('sdk-replaced')).controllers).to.deep.equal(SERVER_ONLY);
    const updated = await kuzzle.security.updateRole('sdk-replaced', { controllers: AUTH_ONLY });
    expect(updated.controllers).to.deep.equal(AUTH_ONLY);
    expect((await kuzzle.security.getRole('sdk-replaced')).controllers).to.deep.equal(AUTH_ONLY);
    await refusedWith(kuzzle.security.updateRole('sdk-never-created', { controllers: AUTH_ONLY }), 'security.role.not_found', 404);
  });

  it('createRole refuses an action that does not exist, and an unknown controller unless forced', async () => {
    const { kuzzle } = suite();
    await refusedWith(kuzzle.security.createRole('sdk-typo', { controllers: { security: { actions: { getUsr: true } } } }), 'security.role.unknown_action', 400);
    const pluginRights = { 'my-plugin/reports': { actions: { generate: true } } };
    await refusedWith(kuzzle.security.createRole('sdk-plugin', { controllers: pluginRights }), 'security.role.unknown_controller', 400);
    await refusedWith(kuzzle.security.getRole('sdk-typo'), 'security.role.not_found', 404);
    const forced = await kuzzle.security.createRole('sdk-plugin', { controllers: pluginRights }, { force: true });
    expect(forced.controllers).to.deep.equal(pluginRights);
  });

  it('mGetRoles reads several roles; searchRoles finds those naming a controller, page by page', async () => {
    const { kuzzle } = suite();
    await kuzzle.security.createRole('sdk-m1', { controllers: SERVER_ONLY });
    await kuzzle.security.createRole('sdk-m2', { controllers: AUTH_ONLY });
    const both = await kuzzle.security.mGetRoles(['sdk-m1', 'sdk-m2']);
    expect(both.map((role: { _id: string; controllers: unknown }) => [role._id, role.controllers])).to.have.deep.members([['sdk-m1', SERVER_ONLY], ['sdk-m2', AUTH_ONLY]]);

    const serverRoles = await kuzzle.security.searchRoles({ controllers: ['server'] }, { size: 100 });
    const found = idsOf(serverRoles.hits);
    expect(found).to.include('sdk-m1').and.not.include('sdk-m2');
    for (const role of serverRoles.hits) expect(Object.keys(role.controllers)).to.satisfy((names: string[]) => names.includes('server') || names.includes('*'));

    // Every role, two at a time: the pages together hold each role once.
    const all = await kuzzle.security.searchRoles({}, { from: 0, size: 100 });
    let page = await kuzzle.security.searchRoles({}, { from: 0, size: 2 });
    expect(page.hits).to.have.length(2);
    expect(page.total).to.equal(all.total);
    const paged: string[] = [];
    while (page) {
      paged.push(...page.hits.map((role: { _id: string }) => role._id));
      page = await page.next();
    }
    expect(paged.sort()).to.deep.equal(idsOf(all.hits));
    expect(paged).to.include.members(['admin', 'default', 'anonymous', 'sdk-m1', 'sdk-m2']);
  });

  it('deleteRole and mDeleteRoles delete; built-in roles and roles in use stay', async () => {
    const { kuzzle } = suite();
    for (const id of ['sdk-d1', 'sdk-d2', 'sdk-d3', 'sdk-used']) await kuzzle.security.createRole(id, { controllers: AUTH_ONLY });
    expect(await kuzzle.security.deleteRole('sdk-d1')).to.deep.equal({ _id: 'sdk-d1' });
    await refusedWith(kuzzle.security.getRole('sdk-d1'), 'security.role.not_found', 404);
    expect([...(await kuzzle.security.mDeleteRoles(['sdk-d2', 'sdk-d3']))].sort()).to.deep.equal(['sdk-d2', 'sdk-d3']);
    for (const id of ['sdk-d2', 'sdk-d3']) await refusedWith(kuzzle.security.getRole(id), 'security.role.not_found', 404);

    for (const builtIn of ['admin', 'default', 'anonymous']) await refusedWith(kuzzle.security.deleteRole(builtIn), 'security.role.cannot_delete', 400);
    await kuzzle.security.createProfile('sdk-uses-role', { policies: [{ roleId: 'sdk-used' }] });
    await refusedWith(kuzzle.security.deleteRole('sdk-used'), 'security.role.in_use', 412);
    expect((await kuzzle.security.getRole('sdk-used')).controllers).to.deep.equal(AUTH_ONLY);
  });

  it('getRoleMapping answers Kuzzle\'s fixed role mapping; updateRoleMapping may restate it, not change it', async () => {
    const { kuzzle } = suite();
    const { mapping } = await kuzzle.security.getRoleMapping();
    expect(mapping).to.deep.equal({ tags: { type: 'keyword' }, controllers: { dynamic: 'false', properties: {} } });
    await kuzzle.security.updateRoleMapping({ properties: { tags: { type: 'keyword' } } });
    await refusedWith(kuzzle.security.updateRoleMapping({ properties: { sdkNote: { type: 'keyword' } } }), 'services.storage.cannot_change_mapping', 400);
    expect((await kuzzle.security.getRoleMapping()).mapping).to.deep.equal(mapping);
  });

  it('refresh accepts each security collection and nothing else', async () => {
    const { kuzzle } = suite();
    for (const collection of ['users', 'profiles', 'roles']) {
      const response = await kuzzle.security.refresh(collection);
      expect(response).to.include({ status: 200, error: null, result: null });
    }
    await refusedWith(kuzzle.security.refresh('documents'), 'api.assert.unexpected_argument', 400);
  });
});
