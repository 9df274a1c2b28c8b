import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  ApiKeyService, AuditLog, createLogger, namespaced, openLoginLimiter, openStorage, ProfileService, RoleService, SearchService, SecurityService, StrategyRegistry, TokenManager, UserService,
  type Config, type Logger, type LoginLimiter, type StrategyFactory,
} from '@portcullis/core';
import { createLocalStrategy } from '@portcullis/strategy-local';
import { createLdapStrategy } from '@portcullis/strategy-ldap';
import type { ActionDefinition, ServerContext } from './api/action.js';
import { Funnel } from './api/funnel.js';
import { actionCatalogue, allActions } from './controllers/index.js';
import { HttpTransport } from './http/http-transport.js';
import { Router } from './http/router.js';
import { TokenLinks } from './notifications/token-links.js';
import { WebSocketTransport } from './websocket/websocket-transport.js';
import { bootstrapAdmin } from './bootstrap-admin.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { PluginGauges } from './metrics/plugin-gauges.js';

export interface PortcullisOptions {
  config: Readonly<Config>;
  logger?: Logger;
  /** Strategies to serve besides `local` (and `ldap`, served when the config has a `plugins.ldap` section): name → factory. */
  strategies?: Record<string, StrategyFactory>;
}

export interface Portcullis {
  readonly context: ServerContext;
  readonly funnel: Funnel;
  /** The address it listens on, e.g. http://127.0.0.1:7512 (after start). */
  readonly url: string;
  start(): Promise<void>;
  /** Stops accepting, finishes in-flight requests, closes sockets and stores. */
  stop(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Opens the stores, registers the strategies and builds the transports; `start()` listens. */
export async function createPortcullis(options: PortcullisOptions): Promise<Portcullis> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logger.level });
  const storage = await openStorage(config, logger);
  let logins: LoginLimiter | undefined;
  try {
    logins = await openLoginLimiter(config, namespaced(logger, 'limits'));
    const security = new SecurityService(storage, config.security.userCache, namespaced(logger, 'security'));
    await security.init();
    const tokens = new TokenManager(storage.sessions, storage.settings, config.security.jwt, config.security.sessions.lastUseInterval);
    if ((await tokens.init()).generated) logger.warn({ ns: 'portcullis:tokens' }, 'no security.jwt.secret configured: generated one and stored it in the database');
    const plugins = new PluginGauges();
    const audit = new AuditLog(storage.audit, config.audit, namespaced(logger, 'audit'));
    const strategies = new StrategyRegistry({ credentials: storage.credentials, loadUser: (kuid) => storage.users.get(kuid), logger, pluginConfig: config.plugins, metrics: plugins, audit });
    const users = new UserService(security, storage.users, strategies, tokens, storage);
    strategies.bindUsers(users);
    const builtIn: Record<string, StrategyFactory> = { local: createLocalStrategy };
    if (config.plugins['ldap'] !== undefined) builtIn['ldap'] = createLdapStrategy;
    for (const [name, factory] of Object.entries({ ...builtIn, ...options.strategies })) await strategies.register(name, factory);
    const nodeId = `portcullis-${randomUUID().slice(0, 8)}`;
    const actions = allActions();
    const roles = new RoleService(storage.roles, security, actionCatalogue(actions));
    const profiles = new ProfileService(storage, security);
    const metrics = new NodeMetrics({ security, sessions: storage.sessions, plugins, logger: namespaced(logger, 'metrics') });
    // One search service per node: it holds the scroll signing key once read.
    const search = new SearchService(storage.search, storage.settings, config.limits.documentsFetchCount);
    const apiKeys = new ApiKeyService(tokens, storage.apiKeys, config.security.apiKey);
    const context: ServerContext = { config, logger, nodeId, storage, security, strategies, tokens, apiKeys, users, roles, profiles, logins, search, version: VERSION, startedAt: Date.now(), metrics, audit };
    await bootstrapAdmin(context);
    return assemble(context, actions);
  } catch (error) {
    await logins?.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw error;
  }
}

function assemble(context: ServerContext, actions: ActionDefinition[]): Portcullis {
  const { config, logger, nodeId } = context;
  const funnel = new Funnel(context, actions);
  const ready = async () => {
    const ping = await context.storage.ping();
    return ping.database && ping.sessions;
  };
  const http = new HttpTransport(funnel, new Router(actions), config, nodeId, ready);
  const links = new TokenLinks(nodeId);
  const websocket = new WebSocketTransport(http.server, funnel, links, config, async (token) => (await context.tokens.verify(token)).session);
  context.metrics.observeTransports({
    websockets: () => websocket.connections,
    connections: () => new Promise((resolve) => http.server.getConnections((error, count) => resolve(error ? 0 : count))),
  });
  context.storage.sessions.onRevoked((ids) => links.revoked(ids));
  let url = '';
  return {
    context,
    funnel,
    get url() {
      return url;
    },
    async start() {
      http.server.listen(config.server.port, config.server.host);
      await once(http.server, 'listening');
      const address = http.server.address() as AddressInfo;
      context.metrics.frames.start();
      context.audit.start();
      url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      logger.info({ ns: 'portcullis:server', url, node: nodeId, ...context.storage.describe(), strategies: context.strategies.names() }, `Portcullis listening on ${url}`);
    },
    async stop() {
      http.beginShutdown();
      const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
      http.server.closeIdleConnections();
      await websocket.close();
      // In-flight requests get a few seconds to finish; then their connections are cut.
      const deadline = setTimeout(() => http.server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(deadline);
      links.close();
      context.metrics.frames.stop();
      // Before the strategies go: their hooks hear of the last events.
      await context.audit.close();
      await context.strategies.close();
      context.security.close();
      await context.logins.close();
      await context.storage.close();
      logger.info({ ns: 'portcullis:server', node: nodeId }, 'Portcullis stopped');
    },
  };
}
