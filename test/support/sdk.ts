import { expect } from 'chai';
import sdk from 'kuzzle-sdk';
import type { Portcullis } from '@portcullis/server';
import { MODES, startNode, TestStores, type Mode } from './node.js';

const { Kuzzle, WebSocket, Http } = sdk;

export type SdkClient = InstanceType<typeof Kuzzle>;
export type SdkProtocolName = 'WebSocket' | 'Http';

/** The first administrator every SDK suite creates through `kuzzle.security.createFirstAdmin`. */
export const ROOT = { username: 'root', password: 'root-password-long-enough' };
/** The JWT secret of SDK suites' nodes: no answer may ever hold it. */
export const JWT_SECRET = 'sdk-suite-jwt-secret-0123456789-abcdefghijklmnop';

/** What a scenario of an SDK suite works with. */
export interface SdkSuite {
  mode: Mode;
  protocol: SdkProtocolName;
  node: Portcullis;
  /** Logged in as {@link ROOT}. */
  kuzzle: SdkClient;
  /** The answer of `security.createFirstAdmin`. */
  firstAdmin: { _id: string; _source: Record<string, unknown> };
  /** A new SDK client on the same protocol, logged in (closed after the scenario). */
  connectAs(username: string, password: string): Promise<SdkClient>;
  /** A new SDK client on the same protocol, not logged in (closed after the scenario). */
  connect(): Promise<SdkClient>;
}

/**
 * Defines `scenarios` once and runs them against a fresh node for each storage mode and each of
 * the SDK's two protocols (WebSocket and HTTP): four nodes, so ids never meet between runs.
 * Each node starts empty; the suite creates its first administrator with the SDK itself.
 */
export function sdkSuites(title: string, scenarios: (suite: () => SdkSuite) => void, overrides: Record<string, unknown> = {}): void {
  for (const mode of MODES) {
    for (const [protocol, Protocol] of [['WebSocket', WebSocket], ['Http', Http]] as const) {
      describe(`${title} (${mode}, over the SDK's ${protocol} protocol)`, () => {
        let stores: TestStores;
        let current: SdkSuite;
        const extra: SdkClient[] = [];

        before(async () => {
          stores = new TestStores(mode);
          const node = await startNode(stores, { security: { jwt: { secret: JWT_SECRET } }, ...overrides });
          const port = Number(new URL(node.url).port);
          const connect = async (): Promise<SdkClient> => {
            const client = new Kuzzle(new Protocol('127.0.0.1', { port }));
            await client.connect();
            return client;
          };
          const kuzzle = await connect();
          const created = await kuzzle.security.createFirstAdmin('root', { content: { name: 'Root' }, credentials: { local: ROOT } });
          await kuzzle.auth.login('local', ROOT);
          current = {
            mode, protocol, node, kuzzle,
            firstAdmin: { _id: created._id, _source: created._source as Record<string, unknown> },
            connect: async () => {
              const client = await connect();
              extra.push(client);
              return client;
            },
            connectAs: async (username, password) => {
              const client = await current.connect();
              await client.auth.login('local', { username, password });
              return client;
            },
          };
        });

        afterEach(() => {
          for (const client of extra.splice(0)) client.disconnect();
        });

        after(async () => {
          current?.kuzzle.disconnect();
          await current?.node.stop();
          await stores?.destroy();
        });

        scenarios(() => current);
      });
    }
  }
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<{ id: string; status: number; message: string }> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if ('resolved' in outcome) expect.fail(`expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  return outcome.error as { id: string; status: number; message: string };
}

/** Asserts that a promise rejects with a Kuzzle error of this id and status. */
export async function refusedWith(promise: Promise<unknown>, id: string, status: number): Promise<void> {
  const error = await rejection(promise);
  expect(error, JSON.stringify(error)).to.include({ id, status });
}

/** Ids of search hits or objects, sorted, for order-blind comparisons. */
export const idsOf = (items: ReadonlyArray<{ _id: string }>): string[] => items.map((item) => item._id).sort();
