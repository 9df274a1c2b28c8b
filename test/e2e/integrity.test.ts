import { expect } from 'chai';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createLogger, openSqlDatabase, type SqlDatabase } from '@portcullis/core';
import { HttpClient, type Envelope } from '../support/clients.js';
import { login, sleep } from '../support/fixtures.js';
import { MODES, TestStores, type Mode } from '../support/node.js';
import { listening, startProcess, stopProcess, type Started } from '../support/process.js';
import { POSTGRES_URL, REDIS_URL } from '../support/services.js';

const ROOT = { username: 'root', password: 'root-password-long-enough' };

/** The stores of node processes: an SQLite file in a `data` directory the node creates, or a PostgreSQL schema and a Redis prefix. */
class ProcessStores {
  private readonly stores: TestStores;
  readonly dir: string;
  readonly file: string;

  constructor(readonly mode: Mode) {
    this.stores = new TestStores(mode);
    this.dir = this.stores.dir;
    this.file = join(this.dir, 'data', 'portcullis.db');
    // Cheap hashes, and room in the hashing queue for every request of the one test address:
    // the test is about what a crash and a race leave, not about hashing or its fairness.
    const local = { argon2: { memoryCost: 1024, timeCost: 1 }, maxQueuedHashesPerAddress: 100 };
    writeFileSync(join(this.dir, 'config.json'), JSON.stringify({ plugins: { local } }));
  }

  start(env: Record<string, string> = {}): Started {
    const { name } = this.stores;
    const stores = this.mode === 'embedded'
      ? { PORTCULLIS_DATABASE_URL: `sqlite:${this.file}` }
      : { PORTCULLIS_DATABASE_URL: POSTGRES_URL, PORTCULLIS_DATABASE_SCHEMA: name, PORTCULLIS_REDIS_URL: REDIS_URL, PORTCULLIS_REDIS_PREFIX: `${name}:` };
    return startProcess(this.dir, { PORTCULLIS_PORT: '0', PORTCULLIS_LOG_LEVEL: 'info', ...stores, ...env }, ['--config', 'config.json']);
  }

  /** The database as the nodes left it, opened from this process. */
  open(): Promise<SqlDatabase> {
    const url = this.mode === 'embedded' ? `sqlite:${this.file}` : POSTGRES_URL;
    return openSqlDatabase({ url, schema: this.stores.name, timeout: 5000 }, createLogger({ level: 'silent' }));
  }

  destroy(): Promise<void> {
    return this.stores.destroy();
  }
}

/** Users without credentials and credentials without a user: both must stay empty, whatever happened. */
async function halves(database: SqlDatabase): Promise<{ usersWithout: string[]; credentialsWithout: string[]; users: number }> {
  const usersWithout = await sql<{ id: string }>`select id from users where id not in (select kuid from credentials)`.execute(database.db);
  const credentialsWithout = await sql<{ kuid: string }>`select kuid from credentials where kuid not in (select id from users)`.execute(database.db);
  const users = await database.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return { usersWithout: usersWithout.rows.map((row) => row.id), credentialsWithout: credentialsWithout.rows.map((row) => row.kuid), users: Number(users.n) };
}

/** Creates users, replaces each one's password, then deletes it, until a call fails (the node died). Counts successes by action. */
async function churn(client: HttpClient, jwt: string, prefix: string, succeeded: Record<string, number>): Promise<void> {
  for (let i = 0; ; i++) {
    const kuid = `${prefix}-${Math.floor(i / 3)}`;
    const calls: Envelope[] = [
      { controller: 'security', action: 'createUser', jwt, _id: kuid, body: { content: { profileIds: ['default'] }, credentials: { local: { username: kuid, password: `${kuid}-password` } } } },
      { controller: 'security', action: 'updateCredentials', jwt, _id: kuid, strategy: 'local', body: { password: `${kuid}-new-password` } },
      { controller: 'security', action: 'deleteUser', jwt, _id: kuid },
    ];
    const call = calls[i % 3]!;
    try {
      if ((await client.call(call)).status === 200) succeeded[call.action] = (succeeded[call.action] ?? 0) + 1;
    } catch {
      return;
    }
  }
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

for (const mode of MODES) {
  describe(`e2e: a node killed during user writes leaves nothing half-written (${mode})`, function () {
    this.timeout(120_000);
    let stores: ProcessStores;

    before(() => {
      stores = new ProcessStores(mode);
    });

    after(async () => {
      await stores?.destroy();
    });

    it('keeps every user with its credentials and every credential with its user across SIGKILLs at random instants', async () => {
      const succeeded: Record<string, number> = {};
      // Each kill lands at a random instant after the round's writes are under way (two deletions
      // done), however slow the machine: fixed delays alone left loaded runs with too few writes.
      const delays = [50, 150, 300, 450].map((base) => base + Math.floor(Math.random() * 150));
      for (const [round, delay] of delays.entries()) {
        const node = stores.start({ PORTCULLIS_ADMIN_USERNAME: ROOT.username, PORTCULLIS_ADMIN_PASSWORD: ROOT.password });
        try {
          const client = new HttpClient(await listening(node));
          const jwt = await login(client, ROOT.username, ROOT.password);
          if (round === 0 && mode === 'embedded') {
            // The database holds the token secret and the sessions: its owner's only.
            expect(modeOf(join(stores.dir, 'data')), 'data directory').to.equal('700');
            for (const file of [stores.file, `${stores.file}-wal`, `${stores.file}-shm`]) expect(modeOf(file), file).to.equal('600');
          }
          const workers = Array.from({ length: 12 }, (_, worker) => churn(client, jwt, `r${round}w${worker}`, succeeded));
          const deletedBefore = succeeded['deleteUser'] ?? 0;
          for (let waited = 0; (succeeded['deleteUser'] ?? 0) < deletedBefore + 2 && waited < 20_000; waited += 10) await sleep(10);
          await sleep(delay);
          node.child.kill('SIGKILL');
          await node.exited;
          await Promise.all(workers);
        } finally {
          await stopProcess(node, 'SIGKILL');
        }
        const database = await stores.open();
        try {
          const found = await halves(database);
          expect(found.usersWithout, `round ${round} (kill ${delay} ms after two deletions): users without credentials`).to.deep.equal([]);
          expect(found.credentialsWithout, `round ${round} (kill ${delay} ms after two deletions): credentials without a user`).to.deep.equal([]);
        } finally {
          await database.close();
        }
      }
      // The kills landed while writes were under way, not before any began.
      for (const action of ['createUser', 'updateCredentials', 'deleteUser']) expect(succeeded[action] ?? 0, action).to.be.greaterThan(5);
    });
  });

  describe(`e2e: two nodes on one database and many createFirstAdmin calls at once (${mode})`, function () {
    this.timeout(60_000);
    let stores: ProcessStores;
    let nodes: Started[] = [];

    before(() => {
      stores = new ProcessStores(mode);
    });

    after(async () => {
      for (const node of nodes) await stopProcess(node);
      await stores?.destroy();
    });

    it('creates exactly one administrator; every other call is refused by id', async () => {
      nodes = [stores.start(), stores.start()];
      const clients = await Promise.all(nodes.map(async (node) => new HttpClient(await listening(node))));
      const calls = clients.flatMap((client, n) => Array.from({ length: 15 }, (_, i) => client.call({
        controller: 'security', action: 'createFirstAdmin', _id: `admin-${n}-${i}`,
        body: { credentials: { local: { username: `admin-${n}-${i}`, password: 'first-admin-password' } } },
      })));
      const answers = await Promise.all(calls);
      const created = answers.filter((answer) => answer.status === 200);
      expect(created, JSON.stringify(answers.map((answer) => answer.error?.id ?? answer.status))).to.have.length(1);
      for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
        // Refused by the action's guard, or, once the administrator exists, by the rights check before it.
        expect(['api.process.admin_exists', 'security.rights.unauthorized']).to.include(answer.error?.id);
      }
      const database = await stores.open();
      try {
        const admins = await database.db.selectFrom('user_profiles').select('user_id').where('profile_id', '=', 'admin').execute();
        expect(admins).to.have.length(1);
        const found = await halves(database);
        expect(found).to.deep.equal({ usersWithout: [], credentialsWithout: [], users: 1 });
      } finally {
        await database.close();
      }
    });
  });
}
