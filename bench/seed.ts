import pg from 'pg';

/** Calls the API over HTTP; throws on an error envelope. */
export async function api(url: string, method: string, path: string, body?: unknown, jwt?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (jwt) headers['authorization'] = `Bearer ${jwt}`;
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const envelope = (await response.json()) as { error: { message: string } | null; result: Record<string, unknown> };
  if (envelope.error) throw new Error(`${method} ${path}: ${envelope.error.message}`);
  return envelope.result;
}

export async function login(url: string, username: string, password: string): Promise<string> {
  return (await api(url, 'POST', '/_login/local', { username, password }))['jwt'] as string;
}

/** Creates users with local credentials through the API (so their passwords are really hashed). */
export async function createUsers(url: string, adminJwt: string, count: number, password: string): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `bench-user-${i}`);
  for (let i = 0; i < names.length; i += 4) {
    await Promise.all(
      names.slice(i, i + 4).map((name) =>
        api(url, 'POST', `/users/${name}/_create`, { content: { profileIds: ['default'] }, credentials: { local: { username: name, password } } }, adminJwt),
      ),
    );
  }
  return names;
}

/**
 * Lifts the `default` profile's rateLimit (10 requests a second per user, Kuzzle's default):
 * the loads send thousands of requests a second per user, which would measure 429s. There is no
 * API for profiles yet, so the row is changed in PostgreSQL; nodes read profiles when they start.
 */
export async function unlimitDefaultProfile(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ body: string }>(`SELECT body FROM "${schema}".profiles WHERE id = 'default'`);
    if (!rows[0]) throw new Error('the default profile is missing');
    await client.query(`UPDATE "${schema}".profiles SET body = $1 WHERE id = 'default'`, [JSON.stringify({ ...JSON.parse(rows[0].body), rateLimit: 0 })]);
  } finally {
    await client.end();
  }
}

/** Adds users straight into PostgreSQL (no credentials): only their number matters to the phase that reads them. */
export async function insertUsers(databaseUrl: string, schema: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let start = 0; start < count; start += 10_000) {
      const ids = Array.from({ length: Math.min(10_000, count - start) }, (_, i) => `bulk-${start + i}`);
      const contents = ids.map((id) => JSON.stringify({ profileIds: ['default'], name: id }));
      await client.query(`INSERT INTO "${schema}".users (id, content) SELECT * FROM unnest($1::text[], $2::text[])`, [ids, contents]);
      await client.query(`INSERT INTO "${schema}".user_profiles (user_id, profile_id) SELECT id, 'default' FROM unnest($1::text[]) AS id`, [ids]);
    }
    await client.query(`VACUUM ANALYZE "${schema}".users, "${schema}".user_profiles`);
  } finally {
    await client.end();
  }
}

/** Removes what insertUsers added, and vacuums, so the tables are as small as before. */
export async function removeInsertedUsers(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DELETE FROM "${schema}".user_profiles WHERE user_id LIKE 'bulk-%'`);
    await client.query(`DELETE FROM "${schema}".users WHERE id LIKE 'bulk-%'`);
    await client.query(`VACUUM ANALYZE "${schema}".users, "${schema}".user_profiles`);
  } finally {
    await client.end();
  }
}

export async function dropStores(databaseUrl: string, schema: string, redisUrl: string, prefix: string): Promise<void> {
  await dropSchema(databaseUrl, schema);
  await dropRedisKeys(redisUrl, prefix);
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

export async function dropRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  await redis.quit();
}
