import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openSqlDatabase, openStorage, SecurityService, validateConfig, type ProfileRecord, type Storage } from '../../src/index.js';
import { waitFor } from '../storage/fixtures.js';

describe('core/security/security-service', () => {
  let dir: string;
  let storage: Storage;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-security-'));
    storage = await openStorage(validateConfig({ database: { url: `sqlite:${join(dir, 'db.sqlite')}` } }), createLogger({ level: 'silent' }));
  });

  after(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('#reload', () => {
    it('never lets a reload that read before a change overwrite one that read after it', async () => {
      // The first list() answers what it read only when released: a slow read from before the change.
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      let calls = 0;
      const profiles = {
        ...storage.profiles,
        get: (id: string) => storage.profiles.get(id),
        put: (profile: ProfileRecord) => storage.profiles.put(profile),
        delete: (id: string) => storage.profiles.delete(id),
        async list() {
          const read = await storage.profiles.list();
          if (++calls === 2) await released;
          return read;
        },
      };
      const security = new SecurityService({ ...storage, transaction: (run) => storage.transaction(run), lock: (name) => storage.lock(name), profiles });
      await security.init();
      const user = { _id: 'u', content: { profileIds: ['default'] } };
      expect(security.rateLimitOf(user)).to.equal(10);
      const stale = security.reload();
      await storage.profiles.put({ _id: 'default', policies: [{ roleId: 'default' }], rateLimit: 3 });
      await security.rightsChanged();
      expect(security.rateLimitOf({ ...user, content: { profileIds: ['default'] } })).to.equal(3);
      release();
      await stale;
      expect(security.rateLimitOf({ ...user, content: { profileIds: ['default'] } })).to.equal(3);
      security.close();
    });

    it('reloads when another node announces a change, and when announcements may have been lost', async () => {
      const security = new SecurityService(storage);
      await security.init();
      const rateLimit = () => security.rateLimitOf({ _id: 'u', content: { profileIds: ['default'] } });
      await storage.profiles.put({ _id: 'default', policies: [{ roleId: 'default' }], rateLimit: 7 });
      await storage.sessions.announceRightsChange();
      await waitFor(() => rateLimit() === 7, 2000, 'the announced reload');
      await storage.sessions.announceUserChange('nobody');
      expect(rateLimit()).to.equal(7);
      // Another process (a second node, the CLI) commits to the file: this node cannot have heard of it.
      const other = await openSqlDatabase({ url: `sqlite:${join(dir, 'db.sqlite')}`, schema: 'public', timeout: 2000 }, createLogger({ level: 'silent' }));
      try {
        await other.db.updateTable('profiles').set({ body: JSON.stringify({ policies: [{ roleId: 'default' }], rateLimit: 10 }) }).where('id', '=', 'default').execute();
      } finally {
        await other.close();
      }
      await storage.sessions.get('any-session');
      await waitFor(() => rateLimit() === 10, 2000, 'the reload after a foreign commit');
      security.close();
    });
  });
});
