import { fail } from '@portcullis/core';
import type { LocalStrategyConfig } from './config.js';

/** The fields a client may send; anything else is refused rather than silently dropped. */
export const LOCAL_STRATEGY_FIELDS = ['username', 'password'] as const;

/** Accepted in an update besides the fields: the current password, for a user changing their own credentials. */
export const CURRENT_PASSWORD_FIELD = 'currentPassword';

export interface LocalCredentials {
  username?: string;
  /** NFC-normalised: the same password typed on two keyboards hashes the same. */
  password?: string;
  /** As sent (only in an update); checked against the stored hash, never stored. */
  currentPassword?: string;
}

type Limits = Pick<LocalStrategyConfig, 'minPasswordLength' | 'maxPasswordLength' | 'maxUsernameLength'>;

/**
 * Checks the shape and the bounds of credentials sent by a client; what it returns holds only
 * `username`, `password` and (in an update) `currentPassword`. The username is never changed
 * (no trimming, no case folding: a username with surrounding spaces is refused instead, so that
 * "admin " cannot pass for "admin"; uniqueness ignores case, width and invisible characters, in
 * the core). The password is NFC-normalised, and its bounds apply to the normalised form.
 *
 * @param partial an update: one field is enough (`currentPassword` alone is not); otherwise both are required
 * @throws PortcullisError `api.assert.forbidden_argument` for a `kuid` key,
 *   `api.assert.unexpected_argument` for any other key, `api.assert.missing_argument`,
 *   `api.assert.invalid_type` (not a string), `api.assert.empty_argument` (empty username),
 *   `security.credentials.rejected` for a length out of bounds or a username with surrounding spaces
 */
export function parseLocalCredentials(credentials: unknown, limits: Limits, partial: false): Required<LocalCredentials>;
export function parseLocalCredentials(credentials: unknown, limits: Limits, partial: boolean): LocalCredentials;
export function parseLocalCredentials(credentials: unknown, limits: Limits, partial: boolean): LocalCredentials {
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials)) {
    throw fail('api.assert.invalid_type', 'credentials', 'object');
  }
  // Own keys only, `__proto__` included: a JSON body may carry one as a plain key.
  for (const key of Object.keys(credentials)) {
    if (key === 'kuid') throw fail('api.assert.forbidden_argument', 'kuid');
    if (partial && key === CURRENT_PASSWORD_FIELD) continue;
    if (!(LOCAL_STRATEGY_FIELDS as readonly string[]).includes(key)) {
      throw fail('api.assert.unexpected_argument', key, LOCAL_STRATEGY_FIELDS.join(', '));
    }
  }
  const { username, password, currentPassword } = credentials as Record<string, unknown>;
  if (currentPassword !== undefined && typeof currentPassword !== 'string') throw fail('api.assert.invalid_type', CURRENT_PASSWORD_FIELD, 'string');
  if (!partial || username !== undefined) checkUsername(username, limits);
  if (!partial || password !== undefined) checkPassword(password, limits);
  if (partial && username === undefined && password === undefined) {
    throw fail('api.assert.missing_argument', 'username or password');
  }
  const result: LocalCredentials = {};
  if (typeof username === 'string') result.username = username;
  if (typeof password === 'string') result.password = password.normalize('NFC');
  if (typeof currentPassword === 'string') result.currentPassword = currentPassword;
  return result;
}

/**
 * Whether a password sent to log in may be hashed: longer than the bound, it is refused
 * before any hashing so that a huge password cannot tie up a thread.
 */
export function isLoginPasswordAcceptable(password: unknown, maxPasswordLength: number): password is string {
  return typeof password === 'string' && password.length > 0 && !exceeds(password, maxPasswordLength);
}

function checkUsername(username: unknown, limits: Limits): asserts username is string {
  if (username === undefined) throw fail('api.assert.missing_argument', 'username');
  if (typeof username !== 'string') throw fail('api.assert.invalid_type', 'username', 'string');
  if (username.length === 0) throw fail('api.assert.empty_argument', 'username');
  if (username.trim() !== username) throw fail('security.credentials.rejected', 'the username must not begin or end with spaces');
  if (exceeds(username, limits.maxUsernameLength)) {
    throw fail('security.credentials.rejected', `the username must be at most ${limits.maxUsernameLength} characters long`);
  }
}

function checkPassword(password: unknown, limits: Limits): asserts password is string {
  if (password === undefined) throw fail('api.assert.missing_argument', 'password');
  if (typeof password !== 'string') throw fail('api.assert.invalid_type', 'password', 'string');
  // Bounded before normalising, so that a huge string costs nothing; then as it will be hashed.
  const tooLong = () => fail('security.credentials.rejected', `the password must be at most ${limits.maxPasswordLength} characters long`);
  if (exceeds(password, limits.maxPasswordLength)) throw tooLong();
  const normalised = password.normalize('NFC');
  if (exceeds(normalised, limits.maxPasswordLength)) throw tooLong();
  if (codePoints(normalised) < limits.minPasswordLength) {
    throw fail('security.credentials.rejected', `the password must be at least ${limits.minPasswordLength} characters long`);
  }
}

/**
 * Lengths count Unicode code points, so that an emoji is one character as users see it.
 * A string of more than 2·max UTF-16 units has more than max code points: it is refused
 * without walking a possibly huge string.
 */
function exceeds(text: string, max: number): boolean {
  return text.length > 2 * max || codePoints(text) > max;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
