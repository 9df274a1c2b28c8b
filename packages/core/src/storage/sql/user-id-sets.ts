import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { conditionAlgebra, type Condition, type SearchAlgebra } from '../../search/compile.js';

/**
 * The users a query matches, in two forms of the same set:
 * - `where`, a condition on `users u`: the page of hits walks users in sort order and stops
 *   at the end of the page, testing each (the planner turns `u.id in (...)` into semi joins);
 * - `ids`, a select of the matching ids (column `id`) drawn from the index tables alone
 *   (user_fields, user_profiles, and users.id only for `_id`, `ids` and the universe),
 *   combined with INTERSECT, UNION and EXCEPT: the `total` counts it without reading a single
 *   user row. This is exact because every row of those tables belongs to an existing user
 *   (their user_id references users.id, on delete cascade).
 */
export interface UserIds {
  where: Condition;
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

/** A set from one indexed lookup: `ids` selects `... as id` from one table. */
export function lookup(ids: RawBuilder<unknown>, distinct: boolean, where: Condition = sql<SqlBool>`u.id in (${ids})`): UserIds {
  return { where, ids, compound: false, distinct, universe: false };
}

/** A lookup that repeats an id only when `repeats` holds. */
export const maybeRepeating = (ids: RawBuilder<unknown>, repeats: Condition): UserIds => ({ ...lookup(ids, false), repeats });

/** The users passing a condition on `users u` itself (ids, `_id`), or every user. */
export const fromUsers = (where: Condition, universe = false): UserIds =>
  ({ ...lookup(sql`select u.id as id from users u${universe ? sql`` : sql` where ${where}`}`, true, where), universe });

const operand = (set: UserIds): RawBuilder<unknown> => set.compound ? sql`select id from (${set.ids}) s` : set.ids;
/** The set's ids, each once. */
export const distinctIds = (set: UserIds): RawBuilder<unknown> => set.distinct ? set.ids : sql`select distinct id from (${set.ids}) s`;
const distinctOperand = (set: UserIds): RawBuilder<unknown> => set.distinct ? operand(set) : distinctIds(set);

function compound(parts: UserIds[], operator: 'intersect' | 'union' | 'except', where: Condition): UserIds {
  return { where, ids: sql.join(parts.map(operand), sql.raw(` ${operator} `)), compound: true, distinct: true, universe: false };
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
    return compound(narrowing, 'intersect', conditionAlgebra.and(narrowing.map((part) => part.where)));
  },
  or(parts) {
    if (parts.some((part) => part.universe)) return ALL;
    if (parts.length <= 1) return parts[0] ?? NONE;
    return compound(parts, 'union', conditionAlgebra.or(parts.map((part) => part.where)));
  },
  without(base, excluded) {
    const where = conditionAlgebra.without(base.where, excluded.map((part) => part.where));
    // The complement of a set needs every user: the users table is the universe.
    if (base.universe) return fromUsers(where);
    return compound([base, ...excluded], 'except', where);
  },
  atLeast(parts, count) {
    const where = conditionAlgebra.atLeast(parts.map((part) => part.where), count);
    const each = sql.join(parts.map(distinctOperand), sql` union all `);
    return lookup(sql`select id from (${each}) s group by id having count(*) >= ${count}`, true, where);
  },
};

/** The exact number of users in the set, counted from the index tables. */
export function countIds(set: UserIds): RawBuilder<{ total: number | string }> {
  if (set.repeats === undefined) return sql`select count(*) as total from (${distinctIds(set)}) s`;
  // One statement, so that the flags it reads and the rows it counts are of the same moment.
  return sql`select case when ${set.repeats} then (select count(*) from (${distinctIds(set)}) s) else (select count(*) from (${set.ids}) s) end as total`;
}
