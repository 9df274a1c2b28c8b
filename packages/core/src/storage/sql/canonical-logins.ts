import type { Kysely, Migration } from 'kysely';
import { loginKey } from '../../credentials/login-key.js';

type Row = { strategy: string; kuid: string; login: string };
interface MigrationTables {
  credentials: Row & { login_key: string };
}

/**
 * Migration 0003_canonical_logins: a `login_key` column (see {@link loginKey}) unique per
 * strategy, so that "Alice", "ａｌｉｃｅ" and "alice\u200B" are one login. Existing rows get
 * their key here. When two existing logins share a key, the migration fails and the node does
 * not start: which of the two users keeps the login is for an operator to decide, not for us.
 */
export const canonicalLogins: Migration = {
  async up(untyped: Kysely<unknown>): Promise<void> {
    const db = untyped as Kysely<MigrationTables>;
    await db.schema.alterTable('credentials').addColumn('login_key', 'text', (column) => column.notNull().defaultTo('')).execute();
    const rows = await db.selectFrom('credentials').select(['strategy', 'kuid', 'login']).execute();
    assertNoCollision(rows);
    for (const row of rows) {
      await db.updateTable('credentials').set({ login_key: loginKey(row.login) })
        .where('strategy', '=', row.strategy).where('kuid', '=', row.kuid).execute();
    }
    await db.schema.createIndex('credentials_login_key').on('credentials').columns(['strategy', 'login_key']).unique().execute();
  },
  async down(untyped: Kysely<unknown>): Promise<void> {
    const db = untyped as Kysely<MigrationTables>;
    await db.schema.dropIndex('credentials_login_key').ifExists().execute();
    await db.schema.alterTable('credentials').dropColumn('login_key').execute();
  },
};

/** @throws Error naming every group of logins that would become one (logins and kuids are not secrets) */
export function assertNoCollision(rows: readonly Row[]): void {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.strategy, loginKey(row.login)]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const collisions = [...groups.values()].filter((group) => group.length > 1);
  if (collisions.length === 0) return;
  const described = collisions
    .map((group) => `strategy "${group[0]!.strategy}": ${group.map((row) => `${shown(row.login)} (user "${row.kuid}")`).join(', ')}`)
    .join('; ');
  throw new Error(
    `migration 0003_canonical_logins: these logins differ only by case, width or invisible characters and would become one: ${described}. ` +
      'Give all but one of each group another login (security:updateCredentials on the previous version, or an UPDATE of the credentials table), then start again.',
  );
}

/** The login quoted, its invisible characters written as \uXXXX so that an operator sees them. */
function shown(login: string): string {
  return JSON.stringify(login).replace(/[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu, (character) => `\\u${character.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
