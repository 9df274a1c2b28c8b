import { fail } from '@portcullis/core';
import { isDistinguishedName, isFilterTemplate } from './filter.js';

/** The fields a client may send: the directory login and per-user search overrides. */
export const LDAP_STRATEGY_FIELDS = ['username', 'bindDN', 'searchBase', 'searchFilter'] as const;
export const OVERRIDE_FIELDS = ['bindDN', 'searchBase', 'searchFilter'] as const;
export type OverrideField = (typeof OVERRIDE_FIELDS)[number];

/** Per-user search overrides, as stored in the credential record's data. */
export type SearchOverrides = Partial<Record<OverrideField, string>>;

/** Parsed credentials; on update, an override set to null is removed. */
export interface LdapCredentials {
  username?: string;
  overrides: Partial<Record<OverrideField, string | null>>;
}

/** Longest login accepted, in UTF-16 units: directories cap theirs well below (AD: 20 characters for sAMAccountName). */
export const MAX_USERNAME_LENGTH = 256;
/** Longest password sent to the directory; anything longer is refused before any connection. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The registry key of a directory login. Directory logins compare case-insensitively
 * (uid and sAMAccountName use caseIgnoreMatch), so the registry keeps them lower-cased: "Alice"
 * and "alice" are one login, as they are one entry.
 */
export function foldLogin(username: string): string {
  return username.toLowerCase();
}

/**
 * Checks credentials sent by a client. The username is stored folded ({@link foldLogin}).
 * `bindDN` is the user's own entry (read, then bound as, without a search); `searchBase` and
 * `searchFilter` replace the configured ones for this user.
 * @throws PortcullisError `api.assert.invalid_type`, `api.assert.forbidden_argument` (kuid),
 *   `api.assert.unexpected_argument`, `api.assert.missing_argument`, `api.assert.empty_argument`,
 *   `security.credentials.rejected` (surrounding spaces, too long, not a DN, not a filter)
 */
export function parseLdapCredentials(credentials: unknown, partial: boolean): LdapCredentials {
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials)) throw fail('api.assert.invalid_type', 'credentials', 'object');
  // Own keys only, `__proto__` included: a JSON body may carry one as a plain key.
  for (const key of Object.keys(credentials)) {
    if (key === 'kuid') throw fail('api.assert.forbidden_argument', 'kuid');
    if (!(LDAP_STRATEGY_FIELDS as readonly string[]).includes(key)) throw fail('api.assert.unexpected_argument', key, LDAP_STRATEGY_FIELDS.join(', '));
  }
  const input = credentials as Record<string, unknown>;
  const result: LdapCredentials = { overrides: {} };
  if (!partial || input['username'] !== undefined) result.username = checkUsername(input['username']);
  for (const field of OVERRIDE_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null && partial) result.overrides[field] = null;
    else result.overrides[field] = checkOverride(field, value);
  }
  if (partial && result.username === undefined && Object.keys(result.overrides).length === 0) {
    throw fail('api.assert.missing_argument', LDAP_STRATEGY_FIELDS.join(' or '));
  }
  return result;
}

/**
 * The login a client sent, when it may be sent to the directory: non-empty strings of bounded
 * length. An empty password never reaches a bind: many directories take a DN with an empty
 * password as an anonymous bind and answer success (RFC 4513 §5.1.2).
 */
export function readLoginInput(body: Record<string, unknown>): { username: string; password: string } | null {
  const { username, password } = body;
  if (typeof username !== 'string' || typeof password !== 'string') return null;
  if (username.length === 0 || password.length === 0) return null;
  if (username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) return null;
  return { username, password };
}

/** The overrides kept in a credential record's data (anything else there is ignored). */
export function storedOverrides(data: Record<string, unknown>): SearchOverrides {
  const overrides: SearchOverrides = {};
  for (const field of OVERRIDE_FIELDS) if (typeof data[field] === 'string') overrides[field] = data[field];
  return overrides;
}

function checkUsername(username: unknown): string {
  if (username === undefined) throw fail('api.assert.missing_argument', 'username');
  if (typeof username !== 'string') throw fail('api.assert.invalid_type', 'username', 'string');
  if (username.length === 0) throw fail('api.assert.empty_argument', 'username');
  if (username.trim() !== username) throw fail('security.credentials.rejected', 'the username must not begin or end with spaces');
  if (username.length > MAX_USERNAME_LENGTH) throw fail('security.credentials.rejected', `the username must be at most ${MAX_USERNAME_LENGTH} characters long`);
  return foldLogin(username);
}

function checkOverride(field: OverrideField, value: unknown): string {
  if (typeof value !== 'string') throw fail('api.assert.invalid_type', field, 'string');
  if (value.length === 0) throw fail('api.assert.empty_argument', field);
  if (field === 'searchFilter') {
    if (!isFilterTemplate(value, ['username'])) throw fail('security.credentials.rejected', 'searchFilter must be an LDAP filter (RFC 4515), optionally holding {{username}}');
  } else if (!isDistinguishedName(value)) {
    throw fail('security.credentials.rejected', `${field} must be a distinguished name (RFC 4514)`);
  }
  return value;
}
