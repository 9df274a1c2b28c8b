/**
 * Before/after on the hot path, in one run (`npm run bench:compare -- [git ref]`, default HEAD):
 * builds the ref in a throw-away worktree, seeds it and this checkout as two Portcullis clusters
 * in the production configuration (pinned to core 0), and alternates the current-user loads over
 * HTTP and WebSocket between them, round after round, each round on a fresh process. Prints the
 * medians and the change; this is the figure a change on the hot path reports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { alternate, log, onFreshProcess, portcullisNode, ROUNDS, SECONDS } from './harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const BASE_DIR = resolve(ROOT, 'bench/.base');
const ref = process.argv[2] ?? 'HEAD';

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
}

/** A worktree of `ref` with its own install (workspace links must point into it) and build. */
function buildBase(): string {
  if (existsSync(BASE_DIR)) run('git', ['worktree', 'remove', '--force', BASE_DIR], ROOT);
  const commit = run('git', ['rev-parse', '--short', ref], ROOT).trim();
  log(`building ${ref} (${commit}) in bench/.base`);
  run('git', ['worktree', 'add', '--detach', BASE_DIR, commit], ROOT);
  run('npm', ['ci', '--no-audit', '--no-fund'], BASE_DIR);
  run('npx', ['tsc', '-b'], BASE_DIR);
  return commit;
}

async function main(): Promise<void> {
  const commit = buildBase();
  const before = await portcullisNode('before', 0, BASE_DIR);
  const after = await portcullisNode('after', 0);
  try {
    log('GET /_me, before and after');
    const http = await alternate('http', { before: onFreshProcess(before, 'me'), after: onFreshProcess(after, 'me') });
    log('WebSocket getCurrentUser, before and after');
    const ws = await alternate('ws', { before: onFreshProcess(before, 'meWs'), after: onFreshProcess(after, 'meWs') });
    const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
    const rows = [
      `Before: ${ref} (${commit}). After: this checkout. Medians of ${ROUNDS} rounds of ${SECONDS} s, each on a fresh process.`,
      '',
      '| load | before | after | change | p99 before | p99 after |',
      '| --- | --- | --- | --- | --- | --- |',
      `| GET /_me (req/s) | ${http['before']!.rps.toFixed(0)} | ${http['after']!.rps.toFixed(0)} | ${change(http['before']!.rps, http['after']!.rps)} | ${http['before']!.p99} ms | ${http['after']!.p99} ms |`,
      `| WebSocket getCurrentUser (msg/s) | ${ws['before']!.rps.toFixed(0)} | ${ws['after']!.rps.toFixed(0)} | ${change(ws['before']!.rps, ws['after']!.rps)} | ${ws['before']!.p99} ms | ${ws['after']!.p99} ms |`,
    ];
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    await before.stop();
    await after.stop();
    run('git', ['worktree', 'remove', '--force', BASE_DIR], ROOT);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:compare failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
