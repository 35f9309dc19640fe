import type { NumericFeatureProfile } from '../../src/contracts/profile.js';
import { binCounts, distinctEdges, edgeProbabilities, quantileSorted } from '../../src/stats/bins.js';

/**
 * A numeric profile of `values` as `baseline create` makes one (10 quantile bins, the whole column
 * as the sample), built in memory for tests and benches that need no data file.
 */
export function numericProfile(name: string, values: readonly number[]): NumericFeatureProfile {
  const sorted = [...values].sort((a, b) => a - b);
  const edges = distinctEdges(edgeProbabilities(10).map((q) => quantileSorted(sorted, q)));
  const counts = binCounts(edges, sorted);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const std = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / sorted.length);
  return {
    name,
    kind: 'numeric',
    dtype: 'DOUBLE',
    rows: sorted.length,
    count: sorted.length,
    nulls: 0,
    nullShare: 0,
    nonFinite: 0,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    mean,
    std,
    quantiles: { probs: [], values: [] },
    bins: { edges, counts, shares: counts.map((c) => c / sorted.length) },
    sample: { seed: 0, complete: true, values: sorted },
  };
}
