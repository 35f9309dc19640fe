/**
 * The asymptotic p-value of the two-sample Cramér-von Mises test, as scipy 1.17
 * `cramervonmises_2samp(method='asymptotic')` computes it: T is standardised with its exact mean
 * and variance for the sample sizes (Anderson, Ann. Math. Statist. 33(3), 1962, eqs. 11, 14, 15)
 * and referred to the limiting distribution of the one-sample statistic (Csörgő and Faraway,
 * "The exact and asymptotic distributions of Cramér-von Mises statistics", JRSS B 58(1), 1996,
 * eq. 1.2 and the second line of 1.3).
 */

import { logGamma } from './gamma.js';

/** scipy stops the series of the limiting CDF after the first term below this. */
const SERIES_STOP = 1e-7;
/** Below this normalised statistic the limiting CDF is under 1.3e-18: scipy returns p = 1 outright. */
const MIN_NORMALISED = 0.003;

/**
 * The asymptotic p-value for a statistic t with sample sizes nx and ny: tn = 1/6 + (t - E T) /
 * sqrt(45 Var T), then 1 - V(tn) with V the limiting CDF, floored at 0 (the truncated series can
 * exceed 1 far in the tail).
 * @example cvmAsymptoticPValue(0.2335833333333337, 30, 50) // 0.2131766...
 */
export function cvmAsymptoticPValue(t: number, nx: number, ny: number): number {
  const n = nx + ny;
  const k = nx * ny;
  const mean = (1 + 1 / n) / 6;
  const variance = ((n + 1) * (4 * k * n - 3 * (nx * nx + ny * ny) - 2 * k)) / (45 * n * n * 4 * k);
  const tn = 1 / 6 + (t - mean) / Math.sqrt(45 * variance);
  if (tn < MIN_NORMALISED) return 1;
  return Math.max(0, 1 - cvmLimitCdf(tn));
}

/**
 * V(x), the CDF of the one-sample Cramér-von Mises statistic as n -> infinity, by scipy's
 * `_cdf_cvm_inf`: sum over k >= 0 of Γ(k + 1/2) / (Γ(k + 1) π^(3/2) sqrt(x)) sqrt(4k + 1)
 * e^(-q) K_{1/4}(q), q = (4k + 1)^2 / (16 x), until a term falls below 1e-7 (that term included).
 * The same stopping rule as scipy, so that far in the tail, where the truncation dominates
 * 1 - V, the two agree. Not accurate for x above about 4 (V within 1e-7 of 1).
 */
export function cvmLimitCdf(x: number): number {
  const scale = 1 / (Math.PI ** 1.5 * Math.sqrt(x));
  let gammaRatio = Math.sqrt(Math.PI); // Γ(k + 1/2) / Γ(k + 1) at k = 0
  let total = 0;
  for (let k = 0; ; k++) {
    const y = 4 * k + 1;
    const q = (y * y) / (16 * x);
    const term = gammaRatio * scale * Math.sqrt(y) * Math.exp(-q) * besselK(0.25, q);
    total += term;
    if (!(Math.abs(term) >= SERIES_STOP)) return total;
    gammaRatio *= (k + 0.5) / (k + 1);
  }
}

/**
 * K_nu(x), the modified Bessel function of the second kind (scipy's `kv`), for 0 < |nu| <= 1/2
 * and x > 0, by Temme's method as in Numerical Recipes (2nd ed., section 6.7, `bessik`): Temme's
 * series below x = 2, Steed's continued fraction CF2 above; within about 2e-14 relative (worst just below 2).
 * @example besselK(0.5, 3) // sqrt(pi / 6) e^-3 = 0.0360259 (K_1/2(x) = sqrt(pi / (2x)) e^-x)
 */
export function besselK(nu: number, x: number): number {
  const mu = Math.abs(nu);
  if (!(mu > 0 && mu <= 0.5)) throw new RangeError(`besselK needs 0 < |nu| <= 1/2, got ${nu}`);
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  return x < 2 ? temmeSeries(mu, x) : steedFraction(mu, x);
}

/** K_mu(x) for small x: Temme's series (Temme, J. Comput. Phys. 19, 1975). */
function temmeSeries(mu: number, x: number): number {
  const half = 0.5 * x;
  const piMu = Math.PI * mu;
  const fact = piMu / Math.sin(piMu);
  const d = -Math.log(half);
  const e = mu * d;
  const fact2 = e === 0 ? 1 : Math.sinh(e) / e;
  // 1/Γ(1 + mu) and 1/Γ(1 - mu): no cancellation in gam1 while mu is not close to 0.
  const gammaPlus = Math.exp(-logGamma(1 + mu));
  const gammaMinus = Math.exp(-logGamma(1 - mu));
  const gam1 = (gammaMinus - gammaPlus) / (2 * mu);
  const gam2 = (gammaMinus + gammaPlus) / 2;
  let f = fact * (gam1 * Math.cosh(e) + gam2 * fact2 * d);
  let sum = f;
  const expE = Math.exp(e);
  let p = (0.5 * expE) / gammaPlus;
  let q = 0.5 / (expE * gammaMinus);
  let c = 1;
  const quarterX2 = half * half;
  for (let i = 1; i < 1000; i++) {
    f = (i * f + p + q) / (i * i - mu * mu);
    c *= quarterX2 / i;
    p /= i - mu;
    q /= i + mu;
    const delta = c * f;
    sum += delta;
    if (Math.abs(delta) < Math.abs(sum) * Number.EPSILON) break;
  }
  return sum;
}

/** K_mu(x) for x >= 2: Steed's algorithm for the continued fraction CF2 (Temme's form). */
function steedFraction(mu: number, x: number): number {
  let b = 2 * (1 + x);
  let d = 1 / b;
  let delh = d;
  let q1 = 0;
  let q2 = 1;
  const a1 = 0.25 - mu * mu;
  let q = a1;
  let c = a1;
  let a = -a1;
  let s = 1 + q * delh;
  for (let i = 2; i < 10000; i++) {
    a -= 2 * (i - 1);
    c = (-a * c) / i;
    const qNew = (q1 - b * q2) / a;
    q1 = q2;
    q2 = qNew;
    q += c * qNew;
    b += 2;
    d = 1 / (b + a * d);
    delh = (b * d - 1) * delh;
    const dels = q * delh;
    s += dels;
    if (Math.abs(dels / s) < Number.EPSILON) break;
  }
  return (Math.sqrt(Math.PI / (2 * x)) * Math.exp(-x)) / s;
}
