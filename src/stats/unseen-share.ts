import type { Statistic } from './types.js';

/**
 * The share of the window in categories the baseline never had: the last bin of a categorical
 * feature's counts (STATS.md, "Bins"). A size the decision can ask a minimum of (a category the
 * model never saw in 1% of its inputs is a training-serving skew worth a look); the schema checks
 * report the same values as `unseen_categories`.
 */
export const unseenShare: Statistic<number> = {
  name: 'unseen_share',
  label: 'unseen',
  description: 'share of the window in categories the baseline never had',
  appliesTo: ['categorical'],
  direction: 'distanceAbove',
  reported: false,
  effect: { defaultMinimum: 0.01, text: 'share of the window in categories the baseline never had' },
  compute: ({ bins }) => {
    const n = bins.current.reduce((a, b) => a + b, 0);
    return n > 0 ? (bins.current.at(-1) ?? 0) / n : Number.NaN;
  },
};
