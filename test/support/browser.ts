import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Starts headless Chromium from Debian's `chromium` package through playwright-core (which never
 * downloads a browser of its own). Installs the package when missing and running as root, as
 * slapd.ts does; otherwise fails with the command to run.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    if (process.getuid?.() !== 0) throw new Error('Chromium is not installed: run  sudo apt-get update && sudo apt-get install -y chromium');
    for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
      const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with status ${result.status}`);
    }
  }
  // --no-sandbox: the tests run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A static site on a loopback port: the pages a test serves from an origin of its choosing. */
export interface PageSite {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `files` (path → [content type, body]) on a free loopback port; anything else is a 404. */
export async function servePages(files: Record<string, [string, string | Buffer]>): Promise<PageSite> {
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]!];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': file[0], 'Cache-Control': 'no-store' }).end(file[1]);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
