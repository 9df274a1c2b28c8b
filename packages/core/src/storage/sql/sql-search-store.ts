import { sql, type Kysely, type SqlBool } from 'kysely';
import { flatten, mergeMappings, type MappingProperties } from '../../search/mapping.js';
import type { SearchQuery } from '../../search/query.js';
import type { SearchPage, SearchResult, SearchStore, UserContent, UserRecord } from '../ports.js';
import type { SqlDialectName } from './database.js';
import { guard } from './sql-errors.js';
import type { Tables } from './tables.js';
import { Backfills } from './backfills.js';
import { UserFieldIndex } from './user-field-index.js';
import { userCondition } from './user-search-target.js';
import { userAfter, userOrder } from './user-sort.js';

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
        await this.backfills.advance(trx, rows.at(-1)?.id ?? null);
        return true;
      });
    }
  }

  users(query: SearchQuery, page: SearchPage): Promise<SearchResult<UserRecord>> {
    return guard(UNAVAILABLE, async () => {
      if (await this.backfills.pending(this.db)) await this.finishBackfill();
      const { flat } = await this.fields.mapping(this.db);
      const condition = userCondition(query, flat);
      const order = userOrder(query, flat);
      const keyset = page.after === undefined ? userAfter(query, flat) : sql<SqlBool>`u.id > ${page.after}`;
      const [rows, counted] = await Promise.all([
        sql<{ id: string; content: string }>`select u.id, u.content from users u where ${condition} and ${keyset} order by ${order} limit ${page.size} offset ${page.after === undefined ? page.from : 0}`.execute(this.db),
        sql<{ total: number | string }>`select count(*) as total from users u where ${condition}`.execute(this.db),
      ]);
      return {
        hits: rows.rows.map((row) => ({ _id: row.id, content: JSON.parse(row.content) as UserContent })),
        total: Number(counted.rows[0]?.total ?? 0),
      };
    });
  }
}
