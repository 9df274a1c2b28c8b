import { expect } from 'chai';
import { createLocalStrategy } from '@portcullis/strategy-local';
import { createPortcullis, type Portcullis } from '@portcullis/server';
import { createDeviceStrategy } from '../docs/example-strategy.js';
import { lastLogins, withHooks } from '../docs/example-hooks.js';
import { TRANSPORTS, type ApiClient } from '../support/clients.js';
import { createUser, firstAdmin, login, ok, sleep } from '../support/fixtures.js';
import { MODES, TestStores } from '../support/node.js';

/** Resolves once `check` holds, or fails after `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await sleep(20);
  }
}

for (const mode of MODES) {
  for (const transport of TRANSPORTS) {
    describe(`e2e: plugins' audit hooks (${mode}, over ${transport.name})`, function () {
      let stores: TestStores;
      let node: Portcullis;
      let client: ApiClient;
      let admin: string;
      const seen = new Map<string, { at: number; ip: string | null }>();
      let thrown = 0;
      let slowCalls = 0;

      before(async () => {
        stores = new TestStores(mode);
        node = await createPortcullis({
          config: stores.config({ audit: { flushInterval: 20, hookTimeout: 100 }, plugins: { device: { minSecretLength: 40 } } }),
          strategies: {
            // The documented hooks, on the local strategy.
            local: withHooks(createLocalStrategy, lastLogins(seen)),
            // Another plugin whose login hook throws and whose logout hook never ends.
            device: withHooks(createDeviceStrategy, {
              'auth:login': () => {
                thrown++;
                throw new Error('a hook that fails');
              },
              'auth:logout': () => {
                slowCalls++;
                return new Promise<void>(() => undefined);
              },
            }),
          },
        });
        await node.start();
        client = await transport.connect(node.url);
        admin = await firstAdmin(client);
        await createUser(client, admin, 'alice', 'alice', 'alice-password-1');
      });

      after(async () => {
        await client?.close();
        await node?.stop();
        await stores?.destroy();
      });

      it('hands each recorded event to the hooks of its type, after a login that a throwing hook does not break', async () => {
        const jwt = await login(client, 'alice', 'alice-password-1');
        await eventually(() => seen.has('alice'), 'the hook heard of alice\'s login');
        expect(seen.get('alice')!.at).to.be.within(Date.now() - 10_000, Date.now());
        expect(seen.get('alice')!.ip).to.be.a('string');
        expect(thrown).to.be.at.least(2);
        ok(await client.call({ controller: 'auth', action: 'getCurrentUser', jwt }));
      });

      it('answers a logout whose hook never ends, and hears of later events', async () => {
        const jwt = await login(client, 'alice', 'alice-password-1');
        ok(await client.call({ controller: 'auth', action: 'logout', jwt }));
        await eventually(() => slowCalls > 0, 'the slow hook was called');
        ok(await client.call({ controller: 'security', action: 'deleteUser', jwt: admin, _id: 'alice' }));
        await eventually(() => !seen.has('alice'), 'the hook heard of alice\'s deletion');
      });
    });
  }
}

describe('e2e: plugins\' audit hooks, refused at registration', () => {
  it('refuses a plugin whose hooks name no audit event type', async () => {
    const stores = new TestStores('embedded');
    try {
      const started = createPortcullis({ config: stores.config(), strategies: { local: withHooks(createLocalStrategy, { 'auth:nope': () => undefined } as never) } });
      const error = await started.then(() => null, (caught: unknown) => caught);
      expect(error).to.have.property('id', 'plugin.strategy.invalid_description');
      expect(String((error as Error).message)).to.include('auth:nope');
    } finally {
      await stores.destroy();
    }
  });
});
