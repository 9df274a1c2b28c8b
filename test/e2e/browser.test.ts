import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { launchChromium, servePages, type PageSite } from '../support/browser.js';
import { HttpClient } from '../support/clients.js';
import { DOC_URL, fencedBlock, readDoc } from '../support/doc-blocks.js';
import { createUser, failed, firstAdmin } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

const IVY = { username: 'ivy', password: 'ivy-password-12' };
const SDK = readFileSync(new URL('../../node_modules/kuzzle-sdk/dist/kuzzle.js', import.meta.url));
const HTML = 'text/html; charset=utf-8';

/** A page of docs/browsers.md, pointed at the node under test. */
function docPage(block: string, node: Portcullis): string {
  const port = new URL(node.url).port;
  return fencedBlock(readDoc('docs/browsers.md'), block).replaceAll(DOC_URL, node.url).replaceAll('{ port: 7512 }', `{ port: ${port} }`);
}

/** A page that holds the SDK in cookie mode over WebSocket, as `kuzzle`. */
function sdkWebSocketPage(node: Portcullis): string {
  const port = new URL(node.url).port;
  return `<!doctype html><meta charset="utf-8"><script>window.process = { env: { NODE_ENV: 'production' } };</script><script src="kuzzle.js"></script><script>
    const kuzzle = new KuzzleSDK.Kuzzle(new KuzzleSDK.WebSocket('127.0.0.1', { port: ${port} }), { cookieAuth: true });
  </script>`;
}

describe('e2e: a real browser logs in with the authToken cookie (headless Chromium)', function () {
  this.timeout(120_000);
  let stores: TestStores;
  let node: Portcullis;
  let browser: Browser;
  let listed: PageSite;
  let unlisted: PageSite;
  const listedFiles: Record<string, [string, string | Buffer]> = { '/kuzzle.js': ['text/javascript', SDK] };
  const unlistedFiles: Record<string, [string, string | Buffer]> = {};

  before(async function () {
    // A first run may install Chromium from Debian's packages.
    this.timeout(900_000);
    browser = await launchChromium();
    // Two origins of the node's site (loopback, other ports): SameSite lets the cookie go with
    // requests from both, so only the node's origin rules tell them apart.
    listed = await servePages(listedFiles);
    unlisted = await servePages(unlistedFiles);
    stores = new TestStores('embedded');
    node = await startNode(stores, { server: { allowOrigin: ['*', listed.origin] } });
    const http = new HttpClient(node.url);
    await createUser(http, await firstAdmin(http), 'ivy', IVY.username, IVY.password);
    listedFiles['/'] = [HTML, docPage('browser-page', node)];
    listedFiles['/sdk.html'] = [HTML, docPage('browser-sdk-page', node)];
    listedFiles['/sdk-ws.html'] = [HTML, sdkWebSocketPage(node)];
    unlistedFiles['/'] = [HTML, '<!doctype html><meta charset="utf-8"><title>elsewhere</title>'];
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
    await stores?.destroy();
    await listed?.close();
    await unlisted?.close();
  });

  let context: BrowserContext;
  let page: Page;

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context.close();
  });

  /** The authToken cookie the browser holds for the node, if any. */
  async function heldCookie() {
    return (await context.cookies(node.url)).find((cookie) => cookie.name === 'authToken');
  }

  /** Evaluates an expression in a page's global scope (where its scripts' top-level bindings are). */
  const run = <T = unknown>(on: Page, expression: string): Promise<T> => on.evaluate(expression) as Promise<T>;
  const credentials = `${JSON.stringify(IVY.username)}, ${JSON.stringify(IVY.password)}`;

  /** The user the example page's `me()` answers. */
  const me = (on: Page = page) => run<string>(on, 'me().then((answer) => answer.result._id)');

  /** Asserts that the node refuses a token everywhere (its session ended on the server). */
  async function assertRevoked(token: string): Promise<void> {
    failed(await new HttpClient(node.url).call({ controller: 'auth', action: 'getCurrentUser', jwt: token }), 'security.token.invalid', 401);
  }

  it('logs in from a page of a listed origin with fetch, keeps the token from scripts, survives a reload, and logs out for good', async () => {
    await page.goto(`${listed.origin}/`);
    const login = await run<ResponseEnvelope>(page, `login(${credentials})`);
    expect(login.status).to.equal(200);
    expect(login.result).to.have.keys('_id', 'expiresAt', 'ttl');
    const cookie = await heldCookie();
    expect(cookie).to.include({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).to.match(/^kauth-/);
    expect(await me()).to.equal('ivy');
    // HttpOnly: the page's scripts never see it (cookies are per host: the page shares the node's host).
    expect(await run<string>(page, 'document.cookie')).to.not.include('authToken').and.not.include(cookie!.value);

    await page.reload();
    expect(await me()).to.equal('ivy');

    const logout = await run<ResponseEnvelope>(page, 'logout()');
    expect(logout.result).to.deep.equal({ acknowledged: true });
    expect(await heldCookie()).to.equal(undefined);
    expect(await me()).to.equal('-1');
    await assertRevoked(cookie!.value);
  });

  it('does the same with the Kuzzle SDK 7\'s browser build in cookie mode (Http)', async () => {
    await page.goto(`${listed.origin}/sdk.html`);
    expect(await run(page, 'start()')).to.include({ valid: true, kuid: '-1' });
    expect(await run(page, `kuzzle.auth.login('local', { username: ${JSON.stringify(IVY.username)}, password: ${JSON.stringify(IVY.password)} })`)).to.equal(undefined);
    const token = (await heldCookie())!.value;
    const current = () => run<string>(page, 'kuzzle.auth.getCurrentUser().then((user) => user._id)');
    expect(await current()).to.equal('ivy');
    expect(await run(page, 'kuzzle.auth.checkToken()')).to.include({ valid: true, kuid: 'ivy' });
    expect(await run<string>(page, 'document.cookie')).to.not.include('authToken');

    await page.reload();
    expect(await run(page, 'start()')).to.include({ valid: true, kuid: 'ivy' });
    expect(await current()).to.equal('ivy');

    await run(page, 'kuzzle.auth.logout()');
    expect(await current()).to.equal('-1');
    expect(await heldCookie()).to.equal(undefined);
    await assertRevoked(token);
  });

  it('does the same with the SDK in cookie mode over WebSocket, whose socket the cookie authenticates', async () => {
    await page.goto(`${listed.origin}/sdk-ws.html`);
    await run(page, 'kuzzle.connect()');
    // In this mode the SDK sends login and logout over HTTP, then reopens its socket, and (7.17)
    // rejects their promises with a network error when it closes the socket, though they succeed:
    // the test waits for the new socket instead.
    const renewed = (call: string) => run(page, `new Promise((resolve) => { kuzzle.protocol.once('websocketRenewalDone', resolve); ${call}.catch(() => undefined); })`);
    await renewed(`kuzzle.auth.login('local', { username: ${JSON.stringify(IVY.username)}, password: ${JSON.stringify(IVY.password)} })`);
    const token = (await heldCookie())!.value;
    // Over the reopened socket, which only the cookie of its upgrade authenticates.
    const current = () => run<string>(page, 'kuzzle.auth.getCurrentUser().then((user) => user._id)');
    expect(await current()).to.equal('ivy');
    expect(await run(page, 'kuzzle.auth.checkToken()')).to.include({ valid: true, kuid: 'ivy' });
    await page.reload();
    await run(page, 'kuzzle.connect()');
    expect(await current()).to.equal('ivy');
    await renewed('kuzzle.auth.logout()');
    expect(await current()).to.equal('-1');
    expect(await heldCookie()).to.equal(undefined);
    await assertRevoked(token);
  });

  it('gives a page of an origin not listed no use of the cookie', async () => {
    await page.goto(`${listed.origin}/`);
    await run(page, `login(${credentials})`);
    const token = (await heldCookie())!.value;

    const elsewhere = await context.newPage();
    await elsewhere.goto(`${unlisted.origin}/`);
    const attempts = await run(elsewhere, `(async (api) => {
      const outcome = (promise) => promise.then(async (response) => 'read ' + (await response.json()).result._id, (error) => 'failed: ' + error.name);
      return {
        // Without credentials, "*" lets any page call: as the anonymous user.
        anonymous: await outcome(fetch(api + '/_me')),
        // With them, no CORS answer lets the page read, and the node refuses to act.
        credentialed: await outcome(fetch(api + '/_me', { credentials: 'include' })),
        // A forged logout the page cannot read (no-cors): the browser sends the cookie, the node refuses it.
        forged: await fetch(api + '/_logout', { method: 'POST', credentials: 'include', mode: 'no-cors' }).then((response) => response.type),
        socket: await new Promise((resolve) => {
          const socket = new WebSocket(api.replace('http', 'ws'));
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('refused');
        }),
      };
    })(${JSON.stringify(node.url)})`);
    expect(attempts).to.deep.equal({ anonymous: 'read -1', credentialed: 'failed: TypeError', forged: 'opaque', socket: 'refused' });
    // The session outlived the forged logout.
    expect(await me()).to.equal('ivy');
    const check = await new HttpClient(node.url).call({ controller: 'auth', action: 'checkToken', body: { token } });
    expect(check.result).to.include({ valid: true, kuid: 'ivy' });
  });
});
