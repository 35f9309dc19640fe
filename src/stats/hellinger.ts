import { toShares } from './shares.js';
import type { Statistic } from './types.js';

/** Hellinger distance sqrt(1 - sum sqrt(p_i q_i)), in [0, 1]. */
export function hellingerDistance(p: readonly number[], q: readonly number[]): number {
  let bhattacharyya = 0;
  for (let i = 0; i < p.length; i++) bhattacharyya += Math.sqrt(p[i]! * q[i]!);
  // The coefficient can exceed 1 by rounding for identical shares.
  return Math.sqrt(Math.max(1 - bhattacharyya, 0));
}

export const hellinger: Statistic<number> = {
  name: 'hellinger',
  description: 'Hellinger distance (in [0, 1]) over the baseline bins',
  appliesTo: ['numeric', 'categorical'],
  direction: 'distanceAbove',
  label: 'hellinger',
  reported: true,
  effect: { defaultMinimum: null, text: 'Hellinger distance' },
  compute: ({ bins }) => hellingerDistance(toShares(bins.baseline), toShares(bins.current)),
};
