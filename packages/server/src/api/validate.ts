import { fail, PortcullisError } from '@portcullis/core';
import type { z } from 'zod';
import { noArgs, noBody } from './schemas.js';

/**
 * Validates a request part against an action's schema and turns the first problem into a
 * catalogued 400: missing_argument, invalid_type or invalid_argument, naming the argument.
 * @throws api.assert.missing_argument, api.assert.invalid_type, api.assert.invalid_argument, api.assert.body_required
 */
export function validatePart<T extends z.ZodType>(schema: T, value: unknown, part: 'args' | 'body'): z.output<T> {
  // Schemas that accept anything need no parsing: most reads (getCurrentUser, say) take neither.
  if (schema === (noBody as z.ZodType) || (schema === (noArgs as z.ZodType) && typeof value === 'object' && value !== null && !Array.isArray(value))) {
    return value as z.output<T>;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = [part === 'body' ? 'body' : null, ...issue.path.map(String)].filter(Boolean).join('.');
  if (part === 'body' && issue.path.length === 0 && (value === null || value === undefined)) throw fail('api.assert.body_required');
  if (issue.code === 'invalid_type') {
    if (valueAt(value, issue.path) === undefined) throw fail('api.assert.missing_argument', name);
    throw fail('api.assert.invalid_type', name || part, issue.expected);
  }
  if (issue.code === 'unrecognized_keys') throw fail('api.assert.invalid_argument', [name, ...issue.keys].filter(Boolean).join('.'), 'no such field');
  throw new PortcullisError('api.assert.invalid_argument', [name || part, issue.message]);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
