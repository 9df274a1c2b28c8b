import { Counter, Gauge, Registry } from 'prom-client';
import { LIMIT_IDS } from './login-tally.js';
import type { NodeMetrics } from './node-metrics.js';

/** Prometheus' text exposition format, as prom-client writes it. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const CACHES = ['users', 'sessions', 'rights'] as const;

/**
 * The node's figures as Prometheus metrics, in a registry of its own (never prom-client's global
 * one: several nodes may share a process). Every metric is filled by its `collect()` at scrape
 * time from the plain counters of {@link NodeMetrics}; nothing here runs per request.
 */
export class PrometheusExporter {
  private readonly registry = new Registry();

  constructor(private readonly metrics: NodeMetrics) {
    const registers = [this.registry];
    new Counter({
      name: 'portcullis_requests_total', help: 'API requests answered by this node, per action and status (controller and action "_unrouted": no served action was named).',
      labelNames: ['controller', 'action', 'status'], registers,
      collect() {
        this.reset();
        for (const { controller, action, status, count } of metrics.requests.series()) this.inc({ controller, action, status }, count);
      },
    });
    new Gauge({
      name: 'portcullis_requests_in_flight', help: 'API requests this node has started and not answered yet.', registers,
      collect() {
        this.set(metrics.inFlight);
      },
    });
    this.loginMetrics();
    this.connectionMetrics();
    this.cacheMetrics();
  }

  /** The text exposition of every metric, plugin gauges included. */
  async exposition(): Promise<string> {
    this.pluginGauges();
    return this.registry.metrics();
  }

  private loginMetrics(): void {
    const { metrics } = this;
    const registers = [this.registry];
    new Counter({
      name: 'portcullis_logins_total', help: 'Logins (auth:login and HTTP Basic) per strategy and outcome: success, failure (refused secret), limited, error.',
      labelNames: ['strategy', 'outcome'], registers,
      collect() {
        this.reset();
        for (const [strategy, outcomes] of Object.entries(metrics.logins.logins())) {
          for (const [outcome, count] of Object.entries(outcomes)) this.inc({ strategy, outcome }, count);
        }
      },
    });
    new Counter({
      name: 'portcullis_limits_hit_total', help: 'Requests refused by a limit, per error id: failed-login delays, logins per connection, profile rateLimit.',
      labelNames: ['id'], registers,
      collect() {
        this.reset();
        const hits = metrics.logins.limitsHit();
        for (const id of LIMIT_IDS) this.inc({ id }, hits[id]);
      },
    });
  }

  private connectionMetrics(): void {
    const { metrics } = this;
    const registers = [this.registry];
    new Gauge({
      name: 'portcullis_websockets_open', help: 'WebSocket connections open on this node.', registers,
      collect() {
        this.set(metrics.websockets);
      },
    });
    new Gauge({
      name: 'portcullis_http_connections_open', help: 'HTTP connections open on this node (WebSockets not included).', registers,
      async collect() {
        this.set(await metrics.httpConnections());
      },
    });
    new Gauge({
      name: 'portcullis_sessions_active', help: 'Sessions that have not expired, in the whole cluster (NaN when the session store does not answer).', registers,
      async collect() {
        this.set((await metrics.activeSessions()) ?? Number.NaN);
      },
    });
  }

  private cacheMetrics(): void {
    const { metrics } = this;
    const registers = [this.registry];
    const labelNames = ['cache'];
    type Figures = ReturnType<NodeMetrics['caches']>[(typeof CACHES)[number]];
    /** Sets one series per cache: a counter is reset and incremented (it has no set), a gauge set. */
    const each = (read: (figures: Figures) => number | null) => function (this: Counter | Gauge) {
      this.reset();
      const caches = metrics.caches();
      for (const cache of CACHES) {
        const value = read(caches[cache]);
        if (value === null) continue;
        if (this instanceof Counter) this.inc({ cache }, value);
        else this.set({ cache }, value);
      }
    };
    new Counter({ name: 'portcullis_cache_hits_total', help: 'Lookups this node answered from memory, per cache: users, sessions, rights (decisions).', labelNames, registers, collect: each((figures) => figures.hits) });
    new Counter({ name: 'portcullis_cache_misses_total', help: 'Lookups that went to the store (or computed a rights decision), per cache.', labelNames, registers, collect: each((figures) => figures.misses) });
    new Gauge({ name: 'portcullis_cache_hit_ratio', help: 'hits / (hits + misses) since the node started, per cache (absent before any lookup).', labelNames, registers, collect: each((figures) => figures.ratio) });
  }

  /** One gauge per name a plugin reported, created at the first scrape that sees it. */
  private pluginGauges(): void {
    for (const { name, help } of this.metrics.parts.plugins.names()) {
      const metric = `portcullis_strategy_${name}`;
      if (this.registry.getSingleMetric(metric)) continue;
      const { plugins } = this.metrics.parts;
      new Gauge({
        name: metric, help, labelNames: ['strategy'], registers: [this.registry],
        collect() {
          this.reset();
          for (const { strategy, value } of plugins.valuesOf(name)) this.set({ strategy }, value);
        },
      });
    }
  }
}
