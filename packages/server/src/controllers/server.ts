import { defineAction, type ActionDefinition } from '../api/action.js';
import { noArgs, noBody } from '../api/schemas.js';

/** server: node information. `publicApi` lists every served action with its HTTP routes. */
export function serverActions(all: () => readonly ActionDefinition[]): ActionDefinition[] {
  return [
    defineAction({
      controller: 'server', action: 'info', description: 'Version and stores of this node.',
      http: [{ verb: 'GET', path: '/' }, { verb: 'GET', path: '/_serverInfo' }], args: noArgs, body: noBody,
      async handler({ ctx }) {
        return {
          serverInfo: {
            kuzzle: { name: 'portcullis', version: ctx.version, nodeVersion: process.version, node: ctx.nodeId, uptime: `${Math.floor((Date.now() - ctx.startedAt) / 1000)}s` },
            services: ctx.storage.describe(),
          },
        };
      },
    }),
    defineAction({
      controller: 'server', action: 'now', description: 'The server time, in epoch milliseconds.',
      http: [{ verb: 'GET', path: '/_now' }], args: noArgs, body: noBody,
      handler: async () => ({ now: Date.now() }),
    }),
    defineAction({
      controller: 'server', action: 'healthCheck', description: 'Whether every store answers: green or red.',
      http: [{ verb: 'GET', path: '/_healthCheck' }], args: noArgs, body: noBody,
      async handler({ ctx }) {
        const ping = await ctx.storage.ping();
        const color = (ok: boolean) => (ok ? 'green' : 'red');
        return {
          status: ping.database && ping.sessions ? 'green' : 'red',
          services: { internalCache: color(ping.sessions), memoryStorage: color(ping.sessions), storageEngine: color(ping.database) },
        };
      },
    }),
    defineAction({
      controller: 'server', action: 'publicApi', description: 'Every action this node serves, with its HTTP routes (read by the Kuzzle SDK).',
      http: [{ verb: 'GET', path: '/_publicApi' }], args: noArgs, body: noBody,
      handler: async () => publicApi(all()),
    }),
    defineAction({
      controller: 'server', action: 'openapi', description: 'Same as publicApi (Kuzzle name).',
      http: [{ verb: 'GET', path: '/_openapi' }], args: noArgs, body: noBody,
      handler: async () => publicApi(all()),
    }),
    defineAction({
      controller: 'server', action: 'adminExists', description: 'Whether an administrator exists.',
      http: [{ verb: 'GET', path: '/_adminExists' }], args: noArgs, body: noBody,
      handler: async ({ ctx }) => ({ exists: await ctx.security.adminExists() }),
    }),
  ];
}

export function publicApi(definitions: readonly ActionDefinition[]): Record<string, Record<string, unknown>> {
  const api: Record<string, Record<string, unknown>> = {};
  for (const { controller, action, http } of definitions) {
    api[controller] ??= {};
    api[controller][action] = {
      controller,
      action,
      http: http.filter((route) => !route.deprecated).map(({ verb, path }) => ({ verb, url: path })),
    };
  }
  return api;
}
