import { expect } from 'chai';
import { parseLdapCredentials, readLoginInput } from '../src/index.js';
import { thrown } from './helpers/core.js';

describe('strategy-ldap/credentials-input', () => {
  describe('#parseLdapCredentials', () => {
    it('keeps the directory login lower-cased, as the directory compares it', () => {
      expect(parseLdapCredentials({ username: 'Alice' }, false)).to.deep.equal({ username: 'alice', overrides: {} });
    });

    it('accepts the per-user overrides of Kuzzle\'s example', () => {
      const parsed = parseLdapCredentials({ username: 'najada', bindDN: 'uid=najada,ou=people,dc=example,dc=test', searchBase: 'ou=passport-ldapauth,dc=example,dc=test', searchFilter: '(uid=najada)' }, false);
      expect(parsed.overrides).to.deep.equal({ bindDN: 'uid=najada,ou=people,dc=example,dc=test', searchBase: 'ou=passport-ldapauth,dc=example,dc=test', searchFilter: '(uid=najada)' });
    });

    it('needs a username on create, one field on update, and takes null to remove an override', () => {
      expect(thrown(() => parseLdapCredentials({}, false)).id).to.equal('api.assert.missing_argument');
      expect(thrown(() => parseLdapCredentials({}, true)).id).to.equal('api.assert.missing_argument');
      expect(parseLdapCredentials({ searchBase: null }, true)).to.deep.equal({ overrides: { searchBase: null } });
      expect(thrown(() => parseLdapCredentials({ username: 'a', searchBase: null }, false)).id).to.equal('api.assert.invalid_type');
    });

    it('refuses a kuid, unknown keys (prototype keys included) and values of the wrong type', () => {
      expect(thrown(() => parseLdapCredentials({ username: 'a', kuid: 'admin' }, false)).id).to.equal('api.assert.forbidden_argument');
      expect(thrown(() => parseLdapCredentials({ username: 'a', password: 'x' }, false)).id).to.equal('api.assert.unexpected_argument');
      expect(thrown(() => parseLdapCredentials(JSON.parse('{"username":"a","__proto__":{"x":1}}'), false)).id).to.equal('api.assert.unexpected_argument');
      expect(thrown(() => parseLdapCredentials({ username: 42 }, false)).id).to.equal('api.assert.invalid_type');
      expect(thrown(() => parseLdapCredentials(null, false)).id).to.equal('api.assert.invalid_type');
    });

    it('refuses an empty or padded username, a DN that does not parse and a malformed filter', () => {
      expect(thrown(() => parseLdapCredentials({ username: '' }, false)).id).to.equal('api.assert.empty_argument');
      expect(thrown(() => parseLdapCredentials({ username: 'admin ' }, false)).id).to.equal('security.credentials.rejected');
      expect(thrown(() => parseLdapCredentials({ username: 'u'.repeat(257) }, false)).id).to.equal('security.credentials.rejected');
      expect(thrown(() => parseLdapCredentials({ username: 'a', bindDN: 'root' }, false)).id).to.equal('security.credentials.rejected');
      expect(thrown(() => parseLdapCredentials({ username: 'a', searchFilter: '(uid=a' }, false)).id).to.equal('security.credentials.rejected');
    });
  });

  describe('#readLoginInput', () => {
    it('passes non-empty strings', () => {
      expect(readLoginInput({ username: 'alice', password: ' ' })).to.deep.equal({ username: 'alice', password: ' ' });
    });

    it('refuses an empty password, missing fields, other types and oversized values', () => {
      for (const body of [{ username: 'alice', password: '' }, { username: 'alice' }, { username: '', password: 'x' }, { username: 'alice', password: ['x'] },
        { username: { $ne: '' }, password: 'x' }, { username: 'alice', password: 'p'.repeat(1025) }]) {
        expect(readLoginInput(body), JSON.stringify(body).slice(0, 60)).to.equal(null);
      }
    });
  });
});
