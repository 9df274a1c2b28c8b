import { expect } from 'chai';
import { assertSelfEditable, fieldsRefusedToSelf } from '../../src/index.js';
import { thrown } from '../support.js';

describe('core/strategies/self-service', () => {
  const local = { name: 'local', fields: ['username', 'password'], selfEditableFields: ['username', 'password', 'currentPassword'] };
  const directory = { name: 'ldap', fields: ['username', 'bindDN'], selfEditableFields: [] };
  const kuzzleLike = { name: 'legacy', fields: ['username', 'password'] };

  describe('#fieldsRefusedToSelf', () => {
    it('refuses nothing a strategy declares, even a field outside `fields` (currentPassword)', () => {
      expect(fieldsRefusedToSelf(local, { password: 'x', currentPassword: 'y' })).to.deep.equal([]);
    });

    it('refuses the fields a strategy keeps for administrators', () => {
      expect(fieldsRefusedToSelf({ ...local, selfEditableFields: ['password'] }, { username: 'eve', password: 'x' })).to.deep.equal(['username']);
    });

    it('refuses every field, or every field of the strategy when none is sent, when self-service is declared empty', () => {
      expect(fieldsRefusedToSelf(directory, { username: 'bob' })).to.deep.equal(['username']);
      expect(fieldsRefusedToSelf(directory, {})).to.deep.equal(['username', 'bindDN']);
    });

    it('refuses nothing when the strategy declares nothing (Kuzzle\'s behaviour)', () => {
      expect(fieldsRefusedToSelf(kuzzleLike, { username: 'eve', anything: 1 })).to.deep.equal([]);
    });
  });

  describe('#assertSelfEditable', () => {
    it('throws security.credentials.self_service_forbidden (403) naming the strategy and the fields', () => {
      const error = thrown(() => assertSelfEditable(directory, { username: 'bob', bindDN: 'uid=bob' }));
      expect(error.id).to.equal('security.credentials.self_service_forbidden');
      expect(error.status).to.equal(403);
      expect(error.message).to.equal('The strategy "ldap" does not let users set "username", "bindDN" about themselves: an administrator must.');
    });

    it('names a few fields only, bounded and without control characters', () => {
      const body = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`f${index}\u0007${'x'.repeat(200)}`, 1]));
      const error = thrown(() => assertSelfEditable(directory, body));
      expect(error.message.length).to.be.below(500);
      expect(error.message).not.to.include('\u0007');
    });

    it('lets a request through when every field is self-editable', () => {
      assertSelfEditable(local, { password: 'x', currentPassword: 'y' });
    });
  });
});
