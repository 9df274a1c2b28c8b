import type { Kysely } from 'kysely';
import type { DocumentStore } from '../ports.js';
import { guard } from './sql-errors.js';
import type { DocumentTable, Tables } from './tables.js';

const UNAVAILABLE = 'services.storage.not_connected';

/**
 * Profiles or roles: one row per document, its fields but `_id` as JSON text.
 * Every method throws services.storage.not_connected when the database does not answer in time.
 */
export class SqlDocumentStore<T extends { _id: string }> implements DocumentStore<T> {
  constructor(private readonly db: Kysely<Tables>, private readonly table: DocumentTable) {}

  get(id: string): Promise<T | null> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom(this.table).select(['id', 'body']).where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : toDocument<T>(row);
    });
  }

  put(document: T): Promise<void> {
    const { _id: id, ...fields } = document;
    const body = JSON.stringify(fields);
    return guard(UNAVAILABLE, async () => {
      await this.db.insertInto(this.table)
        .values({ id, body })
        .onConflict((conflict) => conflict.column('id').doUpdateSet({ body }))
        .execute();
    });
  }

  delete(id: string): Promise<boolean> {
    return guard(UNAVAILABLE, async () => {
      const result = await this.db.deleteFrom(this.table).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  list(): Promise<T[]> {
    return guard(UNAVAILABLE, async () => {
      const rows = await this.db.selectFrom(this.table).select(['id', 'body']).orderBy('id').execute();
      return rows.map((row) => toDocument<T>(row));
    });
  }
}

function toDocument<T>(row: { id: string; body: string }): T {
  return { ...(JSON.parse(row.body) as object), _id: row.id } as T;
}
