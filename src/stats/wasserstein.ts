import type { Statistic } from './types.js';
import { skipEqual } from './sorted.js';

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
    i = skipEqual(a, i, x);
    j = skipEqual(b, j, x);
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
  label: 'w1',
  direction: 'distanceAbove',
  // In the feature's unit, so no minimum can mean anything across features: the decision uses wasserstein_norm.
  reported: true,
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
  label: 'w_norm',
  reported: true,
  effect: {
    defaultMinimum: 0.1,
    text: 'shift in baseline SDs (Wasserstein)',
    noiseFloor: ({ baseline }, n) => (baseline ? wassersteinNoise(baseline.sorted, baseline.std, n) : Number.NaN),
  },
  compute: (input) => wasserstein.compute(input) / Math.max(input.samples?.baselineStd ?? 0, MIN_NORMALISING_STD),
};

/*
 * Noise floors. How large a size statistic is expected to be from sampling noise alone, for a window of n values
 * compared with a baseline of m, when nothing changed. The calibrated decision asks the observed
 * size to clear a few times this (as well as the minimum effect), so that in a small window noise
 * cannot pass for a large change: the threshold rises at small n, and is the minimum effect above
 * a few hundred rows.
 */

/**
 * The integral of sqrt(F (1 - F)) dx over the sorted baseline, which depends on the baseline
 * only: kept per array, so the windows of a backfill and a service's scheduled checks, which
 * compare with the same cached baseline array, compute it once.
 */
const bridgeIntegrals = new WeakMap<Float64Array, number>();

function bridgeIntegral(sorted: Float64Array): number {
  const known = bridgeIntegrals.get(sorted);
  if (known !== undefined) return known;
  const m = sorted.length;
  let integral = 0;
  for (let i = 0; i < m - 1; i++) {
    const f = (i + 1) / m;
    integral += Math.sqrt(f * (1 - f)) * (sorted[i + 1]! - sorted[i]!);
  }
  bridgeIntegrals.set(sorted, integral);
  return integral;
}

/**
 * Expected `wasserstein_norm` under no change: sqrt(n_eff) (F_n - G_m) tends to a Brownian bridge
 * B(F(x)) with n_eff = n m / (n + m), and E|B(t)| = sqrt(2 / pi) sqrt(t (1 - t)), so
 * E W1 ~ sqrt(2 / pi) / sqrt(n_eff) * integral of sqrt(F (1 - F)) dx, F taken from the sorted
 * baseline sample; then divided by the baseline's std, as `wasserstein_norm` is.
 * @example wassersteinNoise(sortedNormalSample, 1, 100) // about 0.08 for a large normal sample
 */
export function wassersteinNoise(sortedBaseline: Float64Array, baselineStd: number, n: number): number {
  const m = sortedBaseline.length;
  if (m < 2 || n < 1) return NaN;
  const integral = bridgeIntegral(sortedBaseline);
  const nEff = (n * m) / (n + m);
  return (Math.sqrt(2 / Math.PI) * integral) / Math.sqrt(nEff) / Math.max(baselineStd, MIN_NORMALISING_STD);
}
