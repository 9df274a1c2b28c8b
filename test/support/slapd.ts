import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, BASE_DN, fixtureLdif, GROUPS_DN, PEOPLE_DN, SERVICE, ssha } from './slapd-fixture.js';
import { listening } from './services.js';

/** A throwaway OpenLDAP server on loopback, loaded with the fixture tree of slapd-fixture.ts. */
export interface Slapd {
  /** ldap://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** ldaps://127.0.0.1:<tlsPort> (the same server, TLS from the first byte). */
  readonly tlsUrl: string;
  readonly tlsPort: number;
  /** PEM of the server's self-signed certificate: the CA a client must trust. */
  readonly certificate: string;
  readonly baseDN: string;
  readonly adminDN: string;
  readonly adminPassword: string;
  /** Kills the server (SIGKILL: the directory is gone, as when its host dies). */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data (nothing when it runs). */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections are accepted by the kernel but never answered. */
  pause(): void;
  resume(): void;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * plugins.ldap for the fixture directory: the service account, people and their groups (by
 * member DN or memberUid), short timeouts; `provisioning` as the suite needs it.
 */
export const ldapPluginConfig = (slapd: Slapd, provisioning: Record<string, unknown>) => ({
  url: slapd.url,
  bindDN: SERVICE.dn,
  bindCredentials: SERVICE.password,
  searchBase: PEOPLE_DN,
  connectTimeout: 1000,
  timeout: 1000,
  groupSearch: { base: GROUPS_DN, filter: '(|(member={{dn}})(memberUid={{username}}))' },
  provisioning,
});

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const INSTALL = 'DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils openssl';

/**
 * Starts slapd as the current user from a fresh directory on two free loopback ports (plain
 * and ldaps). Installs slapd from Debian's packages when missing and running as root;
 * otherwise fails with the command to run.
 */
export async function startSlapd(): Promise<Slapd> {
  ensureInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-slapd-'));
  mkdirSync(join(dir, 'data'));
  makeCertificate(dir);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, slapdConf(dir));
  writeFileSync(join(dir, 'fixture.ldif'), fixtureLdif());
  run(SLAPADD, ['-q', '-f', conf, '-l', join(dir, 'fixture.ldif')]);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const url = `ldap://127.0.0.1:${port}`;
  const tlsUrl = `ldaps://127.0.0.1:${tlsPort}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    // -d 0 keeps slapd in the foreground (so that it is our child) without debug output.
    child = spawn(SLAPD, ['-d', '0', '-f', conf, '-h', `${url}/ ${tlsUrl}/`], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 200; attempt++) {
      if (child.exitCode !== null) throw new Error(`slapd exited with status ${child.exitCode}; config in ${dir}`);
      if ((await listening(port)) && (await listening(tlsPort))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`slapd did not listen on ${url} within 10 s`);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url, port, tlsUrl, tlsPort,
    certificate: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    baseDN: BASE_DN,
    adminDN: ADMIN.dn,
    adminPassword: ADMIN.password,
    start,
    stop,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function slapdConf(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
# Like many directories, accept a bind with a DN and an empty password as an anonymous
# success (RFC 4513 §5.1.2): the tests prove the plugin refuses such logins itself.
allow bind_anon_dn
TLSCertificateFile ${dir}/cert.pem
TLSCertificateKeyFile ${dir}/key.pem

database mdb
maxsize 67108864
suffix "${BASE_DN}"
rootdn "${ADMIN.dn}"
rootpw ${ssha(ADMIN.password)}
directory ${dir}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`;
}

/** A self-signed certificate for 127.0.0.1 and localhost (EC: fast to make). */
function makeCertificate(dir: string): void {
  run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
}

function ensureInstalled(): void {
  const missing = !existsSync(SLAPD) || !existsSync(SLAPADD) || spawnSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' }).status !== 0;
  if (!missing) return;
  if (process.getuid?.() !== 0) throw new Error(`slapd is not installed: run  sudo apt-get update && sudo ${INSTALL}`);
  run('apt-get', ['update', '-qq']);
  run('sh', ['-c', `${INSTALL} -qq`]);
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}
