import { fail } from '../errors/index.js';
import type { SearchResult } from '../storage/ports.js';
import { analyze, assertPrefixable, coerce, queryValue, valuesAt } from './field-values.js';
import type { FieldType, FlatMapping } from './mapping.js';
import { fieldsOf, type Bounds, type Clause, type Scalar, type SearchQuery } from './query.js';

/**
 * The searchable fields of profiles and of roles: Kuzzle's fixed mappings, less what only a
 * `nested` query reaches (`policies.restrictedTo.*`, outside the subset we serve).
 */
export const PROFILE_FIELDS: FlatMapping = new Map<string, FieldType>([['tags', 'keyword'], ['policies.roleId', 'keyword']]);
export const ROLE_FIELDS: FlatMapping = new Map<string, FieldType>([['tags', 'keyword']]);

type Document = { _id: string } & object;
type Value = string | number;

function typeOf(mapping: FlatMapping, field: string): FieldType {
  if (field === '_id') return 'keyword';
  const type = mapping.get(field);
  if (type === undefined) throw fail('services.storage.unknown_field', field, `searchable fields are _id, ${[...mapping.keys()].join(', ')}`);
  return type;
}

/** A document's values of a field, as the index would hold them. */
function valuesOf(document: Document, field: string, type: FieldType): Value[] {
  const raw = field === '_id' ? [document._id] : valuesAt(document, field.split('.'));
  return raw.flatMap((value) => {
    const coerced = coerce(type, value);
    if (coerced === null) return [];
    return type === 'text' ? analyze(String(coerced)) : [coerced];
  });
}

function inRange(value: Value, bounds: Bounds, type: FieldType, where: string): boolean {
  const check = (bound: Scalar | undefined, test: (bound: Value) => boolean): boolean => bound === undefined || test(queryValue(type, bound, where));
  return check(bounds.gt, (bound) => value > bound) && check(bounds.gte, (bound) => value >= bound)
    && check(bounds.lt, (bound) => value < bound) && check(bounds.lte, (bound) => value <= bound);
}

/**
 * Whether a document matches a clause: the same semantics as the SQL compilers, in memory,
 * for the few, small documents of profiles and roles.
 * @throws services.storage.unknown_field, api.assert.invalid_argument
 */
export function matches(document: Document, clause: Clause, mapping: FlatMapping, where = 'query'): boolean {
  if (clause.kind === 'all') return true;
  if (clause.kind === 'ids') return clause.values.includes(document._id);
  if (clause.kind === 'bool') {
    const test = (inner: Clause) => matches(document, inner, mapping, `${where}.bool`);
    const should = clause.should.filter(test).length;
    return clause.must.every(test) && !clause.mustNot.some(test) && should >= clause.minimumShouldMatch;
  }
  const type = typeOf(mapping, clause.field);
  const values = valuesOf(document, clause.field, type);
  switch (clause.kind) {
    case 'exists':
      return values.length > 0;
    case 'term':
      return clause.values.some((value) => values.includes(queryValue(type, value, where)));
    case 'match': {
      if (type !== 'text') return values.includes(queryValue(type, clause.query, where));
      const terms = analyze(String(clause.query));
      return clause.operator === 'and' ? terms.every((term) => values.includes(term)) : terms.some((term) => values.includes(term));
    }
    case 'prefix':
      assertPrefixable(type, clause.field);
      return values.some((value) => String(value).startsWith(clause.value));
    case 'range':
      return values.some((value) => inRange(value, clause.bounds, type, `${where}.range.${clause.field}`));
  }
}

/** The sort keys of a document search: how to pick a document's value for each, and its direction. */
function sortKeys(query: SearchQuery, mapping: FlatMapping) {
  return query.sort.map(({ field, order }) => {
    const type = typeOf(mapping, field);
    if (type === 'text') throw fail('services.storage.unknown_field', field, 'a text field cannot be sorted');
    const pick = (document: Document): Value | undefined => {
      const values = valuesOf(document, field, type).sort();
      return order === 'asc' ? values[0] : values.at(-1);
    };
    return { pick, type, sign: order === 'asc' ? 1 : -1 };
  });
}

/** Compares two sort values of one key: missing values last. */
function compareValues(left: Value | undefined, right: Value | undefined, sign: number): number {
  if (left === right) return 0;
  if (left === undefined) return 1;
  if (right === undefined) return -1;
  return left < right ? -sign : sign;
}

/** Compares two documents by the sort keys, then by `_id`. */
function comparator(keys: ReturnType<typeof sortKeys>): (a: Document, b: Document) => number {
  return (a, b) => {
    for (const { pick, sign } of keys) {
      const order = compareValues(pick(a), pick(b), sign);
      if (order !== 0) return order;
    }
    return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
  };
}

/** Whether a document sorts strictly after the `search_after` values. */
function isAfter(document: Document, keys: ReturnType<typeof sortKeys>, after: Array<Scalar | null>): boolean {
  for (const [index, { pick, sign, type }] of keys.entries()) {
    const given = after[index];
    const order = compareValues(pick(document), given === null || given === undefined ? undefined : queryValue(type, given, `search_after.${index}`), sign);
    if (order !== 0) return order > 0;
  }
  return false;
}

/** The page of `documents` matching `query`, sorted, with the total count. */
export function searchDocuments<T extends Document>(documents: readonly T[], query: SearchQuery, mapping: FlatMapping, page: { from: number; size: number }): SearchResult<T> {
  for (const field of fieldsOf(query.query)) typeOf(mapping, field);
  const keys = sortKeys(query, mapping);
  const after = query.searchAfter;
  const found = documents
    .filter((document) => matches(document, query.query, mapping) && (after === undefined || isAfter(document, keys, after)))
    .sort(comparator(keys));
  return { hits: found.slice(page.from, page.from + page.size), total: found.length };
}
