import { toShares } from './shares.js';
import type { Statistic } from './types.js';

/** L-infinity distance: the largest change of any one bin's share (TFDV's categorical skew measure). */
export function lInfinityDistance(p: readonly number[], q: readonly number[]): number {
  let max = 0;
  for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i]! - q[i]!));
  return max;
}

export const linf: Statistic<number> = {
  name: 'linf',
  description: 'largest change of one category share (L-infinity)',
  appliesTo: ['categorical'],
  direction: 'distanceAbove',
  label: 'linf',
  reported: true,
  effect: {
    defaultMinimum: 0.05,
    text: 'largest change of one category share',
    noiseFloor: ({ counts }, n) => linfNoise(counts.baseline, n),
  },
  compute: ({ bins }) => lInfinityDistance(toShares(bins.baseline), toShares(bins.current)),
};

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
