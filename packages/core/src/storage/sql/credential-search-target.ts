import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { loginKey } from '../../credentials/login-key.js';
import { fail } from '../../errors/index.js';
import { conditionAlgebra, type SearchField, type SearchTarget } from '../../search/compile.js';
import type { SearchQuery } from '../../search/query.js';
import type { CredentialSearchFields } from '../ports.js';

const COLUMNS = { login: 'c.login_key', kuid: 'c.kuid' } as const;

/**
 * Credentials of one strategy as a search target, over the columns of `credentials` (the
 * unique index (strategy, login_key) serves login tests): logins are compared by their
 * canonical key, so a search finds them as a login does, whatever the case.
 * @throws services.storage.unknown_field from `field` for a field the strategy does not expose
 */
export function credentialTarget(fields: CredentialSearchFields['query']): SearchTarget {
  return {
    ...conditionAlgebra,
    field(name): SearchField {
      const column = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (column === undefined) throw fail('services.storage.unknown_field', name, `this strategy's search accepts ${Object.keys(fields).join(', ')}`);
      return {
        type: 'keyword',
        ...(column === 'login' ? { normalize: loginKey } : {}),
        where: (test) => test(sql.ref(COLUMNS[column])),
        exists: () => conditionAlgebra.all,
      };
    },
    ids: (values) => sql<SqlBool>`c.login_key in (${sql.join(values.map(loginKey))})`,
  };
}

/** ORDER BY of a credential search: the sort keys, then the kuid. @throws services.storage.unknown_field */
export function credentialOrder(query: SearchQuery, fields: CredentialSearchFields['sort']): RawBuilder<unknown> {
  const keys = query.sort.map(({ field, order }) => {
    const column = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (column === undefined) throw fail('services.storage.unknown_field', field, `this strategy's search sorts by ${Object.keys(fields).join(', ')}`);
    return sql`${sql.ref(COLUMNS[column])} ${sql.raw(order)}`;
  });
  keys.push(sql`c.kuid asc`);
  return sql.join(keys);
}

