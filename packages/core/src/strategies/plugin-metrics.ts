/**
 * A figure a plugin reports: read when the metrics are scraped, never pushed per event, so that
 * reporting costs the plugin nothing on its own paths. The server exposes it as the Prometheus
 * gauge `portcullis_strategy_<name>{strategy="<strategy>"}` and in `server:metrics`.
 */
export interface PluginGauge {
  /** Lower case letters, digits and "_", starting with a letter (e.g. `hash_queue_depth`). */
  name: string;
  /** One line saying what it measures, for the metric's HELP. */
  help: string;
  /** The current value; called at each scrape, so it must be cheap and must not throw. */
  read(): number;
}

/** What a plugin gets as `context.metrics`: plugins report through it and never import the server. */
export interface PluginMetrics {
  /**
   * Reports a gauge; a second gauge of the same name from the same strategy replaces the first.
   * @throws RangeError when the name is not lower case letters, digits and "_"
   */
  gauge(gauge: PluginGauge): void;
}

/** What the server gives the strategy registry: one {@link PluginMetrics} per strategy, forgotten when it is unregistered. */
export interface PluginMetricsHost {
  of(strategy: string): PluginMetrics;
  forget(strategy: string): void;
}

/** The names a plugin gauge may take. */
export const PLUGIN_GAUGE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
