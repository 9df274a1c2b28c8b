import { sql, type SqlBool } from 'kysely';
import { compileClause, type Condition, type SearchField, type SearchTarget } from '../../search/compile.js';
import { isNumeric } from '../../search/field-values.js';
import type { FlatMapping } from '../../search/mapping.js';
import type { SearchQuery } from '../../search/query.js';
import { fail } from '../../errors/index.js';

const USERS = sql.ref('u.id');

/** `_id`: the users' primary key. */
const idField: SearchField = {
  type: 'keyword',
  where: (test) => test(USERS),
  exists: () => sql<SqlBool>`1 = 1`,
};

/** `profileIds`: user_profiles, whose primary key (profile_id, user_id) serves every test. */
const profilesField: SearchField = {
  type: 'keyword',
  where: (test) => sql<SqlBool>`u.id in (select p.user_id from user_profiles p where ${test(sql.ref('p.profile_id'))})`,
  exists: () => sql<SqlBool>`u.id in (select p.user_id from user_profiles p)`,
};

/** A mapped content field: user_fields, through (field, value_text | value_number, user_id). */
function contentField(name: string, type: SearchField['type']): SearchField {
  const column = sql.ref(isNumeric(type) ? 'f.value_number' : 'f.value_text');
  return {
    type,
    where: (test) => sql<SqlBool>`u.id in (select f.user_id from user_fields f where f.field = ${name} and ${test(column)})`,
    exists: () => sql<SqlBool>`u.id in (select f.user_id from user_fields f where f.field = ${name})`,
  };
}

/**
 * Users as a search target: `_id`, `profileIds` and the fields of the user mapping, each test
 * an `u.id in (<indexed lookup>)` (see search-index.ts).
 * @throws services.storage.unknown_field from `field` for a field outside the mapping
 */
export function userTarget(mapping: FlatMapping): SearchTarget {
  return {
    field(name) {
      if (name === '_id') return idField;
      if (name === 'profileIds') return profilesField;
      const type = mapping.get(name);
      if (type === undefined) throw fail('services.storage.unknown_field', name, 'it is not in the user mapping (security:updateUserMapping adds it)');
      return contentField(name, type);
    },
    ids: (values) => sql<SqlBool>`u.id in (${sql.join(values)})`,
  };
}

/** The WHERE condition of a user search. */
export const userCondition = (query: SearchQuery, mapping: FlatMapping): Condition => compileClause(userTarget(mapping), query.query);
