import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const ROOT = new URL('../../', import.meta.url);
/** The address the docs use; the tests put the started node's address in its place. */
export const DOC_URL = 'http://127.0.0.1:7512';

/** A file of the repository, by its path from the root. */
export const readDoc = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

/** The body of the fenced block that follows `<!-- docs-test: <name> -->`. */
export function fencedBlock(markdown: string, name: string): string {
  const marker = `<!-- docs-test: ${name} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`no ${marker} in the document`);
  const lines = markdown.slice(at + marker.length).split('\n');
  const open = lines.findIndex((line) => line.startsWith('```'));
  const close = lines.findIndex((line, index) => index > open && line === '```');
  if (open < 0 || close < 0) throw new Error(`no fenced block after ${marker}`);
  return lines.slice(open + 1, close).join('\n');
}

/** The JSON blocks after `<!-- docs-test: <name> -->` in docs/api.md: the request, then its result. */
export function apiJsonBlocks(name: string): [Record<string, unknown>, unknown] {
  const text = readDoc('docs/api.md');
  const at = text.indexOf(`<!-- docs-test: ${name} -->`);
  if (at < 0) throw new Error(`no docs-test ${name} in docs/api.md`);
  const blocks = [...text.slice(at).matchAll(/```json\n([\s\S]*?)\n```/g)].slice(0, 2).map((match) => JSON.parse(match[1]!) as unknown);
  return [blocks[0] as Record<string, unknown>, blocks[1]];
}

/** Runs a shell script with bash (`set -euo pipefail`), with this Node.js first in PATH; resolves with its stdout. */
export async function runBash(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], {
    cwd: tmpdir(),
    env: { ...process.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin:${process.env['PATH'] ?? ''}` },
  });
  return stdout;
}

/** Runs an ES module's source with this Node.js from the repository root (so it imports the repository's packages). */
export async function runModule(source: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', source], { cwd: new URL(ROOT).pathname });
  return stdout;
}

/** The JSON values printed one per line. */
export const jsonLines = (stdout: string): Array<Record<string, unknown>> =>
  stdout.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as Record<string, unknown>);
