import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { AuditEvent } from '@portcullis/core';
import type { ApiClient } from './clients.js';
import { ok, sleep } from './fixtures.js';
import type { TestStores } from './node.js';
import { POSTGRES_URL } from './services.js';

export interface AuditPageResult {
  hits: AuditEvent[];
  total: number;
  cursor: string | null;
}

/** security:searchAuditEvents as `jwt`, with `filters` as arguments. */
export async function searchAudit(client: ApiClient, jwt: string, filters: Record<string, unknown> = {}): Promise<AuditPageResult> {
  return ok<AuditPageResult>(await client.call({ controller: 'security', action: 'searchAuditEvents', jwt, ...filters }));
}

/**
 * The events matching `filters` once `until` holds for them: events are written in batches,
 * a few milliseconds after the request that caused them.
 */
export async function awaitEvents(
  client: ApiClient, jwt: string, filters: Record<string, unknown>, until: (hits: AuditEvent[]) => boolean, timeoutMs = 5000,
): Promise<AuditEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { hits } = await searchAudit(client, jwt, filters);
    if (until(hits)) return hits;
    if (Date.now() > deadline) throw new Error(`audit events ${JSON.stringify(filters)} never matched; last: ${JSON.stringify(hits)}`);
    await sleep(25);
  }
}

/** Every row of the audit table, read with SQL (not through the API), as text. */
export async function auditTableText(stores: TestStores): Promise<string> {
  if (stores.mode === 'embedded') {
    const db = new Database(join(stores.dir, 'portcullis.db'), { readonly: true });
    try {
      return JSON.stringify(db.prepare('select * from audit_events').all());
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return JSON.stringify((await client.query(`select * from "${stores.name}".audit_events`)).rows);
  } finally {
    await client.end();
  }
}
