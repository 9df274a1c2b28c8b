import { expect } from 'chai';
import { credentialFingerprint, loginKey } from '../../src/credentials/login-key.js';
import { assertNoCollision } from '../../src/storage/sql/canonical-logins.js';

/** Every invisible character the operators' guide names, one per entry. */
const INVISIBLE = {
  'zero-width space': '\u200B', 'zero-width non-joiner': '\u200C', 'zero-width joiner': '\u200D', 'word joiner': '\u2060',
  'byte-order mark': '\uFEFF', 'soft hyphen': '\u00AD', 'left-to-right mark': '\u200E', 'right-to-left mark': '\u200F',
  'left-to-right embedding': '\u202A', 'right-to-left embedding': '\u202B', 'pop directional formatting': '\u202C',
  'left-to-right override': '\u202D', 'right-to-left override': '\u202E', 'left-to-right isolate': '\u2066',
  'right-to-left isolate': '\u2067', 'first strong isolate': '\u2068', 'pop directional isolate': '\u2069',
  'Hangul filler': '\u3164', 'combining grapheme joiner': '\u034F', 'variation selector 16': '\uFE0F',
};

describe('core/credentials/login-key', () => {
  describe('#loginKey', () => {
    it('folds case, including the letters whose case mapping is not one to one', () => {
      expect(loginKey('Alice')).to.equal(loginKey('ALICE')).and.to.equal('alice');
      expect(loginKey('straße')).to.equal(loginKey('STRASSE'));
      expect(loginKey('ΟΔΥΣΣΕΥΣ')).to.equal(loginKey('οδυσσευς')).and.to.equal(loginKey('οδυσσευσ'));
      expect(loginKey('İstanbul')).to.equal(loginKey('i\u0307stanbul'));
    });

    it('folds widths and compatibility forms (NFKC)', () => {
      expect(loginKey('ＡＬＩＣＥ')).to.equal('alice');
      expect(loginKey('ﬁnn')).to.equal('finn');
      expect(loginKey('ｶﾀｶﾅ')).to.equal(loginKey('カタカナ'));
      expect(loginKey('x²')).to.equal('x2');
      // Composed and decomposed forms of one letter are one letter.
      expect(loginKey('jos\u00e9')).to.equal(loginKey('jose\u0301'));
    });

    for (const [name, character] of Object.entries(INVISIBLE)) {
      it(`drops the ${name} (U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`, () => {
        expect(loginKey(`ad${character}min`)).to.equal('admin');
        expect(loginKey(`${character}admin${character}`)).to.equal('admin');
      });
    }

    it('keeps what a person can see apart: other letters, digits, punctuation and spaces', () => {
      expect(loginKey('alice')).to.not.equal(loginKey('alice1'));
      expect(loginKey('a.lice')).to.not.equal(loginKey('alice'));
      expect(loginKey('al ice')).to.not.equal(loginKey('alice'));
      // Lookalikes from other scripts are other letters (Cyrillic "а" is not Latin "a").
      expect(loginKey('\u0430lice')).to.not.equal(loginKey('alice'));
    });

    it('is "" for a login made only of invisible characters', () => {
      expect(loginKey('\u200B\u200D\uFEFF')).to.equal('');
    });

    it('is stable: the key of a key is itself', () => {
      for (const login of ['ＡＬＩＣＥ', 'Straße', 'İ', 'ﬁ\u200Bnn', 'ΟΔΥΣΣΕΥΣ']) expect(loginKey(loginKey(login))).to.equal(loginKey(login));
    });
  });

  describe('#credentialFingerprint', () => {
    it('is the same for the same login and data, and changes with either', () => {
      const record = { login: 'alice', data: { hash: '$argon2id$a', passwordUpdatedAt: 1 } };
      expect(credentialFingerprint(record)).to.equal(credentialFingerprint(structuredClone(record)));
      expect(credentialFingerprint({ ...record, data: { ...record.data, hash: '$argon2id$b' } })).to.not.equal(credentialFingerprint(record));
      expect(credentialFingerprint({ ...record, login: 'alicia' })).to.not.equal(credentialFingerprint(record));
      expect(credentialFingerprint(record)).to.not.include('argon2');
    });
  });

  describe('migration 0003_canonical_logins #assertNoCollision', () => {
    it('accepts logins that stay apart, and the same login in two strategies', () => {
      assertNoCollision([
        { strategy: 'local', kuid: 'a', login: 'alice' },
        { strategy: 'local', kuid: 'b', login: 'bob' },
        { strategy: 'ldap', kuid: 'c', login: 'Alice' },
      ]);
    });

    it('names every group of logins that would become one', () => {
      const rows = [
        { strategy: 'local', kuid: 'a', login: 'Alice' },
        { strategy: 'local', kuid: 'b', login: 'alice\u200B' },
        { strategy: 'local', kuid: 'c', login: 'bob' },
        { strategy: 'local', kuid: 'd', login: 'ＢＯＢ' },
      ];
      expect(() => assertNoCollision(rows)).to.throw(/0003_canonical_logins.*"Alice" \(user "a"\), "alice\\u200b" \(user "b"\); strategy "local": "bob" \(user "c"\), "ＢＯＢ" \(user "d"\)/);
    });
  });
});
