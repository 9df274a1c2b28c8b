import { expect } from 'chai';
import { idsOf, refusedWith, rejection, ROOT, sdkSuites, type SdkClient } from '../support/sdk.js';
import { rightKey, type Right } from '../support/rights.js';

const TEAM_MAPPING = { properties: { team: { type: 'keyword' }, rank: { type: 'integer' } } };
const BLUE = ['sdk-blue-1', 'sdk-blue-2', 'sdk-blue-3', 'sdk-blue-4', 'sdk-blue-5'];
const RED = ['sdk-red-1', 'sdk-red-2'];

/** Every page of a search, by following the SDK's `next()` (from/size, or scrollUsers with `scroll`). */
async function allPages(first: { hits: Array<{ _id: string }>; next(): Promise<unknown> }): Promise<string[]> {
  const ids: string[] = [];
  let page: typeof first | null = first;
  while (page) {
    ids.push(...page.hits.map((hit) => hit._id));
    page = (await page.next()) as typeof first | null;
  }
  return ids;
}

/** kuzzle.security's user and credential methods, driven by the Kuzzle SDK 7. */
sdkSuites('e2e: users through the Kuzzle SDK 7', (suite) => {
  before(async () => {
    const { kuzzle } = suite();
    await kuzzle.security.updateUserMapping(TEAM_MAPPING);
    for (const [team, ids] of [['blue', BLUE], ['red', RED]] as const) {
      for (const [index, id] of ids.entries()) {
        await kuzzle.security.createUser(id, { content: { profileIds: ['default'], team, rank: index + 1 } });
      }
    }
  });

  it('createFirstAdmin made the administrator (adminExists says so); a second one is refused', async () => {
    const { kuzzle, firstAdmin } = suite();
    expect(firstAdmin).to.deep.include({ _id: 'root' });
    expect(firstAdmin._source).to.deep.include({ profileIds: ['admin'], name: 'Root' });
    expect(await kuzzle.server.adminExists({})).to.equal(true);
    await refusedWith(kuzzle.security.createFirstAdmin('root2', { content: {}, credentials: { local: { username: 'root2', password: 'root2-password-long' } } }), 'api.process.admin_exists', 412);
  });

  it('createUser, getUser, updateUser, replaceUser, deleteUser: a user is written and read back', async () => {
    const { kuzzle, connectAs } = suite();
    const created = await kuzzle.security.createUser('sdk-walter', { content: { profileIds: ['default'], name: 'Walter', team: 'green' }, credentials: { local: { username: 'walter', password: 'walter-password-1' } } });
    expect(created._id).to.equal('sdk-walter');
    expect(created._source).to.deep.include({ profileIds: ['default'], name: 'Walter', team: 'green' });
    expect((await kuzzle.security.getUser('sdk-walter'))._source).to.deep.include({ name: 'Walter' });

    const updated = await kuzzle.security.updateUser('sdk-walter', { name: 'Walter White' });
    expect(updated._source).to.deep.include({ profileIds: ['default'], name: 'Walter White', team: 'green' });

    const replaced = await kuzzle.security.replaceUser('sdk-walter', { profileIds: ['default'], name: 'W.' });
    expect(replaced._source).to.deep.include({ profileIds: ['default'], name: 'W.' });
    expect((await kuzzle.security.getUser('sdk-walter'))._source).to.not.have.property('team');
    await refusedWith(kuzzle.security.replaceUser('sdk-nobody', { profileIds: ['default'] }), 'security.user.not_found', 404);
    expect((await (await connectAs('walter', 'walter-password-1')).auth.getCurrentUser())._id).to.equal('sdk-walter');

    expect(await kuzzle.security.deleteUser('sdk-walter')).to.deep.equal({ _id: 'sdk-walter' });
    await refusedWith(kuzzle.security.getUser('sdk-walter'), 'security.user.not_found', 404);
  });

  it('createRestrictedUser gives the restricted profiles, never chosen ones', async () => {
    const { kuzzle } = suite();
    const user = await kuzzle.security.createRestrictedUser({ content: { name: 'Signup' }, credentials: { local: { username: 'signup', password: 'signup-password-1' } } }, 'sdk-signup');
    expect(user._id).to.equal('sdk-signup');
    expect(user._source).to.deep.include({ profileIds: ['default'], name: 'Signup' });
    await refusedWith(kuzzle.security.createRestrictedUser({ content: { profileIds: ['admin'] }, credentials: {} }, 'sdk-climber'), 'api.assert.forbidden_argument', 400);
  });

  it('mGetUsers reads several users; mDeleteUsers deletes several', async () => {
    const { kuzzle } = suite();
    for (const id of ['sdk-m1', 'sdk-m2', 'sdk-m3']) await kuzzle.security.createUser(id, { content: { profileIds: ['default'], name: id } });
    const read = await kuzzle.security.mGetUsers(['sdk-m1', 'sdk-m3']);
    expect(read.map((user: { _id: string; _source: { name: string } }) => [user._id, user._source.name])).to.have.deep.members([['sdk-m1', 'sdk-m1'], ['sdk-m3', 'sdk-m3']]);
    expect([...(await kuzzle.security.mDeleteUsers(['sdk-m1', 'sdk-m2']))].sort()).to.deep.equal(['sdk-m1', 'sdk-m2']);
    for (const id of ['sdk-m1', 'sdk-m2']) await refusedWith(kuzzle.security.getUser(id), 'security.user.not_found', 404);
    expect((await kuzzle.security.getUser('sdk-m3'))._id).to.equal('sdk-m3');
  });

  it('searchUsers finds exactly the users seeded, page by page and by scroll (scrollUsers)', async () => {
    const { kuzzle } = suite();
    const byTeam = { query: { term: { team: 'blue' } } };
    const first = await kuzzle.security.searchUsers(byTeam, { size: 2 });
    expect(first.total).to.equal(BLUE.length);
    expect(first.hits).to.have.length(2);
    expect((await allPages(first)).sort()).to.deep.equal(BLUE);
    const scrolled = await kuzzle.security.searchUsers(byTeam, { size: 2, scroll: '10s' });
    expect((await allPages(scrolled)).sort()).to.deep.equal(BLUE);

    const topRanked = await kuzzle.security.searchUsers({ query: { bool: { filter: [{ term: { team: 'blue' } }, { range: { rank: { gte: 3 } } }] } }, sort: [{ rank: 'desc' }] }, { size: 10 });
    expect(topRanked.hits.map((user: { _id: string }) => user._id)).to.deep.equal(['sdk-blue-5', 'sdk-blue-4', 'sdk-blue-3']);
    const notBlue = await kuzzle.security.searchUsers({ query: { bool: { must: [{ exists: { field: 'team' } }], must_not: [{ term: { team: 'blue' } }] } } }, { size: 10 });
    expect(idsOf(notBlue.hits)).to.deep.equal(RED);
    // A field outside the mapping is refused, never answered with a silent empty result.
    const refused = await rejection(kuzzle.security.searchUsers({ query: { term: { notMapped: 'x' } } }));
    expect(refused.status).to.equal(400);
    expect(refused.message).to.include('notMapped');
  });

  it('getUserMapping reflects updateUserMapping', async () => {
    const { kuzzle } = suite();
    const { mapping } = await kuzzle.security.getUserMapping();
    expect(mapping).to.have.deep.property('team', { type: 'keyword' });
    expect(mapping).to.have.deep.property('rank', { type: 'integer' });
    expect(mapping).to.have.property('profileIds');
  });

  it('getUserRights lists what the user\'s profiles allow; checkRights answers for one action', async () => {
    const { kuzzle } = suite();
    const rights: Right[] = await kuzzle.security.getUserRights('sdk-red-1');
    const profileRights: Right[] = await kuzzle.security.getProfileRights('default');
    expect(rights.map(rightKey)).to.have.members(profileRights.map(rightKey));
    expect(rights.map(rightKey)).to.include('auth:getMyRights:*:*:allowed');
    expect(await kuzzle.security.checkRights('sdk-red-1', { controller: 'auth', action: 'getMyRights' })).to.equal(true);
    expect(await kuzzle.security.checkRights('sdk-red-1', { controller: 'security', action: 'getUser' })).to.equal(false);
    await refusedWith(kuzzle.security.getUserRights('sdk-nobody'), 'security.user.not_found', 404);
  });

  it('creates, reads, validates, updates and deletes local credentials', async () => {
    const { kuzzle, connectAs } = suite();
    expect(await kuzzle.security.getAllCredentialFields()).to.deep.equal({ local: ['username', 'password'] });
    expect(await kuzzle.security.getCredentialFields('local')).to.deep.equal(['username', 'password']);
    expect(await kuzzle.security.hasCredentials('local', 'sdk-red-2')).to.equal(false);
    expect(await kuzzle.security.validateCredentials('local', 'sdk-red-2', { username: 'red-two', password: 'red-two-password' })).to.equal(true);
    expect(await kuzzle.security.createCredentials('local', 'sdk-red-2', { username: 'red-two', password: 'red-two-password' })).to.deep.equal({ username: 'red-two', kuid: 'sdk-red-2' });
    expect(await kuzzle.security.hasCredentials('local', 'sdk-red-2')).to.equal(true);
    expect(await kuzzle.security.getCredentials('local', 'sdk-red-2')).to.deep.equal({ username: 'red-two', kuid: 'sdk-red-2' });
    expect(await kuzzle.security.getCredentialsById('local', 'red-two')).to.deep.equal({ username: 'red-two', kuid: 'sdk-red-2' });
    expect(await kuzzle.security.getUserStrategies('sdk-red-2')).to.deep.equal(['local']);
    const red: SdkClient = await connectAs('red-two', 'red-two-password');
    expect((await red.auth.getCurrentUser())._id).to.equal('sdk-red-2');

    await kuzzle.security.updateCredentials('local', 'sdk-red-2', { password: 'red-two-new-password' });
    expect((await (await connectAs('red-two', 'red-two-new-password')).auth.getCurrentUser())._id).to.equal('sdk-red-2');
    expect(await kuzzle.security.deleteCredentials('local', 'sdk-red-2')).to.deep.equal({ acknowledged: true });
    expect(await kuzzle.security.getUserStrategies('sdk-red-2')).to.deep.equal([]);
    expect(await kuzzle.security.hasCredentials('local', ROOT.username)).to.equal(true);
  });
});
