import { expect } from 'chai';
import { validateProfile } from '../../src/index.js';
import { thrown } from '../support.js';

describe('core/security/profile-validation', () => {
  describe('#validateProfile', () => {
    const checks = { roleExists: (id: string) => id !== 'ghost', strict: false };

    it('returns the profile with rateLimit 0 when absent', () => {
      const policies = [{ roleId: 'r', restrictedTo: [{ index: 'i', collections: ['c'] }, { index: 'j' }] }];
      expect(validateProfile('p', { policies }, checks)).to.deep.equal({ _id: 'p', policies, rateLimit: 0 });
    });

    it('refuses what Kuzzle refuses, and unknown roles', () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{}, 'api.assert.missing_argument'],
        [{ policies: {} }, 'api.assert.invalid_type'],
        [{ policies: [] }, 'api.assert.empty_argument'],
        [{ policies: [{}] }, 'api.assert.missing_argument'],
        [{ policies: [{ roleId: 3 }] }, 'api.assert.invalid_type'],
        [{ policies: [{ roleId: 'ghost' }] }, 'security.role.not_found'],
        [{ policies: [{ roleId: 'r', restrictedTo: {} }] }, 'api.assert.invalid_type'],
        [{ policies: [{ roleId: 'r', restrictedTo: [{ index: 'i', extra: 1 }] }] }, 'api.assert.unexpected_argument'],
        [{ policies: [{ roleId: 'r', restrictedTo: [{ index: 'i', collections: [1] }] }] }, 'api.assert.invalid_type'],
        [{ policies: [{ roleId: 'r' }], rateLimit: '5' }, 'api.assert.invalid_type'],
        [{ policies: [{ roleId: 'r' }], rateLimit: -2 }, 'api.assert.invalid_argument'],
        [{ policies: [{ roleId: 'r' }], other: true }, 'api.assert.unexpected_argument'],
      ];
      for (const [body, id] of cases) expect(thrown(() => validateProfile('p', body, checks)).id, JSON.stringify(body)).to.equal(id);
    });

    it('refuses every restriction under strict (no data index exists), and the anonymous profile without its role', () => {
      expect(thrown(() => validateProfile('p', { policies: [{ roleId: 'r', restrictedTo: [{ index: 'i' }] }] }, { ...checks, strict: true })).id).to.equal('services.storage.unknown_index');
      expect(validateProfile('p', { policies: [{ roleId: 'r' }] }, { ...checks, strict: true }).policies).to.deep.equal([{ roleId: 'r' }]);
      expect(thrown(() => validateProfile('anonymous', { policies: [{ roleId: 'r' }] }, checks)).id).to.equal('security.profile.missing_anonymous_role');
    });
  });
});
