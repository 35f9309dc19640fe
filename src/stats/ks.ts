import { ksExactTwoSided, roundHalfEven } from './distributions/ks-exact.js';
import { kstwoSf } from './distributions/kolmogorov.js';
import type { Statistic, TestResult } from './types.js';
import { count, sig3 } from './wording.js';
import { skipEqual } from './sorted.js';

/** Above this sample size the exact p-value gives way to the asymptotic one (scipy's MAX_AUTO_N). */
export const KS_MAX_EXACT_N = 10000;

/**
 * D = max_x |F_a(x) - F_b(x)| for two sorted samples, in one merge pass: O(n_a + n_b), no
 * allocation. The ECDFs are right-continuous, so each pooled value is consumed on both sides
 * before the difference is taken (ties between the samples cancel). i/n_a - j/n_b is the exact
 * floating-point expression scipy evaluates, so D matches it bit for bit.
 */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // Once one sample is used up, the gap only closes: nothing after that can raise D.
  while (i < na && j < nb) {
    const x = Math.min(a[i]!, b[j]!);
    i = skipEqual(a, i, x);
    j = skipEqual(b, j, x);
    const gap = Math.abs(i / na - j / nb);
    if (gap > d) d = gap;
  }
  return d;
}

/**
 * Two-sample, two-sided Kolmogorov-Smirnov test of sorted, finite samples, as
 * `scipy.stats.ks_2samp(a, b, method='auto')` (scipy 1.10): the exact p-value when
 * max(n_a, n_b) <= 10000 (then the statistic is the lattice value h / lcm, as scipy reports it),
 * else `kstwo.sf(D, round(n_a n_b / (n_a + n_b)))`. Either sample empty gives NaN.
 * @example ksTwoSample(Float64Array.of(1, 2, 3), Float64Array.of(4, 5)) // D = 1, p = 0.2, exact
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): TestResult {
  if (a.length === 0 || b.length === 0) return { statistic: NaN, pvalue: NaN, method: 'exact' };
  return ksPValue(a.length, b.length, ksStatistic(a, b));
}

/**
 * The p-value step of `ksTwoSample` for sample sizes na, nb and an observed statistic d:
 * exact when max(na, nb) <= 10000, else asymptotic; the statistic returned is the one scipy
 * reports (the lattice value in the exact branch). Like scipy, an exact computation that does
 * not yield a probability (n1 = n2, D = 1/n or 2/n, where the sum rounds to 1 + 2^-52) falls
 * back to the asymptotic p-value, and `method` says so.
 */
export function ksPValue(na: number, nb: number, d: number): TestResult {
  if (Math.max(na, nb) > KS_MAX_EXACT_N) return asymptotic(na, nb, d);
  const exact = ksExactTwoSided(na, nb, d);
  if (exact.ok) return { statistic: exact.statistic, pvalue: exact.pvalue, method: 'exact' };
  // scipy falls back with the lattice value of D it has already computed.
  return asymptotic(na, nb, exact.statistic);
}

/**
 * Smirnov's limit through the one-sample distribution with the effective size
 * n_a n_b / (n_a + n_b), rounded half to even as numpy rounds it.
 */
function asymptotic(na: number, nb: number, d: number): TestResult {
  const n = roundHalfEven((na * nb) / (na + nb));
  return { statistic: d, pvalue: kstwoSf(d, n), method: 'asymp' };
}

/** Smirnov's asymptotic critical D at a level: c(level) sqrt((n1 + n2) / (n1 n2)), c = sqrt(-ln(level / 2) / 2). */
export function ksCritical(level: number, n1: number, n2: number): number {
  return Math.sqrt(-Math.log(level / 2) / 2) * Math.sqrt((n1 + n2) / (n1 * n2));
}

/**
 * Kolmogorov-Smirnov test between the baseline and current values of a numeric feature: drift
 * when its p-value falls below the threshold. With large windows it flags tiny, harmless shifts
 * (STATS.md), which is why the decision also asks for a distance.
 */
export const ks: Statistic<TestResult> = {
  name: 'ks',
  description: 'two-sample Kolmogorov-Smirnov test (p-value; exact up to 10,000 values a side)',
  appliesTo: ['numeric'],
  label: 'ks',
  direction: 'pValueBelow',
  reported: true,
  evidence: {
    ruleText: 'KS for numeric features',
    explain: (result, { n, baselineN, level }) => {
      const critical = ksCritical(level, baselineN, n);
      return { critical, text: `KS D ${sig3(result.statistic)} (critical ≈ ${sig3(critical)} at n = ${count(n)})` };
    },
  },
  effect: { defaultMinimum: null, text: 'KS distance D' },
  compute: ({ samples }) => {
    if (!samples) throw new Error('ks needs the numeric samples of both sides (input.samples is missing)');
    return ksTwoSample(samples.baseline, samples.current);
  },
};
