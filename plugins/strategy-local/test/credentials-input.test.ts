import { expect } from 'chai';
import { parseLocalCredentials, parseLocalStrategyConfig } from '../src/index.js';
import { expectPortcullisError } from './helpers/errors.js';

const limits = parseLocalStrategyConfig({}, 'local');

describe('strategy-local/credentials-input', () => {
  describe('#parseLocalCredentials', () => {
    it('returns the username and the password unchanged (no trimming inside, no case folding)', () => {
      expect(parseLocalCredentials({ username: 'Ada Lovelace', password: 'Correct Horse ' }, limits, false))
        .to.deep.equal({ username: 'Ada Lovelace', password: 'Correct Horse ' });
    });

    it('needs both fields on create', () => {
      expectPortcullisError(() => parseLocalCredentials({ username: 'ada' }, limits, false), 'api.assert.missing_argument');
      expectPortcullisError(() => parseLocalCredentials({ password: 'long enough' }, limits, false), 'api.assert.missing_argument');
      expectPortcullisError(() => parseLocalCredentials({}, limits, false), 'api.assert.missing_argument');
    });

    it('needs one field on update', () => {
      expect(parseLocalCredentials({ username: 'ada' }, limits, true)).to.deep.equal({ username: 'ada' });
      expect(parseLocalCredentials({ password: 'long enough' }, limits, true)).to.deep.equal({ password: 'long enough' });
      const error = expectPortcullisError(() => parseLocalCredentials({}, limits, true), 'api.assert.missing_argument');
      expect(error.message).to.include('username or password');
    });

    it('refuses a kuid key', () => {
      expectPortcullisError(() => parseLocalCredentials({ username: 'ada', password: 'long enough', kuid: 'admin' }, limits, false), 'api.assert.forbidden_argument');
    });

    it('refuses any other key, __proto__ included, naming the accepted ones', () => {
      const error = expectPortcullisError(() => parseLocalCredentials({ username: 'ada', password: 'long enough', role: 'admin' }, limits, false), 'api.assert.unexpected_argument');
      expect(error.message).to.equal('Unexpected argument "role" (accepted arguments: username, password)');
      const polluted = JSON.parse('{"username":"ada","password":"long enough","__proto__":{"admin":true}}') as Record<string, unknown>;
      expectPortcullisError(() => parseLocalCredentials(polluted, limits, false), 'api.assert.unexpected_argument');
    });

    it('refuses values that are not strings, and credentials that are not an object', () => {
      expectPortcullisError(() => parseLocalCredentials({ username: 42, password: 'long enough' }, limits, false), 'api.assert.invalid_type');
      expectPortcullisError(() => parseLocalCredentials({ username: 'ada', password: ['long enough'] }, limits, false), 'api.assert.invalid_type');
      expectPortcullisError(() => parseLocalCredentials(null, limits, false), 'api.assert.invalid_type');
      expectPortcullisError(() => parseLocalCredentials([], limits, false), 'api.assert.invalid_type');
    });

    it('refuses an empty username, and one with surrounding spaces rather than trimming it', () => {
      expectPortcullisError(() => parseLocalCredentials({ username: '' }, limits, true), 'api.assert.empty_argument');
      const error = expectPortcullisError(() => parseLocalCredentials({ username: 'admin ' }, limits, true), 'security.credentials.rejected');
      expect(error.message).to.include('spaces');
    });

    it('refuses a password shorter than minPasswordLength, saying the bound', () => {
      const error = expectPortcullisError(() => parseLocalCredentials({ password: '1234567' }, limits, true), 'security.credentials.rejected');
      expect(error.message).to.equal('Credentials rejected: the password must be at least 8 characters long');
      expect(error.status).to.equal(400);
    });

    it('accepts 64 and 128 characters, and refuses 129 saying the bound', () => {
      parseLocalCredentials({ password: 'p'.repeat(64) }, limits, true);
      parseLocalCredentials({ password: 'p'.repeat(128) }, limits, true);
      const error = expectPortcullisError(() => parseLocalCredentials({ password: 'p'.repeat(129) }, limits, true), 'security.credentials.rejected');
      expect(error.message).to.include('at most 128 characters');
    });

    it('counts characters as code points: 128 emoji pass, a huge string is refused', () => {
      parseLocalCredentials({ password: '🔑'.repeat(128) }, limits, true);
      expectPortcullisError(() => parseLocalCredentials({ password: '🔑'.repeat(129) }, limits, true), 'security.credentials.rejected');
      expectPortcullisError(() => parseLocalCredentials({ password: 'x'.repeat(10_000_000) }, limits, true), 'security.credentials.rejected');
    });

    it('refuses a username longer than maxUsernameLength', () => {
      expectPortcullisError(() => parseLocalCredentials({ username: 'u'.repeat(256) }, limits, true), 'security.credentials.rejected');
    });

    it('never echoes a refused password in the message', () => {
      const password = 'secret-but-too-long-'.repeat(10);
      const error = expectPortcullisError(() => parseLocalCredentials({ username: 'ada', password }, limits, false), 'security.credentials.rejected');
      expect(error.message).not.to.include('secret-but');
      expect(error.props.join(' ')).not.to.include('secret-but');
    });
  });
});
