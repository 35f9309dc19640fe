import type { Metrics } from '../../src/api/metrics.js';

/**
 * The series the service exports, read from its real registry (src/api/metrics.ts): each series
 * name with its labels. A histogram is the series Prometheus stores for it (`_bucket` with `le`,
 * `_sum`, `_count`), a summary likewise (`quantile`). Label names are the metric's declared ones
 * (prom-client refuses to set any other), cross-checked against the samples of a scrape.
 */
export interface MetricCatalogue {
  /** Series name -> its label names. */
  series: Map<string, Set<string>>;
  /** Metric name (as in `# TYPE`) -> counter, gauge, histogram, summary. */
  types: Map<string, string>;
}

/** The labels Prometheus adds to every scraped series (its target's). */
export const TARGET_LABELS = ['job', 'instance'] as const;

/** `up`, which Prometheus writes for every scrape target: rules about the service's health use it. */
export const SYNTHETIC_SERIES = new Map([['up', new Set<string>(TARGET_LABELS)]]);

/** The catalogue of `metrics`' registry; throws when a scraped sample has a label its metric did not declare. */
export async function metricCatalogue(metrics: Metrics): Promise<MetricCatalogue> {
  const series = new Map<string, Set<string>>();
  const types = new Map<string, string>();
  // `labelNames` is prom-client's own field of each metric (it validates every label against it).
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const declared = new Set<string>((metric as unknown as { labelNames?: readonly string[] }).labelNames ?? []);
    // MetricType is an enum of the type names ('counter', 'gauge', 'histogram', 'summary').
    const type = String(metric.type);
    types.set(metric.name, type);
    if (type === 'histogram') {
      series.set(`${metric.name}_bucket`, new Set([...declared, 'le']));
      series.set(`${metric.name}_sum`, declared);
      series.set(`${metric.name}_count`, declared);
    } else if (type === 'summary') {
      series.set(metric.name, new Set([...declared, 'quantile']));
      series.set(`${metric.name}_sum`, declared);
      series.set(`${metric.name}_count`, declared);
    } else {
      series.set(metric.name, declared);
    }
  }
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const name = (value as { metricName?: string }).metricName ?? metric.name;
      const known = series.get(name);
      if (!known) throw new Error(`the scrape has series ${name}, which the catalogue does not`);
      for (const label of Object.keys(value.labels))
        if (!known.has(label)) throw new Error(`${name} has label '${label}' in the scrape, not among its declared labels`);
    }
  }
  return { series, types };
}
