import { expect } from 'chai';
import { dnKey, entryKeyOf } from '../src/index.js';

describe('strategy-ldap/entry-key', () => {
  describe('#dnKey', () => {
    it('gives one key to one DN however it is spaced or cased', () => {
      expect(dnKey('UID=Alice , OU=People,dc=example,dc=test')).to.equal(dnKey('uid=alice,ou=people,dc=example,dc=test'));
      expect(dnKey('uid=alice,ou=people,dc=example,dc=test')).not.to.equal(dnKey('uid=alice,ou=contractors,dc=example,dc=test'));
      expect(dnKey('not a DN')).to.equal(null);
    });
  });

  describe('#entryKeyOf', () => {
    const dn = 'uid=alice,ou=people,dc=example,dc=test';

    it('keys by DN when no attribute is configured', () => {
      expect(entryKeyOf({ dn, uid: 'alice' }, undefined)).to.equal(dnKey(dn));
    });

    it('keys by a text attribute (entryUUID), whatever the case of its name and value', () => {
      const uuid = '4C7FB2C6-802B-1041-818C-B97035795E39';
      expect(entryKeyOf({ dn, entryuuid: uuid }, 'entryUUID')).to.equal(`entryuuid:${uuid.toLowerCase()}`);
    });

    it('keys by the raw bytes of a binary attribute (objectGUID), never its garbled text', () => {
      const guid = Buffer.from('c1f0a2ffee00112233445566778899aa', 'hex');
      const other = Buffer.from('c1f0a2ffee00112233445566778899ab', 'hex');
      const entry = (value: Buffer) => ({ dn, objectGUID: value.toString('utf8'), _raw: { objectGUID: value } });
      expect(entryKeyOf(entry(guid), 'objectGUID')).to.equal(`objectguid:0x${guid.toString('hex')}`);
      expect(entryKeyOf(entry(guid), 'objectGUID')).not.to.equal(entryKeyOf(entry(other), 'objectGUID'));
    });

    it('has no key for an entry without the attribute, or with several values of it', () => {
      expect(entryKeyOf({ dn }, 'entryUUID')).to.equal(null);
      expect(entryKeyOf({ dn, entryUUID: ['a', 'b'] }, 'entryUUID')).to.equal(null);
    });
  });
});
