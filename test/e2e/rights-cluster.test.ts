import { expect } from 'chai';
import type { Portcullis, ResponseEnvelope } from '@portcullis/server';
import { HttpClient, TRANSPORTS } from '../support/clients.js';
import { createUser, firstAdmin, login, ok } from '../support/fixtures.js';
import { startNode, TestStores } from '../support/node.js';

/** Polls `call` until its answer has `status`; returns how long that took (ms), or fails after a second. */
async function within(call: () => Promise<ResponseEnvelope>, status: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const answer = await call();
    if (answer.status === status) return Date.now() - start;
    if (Date.now() - start > 1000) throw new Error(`still ${answer.status} (${answer.error?.id}) after a second`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A role or profile changed on one node takes effect on the other at once: cached decisions, rateLimits and roles are reloaded. */
describe('e2e: rights changes across two nodes', () => {
  let stores: TestStores;
  let nodes: [Portcullis, Portcullis];
  let a: HttpClient;
  let admin: string;

  before(async () => {
    stores = new TestStores('production');
    nodes = [await startNode(stores), await startNode(stores)];
    a = new HttpClient(nodes[0].url);
    admin = await firstAdmin(a);
    ok(await a.call({ controller: 'security', action: 'createRole', jwt: admin, _id: 'clock', body: { controllers: { server: { actions: { now: true } } } } }));
    ok(await a.call({ controller: 'security', action: 'createProfile', jwt: admin, _id: 'clocks', body: { policies: [{ roleId: 'clock' }, { roleId: 'default' }] } }));
    await createUser(a, admin, 'tim', 'tim', 'tim-password-123', ['clocks']);
  });

  after(async () => {
    for (const node of nodes ?? []) await node.stop();
    await stores?.destroy();
  });

  for (const transport of TRANSPORTS) {
    it(`denies, then allows again, on node B what node A just changed (${transport.name})`, async () => {
      const b = await transport.connect(nodes[1].url);
      try {
        const jwt = await login(b, 'tim', 'tim-password-123');
        const now = () => b.call({ controller: 'server', action: 'now', jwt });
        // Twice: the second answer comes from node B's memo of rights decisions.
        ok(await now());
        ok(await now());
        ok(await a.call({ controller: 'security', action: 'updateRole', jwt: admin, _id: 'clock', body: { controllers: { server: { actions: { info: true } } } } }));
        expect(await within(now, 403)).to.be.below(500);
        ok(await a.call({ controller: 'security', action: 'updateRole', jwt: admin, _id: 'clock', body: { controllers: { server: { actions: { now: true } } } } }));
        expect(await within(now, 200)).to.be.below(500);
      } finally {
        await b.close();
      }
    });
  }

  it('applies a new rateLimit on node B', async () => {
    const b = new HttpClient(nodes[1].url);
    const jwt = await login(b, 'tim', 'tim-password-123');
    const burst = async () => (await Promise.all(Array.from({ length: 5 }, () => b.call({ controller: 'server', action: 'now', jwt })))).map((answer) => answer.status);
    expect(await burst()).to.not.include(429);
    ok(await a.call({ controller: 'security', action: 'updateProfile', jwt: admin, _id: 'clocks', body: { rateLimit: 1 } }));
    // Five requests within one second, sent as soon as the announcement could have arrived.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await burst()).to.include(429);
    ok(await a.call({ controller: 'security', action: 'updateProfile', jwt: admin, _id: 'clocks', body: { rateLimit: 0 } }));
  });
});
