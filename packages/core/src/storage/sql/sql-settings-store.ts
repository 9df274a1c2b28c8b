import type { Kysely } from 'kysely';
import type { SettingsStore } from '../ports.js';
import { guard } from './sql-errors.js';
import type { Tables } from './tables.js';

const UNAVAILABLE = 'services.storage.not_connected';

/**
 * Node-wide settings in one key/value table. Every method throws services.storage.not_connected
 * when the database does not answer in time.
 */
export class SqlSettingsStore implements SettingsStore {
  constructor(private readonly db: Kysely<Tables>) {}

  get(key: string): Promise<string | null> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value ?? null;
    });
  }

  /** First writer wins: the insert does nothing on a conflict, then everyone reads what is stored. */
  setIfAbsent(key: string, value: string): Promise<string> {
    return guard(UNAVAILABLE, async () => {
      await this.db.insertInto('settings')
        .values({ key, value })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .execute();
      return (await this.get(key)) ?? value;
    });
  }
}
