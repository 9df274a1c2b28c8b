import { expect } from 'chai';
import { validateRole, type ActionCatalogue } from '../../src/index.js';
import { thrown } from '../support.js';

const catalogue: ActionCatalogue = new Map([
  ['auth', new Set(['login', 'logout'])],
  ['security', new Set(['getUser', 'createOrReplaceRole'])],
]);

describe('core/security/role-validation', () => {
  describe('#validateRole', () => {
    it('returns the role to store, for served controllers and actions and "*"', () => {
      const controllers = { auth: { actions: { login: true, '*': false } }, '*': { actions: { '*': true } } };
      expect(validateRole('r', { controllers, _kuzzle_info: { author: 'x' } }, catalogue, false)).to.deep.equal({ _id: 'r', controllers });
    });

    it('refuses malformed definitions with Kuzzle\'s api.assert ids, naming the place', () => {
      const cases: Array<[unknown, string, string[]]> = [
        [undefined, 'api.assert.missing_argument', ['r.controllers']],
        ['auth', 'api.assert.invalid_type', ['r.controllers', 'object']],
        [{}, 'api.assert.empty_argument', ['r.controllers']],
        [{ auth: true }, 'api.assert.invalid_type', ['auth', 'object']],
        [{ auth: { actions: [] } }, 'api.assert.invalid_type', ['auth.actions', 'object']],
        [{ auth: { actions: { login: 1 } } }, 'api.assert.invalid_type', ['auth.actions.login', 'boolean']],
        [{ auth: { actions: { login: true }, other: 1 } }, 'api.assert.unexpected_argument', ['auth.other', '"actions"']],
      ];
      for (const [controllers, id, props] of cases) {
        const error = thrown(() => validateRole('r', controllers === undefined ? {} : { controllers }, catalogue, false));
        expect([error.id, error.props]).to.deep.equal([id, props]);
      }
    });

    it('names only served actions, and takes only "*" under "*", force or not', () => {
      for (const force of [false, true]) {
        expect(thrown(() => validateRole('r', { controllers: { auth: { actions: { fly: true } } } }, catalogue, force)).props).to.deep.equal(['r', 'fly', 'auth']);
        expect(thrown(() => validateRole('r', { controllers: { '*': { actions: { login: true } } } }, catalogue, force)).id).to.equal('security.role.unknown_action');
      }
    });

    it('refuses a controller the node does not serve unless forced', () => {
      const controllers = { 'plugin/ctrl': { actions: { anything: true } } };
      expect(thrown(() => validateRole('r', { controllers }, catalogue, false)).id).to.equal('security.role.unknown_controller');
      expect(validateRole('r', { controllers }, catalogue, true).controllers).to.deep.equal(controllers);
    });

    it('keeps a forced "__proto__" controller a plain key', () => {
      const controllers = JSON.parse('{"__proto__":{"actions":{"x":true}}}') as Record<string, unknown>;
      const role = validateRole('r', { controllers }, catalogue, true);
      expect(Object.keys(role.controllers)).to.deep.equal(['__proto__']);
      expect(Object.getPrototypeOf(role.controllers)).to.equal(Object.prototype);
    });

    it('keeps auth:login in the anonymous role, as the rights evaluate it', () => {
      expect(thrown(() => validateRole('anonymous', { controllers: { auth: { actions: { logout: true } } } }, catalogue, false)).id).to.equal('security.role.login_required');
      // A listed controller never falls back to "*": "*" allowing login does not help here.
      const shadowed = { auth: { actions: { logout: true } }, '*': { actions: { '*': true } } };
      expect(thrown(() => validateRole('anonymous', { controllers: shadowed }, catalogue, false)).id).to.equal('security.role.login_required');
      expect(validateRole('anonymous', { controllers: { '*': { actions: { '*': true } } } }, catalogue, false)._id).to.equal('anonymous');
    });
  });
});
