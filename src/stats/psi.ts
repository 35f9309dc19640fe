import { toShares } from './shares.js';
import type { Statistic } from './types.js';

/** A share of exactly 0 is replaced by this before the logarithm (STATS.md; no renormalisation). */
export const PSI_EPSILON = 1e-4;

/** Population stability index: sum over bins of (q - p) * ln(q / p). */
export function populationStabilityIndex(p: readonly number[], q: readonly number[]): number {
  let psi = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] === 0 ? PSI_EPSILON : p[i]!;
    const qi = q[i] === 0 ? PSI_EPSILON : q[i]!;
    psi += (qi - pi) * Math.log(qi / pi);
  }
  return psi;
}

/** PSI over the shared bins; the usual reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 large. */
export const psi: Statistic<number> = {
  name: 'psi',
  description: 'population stability index over the baseline bins',
  appliesTo: ['numeric', 'categorical'],
  label: 'psi',
  direction: 'distanceAbove',
  reported: true,
  effect: { defaultMinimum: null, text: 'PSI' },
  compute: ({ bins }) => populationStabilityIndex(toShares(bins.baseline), toShares(bins.current)),
};
