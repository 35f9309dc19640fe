import { toShares } from './shares.js';
import type { Statistic } from './types.js';

/** Kullback-Leibler terms p * log2(p / m), with 0 * log 0 = 0. */
function klToMixture(p: readonly number[], m: readonly number[]): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (pi > 0) kl += pi * Math.log2(pi / m[i]!);
  }
  return kl;
}

/**
 * Jensen-Shannon distance (the square root of the divergence), base 2, so in [0, 1];
 * as `scipy.spatial.distance.jensenshannon(p, q, base=2)`, no smoothing.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const m = p.map((pi, i) => (pi + q[i]!) / 2);
  const divergence = (klToMixture(p, m) + klToMixture(q, m)) / 2;
  // Rounding can leave a divergence of -1e-17 for identical inputs; the distance is 0 then.
  return Math.sqrt(Math.max(divergence, 0));
}

export const jensenShannon: Statistic<number> = {
  name: 'jensen_shannon',
  description: 'Jensen-Shannon distance (base 2, in [0, 1]) over the baseline bins',
  appliesTo: ['numeric', 'categorical'],
  direction: 'distanceAbove',
  label: 'js',
  reported: true,
  effect: { defaultMinimum: null, text: 'Jensen-Shannon distance' },
  compute: ({ bins }) => jensenShannonDistance(toShares(bins.baseline), toShares(bins.current)),
};
