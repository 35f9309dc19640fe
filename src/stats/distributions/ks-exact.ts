/**
 * Exact null distribution of the two-sample, two-sided Kolmogorov-Smirnov statistic D_{n1,n2},
 * as scipy 1.10 `ks_2samp(method='exact')` computes it.
 *
 * Under H0 every arrangement of the pooled sample is equally likely, i.e. every monotone lattice
 * path from (0, 0) to (n1, n2) (one step per value). D >= d exactly when the path touches a point
 * with |i/n1 - j/n2| >= d. All such points lie on the lattice of multiples of 1/lcm(n1, n2), so d is
 * first snapped to h/lcm with h an integer: that removes the rounding noise of the floating-point
 * statistic, and scipy reports this snapped value as the statistic.
 */

/** The outcome of the exact computation; `ok` is false when floating point gave no probability. */
export interface ExactKsResult {
  /** The statistic snapped to the lattice, h / lcm(n1, n2). */
  readonly statistic: number;
  /** P(D_{n1,n2} >= statistic) under H0. */
  readonly pvalue: number;
  readonly ok: boolean;
}

/**
 * P(D_{n1,n2} >= d) for an observed two-sided statistic d.
 * Equal sizes use the alternating "outside the square" sum; unequal sizes Hodges' inside method
 * in Viehmann's form. `ok` is false when the result is not a probability, so that the caller can
 * fall back to the asymptotic distribution as scipy does.
 * @example ksExactTwoSided(5, 7, 5 / 7) // { statistic: 0.714..., pvalue: 0.0656..., ok: true }
 */
export function ksExactTwoSided(n1: number, n2: number, d: number): ExactKsResult {
  const lcm = (n1 / gcd(n1, n2)) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pvalue: 1, ok: true };
  const pvalue = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, h);
  return { statistic, pvalue, ok: pvalue >= 0 && pvalue <= 1 };
}

/**
 * P(D_{n,n} >= h/n) = 2 sum_{j >= 1} (-1)^(j+1) C(2n, n - jh) / C(2n, n) (reflection principle;
 * Hodges, "The significance probability of the Smirnov two-sample test", Ark. Mat. 3, 1958).
 * The alternating sum cancels badly, so it is nested Horner-style: 2 A1 (1 - A2 (1 - A3 (...)))
 * with A_j = C(2n, n - jh) / C(2n, n - (j-1)h), each a product of h ratios below 1. O(n) in all.
 *
 * The operations run in scipy's order, so the result matches it to the last bit: that matters
 * when it rounds to just above 1 (h = 1, 2), which makes scipy fall back to the asymptotic
 * p-value, and the caller must make the same choice.
 */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let j = Math.floor(n / h) + 1; j >= 1; j--) p = binomialRatio(n, h, j) * (1 - p);
  return 2 * p;
}

/**
 * A_j = C(2n, n - jh) / C(2n, n - (j-1)h) = prod_{i<h} (n - (j-1)h - i) / (n + (j-1)h + i + 1),
 * 0 once n - jh < 0 (a factor is then 0).
 */
function binomialRatio(n: number, h: number, j: number): number {
  const kh = (j - 1) * h;
  let a = 1;
  for (let i = 0; i < h; i++) a = ((n - kh - i) * a) / (n + kh + i + 1);
  return a;
}

/**
 * P(D_{m,n} >= h/lcm) (used for m != n) by Hodges' (1958) "inside" lattice walk, in the form of Viehmann
 * ("Numerically more stable computation of the p-values for the two-sample Kolmogorov-Smirnov
 * test", arXiv:2102.08037, 2021): instead of counting the paths that stay inside the band and
 * taking 1 - count / C(m+n, n), which loses every digit of a small p-value, carry for each point
 * the probability B(i, j) that a uniform random path to it has touched the boundary:
 * B = 1 outside the band, B(i, j) = (i B(i-1, j) + j B(i, j-1)) / (i + j) inside (a path to (i, j)
 * comes from the left with probability i / (i + j)). B(m, n) is the p-value; every step is a
 * convex combination of probabilities, so nothing overflows or cancels.
 *
 * One column is kept, and in it only the band |ng i - mg j| < h is visited: about 2 d m n cell
 * updates. When d is large most of the band is exactly 0 in floating point (no path can have
 * reached the boundary yet, or the probability underflowed); a cell whose two inputs are 0 is 0,
 * so such a block is carried over from the previous column without being visited.
 */
export function probOutsideBand(n1: number, n2: number, h: number): number {
  // Walk along the longer side so that the column (and the array) is the shorter one.
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  const reciprocal = reciprocals(m + n);
  const column = new Float64Array(n + 1).fill(1);
  let hi = Math.min(n, Math.ceil(h / mg) - 1);
  column.fill(0, 0, hi + 1); // the first column inside the band: paths straight up never left it
  let zeros = { lo: 0, hi }; // a block of exact zeros in the previous column
  for (let i = 1; i <= m; i++) {
    // Inside the band: ng i - h < mg j < ng i + h. Exact in doubles (integers below 2^53).
    const lo = Math.max(0, Math.floor((ng * i - h) / mg) + 1);
    const newHi = Math.min(n, Math.ceil((ng * i + h) / mg) - 1);
    if (lo > newHi) return 1; // every path leaves the band here
    // Points that were above the band in the previous column were outside: B = 1 there.
    column.fill(1, hi + 1, newHi + 1);
    hi = newHi;
    zeros = advanceColumn(column, i, lo, hi, zeros, reciprocal);
  }
  // Multiplying by 1/(i+j) instead of dividing can round a certain 1 to 1 + 2^-52 (scipy's
  // division cannot); capped so that the caller does not mistake it for a failure.
  return Math.min(1, column[n]!);
}

/**
 * Replaces column i-1 by column i over lo..hi, in place; returns the longest block of exact zeros
 * in the new column. 1/(i+j) comes from a table: a multiplication instead of a division on the
 * chain from one cell to the next, which is what bounds the speed.
 */
function advanceColumn(
  column: Float64Array,
  i: number,
  lo: number,
  hi: number,
  zeros: { lo: number; hi: number },
  reciprocal: Float64Array,
): { lo: number; hi: number } {
  let below = lo > 0 ? 1 : 0; // the point under the band is outside
  let bestLo = 0;
  let bestHi = -1;
  let runLo = -1;
  for (let j = lo; j <= hi; j++) {
    if (below === 0 && j >= zeros.lo && j <= zeros.hi) {
      // Left and below are 0 up to the end of the old block: those cells stay 0, already stored.
      if (runLo < 0) runLo = j;
      j = zeros.hi;
    } else {
      const r = reciprocal[i + j]!;
      below = column[j]! * (i * r) + below * (j * r);
      column[j] = below;
      if (below !== 0) runLo = -1;
      else if (runLo < 0) runLo = j;
    }
    if (runLo >= 0 && j - runLo > bestHi - bestLo) {
      bestLo = runLo;
      bestHi = j;
    }
  }
  return { lo: bestLo, hi: bestHi };
}

/** 1/k for k = 0..size (index 0 unused). */
function reciprocals(size: number): Float64Array {
  const r = new Float64Array(size + 1);
  for (let k = 1; k <= size; k++) r[k] = 1 / k;
  return r;
}

/** Greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Rounds half to even, like numpy's `round` (scipy rounds n1 n2 / (n1 + n2) with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
