import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { FlatMapping } from '../../search/mapping.js';
import type { SearchQuery } from '../../search/query.js';
import type { SearchPage } from '../ports.js';
import type { UserIds } from './user-id-sets.js';
import { userAfter, userOrder } from './user-sort.js';

export interface UserRow {
  id: string;
  content: string;
}

/**
 * How many users a walk may test before giving up, as a share of the matches: a walk that
 * fails costs at most a quarter of the total's users tested (0.35 µs each on SQLite), against
 * listing the total's ids (0.2 µs each), so giving up and listing them costs at most 1.5 times
 * what listing alone would have.
 */
const WALK_SHARE = 4;
/** How many times more users than an even spread of the matches would need the budget must allow. */
const WALK_MARGIN = 4;

/** Whether a walk by id can serve the page at all: some matches, sorted by `_id` alone (a walk by id meets them in order). */
export function walkable(query: SearchQuery, total: number): boolean {
  return total > 0 && query.sort.every((key) => key.field === '_id');
}

/**
 * How many users a walk by id may test to fill the page, or undefined when walking is no use:
 * the hits must sort by `_id` alone (a walk by id meets them in order), and the matches be
 * dense enough among the `users` (an estimate) that a walk should fill the page well within
 * its budget (see WALK_SHARE, WALK_MARGIN). When they are (31,700 of a million, say), a walk
 * finds the page after a few hundred users, where listing every match first costs 7 ms on
 * SQLite; when they are not (1,000 of a million), listing them is cheap and no walk is tried.
 */
export function walkBudget(query: SearchQuery, page: SearchPage, total: number, users: number): number | undefined {
  if (!walkable(query, total)) return undefined;
  const budget = Math.floor(total / WALK_SHARE);
  const needed = (page.after === undefined ? page.from : 0) + page.size;
  const expected = needed * Math.max(users, total) / total;
  return needed > 0 && expected * WALK_MARGIN <= budget ? budget : undefined;
}

/**
 * The page of hits of a user search, in sort order (sort keys, then `_id`). Without `walk`, the
 * users are tested by `matches.where`. With `walk` (see walkBudget), only the `walk + 1` first
 * users in id order (from the page's start) are tested, each by `matches.probe`, an index
 * lookup per user: the page is exact if it comes back full (every user before the last one
 * tested was tested), and the caller asks again without `walk` if it does not.
 */
export function userPage(matches: UserIds, query: SearchQuery, mapping: FlatMapping, page: SearchPage, walk?: number): RawBuilder<UserRow> {
  const keyset = page.after === undefined ? userAfter(query, mapping) : sql<SqlBool>`u.id > ${page.after}`;
  const order = userOrder(query, mapping);
  const offset = page.after === undefined ? page.from : 0;
  let test = matches.where;
  if (walk !== undefined) {
    const descending = query.sort[0]?.order === 'desc';
    // The last user of the walk, or the last user at all when fewer are left: a plain bound on
    // the primary key, which SQLite walks in order and stops at the end of the page.
    const last = sql`(select coalesce((select u.id from users u where ${keyset} order by ${order} limit 1 offset ${walk}), (select ${sql.raw(descending ? 'min' : 'max')}(u.id) from users u)))`;
    test = sql<SqlBool>`u.id ${sql.raw(descending ? '>=' : '<=')} ${last} and ${matches.probe}`;
  }
  return sql<UserRow>`select u.id, u.content from users u where ${test} and ${keyset} order by ${order} limit ${page.size} offset ${offset}`;
}
