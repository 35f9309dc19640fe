/**
 * The area under the ROC curve of scores for two groups, by ranks (Mann-Whitney U / (n1 n0),
 * ties count one half), in O(n log n) with native typed-array sorts (the pool and the positives) and one merge: the domain classifier
 * evaluates it once per permutation of the labels, so it must not sort with a comparator.
 */
import { normalUpperTail } from './normal.js';

/** AUC and what its normal approximation needs: U and the tie term sum(t^3 - t). */
export interface RankAuc {
  auc: number;
  u: number;
  positives: number;
  negatives: number;
  tieTerm: number;
}

/**
 * The AUC of `scores` for rows with `labels[i] === 1` (positives) against the rest: the
 * probability that a positive row scores above a negative one, ties one half, as scikit-learn's
 * `roc_auc_score`. NaN when either group is empty.
 * @example rankAuc(Float64Array.of(0.1, 0.4, 0.35, 0.8), Uint8Array.of(0, 0, 1, 1)).auc // 0.75
 */
export function rankAuc(scores: Float64Array, labels: Uint8Array): RankAuc {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return { auc: NaN, u: NaN, positives, negatives, tieTerm: 0 };
  const all = Float64Array.from(scores).sort();
  const pos = new Float64Array(positives);
  for (let i = 0, k = 0; i < n; i++) if (labels[i] === 1) pos[k++] = scores[i]!;
  pos.sort();
  // One merge: each run of equal values in the pool gives its positives its midrank.
  let rankSum = 0;
  let tieTerm = 0;
  let p = 0;
  for (let start = 0; start < n; ) {
    const value = all[start]!;
    let end = start + 1;
    while (end < n && all[end] === value) end++;
    const t = end - start;
    if (t > 1) tieTerm += t * t * t - t;
    const midrank = (start + 1 + end) / 2;
    while (p < positives && pos[p] === value) {
      rankSum += midrank;
      p++;
    }
    start = end;
  }
  const u = rankSum - (positives * (positives + 1)) / 2;
  return { auc: u / (positives * negatives), u, positives, negatives, tieTerm };
}

/**
 * One-sided p-value that positives score higher, from the normal approximation of U with the
 * tie correction and a continuity correction of 1/2, as
 * `scipy.stats.mannwhitneyu(pos, neg, alternative='greater', method='asymptotic')`. Valid for
 * scores that are independent of the labels under the null; the domain classifier's
 * out-of-fold scores are not quite (docs/multivariate.md), so it reports this only beside its
 * permutation p-value.
 */
export function mannWhitneyGreaterPValue(r: RankAuc): number {
  const { u, positives: n1, negatives: n0, tieTerm } = r;
  if (!Number.isFinite(u)) return NaN;
  const n = n1 + n0;
  const variance = ((n1 * n0) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return 1;
  return normalUpperTail((u - (n1 * n0) / 2 - 0.5) / Math.sqrt(variance));
}
