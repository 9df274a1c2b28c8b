import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Mocha global setup: the suites need Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432,
 * user postgres, database test). Where one is not running, start it; where it is not installed
 * and we are root, install it from Debian's packages; otherwise stop with the command to run.
 */
export const REDIS = { host: '127.0.0.1', port: Number(process.env.TEST_REDIS_PORT ?? 6379) };
export const POSTGRES = { host: '127.0.0.1', port: Number(process.env.TEST_POSTGRES_PORT ?? 5432) };
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? `postgres://postgres@${POSTGRES.host}:${POSTGRES.port}/test`;
export const REDIS_URL = process.env.TEST_REDIS_URL ?? `redis://${REDIS.host}:${REDIS.port}`;

export async function mochaGlobalSetup(): Promise<void> {
  await ensure('Redis', REDIS.port, ['redis-server'], startRedis);
  await ensure('PostgreSQL', POSTGRES.port, ['postgresql'], startPostgres);
}

async function ensure(name: string, port: number, packages: string[], start: () => void): Promise<void> {
  if (await listening(port)) return;
  if (!installed(packages[0]!)) {
    if (process.getuid?.() !== 0) throw new Error(`${name} is not installed: run  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', ...packages], { DEBIAN_FRONTEND: 'noninteractive' });
  }
  start();
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await listening(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not start on 127.0.0.1:${port}`);
}

function startRedis(): void {
  run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(REDIS.port), '--save', '', '--appendonly', 'no']);
}

function startPostgres(): void {
  const versions = execFileSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).trim().split('\n');
  run('pg_ctlcluster', ['--skip-systemctl-redirect', versions[versions.length - 1]!, 'main', 'start']);
  // A fresh cluster has no `test` database; create it when missing (trust auth on loopback is assumed).
  spawnSync('su', ['postgres', '-c', 'createdb test'], { stdio: 'ignore' });
}

function installed(command: string): boolean {
  const probe = command === 'postgresql' ? 'pg_ctlcluster' : command;
  return spawnSync('sh', ['-c', `command -v ${probe}`], { stdio: 'ignore' }).status === 0;
}

function run(command: string, args: string[], env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}`);
}

export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
