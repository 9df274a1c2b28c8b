import type { Kysely, Transaction } from 'kysely';
import type { UserContent, UserRecord, UserStore } from '../ports.js';
import type { SqlDialectName } from './database.js';
import { guard } from './sql-errors.js';
import type { Tables } from './tables.js';
import { UserFieldIndex } from './user-field-index.js';

const UNAVAILABLE = 'services.storage.not_connected';

/**
 * Users as JSON text, with their profile ids copied to `user_profiles` in the same transaction
 * so that {@link SqlUserStore.existsWithProfile} is an indexed query on either dialect, and the
 * fields of the user mapping copied to `user_fields` (see search-index.ts) for search.
 * Every method throws services.storage.not_connected when the database does not answer in time.
 */
export class SqlUserStore implements UserStore {
  private readonly fields: UserFieldIndex;

  constructor(private readonly db: Kysely<Tables>, dialect: SqlDialectName = 'sqlite') {
    this.fields = new UserFieldIndex(dialect);
  }

  get(id: string): Promise<UserRecord | null> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('users').select('content').where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : { _id: id, content: JSON.parse(row.content) as UserContent };
    });
  }

  insert(user: UserRecord): Promise<boolean> {
    return guard(UNAVAILABLE, () => this.db.transaction().execute(async (trx) => {
      const result = await trx.insertInto('users')
        .values({ id: user._id, content: JSON.stringify(user.content) })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .executeTakeFirst();
      if ((result.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
      await insertProfiles(trx, user);
      await this.fields.write(trx, [user], (await this.fields.mapping(trx, 'share')).flat, true);
      return true;
    }));
  }

  replace(user: UserRecord): Promise<boolean> {
    return guard(UNAVAILABLE, () => this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('users')
        .set({ content: JSON.stringify(user.content) })
        .where('id', '=', user._id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await trx.deleteFrom('user_profiles').where('user_id', '=', user._id).execute();
      await insertProfiles(trx, user);
      await this.fields.write(trx, [user], (await this.fields.mapping(trx, 'share')).flat, false);
      return true;
    }));
  }

  delete(id: string): Promise<boolean> {
    return guard(UNAVAILABLE, () => this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('user_profiles').where('user_id', '=', id).execute();
      await trx.deleteFrom('user_fields').where('user_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    }));
  }

  existsWithProfile(profileId: string): Promise<boolean> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('user_profiles').select('user_id')
        .where('profile_id', '=', profileId).limit(1).executeTakeFirst();
      return row !== undefined;
    });
  }
}

async function insertProfiles(trx: Transaction<Tables>, user: UserRecord): Promise<void> {
  const profileIds = [...new Set(user.content.profileIds)];
  if (profileIds.length === 0) return;
  await trx.insertInto('user_profiles')
    .values(profileIds.map((profileId) => ({ user_id: user._id, profile_id: profileId })))
    .execute();
}
