import { logGamma } from './distributions/gamma.js';
import { normalUpperQuantile } from './normal.js';
import type { Statistic } from './types.js';
import { count, pct, sig3 } from './wording.js';

/**
 * The evidence test of a categorical feature in the calibrated decision (`src/checks/decision.ts`):
 * did any one category's share change? For each category a two-sided Fisher exact test of its
 * 2 x 2 table (this category vs the rest, baseline vs current), and the smallest p-value times
 * the number of categories tested (Bonferroni). Why not Pearson's chi-square: with a 200-category
 * feature and a window of 50 to 1,000 rows most expected counts are below 1, and its asymptotic
 * p-value is then far from valid; Fisher's test conditions on the margins, so its p-value is valid
 * (conservative) at every window size, and a max-type test looks for exactly what the size half
 * measures (L-infinity: the largest change of one share).
 */
export interface CategoryShiftResult {
  /** The largest |current share - baseline share| over the categories (L-infinity). */
  statistic: number;
  /** min over categories of the two-sided Fisher p-value, times the categories tested, capped at 1. */
  pvalue: number;
  /** Index of the category with the smallest p-value (-1 when none was tested). */
  category: number;
  /** Categories with a non-zero total: the Bonferroni count. */
  tested: number;
  method: 'exact';
}

/** ln C(n, k). */
function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Stops summing a tail once it cannot matter: the next term adds less than this share of the sum.
 */
const TAIL_EPS = 1e-17;

/**
 * The tail of X ~ Hypergeometric(population nb + nc, nc "current" items, k draws) on the far side
 * of its mean from x, with P(X = x) included: P(X >= x) when x is above the mean, else P(X <= x).
 * The summation stops early once the tail reaches `stopAt` (its exact value no longer matters).
 */
export function hypergeometricFarTail(x: number, nb: number, nc: number, k: number, stopAt = Infinity): number {
  const lo = Math.max(0, k - nb);
  const hi = Math.min(k, nc);
  if (x < lo || x > hi) return 0;
  const total = nb + nc;
  const mean = (k * nc) / total;
  // The mode: terms beyond it shrink, so the sum can stop once they are negligible.
  const mode = Math.floor(((k + 1) * (nc + 1)) / (total + 2));
  let term = Math.exp(logChoose(nc, x) + logChoose(nb, k - x) - logChoose(total, k));
  let sum = term;
  if (x >= mean) {
    for (let j = x; j < hi && sum < stopAt; j++) {
      term *= ((nc - j) * (k - j)) / ((j + 1) * (nb - k + j + 1));
      sum += term;
      if (j >= mode && term <= sum * TAIL_EPS) break;
    }
  } else {
    for (let j = x; j > lo && sum < stopAt; j--) {
      term *= (j * (nb - k + j)) / ((nc - j + 1) * (k - j + 1));
      sum += term;
      if (j <= mode + 1 && term <= sum * TAIL_EPS) break;
    }
  }
  return Math.min(sum, 1);
}

/**
 * Two-sided Fisher exact p-value of one category: twice the far tail (conditioned on the
 * category's total and the two sample sizes), capped at 1. Doubling the smaller tail is the
 * "minimum-likelihood-free" two-sided form; it is never below the true two-sided level, so valid.
 * @example fisherCategoryP(30, 10, 100, 100) // 30/100 vs 10/100 -> about 8.5e-4
 */
export function fisherCategoryP(baselineCount: number, currentCount: number, baselineTotal: number, currentTotal: number): number {
  const k = baselineCount + currentCount;
  if (k === 0 || baselineTotal === 0 || currentTotal === 0) return 1;
  return Math.min(1, 2 * hypergeometricFarTail(currentCount, baselineTotal, currentTotal, k, 0.5));
}

/**
 * The category-shift test on two count vectors over the same bins (categories plus unseen).
 * @example categoryShift([50, 50], [80, 20]) // statistic 0.3, pvalue ~ 3e-5 (2 categories tested)
 */
export function categoryShift(baseline: readonly number[], current: readonly number[]): CategoryShiftResult {
  if (baseline.length !== current.length)
    throw new RangeError(`categoryShift: baseline has ${baseline.length} bins but current has ${current.length}`);
  const nb = baseline.reduce((a, b) => a + b, 0);
  const nc = current.reduce((a, b) => a + b, 0);
  if (nb === 0 || nc === 0) return { statistic: NaN, pvalue: NaN, category: -1, tested: 0, method: 'exact' };
  // Largest standardised difference first, so the best p-value is found early and the others
  // can stop summing as soon as they cannot beat it.
  const order: { i: number; z: number }[] = [];
  let statistic = 0;
  for (let i = 0; i < baseline.length; i++) {
    const b = baseline[i]!;
    const c = current[i]!;
    if (b + c === 0) continue;
    const diff = c / nc - b / nb;
    statistic = Math.max(statistic, Math.abs(diff));
    const p = (b + c) / (nb + nc);
    order.push({ i, z: Math.abs(diff) / Math.sqrt(p * (1 - p) * (1 / nb + 1 / nc) || 1) });
  }
  order.sort((a, b) => b.z - a.z);
  const tested = order.length;
  if (tested < 2) return { statistic, pvalue: 1, category: order[0]?.i ?? -1, tested, method: 'exact' };
  let best = 1;
  let category = order[0]!.i;
  for (const { i } of order) {
    const b = baseline[i]!;
    const c = current[i]!;
    // Only a tail below best / (2 tested) can improve the minimum: stop summing above that.
    const tail = hypergeometricFarTail(c, nb, nc, b + c, best / (2 * tested));
    const p = Math.min(1, 2 * tail * tested);
    if (p < best) {
      best = p;
      category = i;
    }
  }
  return { statistic, pvalue: best, category, tested, method: 'exact' };
}

/**
 * The evidence test of categorical features in the registry. Not in the reports' `stats` (chi2
 * is the reported test of homogeneity); the decision's `test` carries its p-value and category.
 */
export const categoryShiftTest: Statistic<CategoryShiftResult> = {
  name: 'category_shift',
  label: 'shift',
  description: 'largest credible change of one category share: Fisher exact per category, Bonferroni over the categories (p-value)',
  appliesTo: ['categorical'],
  direction: 'pValueBelow',
  reported: false,
  evidence: {
    ruleText: 'Fisher per category, Bonferroni over the categories, for categorical ones',
    explain: (result, { counts, labels, n, level }) => {
      const c = result.category ?? -1;
      const category = labels?.[c] ?? `#${c}`;
      const nb = counts.baseline.reduce((a, b) => a + b, 0);
      const b = counts.baseline[c] ?? 0;
      const q = counts.current[c] ?? 0;
      const pooled = (b + q) / (nb + n);
      // The share change this category needs at this n: the normal approximation of its Fisher test.
      const critical = normalUpperQuantile(level / (2 * (result.tested ?? 1))) * Math.sqrt(pooled * (1 - pooled) * (1 / nb + 1 / n));
      const text = `'${category}' ${pct(nb > 0 ? b / nb : 0)} -> ${pct(q / n)} (≈ ${sig3(critical * 100)} points needed at n = ${count(n)}; Fisher, ${result.tested} categories)`;
      return { critical, text, category };
    },
  },
  compute: ({ bins }) => categoryShift(bins.baseline, bins.current),
};
