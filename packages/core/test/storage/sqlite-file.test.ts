import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logging/logger.js';
import { openSqlDatabase } from '../../src/storage/sql/database.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** A logger that keeps what it logs, to check what the operator is told. */
function recordingLogger(lines: Array<Record<string, unknown>>) {
  return createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
}

describe('core/storage/sql/sqlite-file', () => {
  let root: string;
  let umask: number;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'portcullis-modes-'));
    // A lax umask, as on many hosts: the modes must not depend on it.
    umask = process.umask(0o002);
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  async function open(path: string, lines: Array<Record<string, unknown>> = []): Promise<void> {
    const database = await openSqlDatabase({ url: `sqlite:${path}`, schema: 'public', timeout: 2000 }, recordingLogger(lines));
    // A write, so that the -wal and -shm files exist.
    await database.db.insertInto('settings').values({ key: randomUUID(), value: 'v' }).execute();
    expect(modeOf(`${path}-wal`)).to.equal('600');
    expect(modeOf(`${path}-shm`)).to.equal('600');
    await database.close();
  }

  it('creates the missing directories 0700 and the file 0600, whatever the umask', async () => {
    const path = join(root, 'var', 'data', 'portcullis.db');
    await open(path);
    expect(modeOf(join(root, 'var'))).to.equal('700');
    expect(modeOf(join(root, 'var', 'data'))).to.equal('700');
    expect(modeOf(path)).to.equal('600');
  });

  it('leaves a directory it did not create as it is', async () => {
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    await open(join(shared, 'portcullis.db'));
    expect(modeOf(shared)).to.equal('755');
    expect(modeOf(join(shared, 'portcullis.db'))).to.equal('600');
  });

  it('takes other users\' rights away from an existing database file, and says so', async () => {
    const path = join(root, 'old.db');
    await open(path);
    chmodSync(path, 0o644);
    const lines: Array<Record<string, unknown>> = [];
    await open(path, lines);
    expect(modeOf(path)).to.equal('600');
    const warning = lines.find((line) => line['file'] === path);
    expect(warning?.['mode']).to.equal('644');
  });

  it('opens an existing owner-only file without a word', async () => {
    const path = join(root, 'quiet.db');
    writeFileSync(path, '', { mode: 0o600 });
    const lines: Array<Record<string, unknown>> = [];
    await open(path, lines);
    expect(lines.filter((line) => line['file'] !== undefined)).to.deep.equal([]);
  });
});
