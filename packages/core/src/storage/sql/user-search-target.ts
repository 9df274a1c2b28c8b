import { sql, type SqlBool } from 'kysely';
import { compileClause, conditionAlgebra, type SearchField, type SearchTarget } from '../../search/compile.js';
import { isNumeric } from '../../search/field-values.js';
import type { FlatMapping } from '../../search/mapping.js';
import type { SearchQuery } from '../../search/query.js';
import { fail } from '../../errors/index.js';
import { mayRepeat } from './multi-valued-fields.js';
import { fromUsers, lookup, maybeRepeating, userIdAlgebra, type UserIds } from './user-id-sets.js';

/** `_id`: the users' primary key. */
const idField: SearchField<UserIds> = {
  type: 'keyword',
  where: (test) => fromUsers(test(sql.ref('u.id'))),
  exists: () => userIdAlgebra.all,
};

const PROFILES = { from: sql`user_profiles p`, id: sql.ref('p.user_id') };

/**
 * `profileIds`: user_profiles, whose primary key (profile_id, user_id) serves every test. A
 * user holds several profiles, so a test of several values may find a user more than once.
 */
const profilesField: SearchField<UserIds> = {
  type: 'keyword',
  where: (test, oneValue) => lookup({ ...PROFILES, test: test(sql.ref('p.profile_id')) }, oneValue === true),
  exists: () => lookup({ ...PROFILES, test: conditionAlgebra.all }, false),
};

const FIELDS = { from: sql`user_fields f`, id: sql.ref('f.user_id') };

/** A mapped content field: user_fields, through (field, value_text | value_number, user_id); a row per value. */
function contentField(name: string, type: SearchField['type']): SearchField<UserIds> {
  const column = sql.ref(isNumeric(type) ? 'f.value_number' : 'f.value_text');
  return {
    type,
    // A user's values are indexed once each: one value finds a user once, several may find it again.
    where: (test, oneValue) => {
      const found = { ...FIELDS, test: sql<SqlBool>`f.field = ${name} and ${test(column)}` };
      return oneValue === true ? lookup(found, true) : maybeRepeating(found, mayRepeat(name));
    },
    exists: () => maybeRepeating({ ...FIELDS, test: sql<SqlBool>`f.field = ${name}` }, mayRepeat(name)),
  };
}

/**
 * Users as a search target: `_id`, `profileIds` and the fields of the user mapping, each test
 * an `u.id in (<indexed lookup>)` (see search-index.ts).
 * @throws services.storage.unknown_field from `field` for a field outside the mapping
 */
export function userTarget(mapping: FlatMapping): SearchTarget<UserIds> {
  return {
    ...userIdAlgebra,
    field(name) {
      if (name === '_id') return idField;
      if (name === 'profileIds') return profilesField;
      const type = mapping.get(name);
      if (type === undefined) throw fail('services.storage.unknown_field', name, 'it is not in the user mapping (security:updateUserMapping adds it)');
      return contentField(name, type);
    },
    ids: (values) => fromUsers(sql<SqlBool>`u.id in (${sql.join(values)})`),
  };
}

/** The users a search matches (see UserIds). */
export const userMatches = (query: SearchQuery, mapping: FlatMapping): UserIds => compileClause(userTarget(mapping), query.query);
