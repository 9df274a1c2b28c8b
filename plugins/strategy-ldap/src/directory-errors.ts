/**
 * What an error from ldapauth-fork / ldapjs means for a login:
 * - `unavailable`: the directory cannot be reached or did not answer in time (down, refused,
 *   reset, timed out, busy, a TLS handshake that failed): `plugin.strategy.unavailable` (503);
 * - `ambiguous`: the search found several entries for one login: refused like a wrong password
 *   (and logged), never a choice among them;
 * - `fault`: anything else (a service account without read rights, a bad search base): a
 *   fault of the deployment, `plugin.runtime.unexpected_error` (500, logged).
 * Wrong passwords and unknown users never get here: passport-ldapauth turns those into failures.
 */
export type DirectoryErrorKind = 'unavailable' | 'ambiguous' | 'fault';

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH',
  'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
]);

/** ldapjs error classes that mean "not now" rather than "not allowed" (LDAP result codes 51, 52 and client-side failures). */
const UNAVAILABLE_NAMES = new Set(['ConnectionError', 'TimeoutError', 'BusyError', 'UnavailableError']);

/** ldapjs' own messages for a connection it gave up on, and ldapauth-fork's re-emitted events. */
const UNAVAILABLE_MESSAGE = /connection (timeout|unavailable|closed|refused)|client destroyed|connectRefused|connectTimeout|socket hang up/i;

/** Certificate and handshake failures: OpenSSL's verification codes and Node's TLS errors. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;

export function classifyDirectoryError(error: unknown): DirectoryErrorKind {
  if (typeof error === 'string') return /unexpected number of matches/i.test(error) ? 'ambiguous' : 'fault';
  if (typeof error !== 'object' || error === null) return 'fault';
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || TLS_CODE.test(code))) return 'unavailable';
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return 'unavailable';
  return 'fault';
}

/** A loggable description of a directory error: never a password (ldapjs errors hold none), never a stack. */
export function describeDirectoryError(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return { name, code, message };
}
