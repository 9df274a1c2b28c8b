import { sql, type Kysely } from 'kysely';
import { loginKey } from '../../credentials/login-key.js';
import { compileClause } from '../../search/compile.js';
import type { SearchQuery } from '../../search/query.js';
import type { CredentialHit, CredentialInsertResult, CredentialRecord, CredentialSearchFields, CredentialStore, ExpectedCredential, SearchPage, SearchResult } from '../ports.js';
import { credentialOrder, credentialTarget } from './credential-search-target.js';
import { guard, isUniqueViolation } from './sql-errors.js';
import type { Tables } from './tables.js';

const UNAVAILABLE = 'services.storage.not_connected';

type CredentialRow = Tables['credentials'];

/**
 * Credentials keyed by (strategy, kuid), with a unique (strategy, loginKey(login)): the
 * database, not a read-then-write, decides who wins a login, and logins that differ only by
 * case, width or invisible characters are one login. The login itself is kept as given.
 * Every method throws services.storage.not_connected when the database does not answer in time.
 */
export class SqlCredentialStore implements CredentialStore {
  constructor(private readonly db: Kysely<Tables>) {}

  findByKuid(strategy: string, kuid: string): Promise<CredentialRecord | null> {
    return this.findOne('kuid', strategy, kuid);
  }

  findByLogin(strategy: string, login: string): Promise<CredentialRecord | null> {
    return this.findOne('login_key', strategy, loginKey(login));
  }

  insert(record: CredentialRecord): Promise<CredentialInsertResult> {
    return guard(UNAVAILABLE, async () => {
      // Two attempts: a conflicting row may vanish between the insert and the look-up.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const result = await this.db.insertInto('credentials')
          .values(toRow(record))
          .onConflict((conflict) => conflict.doNothing())
          .executeTakeFirst();
        if ((result.numInsertedOrUpdatedRows ?? 0n) > 0n) return 'created';
        if (await this.findByKuid(record.strategy, record.kuid)) return 'kuid_taken';
        if (await this.findByLogin(record.strategy, record.login)) return 'login_taken';
      }
      return 'login_taken';
    });
  }

  update(record: CredentialRecord, expected?: ExpectedCredential): Promise<boolean | 'login_taken'> {
    return guard(UNAVAILABLE, async () => {
      try {
        // A transaction of its own, a savepoint inside a unit of work: on PostgreSQL a refused
        // statement spoils its whole transaction, and a plugin told 'login_taken' may go on.
        return await this.db.transaction().execute(async (trx) => {
          let update = trx.updateTable('credentials')
            .set({ login: record.login, login_key: loginKey(record.login), data: JSON.stringify(record.data) })
            .where('strategy', '=', record.strategy)
            .where('kuid', '=', record.kuid);
          // The stored text is what JSON.stringify wrote, and reading it back keeps the key order.
          if (expected) update = update.where('login', '=', expected.login).where('data', '=', JSON.stringify(expected.data));
          const result = await update.executeTakeFirst();
          return result.numUpdatedRows > 0n;
        });
      } catch (error) {
        if (isUniqueViolation(error)) return 'login_taken';
        throw error;
      }
    });
  }

  delete(strategy: string, kuid: string): Promise<boolean> {
    return guard(UNAVAILABLE, async () => {
      const result = await this.db.deleteFrom('credentials')
        .where('strategy', '=', strategy).where('kuid', '=', kuid).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  strategiesOf(kuid: string): Promise<string[]> {
    return guard(UNAVAILABLE, async () => {
      const rows = await this.db.selectFrom('credentials').select('strategy')
        .where('kuid', '=', kuid).orderBy('strategy').execute();
      return rows.map((row) => row.strategy);
    });
  }

  search(strategy: string, query: SearchQuery, page: SearchPage, fields: CredentialSearchFields): Promise<SearchResult<CredentialHit>> {
    return guard(UNAVAILABLE, async () => {
      const condition = compileClause(credentialTarget(fields.query), query.query);
      const order = credentialOrder(query, fields.sort);
      const [rows, counted] = await Promise.all([
        sql<CredentialHit>`select c.kuid, c.login from credentials c where c.strategy = ${strategy} and ${condition} order by ${order} limit ${page.size} offset ${page.from}`.execute(this.db),
        sql<{ total: number | string }>`select count(*) as total from credentials c where c.strategy = ${strategy} and ${condition}`.execute(this.db),
      ]);
      return { hits: rows.rows.map((row) => ({ kuid: row.kuid, login: row.login })), total: Number(counted.rows[0]?.total ?? 0) };
    });
  }
  private findOne(column: 'kuid' | 'login_key', strategy: string, value: string): Promise<CredentialRecord | null> {
    return guard(UNAVAILABLE, async () => {
      const row = await this.db.selectFrom('credentials').select(['strategy', 'kuid', 'login', 'data'])
        .where('strategy', '=', strategy).where(column, '=', value).executeTakeFirst();
      return row === undefined ? null : fromRow(row);
    });
  }
}

function toRow(record: CredentialRecord): CredentialRow {
  return { strategy: record.strategy, kuid: record.kuid, login: record.login, login_key: loginKey(record.login), data: JSON.stringify(record.data) };
}

function fromRow(row: Omit<CredentialRow, 'login_key'>): CredentialRecord {
  return { strategy: row.strategy, kuid: row.kuid, login: row.login, data: JSON.parse(row.data) as Record<string, unknown> };
}
