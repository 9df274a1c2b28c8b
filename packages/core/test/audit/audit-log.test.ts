import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, createLogger, openStorage, validateConfig, type AuditEvent, type Storage } from '@portcullis/core';

describe('core/audit/audit-log', () => {
  let dir: string;
  let storage: Storage;
  const logger = createLogger({ level: 'silent' });
  const logOf = (audit: Record<string, unknown>) => new AuditLog(storage.audit, validateConfig({ audit }).audit, logger);
  const all = async () => (await storage.audit.search({}, { from: 0, size: 1000 })).hits;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-audit-'));
    storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), logger);
  });

  afterEach(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('#record', () => {
    it('writes nothing on the caller\'s turn, and every event by the next flush', async () => {
      const audit = logOf({ flushInterval: 60_000 });
      audit.record({ type: 'auth:login', userId: 'ann', strategy: 'local' });
      expect(await all()).to.have.length(0);
      await audit.close();
      const [event] = await all();
      expect(event).to.include({ type: 'auth:login', outcome: 'success', userId: 'ann', actorId: null, strategy: 'local' });
    });

    it('drops and counts what does not fit in audit.bufferSize, never holding more', async () => {
      const audit = logOf({ flushInterval: 60_000, bufferSize: 2, batchSize: 1000 });
      for (let i = 0; i < 5; i++) audit.record({ type: 'user:update', userId: `u${i}` });
      expect(audit.dropped).to.equal(3);
      await audit.flush();
      expect((await all()).map((event) => event.userId).sort()).to.deep.equal(['u0', 'u1']);
    });

    it('cuts long strings and long lists of details', async () => {
      const audit = logOf({});
      audit.record({ type: 'user:update', userAgent: 'x'.repeat(5000), details: { fields: Array.from({ length: 500 }, (_, i) => `f${i}`) } });
      await audit.flush();
      const [event] = await all();
      expect(event!.userAgent).to.have.length(512);
      expect(event!.details['fields']).to.have.length(100);
    });

    it('drops a batch the database refuses, counted, without throwing, and still hands it to the hooks', async () => {
      const audit = logOf({ flushInterval: 60_000 });
      const heard: AuditEvent[] = [];
      audit.subscribe('test', { 'auth:logout': (event) => void heard.push(event) });
      await storage.close();
      audit.record({ type: 'auth:logout', userId: 'ann' });
      audit.record({ type: 'auth:logout', userId: 'ben' });
      await audit.close();
      expect(audit.dropped).to.equal(2);
      expect(heard.map((event) => event.userId)).to.deep.equal(['ann', 'ben']);
      storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), logger);
    });

    it('stores nothing when audit.enabled is false, yet hooks hear of the events', async () => {
      const audit = logOf({ enabled: false });
      const heard: string[] = [];
      audit.subscribe('test', { 'auth:login': (event) => void heard.push(event.type) });
      audit.record({ type: 'auth:login', userId: 'ann' });
      await audit.close();
      expect(await all()).to.have.length(0);
      expect(heard).to.deep.equal(['auth:login']);
    });
  });

  describe('hooks', () => {
    it('skips, counted, the calls beyond audit.maxPendingHooks while hooks hang', async () => {
      const audit = logOf({ maxPendingHooks: 2, hookTimeout: 50 });
      let calls = 0;
      audit.subscribe('stuck', { 'auth:login': () => { calls++; return new Promise<void>(() => undefined); } });
      for (let i = 0; i < 5; i++) audit.record({ type: 'auth:login' });
      const started = Date.now();
      await audit.close();
      expect(calls).to.equal(2);
      // close() waits for running hooks at most until their timeout.
      expect(Date.now() - started).to.be.below(2000);
      audit.record({ type: 'auth:login' });
      await audit.close();
      expect(calls).to.equal(3);
    });
  });

  describe('#purgeExpired', () => {
    it('deletes the events older than audit.retention in bounded statements, and keeps the others', async () => {
      const now = Date.now();
      const event = (id: number, at: number): AuditEvent => ({
        _id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, at, type: 'auth:login', outcome: 'success', userId: null, actorId: null, strategy: null, ip: null, userAgent: null, details: {},
      });
      await storage.audit.insert([...Array.from({ length: 7 }, (_, i) => event(i, now - 10_000 - i)), event(99, now)]);
      const audit = logOf({ retention: 5000, purgeBatchSize: 3 });
      expect(await audit.purgeExpired(now)).to.equal(7);
      expect((await all()).map((kept) => kept._id)).to.deep.equal([event(99, now)._id]);
      expect(await audit.purgeExpired(now)).to.equal(0);
    });
  });
});
