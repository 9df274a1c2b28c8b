/**
 * The load harness (`npm run bench`): Portcullis pinned to core 0 while this process (the load
 * generator) runs on core 1. Phases (BENCH_PHASES, default all): `core` (the current user, logins
 * and sockets against a bare node:http / ws ceiling, in the production configuration) and
 * `search` (user search over a million users, in both storage configurations). Writes
 * bench/results/latest.json and docs/performance.md, keeping what an earlier run measured of the
 * phases this one skips.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { measureCore, renderCore, type CoreResults } from './core-phase.js';
import { PHASES, renderPage, type Phase } from './page.js';
import { measureSearch, renderSearch, type SearchResults } from './search-phase.js';

const LATEST = resolve(import.meta.dirname, 'results/latest.json');
const PAGE = resolve(import.meta.dirname, '../docs/performance.md');

interface Results {
  core?: CoreResults;
  search?: SearchResults;
}

/** latest.json as an earlier run left it: by phase (a run before phases held the core's figures alone). */
function readLatest(): Results {
  if (!existsSync(LATEST)) return {};
  const parsed = JSON.parse(readFileSync(LATEST, 'utf8')) as Results & Partial<CoreResults>;
  return parsed.portcullis === undefined ? parsed : { core: parsed as CoreResults };
}

function selectedPhases(): Phase[] {
  const asked = (process.env.BENCH_PHASES ?? PHASES.join(',')).split(',').map((phase) => phase.trim()).filter(Boolean);
  for (const phase of asked) if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`BENCH_PHASES: unknown phase "${phase}" (known: ${PHASES.join(', ')})`);
  return asked as Phase[];
}

function sections(results: Results, phases: readonly Phase[]): Partial<Record<Phase, string>> {
  const out: Partial<Record<Phase, string>> = {};
  if (results.core && phases.includes('core')) out.core = renderCore(results.core);
  if (results.search && phases.includes('search')) out.search = renderSearch(results.search);
  return out;
}

async function main(): Promise<void> {
  const previousPage = readFileSync(PAGE, 'utf8');
  const latest = readLatest();
  if (process.env.BENCH_RENDER_ONLY === '1') {
    writeFileSync(PAGE, renderPage(sections(latest, PHASES), previousPage));
    return;
  }
  const phases = selectedPhases();
  const measured: Results = {};
  if (phases.includes('core')) measured.core = await measureCore();
  if (phases.includes('search')) measured.search = await measureSearch();
  mkdirSync(resolve(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(LATEST, `${JSON.stringify({ ...latest, ...measured }, null, 2)}\n`);
  const fresh = sections(measured, phases);
  process.stdout.write(`${Object.values(fresh).join('\n\n')}\n`);
  if (process.env.BENCH_WRITE_DOCS !== '0') writeFileSync(PAGE, renderPage(fresh, previousPage));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
