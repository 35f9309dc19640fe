import { chi2Sf } from './distributions/chi2.js';
import type { Statistic, TestResult } from './types.js';

/**
 * What a table that carries no evidence reports: statistic 0, p-value 1 ("no drift found").
 * Reached when fewer than two categories occur at all, or when one window is empty. scipy
 * returns this for one category (dof 0) and raises for an empty row (zero expected counts);
 * driftwatch does not raise, because an empty window is a volume problem that the row-count
 * checks report, and NaN would make the threshold comparison silently false.
 */
function noEvidence(categories: number): TestResult {
  return { statistic: 0, pvalue: 1, dof: Math.max(categories - 1, 0) };
}

function checkCounts(baseline: readonly number[], current: readonly number[]): void {
  if (baseline.length !== current.length) {
    throw new RangeError(`chi2: baseline has ${baseline.length} bins but current has ${current.length}; both must use the same bins`);
  }
  for (const count of [...baseline, ...current]) {
    if (!(count >= 0 && Number.isFinite(count))) {
      throw new RangeError(`chi2: counts must be finite and >= 0, got ${count}`);
    }
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

/**
 * Pearson's chi-square test of homogeneity on the 2 x K table (baseline counts, current counts),
 * K = the bins with a non-zero total (so the unseen bin counts only when a current value fell in
 * it), dof = K - 1, no continuity correction: `scipy.stats.chi2_contingency(table, correction=False)`
 * on the table without its all-zero columns. The p-value is asymptotic.
 * @example chi2Homogeneity([30, 10], [10, 30]) // { statistic: 20, pvalue: 7.74e-6, dof: 1 }
 */
export function chi2Homogeneity(baseline: readonly number[], current: readonly number[]): TestResult {
  checkCounts(baseline, current);
  const baselineTotal = sum(baseline);
  const currentTotal = sum(current);
  let categories = 0;
  let weighted = 0;
  baseline.forEach((b, i) => {
    const c = current[i] ?? 0;
    const total = b + c;
    if (total === 0) return; // a column that nobody reached has expected count 0: left out
    categories += 1;
    // In a 2-row table both cells of a column deviate from their expectation by the same
    // amount, (b N_c - c N_b) / N, and the two terms add up to (b N_c - c N_b)^2 / (total N_b N_c).
    // This form has no O - E cancellation (for integer counts below 2^26 the difference is
    // exact) and is exactly symmetric in the two rows.
    const deviation = b * currentTotal - c * baselineTotal;
    weighted += (deviation * deviation) / total;
  });
  if (categories < 2 || baselineTotal === 0 || currentTotal === 0) return noEvidence(categories);
  // One product, not two divisions, so that swapping the rows gives the same bits.
  const statistic = weighted / (baselineTotal * currentTotal);
  const dof = categories - 1;
  return { statistic, pvalue: chi2Sf(statistic, dof), dof };
}

/** Pearson chi-square test of homogeneity of the category counts (STATS.md, `chi2`). */
export const chi2: Statistic<TestResult> = {
  name: 'chi2',
  description: 'Pearson chi-square test of homogeneity of the category counts (p-value)',
  appliesTo: ['categorical'],
  label: 'chi2',
  direction: 'pValueBelow',
  reported: true,
  compute: ({ bins }) => chi2Homogeneity(bins.baseline, bins.current),
};
