import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);

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
