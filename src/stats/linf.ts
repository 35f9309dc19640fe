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
  defaultThreshold: 0.1,
  compute: ({ bins }) => lInfinityDistance(toShares(bins.baseline), toShares(bins.current)),
};
