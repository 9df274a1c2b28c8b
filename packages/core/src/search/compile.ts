import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { analyze, assertPrefixable, queryValue } from './field-values.js';
import type { FieldType } from './mapping.js';
import type { Bounds, Clause, Scalar } from './query.js';

export type Condition = RawBuilder<SqlBool>;
type Column = RawBuilder<unknown>;

/**
 * How a target combines the matches of clauses. `T` is what a clause compiles to: a WHERE
 * condition (conditionAlgebra), or, for users, a set of ids that can also be counted without
 * reading the records (see user-search-target.ts).
 */
export interface SearchAlgebra<T> {
  /** Every record. */
  all: T;
  /** No record. */
  none: T;
  and(parts: T[]): T;
  or(parts: T[]): T;
  /** The records of `base` that match none of `excluded` (must_not). */
  without(base: T, excluded: T[]): T;
  /** The records that match at least `count` of `parts` (count > 1). */
  atLeast(parts: T[], count: number): T;
}

/** A searchable field of a target, and how its values are reached in SQL. */
export interface SearchField<T = Condition> {
  type: FieldType;
  /** Turns a text value of a query into its stored form (the canonical key of a login, say). */
  normalize?(value: string): string;
  /**
   * The records with a value that passes `test`, which receives the column holding one value.
   * `oneValue`: the test is an equality with a single value (no record has a value twice).
   */
  where(test: (column: Column) => Condition, oneValue?: boolean): T;
  /** The record has a value in the field. */
  exists(): T;
}

/** What a query is compiled against: its fields, its record ids, and how matches combine. */
export interface SearchTarget<T = Condition> extends SearchAlgebra<T> {
  /** @throws services.storage.unknown_field for a field the target cannot search */
  field(name: string): SearchField<T>;
  ids(values: string[]): T;
}

const TRUE: Condition = sql<SqlBool>`1 = 1`;
const FALSE: Condition = sql<SqlBool>`1 = 0`;

const and = (conditions: Condition[]): Condition => conditions.length === 0 ? TRUE : sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
const or = (conditions: Condition[]): Condition => conditions.length === 0 ? FALSE : sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;

/** Matches as a WHERE condition on the target's rows: and, or, not. */
export const conditionAlgebra: SearchAlgebra<Condition> = {
  all: TRUE,
  none: FALSE,
  and,
  or,
  // Parenthesised: a test may be `a and b` (a prefix of _id, say), which a bare NOT would split.
  without: (base, excluded) => and([base, ...excluded.map((part) => sql<SqlBool>`not (${part})`)]),
  atLeast(parts, count) {
    const matched = sql.join(parts.map((test) => sql`case when ${test} then 1 else 0 end`), sql` + `);
    return sql<SqlBool>`(${matched}) >= ${count}`;
  },
};

/**
 * The least string greater than every string that starts with `prefix`, in code point order
 * (SQLite's BINARY collation, PostgreSQL's "C": both compare UTF-8 bytes), or null when there
 * is none. `column >= prefix and column < upper` is a prefix test that a B-tree index serves,
 * where LIKE would not be (SQLite's LIKE ignores case and skips indexes; PostgreSQL's needs a
 * pattern-ops index).
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = [...prefix].map((character) => character.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()! + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // surrogates are no characters
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return null;
}

/** A query value in the field's stored form, or an error naming where it is. */
function stored<T>(field: SearchField<T>, value: Scalar, where: string): string | number {
  const coerced = queryValue(field.type, value, where);
  return typeof coerced === 'string' && field.normalize ? field.normalize(coerced) : coerced;
}

function rangeTest<T>(field: SearchField<T>, bounds: Bounds, where: string): T {
  const parts: Array<(column: Column) => Condition> = [];
  const operators = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = bounds[key];
    if (bound === undefined) continue;
    const value = stored(field, bound, `${where}.${key}`);
    parts.push((column) => sql<SqlBool>`${column} ${sql.raw(operators[key])} ${value}`);
  }
  if (parts.length === 0) return field.exists();
  return field.where((column) => and(parts.map((part) => part(column))));
}

function prefixTest<T>(field: SearchField<T>, prefix: string, where: string): T {
  assertPrefixable(field.type, where);
  const lower = field.normalize ? field.normalize(prefix) : prefix;
  const upper = prefixUpperBound(lower);
  return field.where((column) => upper === null
    ? sql<SqlBool>`${column} >= ${lower}`
    : sql<SqlBool>`${column} >= ${lower} and ${column} < ${upper}`);
}

function inTest<T>(target: SearchTarget<T>, field: SearchField<T>, values: Array<string | number>): T {
  const unique = [...new Set(values)];
  if (unique.length === 0) return target.none;
  if (unique.length === 1) return field.where((column) => sql<SqlBool>`${column} = ${unique[0]}`, true);
  return field.where((column) => sql<SqlBool>`${column} in (${sql.join(unique)})`);
}

function matchTest<T>(target: SearchTarget<T>, field: SearchField<T>, query: Scalar, operator: 'or' | 'and', where: string): T {
  if (field.type !== 'text') return inTest(target, field, [stored(field, query, where)]);
  const terms = analyze(String(query));
  if (operator === 'or') return inTest(target, field, terms);
  return target.and(terms.map((term) => inTest(target, field, [term])));
}

function boolTest<T>(target: SearchTarget<T>, clause: Extract<Clause, { kind: 'bool' }>, where: string): T {
  const parts = clause.must.map((inner, index) => compileClause(target, inner, `${where}.must.${index}`));
  const excluded = clause.mustNot.map((inner, index) => compileClause(target, inner, `${where}.must_not.${index}`));
  const should = clause.should.map((inner, index) => compileClause(target, inner, `${where}.should.${index}`));
  if (clause.minimumShouldMatch === 1) parts.push(target.or(should));
  else if (clause.minimumShouldMatch === should.length) parts.push(...should);
  else if (clause.minimumShouldMatch > 1) parts.push(target.atLeast(should, clause.minimumShouldMatch));
  const base = target.and(parts);
  return excluded.length === 0 ? base : target.without(base, excluded);
}

/**
 * Compiles a query against a target. Every leaf becomes an indexed test of one field (see the
 * targets), combined by the target's algebra (and / or / not, or set operations).
 * @throws services.storage.unknown_field for a field the target does not have or cannot test this way
 * @throws api.assert.invalid_argument for a value the field's type cannot hold
 */
export function compileClause<T>(target: SearchTarget<T>, clause: Clause, where = 'query'): T {
  switch (clause.kind) {
    case 'all':
      return target.all;
    case 'ids':
      return clause.values.length === 0 ? target.none : target.ids(clause.values);
    case 'bool':
      return boolTest(target, clause, `${where}.bool`);
    case 'exists':
      return target.field(clause.field).exists();
    case 'term': {
      const field = target.field(clause.field);
      return inTest(target, field, clause.values.map((value, index) => stored(field, value, `${where}.term.${clause.field}.${index}`)));
    }
    case 'match':
      return matchTest(target, target.field(clause.field), clause.query, clause.operator, `${where}.match.${clause.field}`);
    case 'prefix':
      return prefixTest(target.field(clause.field), clause.value, `${where}.prefix.${clause.field}`);
    case 'range':
      return rangeTest(target.field(clause.field), clause.bounds, `${where}.range.${clause.field}`);
  }
}
