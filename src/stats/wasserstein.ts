import type { Statistic } from './types.js';

/**
 * First Wasserstein distance between two empirical distributions, given sorted finite values:
 * the integral of |F_a(x) - F_b(x)| over x, as `scipy.stats.wasserstein_distance(a, b)`.
 * One merge pass, O(n_a + n_b).
 */
export function wasserstein1(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) return NaN;
  let i = 0;
  let j = 0;
  let total = 0;
  let x = Math.min(a[0]!, b[0]!);
  while (i < na || j < nb) {
    // Consume every value equal to x on both sides, so the ECDFs are right-continuous at x.
    while (i < na && a[i] === x) i++;
    while (j < nb && b[j] === x) j++;
    if (i === na && j === nb) break;
    const next = Math.min(i < na ? a[i]! : Infinity, j < nb ? b[j]! : Infinity);
    total += Math.abs(i / na - j / nb) * (next - x);
    x = next;
  }
  return total;
}

export const wasserstein: Statistic<number> = {
  name: 'wasserstein',
  description: "Wasserstein-1 (earth mover's) distance, in the feature's own unit",
  appliesTo: ['numeric'],
  direction: 'distanceAbove',
  // In the feature's unit, so no default can mean anything: the decision uses wasserstein_norm.
  defaultThreshold: Infinity,
  compute: ({ samples }) => {
    if (!samples) throw new Error('wasserstein needs the numeric samples of both sides');
    return wasserstein1(samples.baseline, samples.current);
  },
};

/** The floor of the baseline standard deviation, so a constant baseline does not divide by 0. */
export const MIN_NORMALISING_STD = 0.001;

export const wassersteinNorm: Statistic<number> = {
  name: 'wasserstein_norm',
  description: 'Wasserstein-1 distance in baseline standard deviations: wasserstein / max(std, 0.001)',
  appliesTo: ['numeric'],
  direction: 'distanceAbove',
  defaultThreshold: 0.1,
  compute: (input) => wasserstein.compute(input) / Math.max(input.samples?.baselineStd ?? 0, MIN_NORMALISING_STD),
};
