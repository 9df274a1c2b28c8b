import type { CacheStats, Logger, SecurityService, SessionStore } from '@portcullis/core';
import { LoginTally } from './login-tally.js';
import type { PluginGauges } from './plugin-gauges.js';
import { PrometheusExporter } from './prometheus.js';
import { StatsFrames } from './stats-frames.js';
import type { Protocol } from '../api/request.js';
import { RequestTally } from './request-tally.js';

/** What the transports tell, read at each scrape: they are built after the node's context. */
export interface TransportFigures {
  websockets(): number;
  /** Open TCP connections of the HTTP server, upgraded WebSockets included. */
  connections(): Promise<number>;
}

export interface NodeMetricsParts {
  security: Pick<SecurityService, 'cacheStats'>;
  sessions: Pick<SessionStore, 'countLive' | 'cacheStats'>;
  plugins: PluginGauges;
  logger: Logger;
}

export type CacheFigures = CacheStats & { ratio: number | null };

/** The figures of server:metrics: Kuzzle's result, and ours under `portcullis`. */
export interface MetricsSnapshot {
  api: { concurrentRequests: number; pendingRequests: number };
  network: { connections: Record<string, number> };
  realtime: { rooms: number; subscriptions: number };
  portcullis: {
    requests: Record<string, Record<string, number>>;
    logins: ReturnType<LoginTally['logins']>;
    limits: ReturnType<LoginTally['limitsHit']>;
    strategies: Record<string, Record<string, number>>;
    websockets: number;
    sessions: { active: number | null };
    caches: Record<'users' | 'sessions' | 'rights', CacheFigures>;
  };
}

const NO_TRANSPORTS: TransportFigures = { websockets: () => 0, connections: async () => 0 };

/**
 * One node's figures. Hot paths only add to plain numbers (the funnel's tallies, the caches'
 * counters); everything else is read when the figures are asked for, by server:metrics or a
 * Prometheus scrape.
 */
export class NodeMetrics {
  readonly requests = new RequestTally();
  readonly logins = new LoginTally();
  /** Answers per protocol since the start, [succeeded, failed]: Kuzzle's statistics frames are their differences. */
  readonly answered: Record<Protocol, Float64Array> = { http: new Float64Array(2), websocket: new Float64Array(2) };
  /** Requests the funnel is waiting on, per protocol (those it answers at once are never in flight). */
  readonly ongoing: Record<Protocol, number> = { http: 0, websocket: 0 };
  /** Kuzzle's statistics frames (server:getLastStats and the like); the node starts and stops their timer. */
  readonly frames: StatsFrames;
  private transports = NO_TRANSPORTS;
  private readonly prometheus: PrometheusExporter;

  constructor(readonly parts: NodeMetricsParts) {
    this.prometheus = new PrometheusExporter(this);
    this.frames = new StatsFrames({ answered: this.answered, ongoing: this.ongoing, connections: () => ({ websocket: this.websockets }) });
  }

  /** Requests the funnel is waiting on, on every protocol. */
  get inFlight(): number {
    return this.ongoing.http + this.ongoing.websocket;
  }

  /** The figures in Prometheus' text exposition format. */
  exposition(): Promise<string> {
    return this.prometheus.exposition();
  }

  /** The transports are built after the context that holds this object: they report once built. */
  observeTransports(transports: TransportFigures): void {
    this.transports = transports;
  }

  get websockets(): number {
    return this.transports.websockets();
  }

  /** Open HTTP connections, not counting those upgraded to WebSocket. */
  async httpConnections(): Promise<number> {
    return Math.max(0, (await this.transports.connections()) - this.transports.websockets());
  }

  /** Live sessions of the whole cluster, or null when the session store does not answer. */
  async activeSessions(): Promise<number | null> {
    try {
      return await this.parts.sessions.countLive();
    } catch (error) {
      this.parts.logger.warn({ err: error }, 'metrics: could not count the live sessions');
      return null;
    }
  }

  caches(): Record<'users' | 'sessions' | 'rights', CacheFigures> {
    const { users, rights } = this.parts.security.cacheStats();
    const sessions = this.parts.sessions.cacheStats?.() ?? { hits: 0, misses: 0 };
    return { users: withRatio(users), sessions: withRatio(sessions), rights: withRatio(rights) };
  }

  /** server:metrics' result. */
  async snapshot(): Promise<MetricsSnapshot> {
    const [active, http] = await Promise.all([this.activeSessions(), this.httpConnections()]);
    const requests: Record<string, Record<string, number>> = {};
    for (const { controller, action, status, count } of this.requests.series()) (requests[`${controller}:${action}`] ??= {})[status] = count;
    const strategies: Record<string, Record<string, number>> = {};
    for (const { name, values } of this.parts.plugins.read()) for (const { strategy, value } of values) (strategies[strategy] ??= {})[name] = value;
    const websockets = this.websockets;
    return {
      // Read after the awaits: the request asking is in flight by then, as in Kuzzle.
      api: { concurrentRequests: this.inFlight, pendingRequests: 0 },
      network: { connections: { websocket: websockets, 'http/1.1': http } },
      realtime: { rooms: 0, subscriptions: 0 },
      portcullis: {
        requests, logins: this.logins.logins(), limits: this.logins.limitsHit(), strategies, websockets,
        sessions: { active }, caches: this.caches(),
      },
    };
  }
}

function withRatio({ hits, misses }: CacheStats): CacheFigures {
  return { hits, misses, ratio: hits + misses === 0 ? null : hits / (hits + misses) };
}
