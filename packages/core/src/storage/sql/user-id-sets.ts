import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { conditionAlgebra, type Condition, type SearchAlgebra } from '../../search/compile.js';

/**
 * The users a query matches, in three forms of the same set:
 * - `where`, a condition on `users u` testing membership in the lookups' results
 *   (`u.id in (...)`): PostgreSQL turns it into semi joins and walks users in sort order,
 *   stopping at the end of the page; SQLite lists each lookup's ids first, which is cheap
 *   when they are few;
 * - `probe`, the same condition with each lookup as a correlated `exists (... = u.id)`: a
 *   test of one user through the lookup's index, which lets SQLite walk users by id and stop
 *   at the end of the page without listing every match (see user-page.ts);
 * - `ids`, a select of the matching ids (column `id`) drawn from the index tables alone
 *   (user_fields, user_profiles, and users.id only for `_id`, `ids` and the universe),
 *   combined with INTERSECT, UNION and EXCEPT: the `total` counts it without reading a single
 *   user row. This is exact because every row of those tables belongs to an existing user
 *   (their user_id references users.id, on delete cascade).
 */
export interface UserIds {
  where: Condition;
  probe: Condition;
  ids: RawBuilder<unknown>;
  /** `ids` is a compound select: as an operand of another, it is wrapped in a subquery (SQLite does not take parentheses there). */
  compound: boolean;
  /** `ids` holds no id twice: a field with several values (an array, a text's words) has a row per value, so a lookup may repeat a user. */
  distinct: boolean;
  /** When `ids` is not distinct: true, in the counting statement, if it may repeat an id after all (see MultiValuedFields). */
  repeats?: Condition;
  /** Every user (match_all, an empty must): drops out of intersections. */
  universe: boolean;
}

/** One indexed lookup: the values of `id` (a user id) in the rows of `from` that pass `test`. */
export interface Lookup {
  from: RawBuilder<unknown>;
  id: RawBuilder<unknown>;
  test: Condition;
}

/** The users found by one lookup. */
export function lookup({ from, id, test }: Lookup, distinct: boolean): UserIds {
  const ids = sql`select ${id} as id from ${from} where ${test}`;
  const probe = sql<SqlBool>`exists (select 1 from ${from} where ${test} and ${id} = u.id)`;
  return { where: sql<SqlBool>`u.id in (${ids})`, probe, ids, compound: false, distinct, universe: false };
}

/** A lookup that repeats an id only when `repeats` holds. */
export const maybeRepeating = (found: Lookup, repeats: Condition): UserIds => ({ ...lookup(found, false), repeats });

/** The users passing a condition on `users u` itself (ids, `_id`), or every user. */
export const fromUsers = (where: Condition, universe = false): UserIds => ({
  where, probe: where, ids: sql`select u.id as id from users u${universe ? sql`` : sql` where ${where}`}`, compound: false, distinct: true, universe,
});

const operand = (set: UserIds): RawBuilder<unknown> => set.compound ? sql`select id from (${set.ids}) s` : set.ids;
/** The set's ids, each once. */
export const distinctIds = (set: UserIds): RawBuilder<unknown> => set.distinct ? set.ids : sql`select distinct id from (${set.ids}) s`;
const distinctOperand = (set: UserIds): RawBuilder<unknown> => set.distinct ? operand(set) : distinctIds(set);

/** Both condition forms of a combination of sets. */
type Conditions = Pick<UserIds, 'where' | 'probe'>;
const combine = (parts: UserIds[], combined: (conditions: Condition[]) => Condition): Conditions =>
  ({ where: combined(parts.map((part) => part.where)), probe: combined(parts.map((part) => part.probe)) });

function compound(parts: UserIds[], operator: 'intersect' | 'union' | 'except', conditions: Conditions): UserIds {
  return { ...conditions, ids: sql.join(parts.map(operand), sql.raw(` ${operator} `)), compound: true, distinct: true, universe: false };
}

const ALL = fromUsers(conditionAlgebra.all, true);
const NONE = fromUsers(conditionAlgebra.none);

/** How the matches of clauses combine over users (see UserIds). */
export const userIdAlgebra: SearchAlgebra<UserIds> = {
  all: ALL,
  none: NONE,
  and(parts) {
    const narrowing = parts.filter((part) => !part.universe);
    if (narrowing.length <= 1) return narrowing[0] ?? ALL;
    return compound(narrowing, 'intersect', combine(narrowing, conditionAlgebra.and));
  },
  or(parts) {
    if (parts.some((part) => part.universe)) return ALL;
    if (parts.length <= 1) return parts[0] ?? NONE;
    return compound(parts, 'union', combine(parts, conditionAlgebra.or));
  },
  without(base, excluded) {
    const conditions = combine([base, ...excluded], ([kept, ...dropped]) => conditionAlgebra.without(kept!, dropped));
    // The complement of a set needs every user: the users table is the universe.
    if (base.universe) return { ...fromUsers(conditions.where), probe: conditions.probe };
    return compound([base, ...excluded], 'except', conditions);
  },
  atLeast(parts, count) {
    const each = sql.join(parts.map(distinctOperand), sql` union all `);
    const ids = sql`select id from (${each}) s group by id having count(*) >= ${count}`;
    return { ...combine(parts, (conditions) => conditionAlgebra.atLeast(conditions, count)), ids, compound: false, distinct: true, universe: false };
  },
};

/** The exact number of users in the set, counted from the index tables. */
export function countIds(set: UserIds): RawBuilder<{ total: number | string }> {
  if (set.repeats === undefined) return sql`select count(*) as total from (${distinctIds(set)}) s`;
  // One statement, so that the flags it reads and the rows it counts are of the same moment.
  return sql`select case when ${set.repeats} then (select count(*) from (${distinctIds(set)}) s) else (select count(*) from (${set.ids}) s) end as total`;
}
