import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { fail } from '../../errors/index.js';
import { conditionAlgebra, type Condition } from '../../search/compile.js';
import { coerce, isNumeric } from '../../search/field-values.js';
import type { FieldType, FlatMapping } from '../../search/mapping.js';
import type { SearchQuery } from '../../search/query.js';

interface SortKey {
  value: RawBuilder<unknown>;
  order: 'asc' | 'desc';
  type: FieldType;
  /** Only `_id` is never missing. */
  nullable: boolean;
}

/**
 * The sort keys of a user search, then `_id` so that pages never overlap. A field holding
 * several values sorts by its least (asc) or greatest (desc), and users without a value come
 * last, as in Elasticsearch.
 * @throws services.storage.unknown_field for an unmapped field, a text field or `_score`
 */
function sortKeys(query: SearchQuery, mapping: FlatMapping): SortKey[] {
  const keys = query.sort.map(({ field, order }): SortKey => {
    const aggregate = sql.raw(order === 'asc' ? 'min' : 'max');
    if (field === '_id') return { value: sql`u.id`, order, type: 'keyword', nullable: false };
    if (field === '_score') throw fail('services.storage.unknown_field', '_score', 'results have no relevance score here; sort by a field');
    if (field === 'profileIds') return { value: sql`(select ${aggregate}(p.profile_id) from user_profiles p where p.user_id = u.id)`, order, type: 'keyword', nullable: true };
    const type = mapping.get(field);
    if (type === undefined) throw fail('services.storage.unknown_field', field, 'it is not in the user mapping (security:updateUserMapping adds it)');
    if (type === 'text') throw fail('services.storage.unknown_field', field, 'a text field cannot be sorted; map a keyword field for sorting');
    const column = sql.raw(isNumeric(type) ? 'value_number' : 'value_text');
    return { value: sql`(select ${aggregate}(f.${column}) from user_fields f where f.user_id = u.id and f.field = ${field})`, order, type, nullable: true };
  });
  return keys;
}

/** The ORDER BY of a user search (see sortKeys). */
export function userOrder(query: SearchQuery, mapping: FlatMapping): RawBuilder<unknown> {
  const keys = sortKeys(query, mapping).map(({ value, order, nullable }) => sql`${value} ${sql.raw(order)}${sql.raw(nullable ? ' nulls last' : '')}`);
  if (!query.sort.some((key) => key.field === '_id')) keys.push(sql`u.id asc`);
  return sql.join(keys);
}

/**
 * Elasticsearch's `search_after`: the users that sort strictly after the given sort values
 * (one per sort key; null for a missing value, which sorts last). Without `_id` among the sort
 * keys, users that tie on every key with the values given are skipped, as in Elasticsearch.
 * @throws api.assert.invalid_argument for a value the key's field cannot hold
 */
export function userAfter(query: SearchQuery, mapping: FlatMapping): Condition {
  const after = query.searchAfter;
  if (after === undefined) return conditionAlgebra.all;
  const keys = sortKeys(query, mapping);
  const tests = keys.map(({ value, order, type }, index) => {
    const given = after[index];
    if (given === null || given === undefined) return { equal: sql<SqlBool>`${value} is null`, beyond: sql<SqlBool>`1 = 0` };
    const stored = coerce(type, given);
    if (stored === null) throw fail('api.assert.invalid_argument', `search_after.${index}`, `a value of type ${type}`);
    const beyond = sql<SqlBool>`(${value} ${sql.raw(order === 'asc' ? '>' : '<')} ${stored} or ${value} is null)`;
    return { equal: sql<SqlBool>`${value} = ${stored}`, beyond };
  });
  const alternatives = tests.map(({ beyond }, index) => sql.join([...tests.slice(0, index).map(({ equal }) => equal), beyond], sql` and `));
  return sql<SqlBool>`(${sql.join(alternatives.map((alternative) => sql`(${alternative})`), sql` or `)})`;
}
