import { cvmAsymptoticPValue } from './distributions/cvm-asymptotic.js';
import { cvmExactPValue } from './distributions/cvm-exact.js';
import type { Statistic, TestResult } from './types.js';
import { skipEqual } from './sorted.js';

/** Up to this many values on the larger side the p-value is exact (scipy's 'auto' rule). */
export const CVM_MAX_EXACT_N = 20;

/**
 * Two-sample Cramér-von Mises test of sorted, finite samples, as
 * `scipy.stats.cramervonmises_2samp(a, b, method='auto')` (scipy 1.17): T of Anderson (1962) with
 * midranks for ties; the exact p-value when max(n_a, n_b) <= 20, else the asymptotic one.
 * Either sample empty gives NaN. Unlike scipy, one value on a side is allowed (scipy refuses it);
 * the formulas hold there too.
 * @example cramerVonMises2Samp(Float64Array.of(0.64, 1.48), Float64Array.of(-0.74, -0.03, 0.43)) // T = 0.4333, p = 0.2, exact
 */
export function cramerVonMises2Samp(a: Float64Array, b: Float64Array): TestResult {
  const na = a.length;
  const nb = b.length;
  const method = Math.max(na, nb) <= CVM_MAX_EXACT_N ? 'exact' : 'asymp';
  if (na === 0 || nb === 0) return { statistic: NaN, pvalue: NaN, method };
  const fourU = fourTimesU(a, b);
  const k = na * nb;
  const n = na + nb;
  // scipy's expression, term for term: the statistic then matches it to the last bits.
  const statistic = fourU / 4 / (k * n) - (4 * k - 1) / (6 * n);
  const pvalue = method === 'exact' ? cvmExactPValue(fourU, na, nb) : cvmAsymptoticPValue(statistic, na, nb);
  return { statistic, pvalue, method };
}

/**
 * 4U, U = n_a sum_i (r_i - i)^2 + n_b sum_j (s_j - j)^2 (Anderson's eq. 10), r and s the midranks
 * of a and b in the pooled sample, in one merge pass over tie groups: O(n_a + n_b), no allocation.
 *
 * In a group of c_a values of a and c_b of b, after i0 values of a and j0 of b, the a values have
 * 2(r - i) = 2 j0 + c_b + (c_a + 1 - 2t), t = 1..c_a; the last part sums to 0, so the group adds
 * c_a (2 j0 + c_b)^2 + (c_a^3 - c_a)/3 to 4 sum_i (r_i - i)^2 (and symmetrically for b). Every
 * addend is an integer. The sums are compensated: T is a small difference of two large numbers
 * (about 4 n_a n_b / 6 (n_a + n_b) minus as much), and a plain sum over 10^5 groups would lose
 * digits of T that the reference (exact sums at these sizes) keeps.
 */
function fourTimesU(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  const sumA = new CompensatedSum();
  const sumB = new CompensatedSum();
  let i = 0;
  let j = 0;
  while (i < na || j < nb) {
    const x = Math.min(i < na ? a[i]! : Infinity, j < nb ? b[j]! : Infinity);
    const i0 = i;
    const j0 = j;
    i = skipEqual(a, i, x); // -0 and 0 tie, as in scipy's rankdata
    j = skipEqual(b, j, x);
    const ca = i - i0;
    const cb = j - j0;
    if (ca > 0) sumA.add(ca * (2 * j0 + cb) ** 2 + (ca * ca * ca - ca) / 3);
    if (cb > 0) sumB.add(cb * (2 * i0 + ca) ** 2 + (cb * cb * cb - cb) / 3);
  }
  return na * sumA.value() + nb * sumB.value();
}

/** Neumaier's compensated summation: the rounding error of each addition is carried separately. */
class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(v: number): void {
    const t = this.sum + v;
    this.compensation += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t + v : v - t + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.compensation;
  }
}

/**
 * Cramér-von Mises test between the baseline and current values of a numeric feature: drift when
 * its p-value falls below the threshold. It sums the squared gap between the two ECDFs over every
 * pooled value, where KS takes the largest gap only. Reported only: KS stays the numeric evidence
 * test (one per kind), and T grows with the window size, so it is no effect size either.
 */
export const cvm: Statistic<TestResult> = {
  name: 'cvm',
  label: 'cvm',
  description: 'two-sample Cramér-von Mises test (p-value; exact up to 20 values a side)',
  appliesTo: ['numeric'],
  direction: 'pValueBelow',
  reported: true,
  compute: ({ samples }) => {
    if (!samples) throw new Error('cvm needs the numeric samples of both sides (input.samples is missing)');
    return cramerVonMises2Samp(samples.baseline, samples.current);
  },
};
