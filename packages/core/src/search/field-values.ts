import { fail } from '../errors/index.js';
import type { FieldType, FlatMapping } from './mapping.js';

/** One indexed value of a user's field: text for keyword, text and boolean fields, a number for numbers and dates. */
export interface IndexedValue {
  field: string;
  text: string | null;
  number: number | null;
}

/**
 * Longest text value indexed, in characters. A B-tree entry has a size limit (about 2,700 bytes
 * on PostgreSQL): 512 characters stay under it whatever the script. Longer values are not
 * indexed, as Elasticsearch leaves out keywords longer than a field's `ignore_above`.
 */
export const MAX_INDEXED_LENGTH = 512;

/** Whether a type's values are kept as numbers (and compared as numbers). */
export const isNumeric = (type: FieldType): boolean => type !== 'keyword' && type !== 'text' && type !== 'boolean';

/**
 * A text field's terms, as Elasticsearch's standard analyzer makes them (simplified): runs of
 * letters and digits, lower-cased. `match` on a text field matches these terms.
 */
export function analyze(text: string): string[] {
  const terms = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((term) => term.length > 0 && term.length <= MAX_INDEXED_LENGTH);
  return [...new Set(terms)];
}

/**
 * A value as a field of this type holds it, or null when Elasticsearch would not accept it
 * (a word in a number field): coerced as Elasticsearch coerces ("42" in an integer field is 42,
 * an ISO date string in a date field is its epoch milliseconds).
 */
export function coerce(type: FieldType, value: unknown): string | number | null {
  switch (type) {
    case 'keyword':
    case 'text':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
    case 'boolean':
      return value === true || value === 'true' ? 'true' : value === false || value === 'false' ? 'false' : null;
    case 'date':
      if (typeof value === 'number') return Number.isFinite(value) ? value : null;
      if (typeof value === 'string' && /^\d{4}-\d{2}(-\d{2})?([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
        const time = Date.parse(value);
        return Number.isNaN(time) ? null : time;
      }
      return null;
    default: {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(number)) return null;
      return type === 'integer' || type === 'long' ? Math.trunc(number) : number;
    }
  }
}

/**
 * A query's value in the field's type, for the SQL compilers and the in-memory search alike.
 * @throws api.assert.invalid_argument naming `where` when the type cannot hold it
 */
export function queryValue(type: FieldType, value: unknown, where: string): string | number {
  const coerced = coerce(type, value);
  if (coerced === null) throw fail('api.assert.invalid_argument', where, `a value of type ${type}`);
  return coerced;
}

/**
 * Checks that a `prefix` clause names a field prefixes apply to.
 * @throws services.storage.unknown_field naming `where` for a number, date or boolean field
 */
export function assertPrefixable(type: FieldType, where: string): void {
  if (isNumeric(type) || type === 'boolean') throw fail('services.storage.unknown_field', where, `prefix needs a keyword or text field, not ${type}`);
}

/** Every scalar at `path` in `source`; arrays are flattened at any depth, as Elasticsearch does. */
export function valuesAt(source: unknown, path: readonly string[]): unknown[] {
  if (Array.isArray(source)) return source.flatMap((item) => valuesAt(item, path));
  if (path.length === 0) return source === null || source === undefined ? [] : [source];
  if (typeof source !== 'object' || source === null) return [];
  const [head, ...rest] = path;
  return Object.hasOwn(source, head!) ? valuesAt((source as Record<string, unknown>)[head!], rest) : [];
}

/**
 * The rows a user's content gives to the search index: one per value of each mapped field
 * (one per term for text fields). `profileIds` is left out: user_profiles already holds it.
 */
export function indexedValues(content: Record<string, unknown>, mapping: FlatMapping): IndexedValue[] {
  const rows = new Map<string, IndexedValue>();
  for (const [field, type] of mapping) {
    if (field === 'profileIds') continue;
    for (const raw of valuesAt(content, field.split('.'))) {
      const value = coerce(type, raw);
      if (value === null) continue;
      const texts = type === 'text' ? analyze(String(value)) : [value];
      for (const item of texts) {
        if (typeof item === 'string' && item.length > MAX_INDEXED_LENGTH) continue;
        const row = typeof item === 'number' ? { field, text: null, number: item } : { field, text: item, number: null };
        rows.set(JSON.stringify([field, item]), row);
      }
    }
  }
  return [...rows.values()];
}
