import { expect } from 'chai';
import { idsOf, refusedWith, sdkSuites } from '../support/sdk.js';
import { rightKey, type Right } from '../support/rights.js';

const LOOKUP = { security: { actions: { getUser: true, searchUsers: true } } };
const SELF = { auth: { actions: { getMyRights: true, getCurrentUser: true } } };

/** kuzzle.security's profile methods, and what a profile made through them allows. */
sdkSuites('e2e: profiles through the Kuzzle SDK 7', (suite) => {
  before(async () => {
    const { kuzzle } = suite();
    await kuzzle.security.createRole('sdk-lookup', { controllers: LOOKUP });
    await kuzzle.security.createRole('sdk-self', { controllers: SELF });
  });

  it('createProfile, getProfile: policies and rateLimit are written and read back', async () => {
    const { kuzzle } = suite();
    const policies = [{ roleId: 'sdk-lookup' }, { roleId: 'sdk-self', restrictedTo: [{ index: 'inventory', collections: ['parts'] }] }];
    const created = await kuzzle.security.createProfile('sdk-support', { policies, rateLimit: 5 });
    expect(created).to.deep.include({ _id: 'sdk-support', policies, rateLimit: 5 });
    expect(await kuzzle.security.getProfile('sdk-support')).to.deep.include({ _id: 'sdk-support', policies, rateLimit: 5 });
    await refusedWith(kuzzle.security.getProfile('sdk-no-such-profile'), 'security.profile.not_found', 404);
    await refusedWith(kuzzle.security.createProfile('sdk-dangling', { policies: [{ roleId: 'sdk-no-such-role' }] }), 'security.role.not_found', 404);
    await refusedWith(kuzzle.security.getProfile('sdk-dangling'), 'security.profile.not_found', 404);
  });

  it('createOrReplaceProfile replaces the whole profile; updateProfile changes only what it names', async () => {
    const { kuzzle } = suite();
    await kuzzle.security.createOrReplaceProfile('sdk-edited', { policies: [{ roleId: 'sdk-lookup' }], rateLimit: 3 });
    const replaced = await kuzzle.security.createOrReplaceProfile('sdk-edited', { policies: [{ roleId: 'sdk-self' }] });
    expect(replaced.policies).to.deep.equal([{ roleId: 'sdk-self' }]);
    expect((await kuzzle.security.getProfile('sdk-edited')).rateLimit).to.equal(0);
    const updated = await kuzzle.security.updateProfile('sdk-edited', { rateLimit: 10 });
    expect(updated).to.deep.include({ policies: [{ roleId: 'sdk-self' }], rateLimit: 10 });
    expect(await kuzzle.security.getProfile('sdk-edited')).to.deep.include({ policies: [{ roleId: 'sdk-self' }], rateLimit: 10 });
    await refusedWith(kuzzle.security.updateProfile('sdk-never-created', { rateLimit: 1 }), 'security.profile.not_found', 404);
  });

  it('getProfileRights lists exactly what the profile\'s roles allow', async () => {
    const { kuzzle } = suite();
    await kuzzle.security.createProfile('sdk-rights', { policies: [{ roleId: 'sdk-lookup' }, { roleId: 'sdk-self' }] });
    const rights: Right[] = await kuzzle.security.getProfileRights('sdk-rights');
    const expected = [['security', 'getUser'], ['security', 'searchUsers'], ['auth', 'getMyRights'], ['auth', 'getCurrentUser']]
      .map(([controller, action]) => rightKey({ controller: controller!, action: action!, index: '*', collection: '*', value: 'allowed' }));
    expect(rights.map(rightKey)).to.have.members(expected);
  });

  it('mGetProfiles reads several; searchProfiles finds the profiles using a role, and scrolls through all', async () => {
    const { kuzzle } = suite();
    for (const id of ['sdk-s1', 'sdk-s2']) await kuzzle.security.createProfile(id, { policies: [{ roleId: 'sdk-lookup' }] });
    await kuzzle.security.createProfile('sdk-s3', { policies: [{ roleId: 'sdk-self' }] });
    const read = await kuzzle.security.mGetProfiles(['sdk-s1', 'sdk-s3']);
    expect(read.map((profile: { _id: string; policies: unknown }) => [profile._id, profile.policies])).to.have.deep.members([
      ['sdk-s1', [{ roleId: 'sdk-lookup' }]],
      ['sdk-s3', [{ roleId: 'sdk-self' }]],
    ]);

    const usingLookup = await kuzzle.security.searchProfiles({ roles: ['sdk-lookup'] }, { size: 100 });
    const lookupIds = idsOf(usingLookup.hits);
    expect(lookupIds).to.include.members(['sdk-s1', 'sdk-s2']).and.not.include('sdk-s3');
    for (const profile of usingLookup.hits) expect(profile.policies.map((policy: { roleId: string }) => policy.roleId)).to.include('sdk-lookup');
    expect(usingLookup.total).to.equal(lookupIds.length);

    const all = await kuzzle.security.searchProfiles({}, { size: 100 });
    let page = await kuzzle.security.searchProfiles({}, { scroll: '10s', size: 2 });
    expect(page.hits).to.have.length(2);
    const scrolled: string[] = [];
    while (page) {
      scrolled.push(...page.hits.map((profile: { _id: string }) => profile._id));
      page = await page.next();
    }
    expect(scrolled.sort()).to.deep.equal(idsOf(all.hits));
    expect(scrolled).to.include.members(['admin', 'default', 'anonymous', 'sdk-s1', 'sdk-s2', 'sdk-s3']);
  });

  it('deleteProfile and mDeleteProfiles delete; built-in profiles and profiles users hold stay', async () => {
    const { kuzzle } = suite();
    for (const id of ['sdk-p1', 'sdk-p2', 'sdk-p3', 'sdk-held']) await kuzzle.security.createProfile(id, { policies: [{ roleId: 'sdk-self' }] });
    expect(await kuzzle.security.deleteProfile('sdk-p1')).to.deep.equal({ _id: 'sdk-p1' });
    await refusedWith(kuzzle.security.getProfile('sdk-p1'), 'security.profile.not_found', 404);
    expect([...(await kuzzle.security.mDeleteProfiles(['sdk-p2', 'sdk-p3']))].sort()).to.deep.equal(['sdk-p2', 'sdk-p3']);
    for (const id of ['sdk-p2', 'sdk-p3']) await refusedWith(kuzzle.security.getProfile(id), 'security.profile.not_found', 404);

    for (const builtIn of ['admin', 'default', 'anonymous']) await refusedWith(kuzzle.security.deleteProfile(builtIn), 'security.profile.cannot_delete', 400);
    await kuzzle.security.createUser('sdk-holder', { content: { profileIds: ['sdk-held'] }, credentials: {} });
    await refusedWith(kuzzle.security.deleteProfile('sdk-held'), 'security.profile.in_use', 412);
    expect((await kuzzle.security.getProfile('sdk-held')).policies).to.deep.equal([{ roleId: 'sdk-self' }]);
  });

  it('getProfileMapping answers Kuzzle\'s fixed profile mapping; updateProfileMapping may restate it, not change it', async () => {
    const { kuzzle } = suite();
    const { mapping } = await kuzzle.security.getProfileMapping();
    expect(mapping).to.have.deep.property('tags', { type: 'keyword' });
    expect(mapping).to.have.deep.nested.property('policies.properties.roleId', { type: 'keyword' });
    await kuzzle.security.updateProfileMapping({ properties: { tags: { type: 'keyword' } } });
    await refusedWith(kuzzle.security.updateProfileMapping({ properties: { tags: { type: 'integer' } } }), 'services.storage.cannot_change_mapping', 400);
    expect((await kuzzle.security.getProfileMapping()).mapping).to.deep.equal(mapping);
  });

  it('a user holding an API-made profile gets exactly its rights, and a role change applies at once', async () => {
    const { kuzzle, connectAs } = suite();
    await kuzzle.security.createRole('sdk-desk', { controllers: { ...LOOKUP, ...SELF } });
    await kuzzle.security.createProfile('sdk-desk', { policies: [{ roleId: 'sdk-desk' }] });
    await kuzzle.security.createUser('sdk-agent', { content: { profileIds: ['sdk-desk'] }, credentials: { local: { username: 'sdk-agent', password: 'sdk-agent-password' } } });
    const agent = await connectAs('sdk-agent', 'sdk-agent-password');

    expect((await agent.security.getUser('root'))._id).to.equal('root');
    const mine: Right[] = (await agent.auth.getMyRights()) as Right[];
    expect(mine.map(rightKey)).to.have.members((await kuzzle.security.getProfileRights('sdk-desk') as Right[]).map(rightKey));
    await refusedWith(agent.security.deleteUser('root'), 'security.rights.forbidden', 403);
    await refusedWith(agent.security.createRole('sdk-escalate', { controllers: { '*': { actions: { '*': true } } } }), 'security.rights.forbidden', 403);
    expect(await kuzzle.security.checkRights('sdk-agent', { controller: 'security', action: 'getUser' })).to.equal(true);

    await kuzzle.security.updateRole('sdk-desk', { controllers: SELF });
    await refusedWith(agent.security.getUser('root'), 'security.rights.forbidden', 403);
    expect(await kuzzle.security.checkRights('sdk-agent', { controller: 'security', action: 'getUser' })).to.equal(false);
    expect((await agent.auth.getCurrentUser())._id).to.equal('sdk-agent');
  });

  it('refuses a change that would leave nobody able to manage rights, and changes nothing', async () => {
    const { kuzzle } = suite();
    await refusedWith(kuzzle.security.updateUser('root', { profileIds: ['default'] }), 'security.rights.last_administrator', 412);
    expect((await kuzzle.security.getUser('root'))._source).to.deep.include({ profileIds: ['admin'] });
    await refusedWith(kuzzle.security.updateRole('admin', { controllers: SELF }), 'security.rights.last_administrator', 412);
    expect((await kuzzle.security.getRole('admin')).controllers).to.deep.equal({ '*': { actions: { '*': true } } });
    expect((await kuzzle.auth.getCurrentUser())._id).to.equal('root');
  });
});
