import type { StrategyCredentials } from '@portcullis/core';
import type { EntryKey } from './entry-key.js';

/** How binding a user's credentials to an entry ended. */
export type BindOutcome = 'bound' | 'bound_elsewhere' | 'entry_taken';

/**
 * Which directory entry each user's `ldap` credentials are bound to, kept in the strategy's
 * bindings namespace (StrategyContext.bindings): one record per user whose `login` is the entry
 * key. The shared database's unique (strategy, login) and (strategy, kuid) make the mapping
 * one-to-one across every node, so two concurrent first logins cannot bind one entry twice.
 *
 * A binding whose user no longer holds `ldap` credentials is stale (a crash between deleting
 * the credentials and their binding): it is dropped when met, never obeyed.
 */
export class EntryBindings {
  constructor(
    private readonly bindings: StrategyCredentials,
    private readonly credentials: StrategyCredentials,
  ) {}

  /** The key the user's credentials are bound to, or null. */
  async keyOf(kuid: string): Promise<EntryKey | null> {
    return (await this.bindings.findByKuid(kuid))?.login ?? null;
  }

  /** The user bound to the entry, or null (a stale binding is dropped). */
  async holderOf(key: EntryKey): Promise<string | null> {
    const record = await this.bindings.findByLogin(key);
    if (!record) return null;
    if (await this.credentials.findByKuid(record.kuid)) return record.kuid;
    await this.bindings.delete(record.kuid);
    return null;
  }

  /**
   * Binds the user's credentials to the entry, unless the user is bound to another entry or
   * the entry to another user. Binding again to the same entry is a success.
   */
  async bind(kuid: string, key: EntryKey): Promise<BindOutcome> {
    // Two attempts: the conflicting binding may be stale, or vanish between insert and look-up.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const outcome = await this.bindings.insert({ kuid, login: key, data: {} });
      if (outcome === 'created') return 'bound';
      if (outcome === 'kuid_taken') {
        const current = await this.keyOf(kuid);
        if (current === key) return 'bound';
        if (current !== null) return 'bound_elsewhere';
      } else {
        const holder = await this.holderOf(key);
        if (holder === kuid) return 'bound';
        if (holder !== null) return 'entry_taken';
      }
    }
    return 'entry_taken';
  }

  /**
   * Moves the user's binding to another key of the same entry (a DN key to an entryUUID key,
   * once `entryKeyAttribute` is configured).
   */
  async rebind(kuid: string, key: EntryKey): Promise<BindOutcome> {
    const outcome = await this.bindings.update({ kuid, login: key, data: {} });
    if (outcome === 'login_taken') return 'entry_taken';
    return outcome ? 'bound' : this.bind(kuid, key);
  }

  /** Forgets the user's binding: their credentials changed, or are gone. */
  async unbind(kuid: string): Promise<void> {
    await this.bindings.delete(kuid);
  }
}
