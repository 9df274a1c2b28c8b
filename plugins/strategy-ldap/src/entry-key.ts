import ldap from 'ldapjs';
import { attributeOf, type DirectoryEntry } from './directory-entry.js';

/**
 * What keys a directory entry to at most one Portcullis user: the entry itself, never a login
 * (two entries may share a `uid`, and a login can be renamed). By default its DN in canonical
 * form, `dn:uid=alice, ou=people, dc=example, dc=com`; with `entryKeyAttribute`, that
 * attribute's single value, `entryuuid:6f1c…` (a DN changes when an entry moves, an entryUUID
 * or objectGUID never does). Binary values (objectGUID) are written in hex.
 */
export type EntryKey = string;

const DN_KIND = 'dn';

/** A DN in its canonical form (spacing and case do not matter), or null when it does not parse. */
export function canonicalDn(dn: string): string | null {
  try {
    return ldap.parseDN(dn).toString().toLowerCase();
  } catch {
    return null;
  }
}

/** The canonical key of a DN, or null when it does not parse. */
export function dnKey(dn: string): EntryKey | null {
  const canonical = canonicalDn(dn);
  return canonical === null ? null : `${DN_KIND}:${canonical}`;
}

/** Whether `key` is a DN key, i.e. was recorded while no `entryKeyAttribute` was configured. */
export function isDnKey(key: EntryKey): boolean {
  return key.startsWith(`${DN_KIND}:`);
}

/**
 * The entry's key, or null when it has none: an unparsable DN, or not exactly one value of
 * `attribute` (which the search must have read, raw: see serverOptions' includeRaw).
 */
export function entryKeyOf(entry: DirectoryEntry, attribute: string | undefined): EntryKey | null {
  if (attribute === undefined) return dnKey(entry.dn);
  const values = rawValues(entry, attribute);
  if (values.length !== 1) return null;
  return `${attribute.toLowerCase()}:${textOrHex(values[0]!)}`;
}

/**
 * The raw values of an attribute: ldapauth-fork's `_raw` (buffers) when present, else the
 * decoded strings. ldapjs decodes every value as UTF-8, which garbles a binary objectGUID.
 */
function rawValues(entry: DirectoryEntry, attribute: string): Buffer[] {
  const value = attributeOf(entry['_raw'], attribute) ?? attributeOf(entry, attribute);
  return (Array.isArray(value) ? value : [value]).flatMap((item: unknown) => {
    if (Buffer.isBuffer(item)) return [item];
    return typeof item === 'string' ? [Buffer.from(item, 'utf8')] : [];
  });
}

/** Text values lower-cased (UUIDs compare without case), anything else (a binary GUID) in hex. */
function textOrHex(value: Buffer): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(value);
    if (text.length > 0 && !/[\p{Cc}\p{Cf}]/u.test(text)) return text.toLowerCase();
  } catch {
    // not UTF-8: binary
  }
  return `0x${value.toString('hex')}`;
}
