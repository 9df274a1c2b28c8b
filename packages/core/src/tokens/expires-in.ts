import { durationMs } from '../config/schema.js';
import { fail } from '../errors/index.js';

/**
 * Parses an `expiresIn` argument: a number of milliseconds, a numeric string, an `ms` string
 * ("1h", "30m") or -1 for a token that never expires.
 * @throws api.assert.invalid_argument when the value cannot be parsed or is not positive
 * @throws security.token.ttl_exceeded when it exceeds `maxTTL` (or is infinite while maxTTL is set)
 */
export function parseExpiresIn(value: unknown, maxTTL: number): number {
  const ttl = toMilliseconds(value);
  if (ttl === undefined || (ttl !== -1 && (!Number.isSafeInteger(ttl) || ttl <= 0))) {
    throw fail('api.assert.invalid_argument', 'expiresIn', 'a positive duration in ms, an "ms" string such as "1h", or -1');
  }
  if (maxTTL > -1 && (ttl === -1 || ttl > maxTTL)) throw fail('security.token.ttl_exceeded');
  return ttl;
}

function toMilliseconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value === -1 ? -1 : Math.floor(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) return undefined;
  if (value.trim() === '-1') return -1;
  const parsed = durationMs(value.trim());
  return Number.isFinite(parsed) ? Math.floor(parsed) : undefined;
}
