import { type Kysely, type Transaction } from 'kysely';
import { indexedValues } from '../../search/field-values.js';
import { BASE_USER_MAPPING, flatten, type FlatMapping, type MappingProperties } from '../../search/mapping.js';
import type { UserRecord } from '../ports.js';
import type { SqlDialectName } from './database.js';
import type { Tables } from './tables.js';

/** The settings row holding the user mapping's added fields (Kuzzle's `properties` shape). */
export const USER_MAPPING_KEY = 'search:mapping:users';

/** Rows per insert statement: far under SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS_PER_INSERT = 500;

type Db = Kysely<Tables> | Transaction<Tables>;

/**
 * The user mapping as stored, and the `user_fields` rows it asks of each user. The mapping is
 * read inside each user write's transaction, under a share lock on PostgreSQL: a mapping update
 * (which takes the row for update) waits for the user writes in flight, and every user write
 * after it sees the new mapping; its backfill then covers every user written before. SQLite
 * has one writer at a time, so the same holds there without a lock.
 */
export class UserFieldIndex {
  private parsed: { raw: string | null; properties: MappingProperties; flat: FlatMapping } | undefined;

  constructor(private readonly dialect: SqlDialectName) {}

  /** The whole user mapping (`profileIds` included). With `lock`, holds the row as described above. */
  async mapping(db: Db, lock: 'share' | 'update' | 'none' = 'none'): Promise<{ properties: MappingProperties; flat: FlatMapping }> {
    let query = db.selectFrom('settings').select('value').where('key', '=', USER_MAPPING_KEY);
    if (this.dialect === 'postgres' && lock === 'share') query = query.forShare();
    if (this.dialect === 'postgres' && lock === 'update') query = query.forUpdate();
    const raw = (await query.executeTakeFirst())?.value ?? null;
    if (this.parsed?.raw !== raw) {
      const properties = { ...(raw === null ? {} : (JSON.parse(raw) as MappingProperties)), ...BASE_USER_MAPPING };
      this.parsed = { raw, properties, flat: flatten(properties) };
    }
    return this.parsed;
  }

  /** Writes the rows of `user` (for the fields of `only`, else every mapped field) after deleting its old ones. */
  async write(db: Db, users: readonly UserRecord[], mapping: FlatMapping, fresh: boolean, only?: readonly string[]): Promise<void> {
    const ids = users.map((user) => user._id);
    if (!fresh && ids.length > 0) {
      let deletion = db.deleteFrom('user_fields').where('user_id', 'in', ids);
      if (only) deletion = deletion.where('field', 'in', only);
      await deletion.execute();
    }
    const fields = only ? new Map([...mapping].filter(([field]) => only.includes(field))) : mapping;
    const rows = users.flatMap((user) => indexedValues(user.content, fields).map((value) => ({
      user_id: user._id, field: value.field, value_text: value.text, value_number: value.number,
    })));
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await db.insertInto('user_fields').values(rows.slice(start, start + ROWS_PER_INSERT)).execute();
    }
  }

  /** Writes the user mapping row (inside the caller's transaction). */
  async store(db: Db, properties: MappingProperties): Promise<void> {
    const { profileIds: _base, ...added } = properties;
    const value = JSON.stringify(added);
    await db.insertInto('settings').values({ key: USER_MAPPING_KEY, value })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value }))
      .execute();
  }
}

