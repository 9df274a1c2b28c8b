import { expect } from 'chai';
import {
  createLogger, DEFAULT_PROFILES, DEFAULT_ROLES, openStorage, rightsManagerGroups, SecurityService, validateConfig, type RightsState, type Storage,
} from '../../src/index.js';
import { dropSchema, POSTGRES_URL, sleep, uniqueName } from '../storage/fixtures.js';
import { refusal } from '../support.js';

const state = (roles: RightsState['roles'], profiles: RightsState['profiles']): RightsState => ({ roles, profiles });

describe('core/security/admin-guard', () => {
  describe('#rightsManagerGroups', () => {
    it('lists, per needed action, the profiles that allow it, whatever the other actions', () => {
      const roles = new Map(DEFAULT_ROLES.map((role) => [role._id, role]));
      roles.set('half', { _id: 'half', controllers: { security: { actions: { updateUser: true } } } });
      const profiles = new Map(DEFAULT_PROFILES.map((profile) => [profile._id, profile]));
      profiles.set('support', { _id: 'support', policies: [{ roleId: 'half' }] });
      profiles.set('elsewhere', { _id: 'elsewhere', policies: [{ roleId: 'admin', restrictedTo: [{ index: 'books' }] }] });
      // A restriction to an index does not matter: these actions name none.
      expect(rightsManagerGroups(state(roles, profiles))).to.deep.equal([['admin', 'elsewhere'], ['admin', 'elsewhere'], ['admin', 'support', 'elsewhere']]);
    });
  });

  /** Two nodes on one PostgreSQL schema: the lock is what makes the second write see the first. */
  describe('#write across nodes (PostgreSQL)', () => {
    const schema = uniqueName('guard');
    let nodes: [Storage, Storage];
    let security: [SecurityService, SecurityService];

    before(async () => {
      const config = validateConfig({ database: { url: POSTGRES_URL, schema } });
      const logger = createLogger({ level: 'silent' });
      nodes = [await openStorage(config, logger), await openStorage(config, logger)];
      security = [new SecurityService(nodes[0]), new SecurityService(nodes[1])];
      for (const service of security) await service.init();
      for (const kuid of ['ann', 'bob']) await nodes[0].users.insert({ _id: kuid, content: { profileIds: ['admin'] } });
    });

    after(async () => {
      for (const service of security ?? []) service.close();
      for (const node of nodes ?? []) await node.close();
      await dropSchema(schema);
    });

    it('refuses the second of two overlapping demotions, which would otherwise both commit', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      const first = security[0].guard.write(async () => {
        await nodes[0].users.replace({ _id: 'bob', content: { profileIds: ['default'] } });
        await held;
      });
      await sleep(100);
      const second = security[1].guard.write(async () => {
        await nodes[1].users.replace({ _id: 'ann', content: { profileIds: ['default'] } });
      });
      await sleep(100);
      release();
      await first;
      expect((await refusal(second)).id).to.equal('security.rights.last_administrator');
      expect((await nodes[1].users.get('ann'))?.content.profileIds).to.deep.equal(['admin']);
      expect((await nodes[1].users.get('bob'))?.content.profileIds).to.deep.equal(['default']);
    });
  });
});
