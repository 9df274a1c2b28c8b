import { z } from 'zod';
import { fail } from '../errors/index.js';
import { SUPPORTED_CLAUSES, type Bounds, type Clause, type Scalar, type SearchQuery, type SortKey } from './query.js';

/** Clauses a query may hold in all, so that one request cannot build an unbounded SQL statement. */
export const MAX_CLAUSES = 256;
/** Values (ids, terms) a query may list in all: SQL statements have a bound on parameters. */
export const MAX_VALUES = 10_000;

const scalar = z.union([z.string().max(4096), z.number(), z.boolean()]);
const field = z.string().min(1).max(256);
/** `{<field>: value}` with exactly one field, as ES's term-level queries take it. */
const oneField = <T extends z.ZodType>(value: T) => z.record(field, value).refine((record) => Object.keys(record).length === 1, 'exactly one field');
const boost = { boost: z.number().optional() };

const schemas = {
  match_all: z.object(boost).strict(),
  ids: z.object({ values: z.array(z.string().max(4096)).max(10_000), ...boost }).strict(),
  term: oneField(z.union([scalar, z.object({ value: scalar, ...boost }).strict()])),
  terms: z.record(field, z.union([z.array(scalar).max(10_000), z.number()])).refine(
    (record) => Object.entries(record).filter(([key]) => key !== 'boost').length === 1 && Object.entries(record).every(([key, value]) => (key === 'boost') === !Array.isArray(value)),
    'exactly one field holding an array of values',
  ),
  match: oneField(z.union([scalar, z.object({ query: scalar, operator: z.enum(['or', 'and', 'OR', 'AND']).optional(), ...boost }).strict()])),
  prefix: oneField(z.union([z.string().max(4096), z.object({ value: z.string().max(4096), ...boost }).strict()])),
  range: oneField(z.object({ gt: scalar.optional(), gte: scalar.optional(), lt: scalar.optional(), lte: scalar.optional(), ...boost }).strict()),
  exists: z.object({ field, ...boost }).strict(),
  bool: z.object({
    must: z.unknown().optional(),
    filter: z.unknown().optional(),
    should: z.unknown().optional(),
    must_not: z.unknown().optional(),
    minimum_should_match: z.union([z.number().int(), z.string().regex(/^-?\d+%?$/)]).optional(),
    ...boost,
  }).strict(),
} satisfies Record<(typeof SUPPORTED_CLAUSES)[number], z.ZodType>;

type Name = keyof typeof schemas;

function check<T extends z.ZodType>(schema: T, value: unknown, path: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = [path, ...issue.path.map(String)].join('.');
  // A clause we do not know inside bool is named as such, not as a shape error.
  if (issue.code === 'unrecognized_keys') throw fail('services.storage.unsupported_query', `${where}.${issue.keys[0]}`, SUPPORTED_CLAUSES.join(', '));
  throw fail('api.assert.invalid_argument', where, issue.message);
}

const only = <V>(record: Record<string, V>): [string, V] => Object.entries(record).find(([key]) => key !== 'boost')!;

/** Counts clauses while parsing: past MAX_CLAUSES the query is refused. */
class Parser {
  private count = 0;
  private values = 0;

  /** Counts listed values. @throws api.assert.invalid_argument past MAX_VALUES */
  private listed<T>(values: T[], path: string): T[] {
    this.values += values.length;
    if (this.values > MAX_VALUES) throw fail('api.assert.invalid_argument', path, `at most ${MAX_VALUES} values listed in a query`);
    return values;
  }

  clause(value: unknown, path: string): Clause {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) {
      throw fail('api.assert.invalid_argument', path, 'an object holding exactly one query clause');
    }
    this.count += 1;
    if (this.count > MAX_CLAUSES) throw fail('api.assert.invalid_argument', path, `at most ${MAX_CLAUSES} clauses in a query`);
    const [name, body] = Object.entries(value)[0]!;
    if (!Object.hasOwn(schemas, name)) throw fail('services.storage.unsupported_query', `${path}.${name}`, SUPPORTED_CLAUSES.join(', '));
    return this.build(name as Name, body, `${path}.${name}`);
  }

  private build(name: Name, body: unknown, path: string): Clause {
    switch (name) {
      case 'match_all':
        check(schemas.match_all, body, path);
        return { kind: 'all' };
      case 'ids':
        return { kind: 'ids', values: this.listed(check(schemas.ids, body, path).values, path) };
      case 'term': {
        const [key, value] = only(check(schemas.term, body, path));
        return { kind: 'term', field: key, values: [typeof value === 'object' ? value.value : value] };
      }
      case 'terms': {
        const [key, values] = only(check(schemas.terms, body, path));
        return { kind: 'term', field: key, values: this.listed(values as Scalar[], path) };
      }
      case 'match': {
        const [key, value] = only(check(schemas.match, body, path));
        if (typeof value !== 'object') return { kind: 'match', field: key, query: value, operator: 'or' };
        return { kind: 'match', field: key, query: value.query, operator: value.operator?.toLowerCase() === 'and' ? 'and' : 'or' };
      }
      case 'prefix': {
        const [key, value] = only(check(schemas.prefix, body, path));
        return { kind: 'prefix', field: key, value: typeof value === 'string' ? value : value.value };
      }
      case 'range': {
        const [key, { boost: _boost, ...bounds }] = only(check(schemas.range, body, path));
        return { kind: 'range', field: key, bounds: bounds as Bounds };
      }
      case 'exists':
        return { kind: 'exists', field: check(schemas.exists, body, path).field };
      case 'bool':
        return this.bool(check(schemas.bool, body, path), path);
    }
  }

  private bool(body: z.output<typeof schemas.bool>, path: string): Clause {
    const list = (value: unknown, key: string): Clause[] => {
      if (value === undefined) return [];
      const items = Array.isArray(value) ? value : [value];
      return items.map((item, index) => this.clause(item, Array.isArray(value) ? `${path}.${key}.${index}` : `${path}.${key}`));
    };
    const must = [...list(body.must, 'must'), ...list(body.filter, 'filter')];
    const should = list(body.should, 'should');
    const fallback = should.length > 0 && must.length === 0 ? 1 : 0;
    return {
      kind: 'bool',
      must,
      mustNot: list(body.must_not, 'must_not'),
      should,
      minimumShouldMatch: minimumShouldMatch(body.minimum_should_match, should.length, fallback),
    };
  }
}

/**
 * Elasticsearch's minimum_should_match: an integer, a negative integer (all but n), a
 * percentage (rounded down) or a negative percentage; by default 1 when the bool has should
 * clauses and neither must nor filter, else 0 (ES 7 and later).
 */
export function minimumShouldMatch(spec: number | string | undefined, count: number, fallback: number): number {
  if (spec === undefined) return fallback;
  const text = String(spec);
  const percent = text.endsWith('%');
  const number = Number.parseInt(text, 10);
  const magnitude = percent ? Math.floor((count * Math.abs(number)) / 100) : Math.abs(number);
  const wanted = number < 0 || text.startsWith('-') ? count - magnitude : magnitude;
  return Math.max(0, Math.min(count, wanted));
}

const sortOrder = z.enum(['asc', 'desc']);
const sortItem = z.union([
  field,
  z.record(field, z.union([sortOrder, z.object({ order: sortOrder.optional() }).strict()])).refine((record) => Object.keys(record).length === 1, 'exactly one field'),
]);
const sortSchema = z.union([sortItem, z.array(sortItem).max(16)]);

function parseSort(value: unknown): SortKey[] {
  if (value === undefined) return [];
  const items = check(sortSchema, value, 'sort');
  return (Array.isArray(items) ? items : [items]).map((item): SortKey => {
    if (typeof item === 'string') return { field: item, order: item === '_score' ? 'desc' : 'asc' };
    const [key, spec] = Object.entries(item)[0]!;
    return { field: key, order: typeof spec === 'string' ? spec : spec.order ?? 'asc' };
  });
}

const bodySchema = z.object({ query: z.unknown().optional(), sort: z.unknown().optional(), search_after: z.array(z.union([scalar, z.null()])).max(16).optional() });
const BODY_KEYS = ['query', 'sort', 'search_after'];

/**
 * Reads a search body (`{query, sort, search_after}`) of Elasticsearch's query DSL into the subset we serve.
 * @throws services.storage.unsupported_query naming a clause or body key outside the subset
 *   (`query.bool.must.0.wildcard`, `aggregations`)
 * @throws api.assert.invalid_argument naming the place of a malformed clause
 */
export function parseSearchBody(body: unknown): SearchQuery {
  if (body === undefined || body === null) return { query: { kind: 'all' }, sort: [] };
  if (typeof body !== 'object' || Array.isArray(body)) throw fail('api.assert.invalid_argument', 'body', 'an object');
  const unknown = Object.keys(body).find((key) => !BODY_KEYS.includes(key));
  if (unknown !== undefined) throw fail('services.storage.unsupported_query', unknown, BODY_KEYS.join(', '));
  const { query, sort, search_after: searchAfter } = check(bodySchema, body, 'body');
  const empty = query === undefined || (typeof query === 'object' && query !== null && Object.keys(query).length === 0);
  const parsed: SearchQuery = { query: empty ? { kind: 'all' } : new Parser().clause(query, 'query'), sort: parseSort(sort) };
  if (searchAfter === undefined) return parsed;
  // As Elasticsearch: one value per sort key.
  if (searchAfter.length !== parsed.sort.length || parsed.sort.length === 0) throw fail('api.assert.invalid_argument', 'search_after', 'one value per sort key (and a sort)');
  return { ...parsed, searchAfter };
}
