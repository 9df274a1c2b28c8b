import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { awaitEvents } from '../support/audit.js';
import { HttpClient, WsClient } from '../support/clients.js';
import { createUser, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const IVY = { username: 'ivy', password: 'ivy-password-12' };
const JO = { username: 'jo', password: 'jo-password-1234' };

type Answer = { status: number; error: { id: string } | null; result: { _id?: string } | null };

/** A raw HTTP request with exactly the headers given (HttpClient adds its own Authorization). */
async function send(url: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as Answer;
}

const basic = ({ username, password }: { username: string; password: string }) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const ME = { controller: 'auth', action: 'getCurrentUser' };

for (const mode of MODES) {
  describe(`e2e: the chain of caller sources (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;
    let ivy: string;
    let jo: string;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { audit: { flushInterval: 20 } });
      const http = new HttpClient(node.url);
      admin = await firstAdmin(http);
      await createUser(http, admin, 'ivy', IVY.username, IVY.password);
      await createUser(http, admin, 'jo', JO.username, JO.password);
      ivy = await login(http, IVY.username, IVY.password);
      jo = await login(http, JO.username, JO.password);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    it('takes the Bearer header before the envelope\'s jwt on POST /_query', async () => {
      const answer = await send(node.url, '/_query', { authorization: `Bearer ${ivy}` }, { ...ME, jwt: jo });
      expect(answer.result?._id).to.equal('ivy');
      expect((await send(node.url, '/_query', {}, { ...ME, jwt: jo })).result?._id).to.equal('jo');
    });

    it('refuses a bad token from the first source that has one instead of passing it over', async () => {
      const refused = await send(node.url, '/_query', { authorization: 'Bearer kauth-not.a.token' }, { ...ME, jwt: jo });
      expect(refused.status).to.equal(401);
      expect(refused.error?.id).to.equal('security.token.invalid');
      const garbage = await send(node.url, '/_me', { authorization: 'Bearer whatever' });
      expect(garbage.error?.id).to.equal('security.token.invalid');
    });

    it('takes the envelope\'s jwt before HTTP Basic credentials, and Basic before anonymous', async () => {
      expect((await send(node.url, '/_query', { authorization: basic(IVY) }, { ...ME, jwt: jo })).result?._id).to.equal('jo');
      expect((await send(node.url, '/_query', { authorization: basic(IVY) }, ME)).result?._id).to.equal('ivy');
      expect((await send(node.url, '/_query', {}, ME)).result?._id).to.equal('-1');
    });

    it('treats Basic credentials beside a token as unused: a refused token is no failed Basic login', async () => {
      const refused = await send(node.url, '/_query', { authorization: basic(IVY) }, { ...ME, jwt: 'kauth-not.a.token' });
      expect(refused.error?.id).to.equal('security.token.invalid');
      // A Basic login that does fail, afterwards: once it is recorded, so would the first have been.
      expect((await send(node.url, '/_me', { authorization: basic({ ...JO, password: 'not-jo-password' }) })).status).to.equal(401);
      const http = new HttpClient(node.url);
      const failures = await awaitEvents(http, admin, { type: 'auth:login', outcome: 'failure' }, (hits) => hits.some((hit) => hit.userId === 'jo'));
      expect(failures.filter((hit) => hit.details['via'] === 'basic').map((hit) => hit.userId)).to.deep.equal(['jo']);
    });

    it('binds a WebSocket to the last token it used, and tells it when that token is revoked', async () => {
      const ws = await WsClient.connect(node.url);
      try {
        expect(ok<{ _id: string }>(await ws.call({ ...ME, jwt: ivy }))._id).to.equal('ivy');
        expect(ok<{ _id: string }>(await ws.call({ ...ME, jwt: jo }))._id).to.equal('jo');
        // ivy's token is no longer the socket's: only jo's revocation reaches it.
        ok(await new HttpClient(node.url).call({ controller: 'auth', action: 'logout', jwt: ivy }));
        await sleep(300);
        expect(ws.notifications).to.have.length(0);
        ok(await new HttpClient(node.url).call({ controller: 'auth', action: 'logout', jwt: jo }));
        expect((await ws.waitForNotification(2000))['message']).to.equal('Authentication Token Revoked');
        failed(await ws.call({ ...ME, jwt: jo }), 'security.token.invalid', 401);
      } finally {
        await ws.close();
      }
    });
  });
}
