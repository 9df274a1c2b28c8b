import { expect } from 'chai';
import type { Portcullis } from '@portcullis/server';
import { HttpClient, TRANSPORTS } from '../support/clients.js';
import { ADMIN, failed, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, startNode, TestStores } from '../support/node.js';

type Frame = { completedRequests: Record<string, number>; failedRequests: Record<string, number>; ongoingRequests: Record<string, number>; connections: Record<string, number>; timestamp: number };

for (const mode of MODES) {
  describe(`e2e: Kuzzle's statistics frames (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores);
      await firstAdmin(new HttpClient(node.url));
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const transport of TRANSPORTS) {
      it(`counts the requests of each frame per protocol, and selects frames by time (${transport.name})`, async () => {
        const client = await transport.connect(node.url);
        try {
          const admin = await login(client, ADMIN.username, ADMIN.password);
          const start = node.context.metrics.frames.record().timestamp + 1;
          await sleep(2);
          for (let i = 0; i < 3; i++) ok(await client.call({ controller: 'server', action: 'now', jwt: admin }));
          failed(await client.call({ controller: 'server', action: 'getLastStats' }), 'security.rights.unauthorized', 401);
          const frame = node.context.metrics.frames.record();
          expect(frame.completedRequests[transport.name]).to.equal(3);
          expect(frame.failedRequests[transport.name]).to.equal(1);
          expect(ok<Frame>(await client.call({ controller: 'server', action: 'getLastStats', jwt: admin }))).to.deep.equal(frame);
          const all = ok<{ hits: Frame[]; total: number }>(await client.call({ controller: 'server', action: 'getAllStats', jwt: admin }));
          expect(all.total).to.equal(all.hits.length);
          expect(all.hits.at(-1)).to.deep.equal(frame);
          const ranged = ok<{ hits: Frame[]; total: number }>(await client.call({ controller: 'server', action: 'getStats', jwt: admin, startTime: start, stopTime: Date.now() }));
          expect(ranged).to.deep.equal({ hits: [frame], total: 1 });
        } finally {
          await client.close();
        }
      });
    }
  });
}
