import type { CredentialStore } from '../storage/ports.js';
import type { StrategyCredentials } from './strategy-plugin.js';

/**
 * The core's credential store seen by one strategy: every call is bound to `strategy`, so a
 * plugin reads and writes only its own records. The name is spread last on writes: a plugin
 * passing a `strategy` key at run time (the type forbids it) still cannot write elsewhere.
 */
export function scopeCredentials(store: CredentialStore, strategy: string): StrategyCredentials {
  return Object.freeze({
    findByKuid: (kuid: string) => store.findByKuid(strategy, kuid),
    findByLogin: (login: string) => store.findByLogin(strategy, login),
    insert: (record: Parameters<StrategyCredentials['insert']>[0]) => store.insert({ ...record, strategy }),
    update: (record: Parameters<StrategyCredentials['update']>[0]) => store.update({ ...record, strategy }),
    delete: (kuid: string) => store.delete(strategy, kuid),
  });
}
