import type { ColumnType } from 'kysely';

/**
 * The SQL tables after the migrations, as Kysely sees them. Documents are JSON stored as
 * text so that one schema serves SQLite and PostgreSQL alike.
 */
export interface Tables {
  users: { id: string; content: string };
  /** One row per (user, profile), kept in step with `users.content.profileIds`. */
  user_profiles: { user_id: string; profile_id: string };
  /** One row per value of a mapped user field (migration 0004): see search-index.ts. */
  user_fields: { user_id: string; field: string; value_text: string | null; value_number: number | null };
  profiles: { id: string; body: string };
  roles: { id: string; body: string };
  /** `login_key` (migration 0003) is loginKey(login): unique per strategy. */
  credentials: { strategy: string; kuid: string; login: string; login_key: string; data: string };
  settings: { key: string; value: string };
  /** Migration 0007_audit_log: see audit-log-table.ts. `details` is JSON text. */
  audit_events: {
    id: string;
    at: ColumnType<number | string, number, number>;
    type: string;
    outcome: string;
    user_id: string | null;
    actor_id: string | null;
    strategy: string | null;
    ip: string | null;
    user_agent: string | null;
    details: string;
  };
  sessions: {
    id: string;
    kuid: string;
    kind: string;
    /** PostgreSQL returns BIGINT as a string: read it through `Number()`. */
    expires_at: ColumnType<number | string, number, number>;
    ttl: ColumnType<number | string, number, number>;
    /** 0 or 1: a portable boolean. */
    refreshed: number;
    created_at: ColumnType<number | string, number, number>;
    last_used_at: ColumnType<number | string, number, number>;
    strategy: string | null;
    ip: string | null;
    user_agent: string | null;
    /** 0 or 1 (migration 0005): a token good for one request. */
    single_use: ColumnType<number, number | undefined, number>;
  };
  /** Migration 0005: API keys, never the key itself (see api-keys-migration.ts). */
  api_keys: {
    user_id: string;
    id: string;
    description: string;
    expires_at: ColumnType<number | string, number, number>;
    ttl: ColumnType<number | string, number, number>;
    created_at: ColumnType<number | string, number, number>;
    session_id: string;
    fingerprint: string;
  };
}

/** The tables that hold small documents by id. */
export type DocumentTable = 'profiles' | 'roles';
