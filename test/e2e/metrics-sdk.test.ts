import { expect } from 'chai';
import sdk from 'kuzzle-sdk';
import type { MetricsSnapshot, Portcullis } from '@portcullis/server';
import { MODES, startNode, TestStores } from '../support/node.js';

const { Kuzzle, WebSocket, Http } = sdk;
const ADMIN = { username: 'root', password: 'root-password-12' };

/** SDK 7 has no server.metrics() method: Kuzzle clients call it with query(), as here. */
for (const mode of MODES) {
  describe(`e2e: server:metrics through the Kuzzle SDK 7 (${mode})`, () => {
    let stores: TestStores;
    let node: Portcullis;
    let port: number;

    before(async () => {
      stores = new TestStores(mode);
      node = await startNode(stores, { security: { admin: ADMIN } });
      port = Number(new URL(node.url).port);
    });

    after(async () => {
      await node?.stop();
      await stores?.destroy();
    });

    for (const [name, Protocol] of [['WebSocket', WebSocket], ['Http', Http]] as const) {
      it(`reads Kuzzle's result and Portcullis' figures over its ${name} protocol`, async () => {
        const kuzzle = new Kuzzle(new Protocol('127.0.0.1', { port }));
        await kuzzle.connect();
        try {
          await kuzzle.auth.login('local', ADMIN);
          const { result } = await kuzzle.query({ controller: 'server', action: 'metrics' });
          const figures = result as MetricsSnapshot;
          expect(figures.api).to.deep.equal({ concurrentRequests: 1, pendingRequests: 0 });
          expect(figures.portcullis.logins['local']!.success).to.be.at.least(1);
          expect(figures.network.connections['websocket']).to.equal(name === 'WebSocket' ? 1 : 0);
          if (name === 'WebSocket') {
            const text = (await kuzzle.query({ controller: 'server', action: 'prometheus' })).result as string;
            expect(text).to.include('portcullis_logins_total{strategy="local",outcome="success"}');
          }
        } finally {
          kuzzle.disconnect();
        }
      });
    }
  });
}
