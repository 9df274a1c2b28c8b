import type { Portcullis } from '@portcullis/server';
import { HttpClient } from './clients.js';
import { createUser, firstAdmin } from './fixtures.js';
import { startNode, TestStores } from './node.js';

/** Two nodes of one cluster, with clients on each and the administrator's token. */
export interface TwoNodes {
  nodes: [Portcullis, Portcullis];
  a: HttpClient;
  b: HttpClient;
  admin: string;
  stop(): Promise<void>;
}

/**
 * Starts two production nodes on one PostgreSQL schema and Redis prefix (what one does, the
 * other must know at once), creates the first administrator and an administrator `zoe`
 * (password `zoe-password-12`) through node A.
 */
export async function startTwoNodes(overrides: Record<string, unknown> = {}): Promise<TwoNodes> {
  const stores = new TestStores('production');
  const nodes: [Portcullis, Portcullis] = [await startNode(stores, overrides), await startNode(stores, overrides)];
  const [a, b] = nodes.map((node) => new HttpClient(node.url)) as [HttpClient, HttpClient];
  const admin = await firstAdmin(a);
  await createUser(a, admin, 'zoe', 'zoe', 'zoe-password-12', ['admin']);
  return {
    nodes, a, b, admin,
    async stop() {
      for (const node of nodes) await node.stop();
      await stores.destroy();
    },
  };
}
