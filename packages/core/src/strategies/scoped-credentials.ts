import { loginKey } from '../credentials/login-key.js';
import { fail } from '../errors/index.js';
import { parseSearchBody } from '../search/parse-query.js';
import type { CredentialSearchFields, CredentialStore, ExpectedCredential, SearchPage } from '../storage/ports.js';
import type { StrategyCredentials } from './strategy-plugin.js';

type Writable = Parameters<StrategyCredentials['insert']>[0];

/**
 * The core's credential store seen by one strategy: every call is bound to `strategy`, so a
 * plugin reads and writes only its own records. The name is spread last on writes: a plugin
 * passing a `strategy` key at run time (the type forbids it) still cannot write elsewhere.
 *
 * Logins are compared by their canonical key (see loginKey) by the store, for every strategy
 * alike; a login that would have an empty key (only invisible characters) is refused here.
 * @throws security.credentials.rejected from insert and update for such a login
 */
export function scopeCredentials(store: CredentialStore, strategy: string): StrategyCredentials {
  return Object.freeze({
    findByKuid: (kuid: string) => store.findByKuid(strategy, kuid),
    findByLogin: (login: string) => store.findByLogin(strategy, login),
    insert: async (record: Writable) => store.insert({ ...visible(record), strategy }),
    update: async (record: Writable, expected?: ExpectedCredential) => store.update({ ...visible(record), strategy }, expected),
    delete: (kuid: string) => store.delete(strategy, kuid),
    search: async (body: unknown, page: SearchPage, fields: CredentialSearchFields) => store.search(strategy, parseSearchBody(body), page, fields),
  });
}

/** @throws security.credentials.rejected when the login has no visible character */
export function assertVisibleLogin(login: unknown): void {
  if (typeof login === 'string' && loginKey(login) === '') throw fail('security.credentials.rejected', 'the login must hold a visible character');
}

function visible(record: Writable): Writable {
  assertVisibleLogin(record.login);
  return record;
}
