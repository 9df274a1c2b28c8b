import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { fail } from '../errors/index.js';
import { analyze, coerce, isNumeric } from './field-values.js';
import type { FieldType } from './mapping.js';
import type { Bounds, Clause, Scalar } from './query.js';

export type Condition = RawBuilder<SqlBool>;
type Column = RawBuilder<unknown>;

/** A searchable field of a target, and how its values are reached in SQL. */
export interface SearchField {
  type: FieldType;
  /** Turns a text value of a query into its stored form (the canonical key of a login, say). */
  normalize?(value: string): string;
  /** A condition on the field's values: `test` receives the column holding one value. */
  where(test: (column: Column) => Condition): Condition;
  /** The record has a value in the field. */
  exists(): Condition;
}

/** What a query is compiled against: its fields, and its record ids. */
export interface SearchTarget {
  /** @throws services.storage.unknown_field for a field the target cannot search */
  field(name: string): SearchField;
  ids(values: string[]): Condition;
}

const TRUE: Condition = sql<SqlBool>`1 = 1`;
const FALSE: Condition = sql<SqlBool>`1 = 0`;

const and = (conditions: Condition[]): Condition => conditions.length === 0 ? TRUE : sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
const or = (conditions: Condition[]): Condition => conditions.length === 0 ? FALSE : sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;

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
function stored(field: SearchField, value: Scalar, where: string): string | number {
  const coerced = coerce(field.type, value);
  if (coerced === null) throw fail('api.assert.invalid_argument', where, `a value of type ${field.type}`);
  return typeof coerced === 'string' && field.normalize ? field.normalize(coerced) : coerced;
}

function rangeTest(field: SearchField, bounds: Bounds, where: string): Condition {
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

function prefixTest(field: SearchField, prefix: string, where: string): Condition {
  if (isNumeric(field.type) || field.type === 'boolean') throw fail('services.storage.unknown_field', where, `prefix needs a keyword or text field, not ${field.type}`);
  const lower = field.normalize ? field.normalize(prefix) : prefix;
  const upper = prefixUpperBound(lower);
  return field.where((column) => upper === null
    ? sql<SqlBool>`${column} >= ${lower}`
    : sql<SqlBool>`${column} >= ${lower} and ${column} < ${upper}`);
}

function inTest(field: SearchField, values: Array<string | number>): Condition {
  const unique = [...new Set(values)];
  if (unique.length === 0) return FALSE;
  return field.where((column) => unique.length === 1 ? sql<SqlBool>`${column} = ${unique[0]}` : sql<SqlBool>`${column} in (${sql.join(unique)})`);
}

function matchTest(field: SearchField, query: Scalar, operator: 'or' | 'and', where: string): Condition {
  if (field.type !== 'text') return inTest(field, [stored(field, query, where)]);
  const terms = analyze(String(query));
  if (operator === 'or') return inTest(field, terms);
  return and(terms.map((term) => inTest(field, [term])));
}

function boolTest(target: SearchTarget, clause: Extract<Clause, { kind: 'bool' }>, where: string): Condition {
  const parts = clause.must.map((inner, index) => compileClause(target, inner, `${where}.must.${index}`));
  parts.push(...clause.mustNot.map((inner, index) => sql<SqlBool>`not ${compileClause(target, inner, `${where}.must_not.${index}`)}`));
  const should = clause.should.map((inner, index) => compileClause(target, inner, `${where}.should.${index}`));
  if (clause.minimumShouldMatch === 1) parts.push(or(should));
  else if (clause.minimumShouldMatch > 1) {
    const count = sql.join(should.map((test) => sql`case when ${test} then 1 else 0 end`), sql` + `);
    parts.push(sql<SqlBool>`(${count}) >= ${clause.minimumShouldMatch}`);
  }
  return and(parts);
}

/**
 * Compiles a query against a target into one SQL condition. Every leaf becomes an indexed test
 * of one field (see the targets), combined with and / or / not.
 * @throws services.storage.unknown_field for a field the target does not have or cannot test this way
 * @throws api.assert.invalid_argument for a value the field's type cannot hold
 */
export function compileClause(target: SearchTarget, clause: Clause, where = 'query'): Condition {
  switch (clause.kind) {
    case 'all':
      return TRUE;
    case 'ids':
      return clause.values.length === 0 ? FALSE : target.ids(clause.values);
    case 'bool':
      return boolTest(target, clause, `${where}.bool`);
    case 'exists':
      return target.field(clause.field).exists();
    case 'term': {
      const field = target.field(clause.field);
      return inTest(field, clause.values.map((value, index) => stored(field, value, `${where}.term.${clause.field}.${index}`)));
    }
    case 'match':
      return matchTest(target.field(clause.field), clause.query, clause.operator, `${where}.match.${clause.field}`);
    case 'prefix':
      return prefixTest(target.field(clause.field), clause.value, `${where}.prefix.${clause.field}`);
    case 'range':
      return rangeTest(target.field(clause.field), clause.bounds, `${where}.range.${clause.field}`);
  }
}
