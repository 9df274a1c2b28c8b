import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve('packages/server/dist/bin/portcullis.js');

/** A `portcullis start` child process and what it printed. */
export interface Started {
  child: ChildProcess;
  /** Its JSON log lines, parsed. */
  lines: Array<Record<string, unknown>>;
  stderr: string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** Runs `portcullis start` in `cwd` with only the given PORTCULLIS_* variables. */
export function startProcess(cwd: string, env: Record<string, string>, args: string[] = []): Started {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PORTCULLIS_')));
  const child = spawn(process.execPath, [BIN, 'start', ...args], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const started: Started = { child, lines: [], stderr: '', exited: new Promise((done) => child.once('exit', (code) => done(code))) };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) started.lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => (started.stderr += chunk.toString()));
  return started;
}

/** The URL the process says it listens on, once it says so. @throws Error when it exits first or stays silent 10 s */
export async function listening(started: Started): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = started.lines.find((entry) => typeof entry['url'] === 'string');
    if (line) return line['url'] as string;
    if (started.child.exitCode !== null) throw new Error(`exited: ${started.stderr}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error('the server did not say where it listens');
}

/** Ends the process with `signal` and waits for it to exit. */
export async function stopProcess(started: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill(signal);
  await started.exited;
}
