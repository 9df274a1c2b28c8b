import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PHASES, renderPage } from '../../bench/page.js';

const ROOT = new URL('../../', import.meta.url);

/**
 * The benchmark is not run by the tests (speed lives in `npm run bench`), but it must keep
 * compiling against the code it measures, and its page must stay the one it writes.
 */
describe('bench/', () => {
  it('type-checks against the current packages', async () => {
    const tsc = new URL('node_modules/typescript/bin/tsc', ROOT).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [tsc, '-p', 'bench'], { cwd: ROOT.pathname }).catch((error: { stdout: string }) => error);
    expect(stdout).to.equal('');
  });

  it('documents the npm scripts that docs/performance.md tells readers to run', () => {
    const scripts = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const page = readFileSync(new URL('docs/performance.md', ROOT), 'utf8');
    for (const script of ['bench', 'bench:compare']) {
      expect(page, script).to.include(`npm run ${script}`);
      expect(scripts[script], script).to.include(script === 'bench' ? 'bench/run.ts' : 'bench/compare.ts');
    }
  });

  it('keeps the page as bench/run.ts writes it, a section per phase', () => {
    const page = readFileSync(new URL('docs/performance.md', ROOT), 'utf8');
    // A run that measures no phase rewrites the prose and keeps every section: the page must not change.
    expect(renderPage({}, page)).to.equal(page);
    for (const phase of PHASES) expect(page, phase).to.include(`<!-- phase ${phase} -->`).and.include(`BENCH_PHASES=${phase}`);
  });

  it('reports the p99 of searching 1,000,000 users by login prefix and by a content field', () => {
    const page = readFileSync(new URL('docs/performance.md', ROOT), 'utf8');
    const search = page.slice(page.indexOf('<!-- phase search -->'), page.indexOf('<!-- /phase search -->'));
    expect(search).to.include('1000000 users').and.include('| p99 ms |');
    expect(search).to.match(/\| searchUsersByCredentials, local login prefix, size 10 \| PostgreSQL \+ Redis \| \d+ \| [\d.]+ \| [\d.]+ \| 0 \|/);
    expect(search).to.match(/\| searchUsers, term on a keyword, size 10 \| PostgreSQL \+ Redis \| \d+ \| [\d.]+ \| [\d.]+ \| 0 \|/);
  });
});
