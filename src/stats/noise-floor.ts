import { MIN_NORMALISING_STD } from './wasserstein.js';

/**
 * How large a size statistic is expected to be from sampling noise alone, for a window of n values
 * compared with a baseline of m, when nothing changed. The calibrated decision asks the observed
 * size to clear a few times this (as well as the minimum effect), so that in a small window noise
 * cannot pass for a large change: the threshold rises at small n, and is the minimum effect above
 * a few hundred rows.
 */

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
  let integral = 0;
  for (let i = 0; i < m - 1; i++) {
    const f = (i + 1) / m;
    integral += Math.sqrt(f * (1 - f)) * (sortedBaseline[i + 1]! - sortedBaseline[i]!);
  }
  const nEff = (n * m) / (n + m);
  return (Math.sqrt(2 / Math.PI) * integral) / Math.sqrt(nEff) / Math.max(baselineStd, MIN_NORMALISING_STD);
}

/**
 * The largest standard deviation of one category's share change under no change,
 * sqrt(p (1 - p) (1 / m + 1 / n)) with p the baseline share: the scale of `linf`'s noise.
 */
export function linfNoise(baselineCounts: readonly number[], n: number): number {
  const m = baselineCounts.reduce((a, b) => a + b, 0);
  if (m === 0 || n < 1) return NaN;
  let worst = 0;
  for (const c of baselineCounts) {
    const p = c / m;
    worst = Math.max(worst, p * (1 - p));
  }
  return Math.sqrt(worst * (1 / m + 1 / n));
}
