import { createHash } from 'node:crypto';

/**
 * Characters that render as nothing: zero-width spaces and joiners (U+200B-U+200D), the word
 * joiner (U+2060), the byte-order mark (U+FEFF), the soft hyphen, bidi marks and controls
 * (U+200E/U+200F, U+202A-U+202E, U+2066-U+2069), variation selectors, Hangul fillers...
 * Unicode's Default_Ignorable_Code_Point property lists them all, and grows with Unicode.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The key a login is unique by, in every strategy: two logins with the same key are one login.
 * NFKC folds compatibility forms (full-width "Ａ", ligatures, superscripts) into their plain
 * letters; invisible characters are dropped; case is folded fully (upper then lower case, so
 * that "ß" and "SS" meet, as do "ς" and "Σ"); NFKC again because case mappings can leave a
 * string unnormalised ("İ" lower-cases to "i" + a combining dot).
 *
 * The key is for comparison only: strategies keep and show the login as it was given.
 * @returns "" for a login made only of invisible characters (callers refuse it)
 */
export function loginKey(login: string): string {
  const visible = login.normalize('NFKC').replace(INVISIBLE, '');
  return visible.toUpperCase().toLowerCase().normalize('NFKC').replace(INVISIBLE, '');
}

/**
 * What a strategy verified at a login, as a short opaque string: the login and the private data
 * (a password hash) of its credential record. A strategy returns it with its verify result; the
 * core compares it with the record after opening the session, and refuses the login when the
 * credentials changed meanwhile. A new password always changes it (argon2 salts are random).
 */
export function credentialFingerprint(record: { login: string; data: Record<string, unknown> }): string {
  return createHash('sha256').update(JSON.stringify([record.login, record.data])).digest('base64url');
}
