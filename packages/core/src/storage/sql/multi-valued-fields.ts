import { sql, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { Condition } from '../../search/compile.js';
import type { Tables } from './tables.js';

type Db = Kysely<Tables> | Transaction<Tables>;

/** A settings row per field that some user ever held several values of (an array, a text's words). */
const FLAG = 'search:multivalued:users:';
/** The settings row saying that the flags cover the users written before they existed. */
const SURVEYED = 'search:multivalued:users';
/** How long searches count with DISTINCT after a failed survey before it is tried again. */
const SURVEY_RETRY_MS = 10 * 60_000;

/**
 * Which fields of `user_fields` may hold several rows for one user. A lookup of a range, a
 * prefix or several values in such a field may find a user more than once, so counting its
 * matches needs a DISTINCT; in any other field it does not, and skipping the DISTINCT
 * (hashing 30,000 ids) makes a total several times cheaper. Flags are written in the user's
 * own transaction and never removed (a field that held arrays once may again), so a query
 * that reads them in the same statement as it counts is exact. Users written before the
 * flags existed are surveyed once, on the first search; until then every count is DISTINCT.
 */
export class MultiValuedFields {
  /** The survey's row is never removed: once seen, it need not be read again. */
  private surveyed = false;
  private retryAt = 0;

  /** Flags the fields (inside the caller's transaction). */
  async flag(db: Db, fields: ReadonlySet<string>): Promise<void> {
    if (fields.size === 0) return;
    await db.insertInto('settings').values([...fields].map((field) => ({ key: FLAG + field, value: '1' })))
      .onConflict((conflict) => conflict.column('key').doNothing()).execute();
  }

  /**
   * Flags the fields that some user already holds several values of, once per database (one
   * scan of user_fields: 1.2 s for a million users on PostgreSQL). Searches do not wait for a
   * survey that fails (a statement timeout on a huge table, say): they count with DISTINCT, and
   * the survey is tried again a while later.
   */
  async survey(db: Kysely<Tables>): Promise<void> {
    if (this.surveyed || Date.now() < this.retryAt) return;
    try {
      await this.run(db);
      this.surveyed = true;
    } catch {
      this.retryAt = Date.now() + SURVEY_RETRY_MS;
    }
  }

  private async run(db: Kysely<Tables>): Promise<void> {
    await db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('settings').select('key').where('key', '=', SURVEYED).executeTakeFirst() === undefined) {
        const rows = await sql<{ field: string }>`select distinct field from (select f.field from user_fields f group by f.field, f.user_id having count(*) > 1) s`.execute(trx);
        await this.flag(trx, new Set(rows.rows.map((row) => row.field)));
        await trx.insertInto('settings').values({ key: SURVEYED, value: '1' }).onConflict((conflict) => conflict.column('key').doNothing()).execute();
      }
    });
  }
}

/** The fields of which a user holds several rows among `rows`. */
export function repeatedFields(rows: ReadonlyArray<{ user_id: string; field: string }>): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const row of rows) {
    const key = JSON.stringify([row.user_id, row.field]);
    if (seen.has(key)) repeated.add(row.field);
    seen.add(key);
  }
  return repeated;
}

/** True, in SQL, when a lookup in `field` may find a user twice (or the flags are not complete yet). */
export const mayRepeat = (field: string): Condition =>
  sql<SqlBool>`(exists (select 1 from settings m where m.key = ${FLAG + field}) or not exists (select 1 from settings m where m.key = ${SURVEYED}))`;
