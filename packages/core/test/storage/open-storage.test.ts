import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pg from 'pg';
import { validateConfig, type ConfigInput } from '../../src/config/index.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/ports.js';
import { deleteKeys, expectRejection, POSTGRES_URL, REDIS_URL, silentLogger, sqlPlace, uniqueName, type SqlPlace } from './fixtures.js';
import { session } from './session-store.conformance.js';
import { MIGRATIONS } from '../../src/storage/sql/migrations.js';

const open = (input: ConfigInput): Promise<Storage> => openStorage(validateConfig(input), silentLogger);

async function migrationNames(place: SqlPlace): Promise<string[]> {
  const { url, schema } = place.options;
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((row) => row.name);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(`select name from "${schema}".kysely_migration order by name`);
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

async function fill(storage: Storage, sessionLifetime: number): Promise<ReturnType<typeof session>> {
  await storage.users.insert({ _id: 'alice', content: { profileIds: ['admin'], name: 'Alice' } });
  await storage.profiles.put({ _id: 'admin', policies: [{ roleId: 'admin' }] });
  await storage.roles.put({ _id: 'admin', controllers: { '*': { actions: { '*': true } } } });
  await storage.credentials.insert({ strategy: 'local', kuid: 'alice', login: 'alice', data: { hash: 'h' } });
  await storage.settings.setIfAbsent('jwt.secret', 'the-secret');
  const created = session('alice', sessionLifetime);
  await storage.sessions.create(created);
  return created;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`core/storage/open-storage (${dialect})`, () => {
    let place: SqlPlace;
    let storage: Storage | undefined;
    beforeEach(async () => {
      place = await sqlPlace(dialect);
    });
    afterEach(async () => {
      await storage?.close();
      storage = undefined;
      await place.remove();
    });

    it('keeps every record across a close and a reopen, and migrates only once', async () => {
      storage = await open({ database: place.options });
      const created = await fill(storage, -1);
      await storage.close();
      storage = await open({ database: place.options });
      expect(await storage.users.get('alice')).to.deep.equal({ _id: 'alice', content: { profileIds: ['admin'], name: 'Alice' } });
      expect(await storage.users.existsWithProfile('admin')).to.equal(true);
      expect(await storage.profiles.list()).to.deep.equal([{ _id: 'admin', policies: [{ roleId: 'admin' }] }]);
      expect((await storage.roles.get('admin'))?.controllers).to.deep.equal({ '*': { actions: { '*': true } } });
      expect(await storage.credentials.findByLogin('local', 'alice')).to.deep.equal({ strategy: 'local', kuid: 'alice', login: 'alice', data: { hash: 'h' } });
      expect(await storage.settings.get('jwt.secret')).to.equal('the-secret');
      expect(await storage.sessions.get(created.id)).to.deep.equal(created);
      expect(await migrationNames(place)).to.deep.equal(Object.keys(MIGRATIONS));
    });

    it('lets several nodes start together on an empty database', async () => {
      const nodes = await Promise.all([1, 2, 3].map(() => open({ database: place.options })));
      try {
        expect(await migrationNames(place)).to.deep.equal(Object.keys(MIGRATIONS));
        expect(await Promise.all(nodes.map((node) => node.settings.setIfAbsent('k', String(nodes.indexOf(node))))))
          .to.satisfy((values: string[]) => new Set(values).size === 1);
      } finally {
        await Promise.all(nodes.map((node) => node.close()));
      }
    });

    it('answers a ping, and closes twice without failing', async () => {
      storage = await open({ database: place.options });
      expect(await storage.ping()).to.deep.equal({ database: true, sessions: true });
      await storage.close();
      await storage.close();
    });

    it('keeps sessions in Redis when a Redis URL is set', async () => {
      const keyPrefix = `${uniqueName()}:`;
      const redis = new Redis(REDIS_URL);
      try {
        storage = await open({ database: place.options, redis: { url: REDIS_URL, keyPrefix } });
        const created = await fill(storage, 60_000);
        expect(await redis.exists(`${keyPrefix}session:${created.id}`)).to.equal(1);
        expect(storage.describe().sessions).to.match(/^redis:\/\//);
        expect(await storage.ping()).to.deep.equal({ database: true, sessions: true });
      } finally {
        redis.disconnect();
        await deleteKeys(keyPrefix);
      }
    });

    it('fails with services.cache.not_connected when Redis cannot be reached', async () => {
      await expectRejection(open({ database: place.options, redis: { url: 'redis://127.0.0.1:1', timeout: 500 } }), 'services.cache.not_connected');
    });
  });
}

describe('core/storage/open-storage', () => {
  it('creates the directory of the SQLite file and puts it in WAL mode', async () => {
    const place = await sqlPlace('sqlite');
    const file = place.options.url.slice('sqlite:'.length);
    try {
      const storage = await open({ database: place.options });
      expect(storage.describe()).to.deep.equal({ database: place.options.url, sessions: place.options.url });
      await storage.close();
      expect(existsSync(file)).to.equal(true);
      const db = new Database(file, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      db.close();
    } finally {
      await place.remove();
    }
  });

  it('lets several processes migrate the same new SQLite file at once', async () => {
    const place = await sqlPlace('sqlite');
    const script = join(dirname(dirname(place.options.url.slice('sqlite:'.length))), 'migrate.mts');
    const database = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../src/storage/sql/database.ts')).href;
    try {
      await writeFile(script, [
        `import { openSqlDatabase } from ${JSON.stringify(database)};`,
        // Every process starts migrating on the same "go", after their unequal start-ups.
        "process.stdout.write('ready\\n');",
        "await new Promise((resolve) => process.stdin.once('data', resolve));",
        `const db = await openSqlDatabase({ url: ${JSON.stringify(place.options.url)}, schema: 'public', timeout: 5000 }, console);`,
        'await db.close();',
        'process.exit(0);',
      ].join('\n'));
      const children = [1, 2, 3, 4].map(() => spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
      await Promise.all(children.map((child) => new Promise((resolve) => child.stdout.once('data', resolve))));
      const exits = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
      for (const child of children) child.stdin.end('go\n');
      expect(await Promise.all(exits)).to.deep.equal([0, 0, 0, 0]);
      expect(await migrationNames(place)).to.deep.equal(Object.keys(MIGRATIONS));
    } finally {
      await place.remove();
    }
  });

  it('describes a PostgreSQL database without its password', async () => {
    const place = await sqlPlace('postgres');
    const url = new URL(POSTGRES_URL);
    url.password = 'not-to-be-logged';
    try {
      const storage = await open({ database: { ...place.options, url: url.toString() } });
      const described = storage.describe();
      await storage.close();
      expect(described.database).to.not.include('not-to-be-logged');
      expect(described.database).to.include(`${url.host}${url.pathname}`).and.include(place.options.schema);
    } finally {
      await place.remove();
    }
  });

  it('fails with services.storage.not_connected within the timeout when PostgreSQL is unreachable', async () => {
    const start = Date.now();
    await expectRejection(open({ database: { url: 'postgres://postgres@127.0.0.1:1/test', timeout: 500 } }), 'services.storage.not_connected');
    expect(Date.now() - start).to.be.below(1500);
  });

  it('refuses a database URL of an unknown kind', async () => {
    const failure = await open({ database: { url: 'mysql://localhost/db' } }).then(() => null, (error: Error) => error);
    expect(failure?.message).to.match(/database\.url/);
  });

  it('fails a call with services.storage.not_connected when a SQLite lock outlasts the timeout', async () => {
    const place = await sqlPlace('sqlite');
    const storage = await open({ database: { ...place.options, timeout: 300 } });
    const blocker = new Database(place.options.url.slice('sqlite:'.length));
    try {
      blocker.exec('begin exclusive');
      await expectRejection(storage.settings.setIfAbsent('k', 'v'), 'services.storage.not_connected');
    } finally {
      blocker.exec('rollback');
      blocker.close();
      await storage.close();
      await place.remove();
    }
  });

  it('fails a call with services.storage.not_connected when a PostgreSQL lock outlasts the timeout', async () => {
    const place = await sqlPlace('postgres');
    const storage = await open({ database: { ...place.options, timeout: 300 } });
    const blocker = new pg.Client({ connectionString: POSTGRES_URL });
    await blocker.connect();
    try {
      await blocker.query(`begin; lock table "${place.options.schema}".settings in access exclusive mode`);
      const start = Date.now();
      await expectRejection(storage.settings.get('k'), 'services.storage.not_connected');
      expect(Date.now() - start).to.be.below(1000);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
      await storage.close();
      await place.remove();
    }
  });
});
