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

  existsWithProfilesOfEach(groups: readonly (readonly string[])[], exceptId?: string): Promise<boolean> {
    // Identical groups (often every group is just ["admin"]) need one join, not several.
    const distinct = [...new Map(groups.map((group) => [[...new Set(group)].sort().join('\u0000'), [...new Set(group)]])).values()];
    if (distinct.length === 0 || distinct.some((group) => group.length === 0)) return Promise.resolve(false);
    const [first, ...rest] = distinct as [string[], ...string[][]];
    return guard(UNAVAILABLE, async () => {
      // One EXISTS per further group, each answered by the primary key (profile_id, user_id).
      let query = this.db.selectFrom('user_profiles as p0').select('p0.user_id').where('p0.profile_id', 'in', first);
      for (const group of rest) {
        query = query.where(({ exists, selectFrom }) => exists(selectFrom('user_profiles as other').select('other.user_id')
          .whereRef('other.user_id', '=', 'p0.user_id').where('other.profile_id', 'in', group)));
      }
      if (exceptId !== undefined) query = query.where('p0.user_id', '<>', exceptId);
      return (await query.limit(1).executeTakeFirst()) !== undefined;
    });
  }

  listWithProfile(profileId: string): Promise<UserRecord[]> {
    return guard(UNAVAILABLE, async () => {
      const rows = await this.db.selectFrom('users').innerJoin('user_profiles', 'user_profiles.user_id', 'users.id')
        .select(['users.id', 'users.content']).where('user_profiles.profile_id', '=', profileId).orderBy('users.id').execute();
      return rows.map((row) => ({ _id: row.id, content: JSON.parse(row.content) as UserContent }));
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
