import { expect } from 'chai';
import { describeRights, isAllowed, roleAllows, type Profile, type Role } from '../../src/index.js';

const role = (id: string, controllers: Role['controllers']): Role => ({ _id: id, controllers });

describe('core/security/rights', () => {
  describe('#roleAllows', () => {
    it('allows an exact controller and action set to true', () => {
      expect(roleAllows(role('r', { auth: { actions: { login: true } } }), 'auth', 'login')).to.equal(true);
    });

    it('falls back to the "*" action within a listed controller', () => {
      expect(roleAllows(role('r', { auth: { actions: { '*': true } } }), 'auth', 'logout')).to.equal(true);
    });

    it('falls back to the "*" controller when the controller is not listed', () => {
      expect(roleAllows(role('r', { '*': { actions: { '*': true } } }), 'security', 'getUser')).to.equal(true);
    });

    it('never falls back from a listed controller to "*"', () => {
      const r = role('r', { auth: { actions: { login: true } }, '*': { actions: { '*': true } } });
      expect(roleAllows(r, 'auth', 'logout')).to.equal(false);
      expect(roleAllows(r, 'security', 'getUser')).to.equal(true);
    });

    it('prefers an exact action over "*" and allows only a literal true', () => {
      expect(roleAllows(role('r', { auth: { actions: { '*': true, logout: false } } }), 'auth', 'logout')).to.equal(false);
      expect(roleAllows(role('r', { auth: { actions: { login: 'true' as unknown as boolean } } }), 'auth', 'login')).to.equal(false);
    });

    it('has no partial globs', () => {
      expect(roleAllows(role('r', { auth: { actions: { 'log*': true } } }), 'auth', 'login')).to.equal(false);
    });

    it('is not fooled by inherited keys', () => {
      expect(roleAllows(role('r', {}), 'constructor', 'toString')).to.equal(false);
      expect(roleAllows(role('r', { auth: { actions: {} } }), 'auth', 'constructor')).to.equal(false);
    });
  });

  describe('#isAllowed', () => {
    const roles = new Map<string, Role>([
      ['reader', role('reader', { auth: { actions: { getCurrentUser: true } } })],
      ['writer', role('writer', { document: { actions: { create: true } } })],
    ]);

    it('allows when any policy of any profile allows', () => {
      const profiles: Profile[] = [{ _id: 'a', policies: [{ roleId: 'reader' }] }, { _id: 'b', policies: [{ roleId: 'writer' }] }];
      expect(isAllowed(profiles, roles, { controller: 'document', action: 'create' })).to.equal(true);
      expect(isAllowed(profiles, roles, { controller: 'document', action: 'delete' })).to.equal(false);
    });

    it('denies without profiles or with unknown roles', () => {
      expect(isAllowed([], roles, { controller: 'auth', action: 'getCurrentUser' })).to.equal(false);
      expect(isAllowed([{ _id: 'x', policies: [{ roleId: 'ghost' }] }], roles, { controller: 'auth', action: 'getCurrentUser' })).to.equal(false);
    });

    it('applies restrictedTo only to requests that name an index', () => {
      const profiles: Profile[] = [{ _id: 'p', policies: [{ roleId: 'writer', restrictedTo: [{ index: 'shop', collections: ['orders'] }] }] }];
      expect(isAllowed(profiles, roles, { controller: 'document', action: 'create' })).to.equal(true);
      expect(isAllowed(profiles, roles, { controller: 'document', action: 'create', index: 'shop', collection: 'orders' })).to.equal(true);
      expect(isAllowed(profiles, roles, { controller: 'document', action: 'create', index: 'shop', collection: 'users' })).to.equal(false);
      expect(isAllowed(profiles, roles, { controller: 'document', action: 'create', index: 'blog' })).to.equal(false);
    });
  });

  describe('#describeRights', () => {
    it('lists each right once, allowed winning over denied', () => {
      const roles = new Map<string, Role>([
        ['no', role('no', { auth: { actions: { logout: false } } })],
        ['yes', role('yes', { auth: { actions: { logout: true } } })],
      ]);
      const hits = describeRights([{ _id: 'p', policies: [{ roleId: 'no' }, { roleId: 'yes' }] }], roles);
      expect(hits).to.deep.equal([{ controller: 'auth', action: 'logout', index: '*', collection: '*', value: 'allowed' }]);
    });
  });
});
