import { fail } from '@portcullis/core';
import { z } from 'zod';
import { defineAction, outcome, type ActionDefinition } from '../api/action.js';
import { noArgs, noBody } from '../api/schemas.js';
import { openApiDocument } from './openapi-document.js';
import { healthCheckAction } from './server-health.js';
import { capabilities, publicApi, serverInfo, visibleConfig } from './server-info.js';

export { publicApi } from './server-info.js';

/** server: node information. `publicApi`, `openapi`, `info` and `capabilities` describe every served action. */
export function serverActions(all: () => readonly ActionDefinition[]): ActionDefinition[] {
  // The served actions never change once listed: their document is built at its first request only.
  let kuzzleDocument: unknown;
  return [
    defineAction({
      controller: 'server', action: 'info', description: 'Version, API, system and stores of this node (no secret).',
      http: [{ verb: 'GET', path: '/' }, { verb: 'GET', path: '/_serverInfo' }], args: noArgs, body: noBody,
      handler: ({ ctx }) => serverInfo(ctx, all()),
    }),
    defineAction({
      controller: 'server', action: 'now', description: 'The server time, in epoch milliseconds.',
      http: [{ verb: 'GET', path: '/_now' }], args: noArgs, body: noBody,
      handler: async () => ({ now: Date.now() }),
    }),
    healthCheckAction,
    defineAction({
      controller: 'server', action: 'publicApi', description: 'Every action this node serves, with its HTTP routes (read by the Kuzzle SDK).',
      http: [{ verb: 'GET', path: '/_publicApi' }], args: noArgs, body: noBody,
      handler: () => publicApi(all()),
    }),
    defineAction({
      controller: 'server', action: 'openapi', description: 'An OpenAPI 3.1 document of every HTTP route; over HTTP, the answer is the document itself.',
      http: [{ verb: 'GET', path: '/_openapi' }],
      args: z.object({ format: z.enum(['json', 'yaml']).optional(), scope: z.string().max(64).optional() }).loose(),
      body: noBody,
      rawOverHttp: true,
      handler({ args, ctx }) {
        const scope = args.scope ?? 'kuzzle';
        if (scope !== 'kuzzle' && scope !== 'app') throw fail('api.assert.unexpected_argument', scope, 'kuzzle, app');
        // There is no application API besides the node's own: its document has no paths.
        const document = scope === 'kuzzle' ? (kuzzleDocument ??= openApiDocument(all(), ctx.version)) : openApiDocument([], ctx.version);
        // JSON is YAML 1.2: the same text answers both formats.
        return outcome(document, 200, { 'Content-Type': `application/${args.format ?? 'json'}` });
      },
    }),
    defineAction({
      controller: 'server', action: 'capabilities', description: 'Limits, strategies, routes, stores and version of this node.',
      http: [{ verb: 'GET', path: '/_capabilities' }], args: noArgs, body: noBody,
      handler: ({ ctx }) => capabilities(ctx, all()),
    }),
    defineAction({
      controller: 'server', action: 'getConfig', description: "This node's configuration, every secret removed.",
      http: [{ verb: 'GET', path: '/_getConfig' }], args: noArgs, body: noBody,
      handler: ({ ctx }) => visibleConfig(ctx),
    }),
    defineAction({
      controller: 'server', action: 'adminExists', description: 'Whether an administrator exists.',
      http: [{ verb: 'GET', path: '/_adminExists' }], args: noArgs, body: noBody,
      handler: async ({ ctx }) => ({ exists: await ctx.security.adminExists() }),
    }),
  ];
}
