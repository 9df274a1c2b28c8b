import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyRecord, ApiKeyStore } from '../ports.js';
import type { SqlDialectName } from './database.js';
import { guard, isUniqueViolation } from './sql-errors.js';
import type { Tables } from './tables.js';

const UNAVAILABLE = 'services.storage.not_connected';

type Row = Selectable<Tables['api_keys']>;

function recordOf(row: Row): ApiKeyRecord {
  return {
    id: row.id, userId: row.user_id, description: row.description, expiresAt: Number(row.expires_at),
    ttl: Number(row.ttl), createdAt: Number(row.created_at), sessionId: row.session_id, fingerprint: row.fingerprint,
  };
}

/**
 * API keys in the SQL database (both dialects). Every method throws
 * services.storage.not_connected when the database does not answer in time.
 */
export class SqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Kysely<Tables>, private readonly dialect: SqlDialectName) {}

  insert(key: ApiKeyRecord, limit: number, now: number): Promise<'created' | 'id_taken' | 'limit' | 'no_user'> {
    return guard(UNAVAILABLE, () => this.db.transaction().execute(async (trx) => {
      // The user's row, locked (PostgreSQL; SQLite writes one at a time): creations for one user
      // take turns on every node, and a deletion of the user waits, or is waited for.
      const user = trx.selectFrom('users').select('id').where('id', '=', key.userId);
      if ((await (this.dialect === 'postgres' ? user.forUpdate() : user).executeTakeFirst()) === undefined) return 'no_user';
      await trx.deleteFrom('api_keys').where('user_id', '=', key.userId)
        .where('expires_at', '<>', -1).where('expires_at', '<=', now).execute();
      const { count } = await trx.selectFrom('api_keys').select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
        .where('user_id', '=', key.userId).executeTakeFirstOrThrow();
      if (Number(count) >= limit) return 'limit';
      const exists = await trx.selectFrom('api_keys').select('id').where('user_id', '=', key.userId).where('id', '=', key.id).executeTakeFirst();
      if (exists !== undefined) return 'id_taken';
      try {
        await trx.insertInto('api_keys').values({
          user_id: key.userId, id: key.id, description: key.description, expires_at: key.expiresAt, ttl: key.ttl,
          created_at: key.createdAt, session_id: key.sessionId, fingerprint: key.fingerprint,
        }).execute();
      } catch (error) {
        if (isUniqueViolation(error)) return 'id_taken';
        throw error;
      }
      return 'created';
    }));
  }

  get(userId: string, id: string): Promise<ApiKeyRecord | null> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : recordOf(row);
    });
  }

  listByUser(userId: string, now: number): Promise<ApiKeyRecord[]> {
    return guard(UNAVAILABLE, async () => {
      const rows = await this.db.selectFrom('api_keys').selectAll().where('user_id', '=', userId)
        .where((eb) => eb.or([eb('expires_at', '=', -1), eb('expires_at', '>', now)]))
        .orderBy('id').execute();
      return rows.map(recordOf);
    });
  }

  delete(userId: string, id: string): Promise<boolean> {
    return guard(UNAVAILABLE, async () => {
      const result = await this.db.deleteFrom('api_keys').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}
