import { sql, type Kysely } from 'kysely';
import { flatten, mergeMappings, type FlatMapping, type MappingProperties } from '../../search/mapping.js';
import type { SearchQuery } from '../../search/query.js';
import type { SearchPage, SearchResult, SearchStore, UserContent, UserRecord } from '../ports.js';
import type { SqlDialectName } from './database.js';
import { guard } from './sql-errors.js';
import type { Tables } from './tables.js';
import { Backfills } from './backfills.js';
import { UserFieldIndex } from './user-field-index.js';
import { countIds, type UserIds } from './user-id-sets.js';
import { userPage, walkable, walkBudget, type UserRow } from './user-page.js';
import { userMatches } from './user-search-target.js';

const UNAVAILABLE = 'services.storage.not_connected';
/** Users re-indexed per transaction when a mapping update adds fields. */
export const BACKFILL_BATCH = 500;

/**
 * Searches on the SQL database (see search-index.ts for the tables and indexes they use).
 * Every method throws services.storage.not_connected when the database does not answer in time.
 */
export class SqlSearchStore implements SearchStore {
  private readonly fields: UserFieldIndex;
  private readonly backfills: Backfills;

  constructor(private readonly db: Kysely<Tables>, private readonly dialect: SqlDialectName) {
    this.fields = new UserFieldIndex(dialect);
    this.backfills = new Backfills(dialect);
  }

  userMapping(): Promise<MappingProperties> {
    return guard(UNAVAILABLE, async () => (await this.fields.mapping(this.db)).properties);
  }

  updateUserMapping(added: MappingProperties): Promise<MappingProperties> {
    return guard(UNAVAILABLE, async () => {
      await this.db.transaction().execute(async (trx) => {
        const current = await this.fields.mapping(trx, 'update');
        const merged = mergeMappings(current.properties, added);
        const fields = [...flatten(merged).keys()].filter((field) => !current.flat.has(field));
        await this.fields.store(trx, merged);
        // The backfill's to-do list commits with the mapping: after a crash, the next search or
        // update finishes it, so that no search ever answers from a half-indexed field.
        if (fields.length > 0) await this.backfills.add(trx, fields);
      });
      await this.finishBackfill();
      return (await this.fields.mapping(this.db)).properties;
    });
  }

  /** Indexes the fields of a pending backfill for every user, a batch per transaction, in id order, until none is left. */
  private async finishBackfill(): Promise<void> {
    for (let more = true; more;) {
      more = await this.db.transaction().execute(async (trx) => {
        const pending = await this.backfills.take(trx);
        if (pending === null) return false;
        let query = trx.selectFrom('users').select(['id', 'content']).orderBy('id').limit(BACKFILL_BATCH);
        if (pending.after !== null) query = query.where('id', '>', pending.after);
        // A user replaced meanwhile waits for its batch (and then indexes with the new mapping).
        if (this.dialect === 'postgres') query = query.forUpdate();
        const rows = await query.execute();
        const users = rows.map((row) => ({ _id: row.id, content: JSON.parse(row.content) as UserContent }));
        await this.fields.write(trx, users, (await this.fields.mapping(trx)).flat, false, pending.fields);
        await this.backfills.advance(trx, pending, rows.at(-1)?.id ?? null);
        return true;
      });
    }
  }

  users(query: SearchQuery, page: SearchPage): Promise<SearchResult<UserRecord>> {
    return guard(UNAVAILABLE, async () => {
      if (await this.backfills.pending(this.db)) await this.finishBackfill();
      await this.fields.surveyMultiValued(this.db);
      const { flat } = await this.fields.mapping(this.db);
      const matches = userMatches(query, flat);
      // Counted from the index tables alone: reading 30,000 users to count them cost 100 times more.
      const counting = countIds(matches).execute(this.db).then((counted) => Number(counted.rows[0]?.total ?? 0));
      const listed = () => userPage(matches, query, flat, page).execute(this.db).then((result) => result.rows);
      // PostgreSQL's semi joins already stop at the end of the page: its page runs beside the count.
      // SQLite lists every match first unless it walks users (see walkBudget), which needs the total.
      const [total, rows] = this.dialect === 'postgres' ? await Promise.all([counting, listed()]) : [await counting, undefined];
      const hits = rows ?? await this.walk(matches, query, flat, page, total) ?? await listed();
      return {
        hits: hits.map((row) => ({ _id: row.id, content: JSON.parse(row.content) as UserContent })),
        total,
      };
    });
  }

  /** The page found by walking users in id order, or undefined when a walk is no use or fell short (see userPage). */
  private async walk(matches: UserIds, query: SearchQuery, mapping: FlatMapping, page: SearchPage, total: number): Promise<UserRow[] | undefined> {
    // Decided without the user count where it can be: most searches sort by something else, or match nothing.
    if (!walkable(query, total)) return undefined;
    // SQLite's largest rowid: the number of users ever written, read from the end of the table's B-tree.
    const { rows: [span] } = await sql<{ users: number | null }>`select max(rowid) as users from users`.execute(this.db);
    const budget = walkBudget(query, page, total, Number(span?.users ?? 0));
    if (budget === undefined) return undefined;
    const { rows } = await userPage(matches, query, mapping, page, budget).execute(this.db);
    return rows.length === page.size ? rows : undefined;
  }
}
