import type { ProfileRecord, RoleRecord } from '../../src/storage/ports.js';
import { SqlCredentialStore } from '../../src/storage/sql/sql-credential-store.js';
import { SqlDocumentStore } from '../../src/storage/sql/sql-document-store.js';
import { SqlSessionStore } from '../../src/storage/sql/sql-session-store.js';
import { SqlSettingsStore } from '../../src/storage/sql/sql-settings-store.js';
import { SqlUserStore } from '../../src/storage/sql/sql-user-store.js';
import { credentialStoreConformance } from './credential-store.conformance.js';
import { documentStoreConformance } from './document-store.conformance.js';
import { silentLogger, sqlFactory } from './fixtures.js';
import { sessionStoreConformance } from './session-store.conformance.js';
import { settingsStoreConformance } from './settings-store.conformance.js';
import { userStoreConformance } from './user-store.conformance.js';

const profile = (id: string, variant: number): ProfileRecord => ({
  _id: id,
  policies: [{ roleId: `role-${variant}`, restrictedTo: [{ index: 'shop', collections: ['orders'] }] }],
  ...(variant > 1 ? { rateLimit: variant * 10 } : {}),
});

const role = (id: string, variant: number): RoleRecord => ({
  _id: id,
  controllers: { auth: { actions: { login: true, logout: variant > 1 } } },
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`core/storage/sql (${dialect})`, () => {
    userStoreConformance(sqlFactory(dialect, (database) => new SqlUserStore(database.db)));
    documentStoreConformance('ProfileRecord', sqlFactory(dialect, (database) => new SqlDocumentStore<ProfileRecord>(database.db, 'profiles')), profile);
    documentStoreConformance('RoleRecord', sqlFactory(dialect, (database) => new SqlDocumentStore<RoleRecord>(database.db, 'roles')), role);
    credentialStoreConformance(sqlFactory(dialect, (database) => new SqlCredentialStore(database.db)));
    settingsStoreConformance(sqlFactory(dialect, (database) => new SqlSettingsStore(database.db)));
    sessionStoreConformance(sqlFactory(
      dialect,
      (database) => new SqlSessionStore(database.db, silentLogger),
      (store) => store.close(),
    ));
  });
}

// The embedded default: SQLite with the in-memory session cache that data_version keeps honest.
describe('core/storage/sql (sqlite, with its session cache)', () => {
  sessionStoreConformance(sqlFactory(
    'sqlite',
    (database) => new SqlSessionStore(database.db, silentLogger, undefined, database.dataVersion),
    (store) => store.close(),
  ));
});
