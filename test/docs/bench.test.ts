import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

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
});
