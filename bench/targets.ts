import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A server under load: its URL and its pid (to read its memory). */
export interface Target {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '..');

/** Starts a command pinned to core 0 and waits for the JSON log line that carries its URL. */
export function startPinned(name: string, args: string[], env: Record<string, string>): Promise<Target> {
  const child = spawn('taskset', ['-c', '0', process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((done, fail) => {
    let buffer = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        if (!line.includes('"url"')) continue;
        const { url } = JSON.parse(line) as { url: string };
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        return done({ name, url, pid: child.pid!, stop: () => stop(child) });
      }
    });
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}: ${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  return exited;
}

/** Resident memory of a process, in bytes (Linux). */
export function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

export function startCeiling(): Promise<Target> {
  return startPinned('ceiling', ['bench/ceiling.mjs'], {});
}

/**
 * Where a node keeps its data: PostgreSQL + Redis (the production configuration, each run in its
 * own schema and key prefix), or an SQLite file without `redisUrl` (the embedded configuration).
 */
export interface BenchStores {
  databaseUrl: string;
  schema?: string;
  redisUrl?: string;
  prefix?: string;
}

/** A Portcullis node on `stores`, built from `root` (this checkout by default). */
export function startPortcullis(stores: BenchStores, admin: { username: string; password: string }, root = ROOT): Promise<Target> {
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return startPinned('portcullis', [resolve(root, 'packages/server/dist/bin/portcullis.js'), 'start'], {
    PORTCULLIS_PORT: '0',
    PORTCULLIS_DATABASE_URL: stores.databaseUrl,
    ...optional('PORTCULLIS_DATABASE_SCHEMA', stores.schema),
    ...optional('PORTCULLIS_REDIS_URL', stores.redisUrl),
    ...optional('PORTCULLIS_REDIS_PREFIX', stores.prefix),
    PORTCULLIS_ADMIN_USERNAME: admin.username,
    PORTCULLIS_ADMIN_PASSWORD: admin.password,
    PORTCULLIS_LOG_LEVEL: 'info',
    // Every load comes from this one loopback address: 64 sockets for the current-user loads,
    // thousands for the idle-socket phase. (Builds without the cap ignore the variable.)
    PORTCULLIS_WS_MAX_SOCKETS_PER_ADDRESS: '0',
  });
}
