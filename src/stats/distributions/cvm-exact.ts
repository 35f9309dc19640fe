/**
 * Exact null distribution of the two-sample Cramér-von Mises statistic, as scipy 1.17
 * `cramervonmises_2samp(method='exact')` computes it (`_pval_cvm_2samp_exact`).
 *
 * Under H0 every arrangement of the pooled sample is equally likely, i.e. every monotone lattice
 * path from (0, 0) to (m, n), one step per value (i counts the first sample, j the second). With
 * L = lcm(m, n), the statistic of a path is T = m n / (m + n)^2 sum over its points of
 * (i/m - j/n)^2, so the integer zeta = sum of (i L/m - j L/n)^2 carries all of it
 * (Xiao, Gordon and Yakovlev, "A C++ program for the Cramér-von Mises two-sample test",
 * J. Stat. Softw. 17(8), 2006; Anderson, Ann. Math. Statist. 33(3), 1962, eq. 9). The frequency
 * of each zeta is built point by point; every count is at most C(m + n, m), so while that is
 * below 2^53 the counts, their sums and the final division are exact in doubles.
 */

import { gcd } from './ks-exact.js';

/** The number of arrangements C(m + n, m) must stay below 2^53 for the counts to be exact. */
const MAX_ARRANGEMENTS = Number.MAX_SAFE_INTEGER;

/** The frequency table of zeta over the paths to one lattice point: ascending values, their counts. */
interface Frequencies {
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

/**
 * P(U' >= U) under H0 for sample sizes m and n, given 4U (an integer: midranks make U a
 * multiple of 1/4). Like scipy, the observed U is turned into zeta = floor(L^2 (m+n) (6U -
 * m n (4 m n - 1)) / (6 m^2 n^2)) and the paths with zeta' >= zeta are counted; with ties zeta is
 * not an integer, and the floor counts the paths just below it too (scipy's choice, kept).
 * Throws when C(m + n, m) >= 2^53, where the counts would no longer be exact.
 * @example cvmExactPValue(4 * 36, 2, 3) // U = 36 (T = 0.4333...): 0.2, 2 of the 10 arrangements
 */
export function cvmExactPValue(fourU: number, m: number, n: number): number {
  if (!Number.isSafeInteger(fourU)) throw new RangeError(`4U must be an integer, got ${fourU}`);
  const arrangements = binomial(m + n, m);
  if (arrangements > MAX_ARRANGEMENTS) throw new RangeError(`exact p-value for sizes ${m}, ${n}: C(${m + n}, ${m}) exceeds 2^53`);
  const zeta = observedZeta(fourU, m, n);
  const { values, counts } = cvmExactFrequencies(m, n);
  let atLeast = 0;
  for (let k = values.length - 1; k >= 0 && values[k]! >= zeta; k--) atLeast += counts[k]!;
  return atLeast / arrangements;
}

/**
 * zeta = floor(L^2 (m+n) (6U - m n (4mn - 1)) / (6 m^2 n^2)) in BigInt, from 4U: exact for any
 * size, where scipy's float expression is exact only because its sizes are small.
 */
function observedZeta(fourU: number, m: number, n: number): number {
  const lcm = BigInt((m / gcd(m, n)) * n);
  const mn = BigInt(m) * BigInt(n);
  const numerator = lcm * lcm * BigInt(m + n) * (6n * BigInt(fourU) - 4n * mn * (4n * mn - 1n));
  const denominator = 24n * mn * mn;
  let quotient = numerator / denominator; // truncates toward zero; floor wanted
  if (numerator % denominator !== 0n && numerator < 0n) quotient -= 1n;
  return Number(quotient);
}

/**
 * The frequency of zeta over all C(m + n, m) lattice paths. The table of a point merges those of
 * its two predecessors and adds the point's own term (i L/m - j L/n)^2; one column of tables is
 * kept. Values stay below (m + n + 1) L^2, exact in doubles.
 */
export function cvmExactFrequencies(m: number, n: number): Frequencies {
  const lcm = (m / gcd(m, n)) * n;
  const a = lcm / m;
  const b = lcm / n;
  const empty: Frequencies = { values: new Float64Array(0), counts: new Float64Array(0) };
  const column: Frequencies[] = new Array<Frequencies>(n + 1).fill(empty);
  column[0] = { values: Float64Array.of(0), counts: Float64Array.of(1) }; // the origin: one path, zeta 0
  for (let i = 0; i <= m; i++) {
    for (let j = 0; j <= n; j++) {
      if (i === 0 && j === 0) continue;
      const term = (a * i - b * j) ** 2;
      column[j] = mergeShifted(column[j]!, j > 0 ? column[j - 1]! : empty, term);
    }
  }
  return column[n]!;
}

/** The union of two frequency tables (counts of equal values added), every value shifted by `shift`. */
function mergeShifted(left: Frequencies, below: Frequencies, shift: number): Frequencies {
  const values = new Float64Array(left.values.length + below.values.length);
  const counts = new Float64Array(values.length);
  let p = 0;
  let q = 0;
  let k = 0;
  while (p < left.values.length || q < below.values.length) {
    const x = p < left.values.length ? left.values[p]! : Infinity;
    const y = q < below.values.length ? below.values[q]! : Infinity;
    const v = Math.min(x, y);
    let c = 0;
    if (x === v) c += left.counts[p++]!;
    if (y === v) c += below.counts[q++]!;
    values[k] = v + shift;
    counts[k++] = c;
  }
  return { values: values.subarray(0, k), counts: counts.subarray(0, k) };
}

/** C(n, k), computed in BigInt so that the 2^53 check above is itself exact. */
function binomial(n: number, k: number): number {
  const r = Math.min(k, n - k);
  let c = 1n;
  for (let i = 1; i <= r; i++) c = (c * BigInt(n - r + i)) / BigInt(i);
  return Number(c);
}
