import type { Kysely, Transaction } from 'kysely';
import type { SqlDialectName } from './database.js';
import type { Tables } from './tables.js';

/** The settings row of the pending backfill: the fields to index, and the last user id done. */
const BACKFILL_KEY = 'search:mapping:users:backfill';

export interface Pending {
  fields: string[];
  after: string | null;
}

type Db = Kysely<Tables> | Transaction<Tables>;

/**
 * The to-do list of user-mapping backfills, in the shared database: written with the mapping
 * update, advanced in the same transaction as each batch of indexed users, deleted when the
 * last batch is done. A crash between batches leaves it in place, for any node to finish.
 */
export class Backfills {
  constructor(private readonly dialect: SqlDialectName) {}

  async pending(db: Db): Promise<boolean> {
    return (await db.selectFrom('settings').select('key').where('key', '=', BACKFILL_KEY).executeTakeFirst()) !== undefined;
  }

  /** Adds fields to the pending backfill, which starts over from the first user. */
  async add(trx: Transaction<Tables>, fields: string[]): Promise<void> {
    const current = await this.take(trx);
    const value = JSON.stringify({ fields: [...new Set([...(current?.fields ?? []), ...fields])], after: null } satisfies Pending);
    await trx.insertInto('settings').values({ key: BACKFILL_KEY, value })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** The pending backfill, held until the transaction ends (two nodes never do one batch twice at once), or null. */
  async take(trx: Transaction<Tables>): Promise<Pending | null> {
    let query = trx.selectFrom('settings').select('value').where('key', '=', BACKFILL_KEY);
    if (this.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row === undefined ? null : (JSON.parse(row.value) as Pending);
  }

  /** Records the last user of a batch of `pending` (as {@link take} gave it, in this transaction), or ends the backfill when the batch was empty (`null`). */
  async advance(trx: Transaction<Tables>, pending: Pending, last: string | null): Promise<void> {
    if (last === null) {
      await trx.deleteFrom('settings').where('key', '=', BACKFILL_KEY).execute();
      return;
    }
    const value = JSON.stringify({ fields: pending.fields, after: last } satisfies Pending);
    await trx.updateTable('settings').set({ value }).where('key', '=', BACKFILL_KEY).execute();
  }
}
