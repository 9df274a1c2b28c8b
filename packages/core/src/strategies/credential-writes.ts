/**
 * The credential bookkeeping every strategy does, turning the store's outcomes into the
 * catalogued errors of docs/plugins.md. Each call goes through the plugin's facet, so a wrapper
 * around the facet still sees it.
 */

import { fail } from '../errors/index.js';
import type { CredentialRecord } from '../storage/ports.js';
import { assertVisibleLogin } from './scoped-credentials.js';
import type { StrategyCredentials } from './strategy-plugin.js';

type StrategyRecord = Omit<CredentialRecord, 'strategy'>;

/**
 * Logins are compared by their canonical key: "Alice" is taken when "alice" is.
 * @throws security.credentials.login_taken when a user other than `kuid` holds `login`,
 *   security.credentials.rejected when `login` has no visible character
 */
export async function assertLoginFree(credentials: StrategyCredentials, login: string, kuid: string | null): Promise<void> {
  assertVisibleLogin(login);
  const holder = await credentials.findByLogin(login);
  if (holder && holder.kuid !== kuid) throw fail('security.credentials.login_taken', login);
}

/** @throws security.credentials.login_taken, security.credentials.already_exist (the user has credentials of `strategy` already) */
export async function insertCredentials(credentials: StrategyCredentials, strategy: string, record: StrategyRecord): Promise<void> {
  const outcome = await credentials.insert(record);
  if (outcome === 'login_taken') throw fail('security.credentials.login_taken', record.login);
  if (outcome === 'kuid_taken') throw fail('security.credentials.already_exist', record.kuid, strategy);
}

/** @throws security.credentials.login_taken, security.credentials.not_found (the user has no credentials of `strategy`) */
export async function updateCredentials(credentials: StrategyCredentials, strategy: string, record: StrategyRecord): Promise<void> {
  const outcome = await credentials.update(record);
  if (outcome === 'login_taken') throw fail('security.credentials.login_taken', record.login);
  if (outcome === false) throw fail('security.credentials.not_found', record.kuid, strategy);
}

/** @throws security.credentials.not_found when the user has no credentials of `strategy` */
export async function deleteCredentials(credentials: StrategyCredentials, strategy: string, kuid: string): Promise<void> {
  if (!(await credentials.delete(kuid))) throw fail('security.credentials.not_found', kuid, strategy);
}
