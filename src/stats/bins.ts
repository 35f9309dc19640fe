import { lowerBound } from './sorted.js';

/** Default number of quantile bins for numeric features (STATS.md). */
export const DEFAULT_BINS = 10;

/** The quantile probabilities of the interior bin edges: k/B for k = 1..B-1. */
export function edgeProbabilities(bins: number): number[] {
  // k / B, not k * (1 / B): numpy users write np.arange(1, B) / B, and the two differ in the last bit.
  return Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
}

/**
 * The positions (0-based, in the sorted values) that a type-7 quantile at probability q reads:
 * the lower order statistic and the weight of the upper one.
 */
export function quantilePosition(n: number, q: number): { lower: number; gamma: number } {
  const virtual = (n - 1) * q;
  const lower = Math.floor(virtual);
  return { lower, gamma: virtual - lower };
}

/**
 * numpy's linear interpolation between two order statistics, bit for bit: `a + (b - a) * t`,
 * or `b - (b - a) * (1 - t)` when t >= 0.5 (numpy's `_lerp`), so that edges equal numpy's and a
 * value sitting exactly on an edge lands in the same bin as in numpy.
 */
export function numpyLerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Hyndman-Fan type 7 quantile of sorted values (numpy's default `linear`).
 * @example quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5) // => 2.5
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const { lower, gamma } = quantilePosition(n, q);
  const upper = Math.min(lower + 1, n - 1);
  return numpyLerp(sorted[lower]!, sorted[upper]!, gamma);
}

/** Drops repeated edges, so a feature with few distinct values gets fewer bins. */
export function distinctEdges(quantiles: readonly number[]): number[] {
  return quantiles.filter((edge, i) => i === 0 || edge !== quantiles[i - 1]);
}

/**
 * The bin of x among right-closed bins (-inf, e1], (e1, e2], ..., (e_last, +inf):
 * the number of edges strictly below x. Binary search, edges ascending.
 */
export function binIndex(edges: readonly number[], x: number): number {
  return lowerBound(edges, x);
}

/** Counts of values per right-closed bin; there are edges.length + 1 bins. */
export function binCounts(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(edges, values[i]!)]!++;
  return counts;
}

/** Human labels of right-closed bins, e.g. "(-inf, 1]", "(1, 2.5]", "(2.5, +inf)". */
export function binLabels(edges: readonly number[]): string[] {
  const fmt = (x: number) => Number(x.toPrecision(6)).toString();
  return Array.from({ length: edges.length + 1 }, (_, i) => {
    const lo = i === 0 ? '-inf' : fmt(edges[i - 1]!);
    const hi = i === edges.length ? '+inf)' : `${fmt(edges[i]!)}]`;
    return `(${lo}, ${hi}`;
  });
}
