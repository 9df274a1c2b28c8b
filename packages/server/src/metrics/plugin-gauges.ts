import { PLUGIN_GAUGE_NAME, type PluginGauge, type PluginMetrics, type PluginMetricsHost } from '@portcullis/core';

/** Gauges reported by strategy plugins (`StrategyContext.metrics`): name → strategy → gauge. */
export class PluginGauges implements PluginMetricsHost {
  private readonly gauges = new Map<string, Map<string, PluginGauge>>();

  of(strategy: string): PluginMetrics {
    return {
      gauge: (gauge: PluginGauge) => {
        if (typeof gauge.name !== 'string' || !PLUGIN_GAUGE_NAME.test(gauge.name)) throw new RangeError(`strategy ${strategy}: a gauge name must match ${PLUGIN_GAUGE_NAME}`);
        if (typeof gauge.read !== 'function') throw new TypeError(`strategy ${strategy}: gauge ${gauge.name} needs a read() function`);
        const byStrategy = this.gauges.get(gauge.name) ?? new Map<string, PluginGauge>();
        byStrategy.set(strategy, { name: gauge.name, help: String(gauge.help), read: gauge.read });
        this.gauges.set(gauge.name, byStrategy);
      },
    };
  }

  forget(strategy: string): void {
    for (const byStrategy of this.gauges.values()) byStrategy.delete(strategy);
  }

  /** The gauge names some strategy reports, with their help (the last strategy's), without reading any gauge. */
  names(): Array<{ name: string; help: string }> {
    const out = [];
    for (const [name, byStrategy] of this.gauges) {
      let help: string | undefined;
      for (const gauge of byStrategy.values()) help = gauge.help;
      if (help !== undefined) out.push({ name, help });
    }
    return out;
  }

  /** The current values of one gauge name, per strategy; a gauge whose read() throws is left out. */
  valuesOf(name: string): Array<{ strategy: string; value: number }> {
    const values = [];
    for (const [strategy, gauge] of this.gauges.get(name) ?? []) {
      const value = safeRead(gauge);
      if (value !== undefined) values.push({ strategy, value });
    }
    return values;
  }

  /** Gauge names with their help and current values per strategy. */
  read(): Array<{ name: string; help: string; values: Array<{ strategy: string; value: number }> }> {
    return this.names().map(({ name, help }) => ({ name, help, values: this.valuesOf(name) }));
  }
}

function safeRead(gauge: PluginGauge): number | undefined {
  try {
    const value = gauge.read();
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
