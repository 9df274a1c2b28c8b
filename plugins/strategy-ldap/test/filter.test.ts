import { expect } from 'chai';
import { classifyDirectoryError, escapeFilterValue, fillFilter, isDistinguishedName, isFilterTemplate } from '../src/index.js';

describe('strategy-ldap/filter', () => {
  describe('#escapeFilterValue', () => {
    it('escapes RFC 4515 specials once, the backslash included, and the braces of placeholders', () => {
      expect(escapeFilterValue('*')).to.equal('\\2a');
      expect(escapeFilterValue('admin*')).to.equal('admin\\2a');
      expect(escapeFilterValue('*)(uid=*')).to.equal('\\2a\\29\\28uid=\\2a');
      expect(escapeFilterValue('x)(|(uid=*')).to.equal('x\\29\\28|\\28uid=\\2a');
      expect(escapeFilterValue('back\\slash')).to.equal('back\\5cslash');
      expect(escapeFilterValue('nul\0')).to.equal('nul\\00');
      expect(escapeFilterValue('{{dn}}')).to.equal('\\7b\\7bdn\\7d\\7d');
    });

    it('leaves other characters, non-ASCII included, as they are', () => {
      expect(escapeFilterValue('Zoë O\'Brien-Smith@example.com')).to.equal('Zoë O\'Brien-Smith@example.com');
    });
  });

  describe('#fillFilter', () => {
    it('fills every placeholder in one pass, escaped', () => {
      expect(fillFilter('(&(uid={{username}})(|(mail={{username}})(member={{dn}})))', { username: 'a*', dn: 'cn=x(1)' }))
        .to.equal('(&(uid=a\\2a)(|(mail=a\\2a)(member=cn=x\\281\\29)))');
      expect(fillFilter('(uid={{username}})', { username: '{{username}}' })).to.equal('(uid=\\7b\\7busername\\7d\\7d)');
    });
  });

  describe('#isFilterTemplate', () => {
    it('accepts one well-formed filter with known placeholders', () => {
      expect(isFilterTemplate('(uid={{username}})', ['username'])).to.equal(true);
      expect(isFilterTemplate('(&(objectClass=group)(member={{dn}}))', ['dn', 'username'])).to.equal(true);
    });

    it('refuses malformed filters, two filters, and unknown placeholders', () => {
      for (const filter of ['uid={{username}}', '(uid={{username}}', '(uid=a)(uid=b)', '(uid={{user}})', '((uid=a)', '']) {
        expect(isFilterTemplate(filter, ['username']), filter).to.equal(false);
      }
      expect(isFilterTemplate('(member={{dn}})', ['username'])).to.equal(false);
    });
  });

  describe('#isDistinguishedName', () => {
    it('tells DNs from other text', () => {
      expect(isDistinguishedName('uid=alice,ou=people,dc=example,dc=test')).to.equal(true);
      expect(isDistinguishedName('not a dn')).to.equal(false);
      expect(isDistinguishedName('')).to.equal(false);
    });
  });
});

describe('strategy-ldap/directory-errors', () => {
  describe('#classifyDirectoryError', () => {
    it('calls refused, reset, timed out, busy and TLS failures unavailable', () => {
      const errors = [
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:389'), { code: 'ECONNREFUSED' }),
        Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
        Object.assign(new Error('request timeout (client interrupt)'), { name: 'TimeoutError' }),
        Object.assign(new Error('connection timeout'), { name: 'ConnectionError' }),
        Object.assign(new Error('busy'), { name: 'BusyError' }),
        Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      ];
      for (const error of errors) expect(classifyDirectoryError(error), error.message).to.equal('unavailable');
      expect(classifyDirectoryError(new Error('connection closed'))).to.equal('unavailable');
    });

    it('calls several matches ambiguous and anything else a fault', () => {
      expect(classifyDirectoryError('unexpected number of matches (2) for "a*" username')).to.equal('ambiguous');
      expect(classifyDirectoryError(Object.assign(new Error('Insufficient Access'), { name: 'InsufficientAccessRightsError' }))).to.equal('fault');
      expect(classifyDirectoryError(undefined)).to.equal('fault');
    });
  });
});
