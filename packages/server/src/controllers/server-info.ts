import { cpus, freemem, totalmem } from 'node:os';
import { configSchema, redactConfig } from '@portcullis/core';
import type { ActionDefinition, ServerContext } from '../api/action.js';

/** `{<controller>: {<action>: {controller, action, http: [{verb, url, path}]}}}`: Kuzzle's publicApi, deprecated aliases left out. */
export function publicApi(definitions: readonly ActionDefinition[]): Record<string, Record<string, unknown>> {
  const api: Record<string, Record<string, unknown>> = {};
  for (const { controller, action, http } of definitions) {
    api[controller] ??= {};
    api[controller][action] = {
      controller,
      action,
      http: http.filter((route) => !route.deprecated).map(({ verb, path }) => ({ verb, url: path, path })),
    };
  }
  return api;
}

/** The stores of a node by Kuzzle's service names, with their kind and address (no credentials: Storage.describe strips them). */
function services(ctx: ServerContext): Record<string, { type: string; address: string }> {
  const { database, sessions } = ctx.storage.describe();
  const databaseType = ctx.config.database.url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const cache = { type: ctx.config.redis.url === undefined ? databaseType : 'redis', address: sessions };
  const storage = { type: databaseType, address: database };
  return { internalCache: cache, memoryStorage: cache, internalStorage: storage, publicStorage: storage };
}

/** server:info's result, in Kuzzle's shape. */
export function serverInfo(ctx: ServerContext, definitions: readonly ActionDefinition[]): unknown {
  return {
    serverInfo: {
      kuzzle: {
        name: 'portcullis',
        version: ctx.version,
        node: ctx.nodeId,
        api: { routes: publicApi(definitions) },
        application: {},
        memoryUsed: process.memoryUsage().rss,
        nodeVersion: process.version,
        plugins: Object.fromEntries(ctx.strategies.names().map((name) => [name, { strategies: [name] }])),
        system: { cpus: cpus(), memory: { free: freemem(), total: totalmem() } },
        uptime: `${(Date.now() - ctx.startedAt) / 1000}s`,
      },
      services: services(ctx),
    },
  };
}

/** server:capabilities' result, in Kuzzle's shape. */
export function capabilities(ctx: ServerContext, definitions: readonly ActionDefinition[]): unknown {
  const stores = services(ctx);
  return {
    limits: ctx.config.limits,
    plugins: Object.fromEntries(ctx.strategies.names().map((name) => [name, { version: '' }])),
    routes: publicApi(definitions),
    services: {
      internalCache: { backend: stores['internalCache']!.type },
      storageEngine: { backend: stores['internalStorage']!.type },
    },
    version: ctx.version,
  };
}

/**
 * server:getConfig's result: the node's config without its secrets, derived from the schemas
 * (the node's, and each strategy plugin's own for its `plugins.<name>` namespace, defaults
 * included). A namespace whose plugin declares no schema, or that no registered strategy reads,
 * is left out.
 */
export function visibleConfig(ctx: ServerContext): Record<string, unknown> {
  const { plugins: _plugins, ...rest } = ctx.config;
  const config = redactConfig(configSchema, rest) as Record<string, unknown>;
  const plugins: Record<string, unknown> = {};
  for (const name of ctx.strategies.names()) {
    const schema = ctx.strategies.require(name).configSchema;
    // Parsed again for its defaults, as the plugin sees it; the plugin validated it at start already.
    const parsed = schema?.safeParse(ctx.config.plugins[name] ?? {});
    if (schema && parsed?.success) plugins[name] = redactConfig(schema, parsed.data);
  }
  return { ...config, plugins, version: ctx.version };
}
