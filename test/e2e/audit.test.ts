import { expect } from 'chai';
import type { AuditEvent } from '@portcullis/core';
import type { Portcullis } from '@portcullis/server';
import { awaitEvents, auditTableText, searchAudit } from '../support/audit.js';
import { HttpClient, WsClient, type ApiClient } from '../support/clients.js';
import { ADMIN, createUser, failed, firstAdmin, login, ok } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

const AGENT = 'audit-test-agent/1.0';
/** Each transport, with a user agent of its own on every request (HTTP) or on the upgrade (WebSocket). */
const CLIENTS: Array<{ name: string; connect: (url: string) => Promise<ApiClient> }> = [
  { name: 'http', connect: async (url) => new HttpClient(url, { 'user-agent': AGENT }) },
  { name: 'websocket', connect: (url) => WsClient.connect(url, { headers: { 'user-agent': AGENT } }) },
];

const isLocal = (ip: string | null) => ip === '127.0.0.1' || ip === '::ffff:127.0.0.1' || ip === '::1';

for (const mode of MODES) {
  for (const transport of CLIENTS) {
    describe(`e2e: the audit log (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;
      const bobPassword = 'bob-password-secret-1';
      const tokens: string[] = [];

      const one = async (filters: Record<string, unknown>, match: (event: AuditEvent) => boolean): Promise<AuditEvent> => {
        const hits = await awaitEvents(client, admin, filters, (found) => found.some(match));
        return hits.find(match)!;
      };

      before(async () => {
        stores = new TestStores(mode);
        node = await startNode(stores, { audit: { flushInterval: 20 }, limits: { documentsFetchCount: 500 } });
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        tokens.push(admin);
        await createUser(client, admin, 'bob', 'bob', bobPassword);
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      it('records a successful login: the user, strategy, client address and user agent', async () => {
        const jwt = await login(client, 'bob', bobPassword);
        tokens.push(jwt);
        const event = await one({ type: 'auth:login', userId: 'bob' }, (found) => found.outcome === 'success');
        expect(event).to.include({ type: 'auth:login', outcome: 'success', userId: 'bob', actorId: 'bob', strategy: 'local', userAgent: AGENT });
        expect(isLocal(event.ip), String(event.ip)).to.equal(true);
        expect(event.details['sessionId']).to.be.a('string');
        expect(event.at).to.be.within(Date.now() - 10_000, Date.now());
      });

      it('records a failed login with its error id, about the user the login names', async () => {
        failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'bob', password: 'wrong-password-x' } }), 'plugin.strategy.missing_user', 401);
        failed(await client.call({ controller: 'auth', action: 'login', strategy: 'local', body: { username: 'nobody-here', password: 'wrong-password-y' } }), 'plugin.strategy.missing_user', 401);
        const bob = await one({ type: 'auth:login', outcome: 'failure', userId: 'bob' }, () => true);
        expect(bob).to.include({ outcome: 'failure', userId: 'bob', actorId: null, strategy: 'local', userAgent: AGENT });
        expect(bob.details).to.deep.equal({ error: 'plugin.strategy.missing_user' });
        expect(isLocal(bob.ip)).to.equal(true);
        const unknown = await awaitEvents(client, admin, { type: 'auth:login', outcome: 'failure' }, (hits) => hits.some((hit) => hit.userId === null));
        // The name typed for an unknown user is not kept: it may be a password typed in the wrong field.
        expect(JSON.stringify(unknown)).to.not.include('nobody-here');
      });

      it('records a logout and a refresh', async () => {
        const jwt = await login(client, 'bob', bobPassword);
        const refreshed = ok<{ jwt: string }>(await client.call({ controller: 'auth', action: 'refreshToken', jwt }));
        tokens.push(jwt, refreshed.jwt);
        ok(await client.call({ controller: 'auth', action: 'logout', jwt: refreshed.jwt }));
        const created = await one({ type: 'token:create', userId: 'bob' }, () => true);
        expect(created).to.include({ actorId: 'bob', userAgent: AGENT });
        expect(created.details).to.include({ reason: 'refresh' });
        const logout = await one({ type: 'auth:logout', userId: 'bob' }, () => true);
        expect(logout).to.include({ actorId: 'bob', outcome: 'success' });
        expect(logout.details).to.include({ global: false });
      });

      it('records revokeTokens as token:revoke with the administrator as actor', async () => {
        ok(await client.call({ controller: 'security', action: 'revokeTokens', jwt: admin, _id: 'bob' }));
        const event = await one({ type: 'token:revoke', userId: 'bob' }, () => true);
        expect(event).to.include({ actorId: 'admin', userId: 'bob' });
        expect(event.details).to.deep.equal({ reason: 'revokeTokens', all: true });
      });

      it('records user, role and profile changes with the administrator as actor', async () => {
        ok(await client.call({ controller: 'security', action: 'updateUser', jwt: admin, _id: 'bob', body: { email: 'bob@example.com' } }));
        ok(await client.call({ controller: 'security', action: 'createRole', jwt: admin, _id: 'auditor', body: { controllers: { auth: { actions: { getCurrentUser: true } } } } }));
        ok(await client.call({ controller: 'security', action: 'updateRole', jwt: admin, _id: 'auditor', body: { controllers: { auth: { actions: { checkToken: true } } } } }));
        ok(await client.call({ controller: 'security', action: 'createProfile', jwt: admin, _id: 'auditors', body: { policies: [{ roleId: 'auditor' }] } }));
        ok(await client.call({ controller: 'security', action: 'deleteProfile', jwt: admin, _id: 'auditors' }));
        ok(await client.call({ controller: 'security', action: 'deleteRole', jwt: admin, _id: 'auditor' }));
        await createUser(client, admin, 'gone', 'gone', 'gone-password-1');
        ok(await client.call({ controller: 'security', action: 'deleteUser', jwt: admin, _id: 'gone' }));
        const created = await one({ type: 'user:create', userId: 'bob' }, () => true);
        expect(created).to.include({ actorId: 'admin' });
        expect(created.details).to.deep.equal({ action: 'createUser', fields: ['profileIds', 'name'], profileIds: ['default'], strategies: ['local'] });
        const updated = await one({ type: 'user:update', userId: 'bob' }, () => true);
        expect(updated).to.include({ actorId: 'admin', userAgent: AGENT });
        expect(updated.details).to.deep.equal({ action: 'updateUser', fields: ['email'] });
        const types = ['role:create', 'role:update', 'role:delete', 'profile:create', 'profile:delete', 'user:delete'];
        const hits = await awaitEvents(client, admin, { type: types.join(',') }, (found) => types.every((type) => found.some((hit) => hit.type === type)));
        for (const hit of hits) expect(hit.actorId, hit.type).to.equal('admin');
        expect(hits.find((hit) => hit.type === 'role:update')!.details).to.deep.equal({ id: 'auditor', action: 'updateRole' });
        expect(hits.find((hit) => hit.type === 'user:delete')).to.include({ userId: 'gone' });
      });

      it('records credential changes, by the administrator and by the user', async () => {
        const changed = 'bob-password-secret-2';
        ok(await client.call({ controller: 'security', action: 'updateCredentials', jwt: admin, strategy: 'local', _id: 'bob', body: { password: changed } }));
        const jwt = await login(client, 'bob', changed);
        tokens.push(jwt);
        failed(await client.call({ controller: 'auth', action: 'updateMyCredentials', jwt, strategy: 'local', body: { password: bobPassword, currentPassword: 'a-wrong-guess-1' } }), 'security.credentials.wrong_password', 403);
        ok(await client.call({ controller: 'auth', action: 'updateMyCredentials', jwt, strategy: 'local', body: { password: bobPassword, currentPassword: changed } }));
        const refused = await one({ type: 'credentials:update', userId: 'bob', outcome: 'failure' }, () => true);
        expect(refused).to.include({ actorId: 'bob', strategy: 'local', userAgent: AGENT });
        expect(refused.details).to.deep.equal({ error: 'security.credentials.wrong_password', action: 'updateMyCredentials' });
        const hits = await awaitEvents(client, admin, { type: 'credentials:update', userId: 'bob', outcome: 'success' }, (found) => found.length >= 2);
        expect(hits.map((hit) => [hit.actorId, hit.strategy, hit.details['action']])).to.deep.equal([
          ['bob', 'local', 'updateMyCredentials'], ['admin', 'local', 'updateCredentials'],
        ]);
        expect(hits[1]!.details['fields']).to.deep.equal(['password']);
      });

      it('records a profile rateLimit refusal as limits:hit', async () => {
        ok(await client.call({ controller: 'security', action: 'createProfile', jwt: admin, _id: 'slow', body: { policies: [{ roleId: 'default' }], rateLimit: 1 } }));
        await createUser(client, admin, 'carl', 'carl', 'carl-password-1', ['slow']);
        const jwt = await login(client, 'carl', 'carl-password-1');
        tokens.push(jwt);
        const answers = await Promise.all([1, 2, 3, 4].map(() => client.call({ controller: 'auth', action: 'getCurrentUser', jwt })));
        expect(answers.map((answer) => answer.error?.id ?? null)).to.include('api.process.too_many_requests');
        const event = await one({ type: 'limits:hit', userId: 'carl' }, () => true);
        expect(event).to.include({ outcome: 'failure', actorId: 'carl', userAgent: AGENT });
        expect(event.details).to.deep.equal({ error: 'api.process.too_many_requests', controller: 'auth', action: 'getCurrentUser' });
      });

      it('never stores a password, a hash or a token', async () => {
        // Every event recorded so far is in the table once the buffer is flushed.
        await awaitEvents(client, admin, {}, (hits) => hits.length > 0);
        await node.context.audit.flush();
        const table = await auditTableText(stores);
        expect(table).to.include('auth:login');
        for (const secret of [bobPassword, 'bob-password-secret-2', 'wrong-password-x', 'a-wrong-guess-1', ADMIN.password, 'carl-password-1', '$argon2', ...tokens]) {
          expect(table, secret).to.not.include(secret);
        }
        for (const token of tokens) expect(table).to.not.include(token.split('.')[2]!);
      });

      describe('security:searchAuditEvents', () => {
        it('filters by type (one or several), user, outcome and time range, newest first, with the total', async () => {
          const all = await searchAudit(client, admin, { size: 500 });
          expect(all.total).to.equal(all.hits.length);
          const times = all.hits.map((hit) => hit.at);
          expect(times).to.deep.equal([...times].sort((a, b) => b - a));
          const logins = await searchAudit(client, admin, { type: 'auth:login', userId: 'bob', outcome: 'success' });
          expect(logins.total).to.be.at.least(2);
          for (const hit of logins.hits) expect(hit).to.include({ type: 'auth:login', userId: 'bob', outcome: 'success' });
          const two = await searchAudit(client, admin, { type: ['auth:login', 'auth:logout'] });
          expect(new Set(two.hits.map((hit) => hit.type))).to.deep.equal(new Set(['auth:login', 'auth:logout']));
          const middle = all.hits[Math.floor(all.hits.length / 2)]!;
          const older = await searchAudit(client, admin, { until: middle.at, size: 500 });
          const newer = await searchAudit(client, admin, { since: middle.at, size: 500 });
          expect(older.total + newer.total).to.equal(all.total);
          for (const hit of older.hits) expect(hit.at).to.be.below(middle.at);
          for (const hit of newer.hits) expect(hit.at).to.be.at.least(middle.at);
        });

        it('pages with from/size and with the cursor, over the same events', async () => {
          const all = await searchAudit(client, admin, { size: 500 });
          const first = await searchAudit(client, admin, { size: 3 });
          const second = await searchAudit(client, admin, { size: 3, from: 3 });
          expect([...first.hits, ...second.hits].map((hit) => hit._id)).to.deep.equal(all.hits.slice(0, 6).map((hit) => hit._id));
          expect(first.total).to.equal(all.total);
          expect(first.cursor).to.be.a('string');
          const next = await searchAudit(client, admin, { size: 3, cursor: first.cursor });
          expect(next.hits.map((hit) => hit._id)).to.deep.equal(second.hits.map((hit) => hit._id));
          const last = await searchAudit(client, admin, { size: 500, cursor: first.cursor });
          expect(last.cursor).to.equal(null);
        });

        it('refuses bad arguments with catalogued 400s and sizes beyond limits.documentsFetchCount', async () => {
          const search = (args: Record<string, unknown>) => client.call({ controller: 'security', action: 'searchAuditEvents', jwt: admin, ...args });
          failed(await search({ type: 'auth:nothing' }), 'api.assert.invalid_argument', 400);
          failed(await search({ outcome: 'maybe' }), 'api.assert.invalid_argument', 400);
          failed(await search({ since: 'yesterday' }), 'api.assert.invalid_argument', 400);
          failed(await search({ since: 2000, until: 1000 }), 'api.assert.invalid_argument', 400);
          failed(await search({ cursor: 'not-a-cursor' }), 'api.assert.invalid_argument', 400);
          failed(await search({ size: 501 }), 'services.storage.get_limit_exceeded', 413);
        });

        it('is refused to users who are not administrators, and to anonymous callers', async () => {
          const jwt = await login(client, 'bob', bobPassword);
          failed(await client.call({ controller: 'security', action: 'searchAuditEvents', jwt }), 'security.rights.forbidden', 403);
          failed(await client.call({ controller: 'security', action: 'searchAuditEvents' }), 'security.rights.unauthorized', 401);
        });
      });
    });
  }
}

describe('e2e: the audit log over POST /_audit/_search', () => {
  let stores: TestStores;
  let node: Portcullis;

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { audit: { flushInterval: 20 } });
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('takes the filters in the body', async () => {
    const client = new HttpClient(node.url);
    const admin = await firstAdmin(client);
    await awaitEvents(client, admin, { type: 'auth:login' }, (hits) => hits.length > 0);
    const answer = await fetch(`${node.url}/_audit/_search`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ type: ['auth:login', 'user:create'], userId: 'admin' }),
    });
    const result = ok<{ hits: AuditEvent[]; total: number }>(await answer.json() as never);
    expect(result.hits.map((hit) => hit.type).sort()).to.deep.equal(['auth:login', 'user:create']);
    expect(result.total).to.equal(2);
  });
});

for (const mode of MODES) {
  describe(`e2e: audit retention (${mode})`, function () {
    let stores: TestStores;
    let node: Portcullis;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { audit: { flushInterval: 20, retention: 1500, purgeInterval: 200, purgeBatchSize: 2 } });
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    it('purges events older than audit.retention, in batches, and keeps the newer ones', async () => {
      const client = new HttpClient(node.url);
      const admin = await firstAdmin(client);
      for (let i = 0; i < 5; i++) await login(client, ADMIN.username, ADMIN.password);
      const early = await awaitEvents(client, admin, { type: 'auth:login' }, (hits) => hits.length >= 6);
      // A fresh token, so that the query itself does not depend on the purged events.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const jwt = await login(client, ADMIN.username, ADMIN.password);
      const kept = await awaitEvents(client, jwt, { type: 'auth:login' }, (hits) => !hits.some((hit) => early.some((old) => old._id === hit._id)), 6000);
      expect(kept.length).to.be.at.least(1);
      expect(kept.every((hit) => hit.at > early[0]!.at)).to.equal(true);
    });
  });
}

for (const mode of MODES) {
  describe(`e2e: the audit log of refused logins (${mode}, over websocket)`, function () {
    let stores: TestStores;
    let node: Portcullis;
    let admin: string;
    let client: WsClient;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { audit: { flushInterval: 20 }, limits: { loginsPerSecond: 1 } });
      admin = await firstAdmin(new HttpClient(node.url));
      client = await WsClient.connect(node.url, { headers: { 'user-agent': AGENT } });
    });

    after(async () => {
      await client?.close();
      await node?.stop();
      await stores?.destroy();
    });

    it('records a login beyond limits.loginsPerSecond on one connection as limits:hit', async () => {
      const body = { username: ADMIN.username, password: ADMIN.password };
      const answers = await Promise.all([1, 2].map(() => client.call({ controller: 'auth', action: 'login', strategy: 'local', body })));
      expect(answers.map((answer) => answer.error?.id ?? null)).to.include('api.process.too_many_logins_requests');
      const http = new HttpClient(node.url);
      const [event] = await awaitEvents(http, admin, { type: 'limits:hit' }, (hits) => hits.length > 0);
      expect(event).to.include({ outcome: 'failure', userId: null, actorId: null, strategy: 'local', userAgent: AGENT });
      expect(event!.details).to.deep.equal({ error: 'api.process.too_many_logins_requests', controller: 'auth', action: 'login' });
    });

    it('records a refused HTTP Basic request as a failed login of the local strategy', async () => {
      const basic = Buffer.from(`${ADMIN.username}:not-the-password`).toString('base64');
      const answer = await fetch(`${node.url}/_me`, { headers: { authorization: `Basic ${basic}`, 'user-agent': AGENT } });
      expect(answer.status).to.equal(401);
      const http = new HttpClient(node.url);
      const [event] = await awaitEvents(http, admin, { type: 'auth:login', outcome: 'failure', userId: 'admin' }, (hits) => hits.length > 0);
      expect(event).to.include({ strategy: 'local', actorId: null, userAgent: AGENT });
      expect(event!.details).to.deep.equal({ error: 'plugin.strategy.missing_user', via: 'basic' });
    });

    it('records a login with a strategy this node does not serve without its made-up name', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      failed(await client.call({ controller: 'auth', action: 'login', strategy: 'made-up', body: { username: 'x', password: 'y' } }), 'security.credentials.unknown_strategy', 400);
      const http = new HttpClient(node.url);
      const unknown = (hit: AuditEvent) => hit.details['error'] === 'security.credentials.unknown_strategy';
      const event = (await awaitEvents(http, admin, { type: 'auth:login', outcome: 'failure' }, (hits) => hits.some(unknown))).find(unknown);
      expect(event).to.include({ strategy: null, userId: null });
      expect(event!.details).to.deep.equal({ error: 'security.credentials.unknown_strategy' });
    });
  });
}

describe('e2e: the audit log of the first administrator from the configuration', () => {
  let stores: TestStores;
  let node: Portcullis;
  const root = { username: 'root', password: 'root-bootstrap-password-1' };

  before(async () => {
    stores = new TestStores('embedded');
    node = await startNode(stores, { audit: { flushInterval: 20 }, security: { admin: root } });
  });

  after(async () => {
    await node?.stop();
    await stores?.destroy();
  });

  it('records its creation with no actor, and never its password', async () => {
    const client = new HttpClient(node.url);
    const jwt = await login(client, root.username, root.password);
    const [event] = await awaitEvents(client, jwt, { type: 'user:create', userId: 'root' }, (hits) => hits.length > 0);
    expect(event).to.include({ actorId: null, outcome: 'success' });
    expect(event!.details).to.deep.equal({ action: 'bootstrap', fields: ['profileIds', 'name'], profileIds: ['admin'], strategies: ['local'] });
    await node.context.audit.flush();
    expect(await auditTableText(stores)).to.not.include(root.password);
  });
});
