import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { SqlAuditStore, type AuditEvent } from '../../src/index.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { dropSchema, POSTGRES_URL, silentLogger, uniqueName } from '../storage/fixtures.js';

const event = (at: number, type: AuditEvent['type'] = 'auth:login', userId: string | null = null): AuditEvent => ({
  _id: randomUUID(), at, type, outcome: 'success', userId, actorId: null, strategy: null, ip: null, userAgent: null, details: {},
});

describe('core/storage/sql/sql-audit-store (PostgreSQL, two nodes)', () => {
  const schema = uniqueName('audit');
  let first: SqlDatabase;
  let second: SqlDatabase;

  before(async () => {
    first = await openSqlDatabase({ url: POSTGRES_URL, schema, timeout: 5000 }, silentLogger);
    second = await openSqlDatabase({ url: POSTGRES_URL, schema, timeout: 5000 }, silentLogger);
  });

  after(async () => {
    await first?.close();
    await second?.close();
    await dropSchema(schema);
  });

  it('purges each expired event once when two nodes purge at the same time, in bounded statements', async () => {
    const now = Date.now();
    const a = new SqlAuditStore(first.db);
    const b = new SqlAuditStore(second.db);
    const expired = Array.from({ length: 300 }, (_, i) => event(now - 100_000 - i));
    await a.insert(expired);
    await a.insert([event(now)]);
    const purgeAll = async (store: SqlAuditStore) => {
      let total = 0;
      for (;;) {
        const count = await store.purge(now - 50_000, 25);
        expect(count).to.be.at.most(25);
        total += count;
        if (count === 0) return total;
      }
    };
    const [byA, byB] = await Promise.all([purgeAll(a), purgeAll(b)]);
    expect(byA + byB).to.equal(300);
    const { hits, total } = await b.search({}, { from: 0, size: 10 });
    expect(total).to.equal(1);
    expect(hits[0]!.at).to.equal(now);
  });

  it('filters by several types and a user, newest first, with the total', async () => {
    const store = new SqlAuditStore(first.db);
    const now = Date.now();
    await store.insert([event(now + 1, 'user:update', 'ann'), event(now + 2, 'user:delete', 'ann'), event(now + 3, 'user:update', 'ben')]);
    const { hits, total } = await store.search({ types: ['user:update', 'user:delete'], userId: 'ann' }, { from: 0, size: 10 });
    expect(total).to.equal(2);
    expect(hits.map((hit) => hit.type)).to.deep.equal(['user:delete', 'user:update']);
  });
});
