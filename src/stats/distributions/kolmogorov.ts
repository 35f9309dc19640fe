/**
 * The distribution of the one-sample two-sided Kolmogorov-Smirnov statistic
 * D_n = sup_x |F_n(x) - F(x)| for a continuous F, as `scipy.stats.kstwo` (scipy 1.10) computes it.
 *
 * No single method is accurate and fast everywhere, so the (n, x) plane is split into regimes
 * following Simard & L'Ecuyer, "Computing the Two-Sided Kolmogorov-Smirnov Distribution",
 * J. Stat. Software 39(11), 2011, with scipy's cut-offs (so our numbers are scipy's numbers):
 *
 * - n x <= 1 or n x >= n - 1: closed forms (Ruben & Gambino 1982);
 * - x >= 1/2: the sf is exactly 2 * smirnov(n, x) (the two one-sided events are disjoint);
 * - n <= 140: Durbin matrix (n x^2 <= 0.754693), Pomeranz (n x^2 <= 4), else 2 * smirnov;
 * - n > 140, sf: 0 when n x^2 >= 370, 2 * smirnov when n x^2 >= 2.2;
 * - n > 140 otherwise: cdf 1 when n x^2 >= 18, Durbin matrix when n <= 100000 and
 *   n x^1.5 <= 1.4, else the Pelz-Good asymptotic series; the sf is 1 - cdf there.
 *
 * smirnov(n, x) = P(D_n^+ >= x) is the one-sided exact Birnbaum-Tingey sum, each term a
 * binomial probability evaluated in log space (Loader's saddle-point form), so a p-value of
 * 1e-300 keeps its relative accuracy; above n = 1e6 it is scipy's approximation instead.
 *
 * Against scipy 1.10.1 (test/fixtures/kstwo_cases.json) the results agree to ~1e-14 relative in
 * most regimes and to 2e-11 at worst, where scipy's Pomeranz sf near n x^2 = 4 loses digits.
 */

/** A probability: computed in one tail, the other tail is 1 minus it. */
interface Tails {
  readonly cdf: number;
  readonly sf: number;
}

const fromCdf = (cdf: number): Tails => ({ cdf, sf: 1 - cdf });
const fromSf = (sf: number): Tails => ({ cdf: 1 - sf, sf });

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** P(D_n <= x). NaN when n is not a positive integer or x is NaN. */
export function kstwoCdf(x: number, n: number): number {
  return clip01(kolmogorovTails(n, x, false).cdf);
}

/**
 * P(D_n >= x), the p-value of an observed one-sample statistic x; also the asymptotic p-value
 * of the two-sample test with n = round(n1 n2 / (n1 + n2)).
 * @example kstwoSf(0.0722, 10000) // 7.7e-46
 */
export function kstwoSf(x: number, n: number): number {
  return clip01(kolmogorovTails(n, x, true).sf);
}

/**
 * Picks the regime for (n, x). `wantSf` matters only for n > 140, where the upper tail has its
 * own cut-offs: 1 - cdf would lose every digit of a small p-value.
 */
function kolmogorovTails(n: number, x: number, wantSf: boolean): Tails {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return { cdf: NaN, sf: NaN };
  if (x >= 1) return fromCdf(1);
  if (x <= 0) return fromCdf(0);
  const t = n * x;
  if (t <= 1) return fromCdf(t <= 0.5 ? 0 : rubenGambinoLowerCdf(n, t));
  if (t >= n - 1) return fromSf(2 * (1 - x) ** n);
  if (x >= 0.5) return fromSf(2 * smirnovSf(n, x));

  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return fromCdf(durbinMatrixCdf(n, x));
    if (nx2 <= 4) return fromCdf(pomeranzCdf(n, x));
    // Miller's approximation: P(D_n >= x) ~ 2 P(D_n^+ >= x), the overlap being negligible here.
    return fromSf(2 * smirnovSf(n, x));
  }
  if (wantSf) {
    if (nx2 >= 370) return fromSf(0);
    if (nx2 >= 2.2) return fromSf(2 * smirnovSf(n, x));
  }
  if (nx2 >= 18) return fromCdf(1);
  if (n <= 100000 && n * x ** 1.5 <= 1.4) return fromCdf(durbinMatrixCdf(n, x));
  return fromCdf(pelzGoodCdf(n, x));
}

/**
 * Ruben & Gambino (1982): for 1/2 < n x <= 1, P(D_n <= x) = n! / n^n (2 n x - 1)^n.
 * The product form is exact enough up to n = 140; beyond it n!/n^n underflows, so use logs.
 */
function rubenGambinoLowerCdf(n: number, t: number): number {
  const base = 2 * t - 1;
  if (n <= 140) {
    let p = 1;
    for (let i = 1; i <= n; i++) p *= (i / n) * base;
    return p;
  }
  return Math.exp(logFactorialOverPower(n) + n * Math.log(base));
}

// ---------------------------------------------------------------------------------------------
// One-sided statistic: smirnov(n, x) = P(D_n^+ >= x)

/** Above this n, scipy's one-sided tail is an approximation (see smirnovSf). */
const SMIRNOV_MAX_EXACT_N = 1000000;

/**
 * P(D_n^+ >= x), the upper tail of the one-sided statistic D_n^+ = sup_x (F_n(x) - F(x)),
 * by the exact Birnbaum-Tingey (1951) sum
 *   x * sum_{j=0}^{floor(n(1-x))} C(n, j) (x + j/n)^(j-1) (1 - x - j/n)^(n-j).
 * Every term is positive, so no cancellation; each is (x / p_j) Binom(j; n, p_j) with
 * p_j = x + j/n, computed with Loader's saddle-point formula so tiny p-values stay accurate.
 */
function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  if (n === 1) return 1 - x;
  // scipy (cephes `smirnov`) stops summing above a million terms and uses the Maag-Dicaire
  // approximation exp(-(6nx + 1)^2 / (18n)) instead; kstwo only asks for n x^2 >= 2.2 there,
  // and we follow it so that p-values reproduce scipy's (the exact sum differs by 1e-5 relative
  // at p ~ 1e-6 and by 1e-2 at p ~ 1e-270).
  if (n > SMIRNOV_MAX_EXACT_N) return Math.exp(-((6 * n * x + 1) ** 2) / (18 * n));
  const terms = new BirnbaumTingeyTerms(n, x);
  const last = terms.lastIndex();
  const peak = peakOfConcave((j) => terms.logTerm(j), 0, last);
  // Sum relative to the largest term, so that terms near 1e-300 neither underflow nor lose digits.
  const base = terms.logPmf(peak);
  const sum = sumFromPeak((j) => terms.scaledTerm(j, base), 0, last, peak);
  return Math.exp(base + Math.log(sum));
}

/**
 * The Birnbaum-Tingey terms T_j = (x / p_j) Binom(j; n, p_j), p_j = x + j/n, in pieces:
 * log Binom(j; n, p_j) in Loader's form, and the slowly varying factor in front of its exp().
 * n p_j = j + n x and n q_j = (n - j) - n x come from the exact product n x, so that q_j keeps
 * full relative precision when it is close to 0 (those terms carry a large power of q_j).
 */
class BirnbaumTingeyTerms {
  private readonly nxHi: number;
  private readonly nxLo: number;
  /** n x, rounded. */
  private readonly nx: number;
  private readonly stirlingN: number;

  constructor(
    private readonly n: number,
    private readonly x: number,
  ) {
    const nx = twoProduct(n, x);
    this.nxHi = nx.hi;
    this.nxLo = nx.lo;
    this.nx = nx.hi + nx.lo;
    this.stirlingN = stirlingError(n);
  }

  /** The largest j with 1 - x - j/n > 0: later terms vanish. */
  lastIndex(): number {
    const n = this.n;
    let j = Math.max(0, Math.min(n, Math.floor(n - this.nxHi)));
    while (j > 0 && this.upperCount(j) <= 0) j--;
    while (j < n && this.upperCount(j + 1) > 0) j++;
    return j;
  }

  /** log Binom(j; n, p_j) (j <= lastIndex()). */
  logPmf(j: number): number {
    const n = this.n;
    if (j === 0) return n * Math.log1p(-this.x); // (1 - x)^n
    return (
      this.stirlingN -
      stirlingError(j) -
      stirlingError(n - j) -
      devianceTerm(j, this.lowerCount(j), this.nx) -
      devianceTerm(n - j, this.upperCount(j), -this.nx)
    );
  }

  /** x / p_j times the sqrt(n / (2 pi j (n - j))) of Loader's formula (1 for j = 0). */
  factor(j: number): number {
    if (j === 0) return 1;
    const n = this.n;
    return ((this.x * n) / this.lowerCount(j)) * Math.sqrt(n / (2 * Math.PI * j * (n - j)));
  }

  logTerm(j: number): number {
    return this.logPmf(j) + Math.log(this.factor(j));
  }

  /** T_j / e^base. */
  scaledTerm(j: number, base: number): number {
    return this.factor(j) * Math.exp(this.logPmf(j) - base);
  }

  /** n q_j = (n - j) - n x, with the rounding error of the first subtraction recovered (Knuth's two-sum). */
  private upperCount(j: number): number {
    const a = this.n - j;
    const hi = a - this.nxHi;
    const bb = hi - a;
    const lo = a - (hi - bb) - (this.nxHi + bb);
    return hi + (lo - this.nxLo);
  }

  /** n p_j = j + n x. */
  private lowerCount(j: number): number {
    return j + this.nxHi + this.nxLo;
  }
}

/** The argmax of a concave sequence f(lo..hi), by ternary search: O(log(hi - lo)) evaluations. */
function peakOfConcave(f: (j: number) => number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (b - a > 2) {
    const m1 = a + Math.floor((b - a) / 3);
    const m2 = b - Math.floor((b - a) / 3);
    if (f(m1) < f(m2)) a = m1 + 1;
    else b = m2 - 1;
  }
  let best = a;
  for (let j = a + 1; j <= b; j++) if (f(j) > f(best)) best = j;
  return best;
}

/**
 * Sums term(lo..hi), a unimodal positive sequence peaking at `peak`, walking out each way until
 * the terms no longer matter. The Birnbaum-Tingey terms form a bump that is narrow when n x^2 is
 * large, so for small p-values the walk is far shorter than n. Up to a million terms of nearly
 * equal size would drift by their rounding errors, so the sum is compensated.
 */
function sumFromPeak(term: (j: number) => number, lo: number, hi: number, peak: number): number {
  const negligible = 1e-20;
  const sum = new CompensatedSum();
  for (let j = peak; j <= hi; j++) {
    const v = term(j);
    sum.add(v);
    if (v <= negligible * sum.value()) break;
  }
  for (let j = peak - 1; j >= lo; j--) {
    const v = term(j);
    sum.add(v);
    if (v <= negligible * sum.value()) break;
  }
  return sum.value();
}

/** Neumaier's variant of Kahan summation: the running rounding error is carried along. */
class CompensatedSum {
  private sum = 0;
  private carry = 0;

  add(v: number): void {
    const t = this.sum + v;
    this.carry += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t + v : v - t + this.sum;
    this.sum = t;
  }

  value(): number {
    return this.sum + this.carry;
  }
}

// ---------------------------------------------------------------------------------------------
// Binomial probabilities in saddle-point form (C. Loader, "Fast and accurate computation of
// binomial probabilities", 2000): log Binom(k; n, p) = stirlingError(n) - stirlingError(k)
// - stirlingError(n-k) - devianceTerm(k, np) - devianceTerm(n-k, nq) - log sqrt(2 pi k (n-k)/n).

/** log(k!) - log(sqrt(2 pi k) (k/e)^k) for k = 1..15, computed with mpmath at 40 digits. */
const STIRLING_ERROR_SMALL = [
  0, 0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093, 0.016644691189821193, 0.013876128823070748,
  0.01189670994589177, 0.010411265261972096, 0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
  0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
];

/** The error of Stirling's formula for k! (integer k >= 1), from the asymptotic series. */
function stirlingError(k: number): number {
  const small = STIRLING_ERROR_SMALL[k];
  if (small !== undefined) return small;
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  const k2 = k * k;
  // As few terms as the series needs at this k for full double precision (Loader's choice).
  if (k > 500) return (s0 - s1 / k2) / k;
  if (k > 80) return (s0 - (s1 - s2 / k2) / k2) / k;
  if (k > 35) return (s0 - (s1 - (s2 - s3 / k2) / k2) / k2) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / k2) / k2) / k2) / k2) / k;
}

/**
 * k log(k / m) + m - k, the deviance part of a binomial log-probability, from k, m and
 * delta = m - k all known to full relative precision. Each form avoids a cancellation: near
 * k = m a series in v = (k - m)/(k + m) (Loader); for m far below k, log(k / m) directly (m may be
 * tiny); otherwise -k log1p(delta / k) + delta.
 */
function devianceTerm(k: number, m: number, delta: number): number {
  if (Math.abs(delta) < 0.1 * (k + m)) {
    const v = -delta / (k + m);
    const v2 = v * v;
    let sum = -delta * v;
    let power = 2 * k * v;
    for (let i = 1; i < 1000; i++) {
      power *= v2;
      const next = sum + power / (2 * i + 1);
      if (next === sum) return next;
      sum = next;
    }
    return sum;
  }
  if (2 * m < k) return k * Math.log(k / m) + delta;
  return -k * Math.log1p(delta / k) + delta;
}

/** log(n! / n^n) = stirlingError(n) + log sqrt(2 pi n) - n. */
function logFactorialOverPower(n: number): number {
  return stirlingError(n) + 0.5 * Math.log(2 * Math.PI * n) - n;
}

// ---------------------------------------------------------------------------------------------
// Error-free transformations, so that 1 - x - j/n keeps its digits when it is close to 0.

interface DoubleDouble {
  readonly hi: number;
  readonly lo: number;
}

/** a * b as hi + lo, exactly (Dekker, with Veltkamp's split). */
function twoProduct(a: number, b: number): DoubleDouble {
  const hi = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return { hi, lo: ah * bh - hi + ah * bl + al * bh + al * bl };
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

// ---------------------------------------------------------------------------------------------
// Durbin matrix

/** Power-of-two scaling keeps the matrix power in range without rounding anything. */
const SCALE_EXP = 256;
const SCALE_UP = 2 ** SCALE_EXP;
const SCALE_DOWN = 2 ** -SCALE_EXP;

/**
 * P(D_n < x) by Durbin's (1973) matrix formula as Marsaglia, Tsang & Wang evaluate it
 * ("Evaluating Kolmogorov's distribution", J. Stat. Software 8(18), 2003):
 * n x = k - h with 0 <= h < 1, m = 2k - 1, and P = n!/n^n (H^n)_{kk} for an m x m matrix H.
 * (MTW take h in (0, 1]; when n x is an integer both choices give the same probability.)
 * Only row k of H^n is needed, so the powers of two of H are squared and the row vector is
 * multiplied into them: about log2(n) squarings of an m x m matrix, m ~ 2 n x.
 */
function durbinMatrixCdf(n: number, x: number): number {
  const t = n * x;
  const k = Math.ceil(t);
  const m = 2 * k - 1;
  let power: Float64Array = durbinMatrix(m, k - t);
  let row: Float64Array = new Float64Array(m);
  row[k - 1] = 1;
  let rowExp = 0;
  let powerExp = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      row = rowTimesMatrix(row, power, m);
      rowExp += powerExp;
      rowExp += rescaleIfLarge(row);
    }
    if (e > 1) {
      power = squareMatrix(power, m);
      powerExp *= 2;
      powerExp += rescaleIfLarge(power);
    }
  }
  return scaledFactorialRatio(row[k - 1]!, rowExp, n);
}

/** Durbin's H for n x = k - h: H[i][j] = 1/(i-j+1)! below the superdiagonal, corrected on the edges. */
function durbinMatrix(m: number, h: number): Float64Array {
  const invFactorial = new Float64Array(m + 1);
  invFactorial[0] = 1;
  for (let i = 1; i <= m; i++) invFactorial[i] = invFactorial[i - 1]! / i;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= Math.min(i + 1, m - 1); j++) H[i * m + j] = invFactorial[i - j + 1]!;
  }
  // The first column and the last row lose the paths cut off by the fractional part h.
  for (let i = 0; i < m; i++) {
    const edge = (1 - h ** (i + 1)) * invFactorial[i + 1]!;
    H[i * m] = edge;
    H[(m - 1) * m + (m - 1 - i)] = edge;
  }
  const corner = 1 - 2 * h ** m + Math.max(0, 2 * h - 1) ** m;
  H[(m - 1) * m] = corner * invFactorial[m]!;
  return H;
}

function squareMatrix(A: Float64Array, m: number): Float64Array {
  const C = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const a = A[i * m + l]!;
      if (a === 0) continue;
      for (let j = 0; j < m; j++) C[i * m + j]! += a * A[l * m + j]!;
    }
  }
  return C;
}

function rowTimesMatrix(row: Float64Array, A: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let l = 0; l < m; l++) {
    const r = row[l]!;
    if (r === 0) continue;
    for (let j = 0; j < m; j++) out[j]! += r * A[l * m + j]!;
  }
  return out;
}

/** Divides by 2^256 while the largest entry exceeds it; returns the exponent taken out. */
function rescaleIfLarge(values: Float64Array): number {
  let taken = 0;
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  while (max > SCALE_UP) {
    for (let i = 0; i < values.length; i++) values[i]! *= SCALE_DOWN;
    max *= SCALE_DOWN;
    taken += SCALE_EXP;
  }
  return taken;
}

/** value * 2^exponent * n!/n^n, without overflow or underflow on the way. */
function scaledFactorialRatio(value: number, exponent: number, n: number): number {
  let p = value;
  let e = exponent;
  for (let i = 1; i <= n; i++) {
    p = (p * i) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      e -= SCALE_EXP;
    }
  }
  return timesPowerOfTwo(p, e);
}

/** p * 2^e, in steps that stay inside the double exponent range. */
function timesPowerOfTwo(p: number, e: number): number {
  let out = p;
  let rest = e;
  while (rest !== 0 && out !== 0 && Number.isFinite(out)) {
    const step = Math.max(-1000, Math.min(1000, rest));
    out *= 2 ** step;
    rest -= step;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pomeranz

/**
 * P(D_n < x) by Pomeranz's recursion (Pomeranz, "Exact cumulative distribution of the
 * Kolmogorov-Smirnov statistic for small samples", CACM 17(12), 1974; as laid out in Simard &
 * L'Ecuyer 2011, section 2.2). In the time scale s = n u the count N(s) of sample points must stay
 * within (s - t, s + t), t = n x; the bounds only move where frac(s) is frac(t) or 1 - frac(t), so
 * between those breakpoints only the Poisson increments matter. All terms are positive.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const points = pomeranzBreakpoints(n, t);
  let prev = new Float64Array(n + 1);
  prev[0] = 1;
  let prevLo = 0;
  let prevHi = 0;
  for (let i = 1; i < points.length; i++) {
    const s0 = points[i - 1]!;
    const s1 = points[i]!;
    const last = i === points.length - 1;
    // Count allowed at s1: at most the upper bound of (s0, s1), at least the lower bound of the
    // next interval (the count can only grow, so it must already be there).
    const hi = Math.min(n, Math.ceil((s0 + s1) / 2 + t) - 1);
    const lo = last ? n : Math.max(0, Math.floor((s1 + points[i + 1]!) / 2 - t) + 1);
    const next = new Float64Array(n + 1);
    const weights = poissonWeights(s1 - s0, Math.max(0, hi - prevLo));
    for (let j = lo; j <= hi; j++) {
      let v = 0;
      for (let k = prevLo; k <= Math.min(j, prevHi); k++) v += prev[k]! * weights[j - k]!;
      next[j] = v;
    }
    prev = next;
    prevLo = lo;
    prevHi = hi;
    if (lo > hi) return 0;
  }
  let p = prev[n]!;
  for (let i = 1; i <= n; i++) p *= i / n; // n!/n^n; prev[n] ~ n^n/n! stays far from overflow for n <= 140
  return p;
}

/** 0 = s_0 < s_1 < ... < s_last = n: every s with frac(s) in {a, 1 - a}, a = min(frac(t), 1 - frac(t)). */
function pomeranzBreakpoints(n: number, t: number): number[] {
  const f = t - Math.floor(t);
  const a = Math.min(f, 1 - f);
  const points = [0];
  for (let r = 0; r < n; r++) {
    if (a > 0) points.push(r + a);
    if (1 - a > a && r + 1 - a < n) points.push(r + 1 - a);
  }
  if (points[points.length - 1] !== n) points.push(n);
  return points;
}

/** delta^j / j! for j = 0..maxJ (the Poisson weights without e^-delta, which multiply to e^-n). */
function poissonWeights(delta: number, maxJ: number): Float64Array {
  const w = new Float64Array(maxJ + 1);
  w[0] = 1;
  for (let j = 1; j <= maxJ; j++) w[j] = (w[j - 1]! * delta) / j;
  return w;
}

// ---------------------------------------------------------------------------------------------
// Pelz-Good

/**
 * P(D_n <= x) by the asymptotic expansion of Pelz & Good ("Approximating the lower tail-areas of
 * the Kolmogorov-Smirnov one-sample statistic", JRSS B 38(2), 1976), with terms to n^(-3/2) as
 * given in Simard & L'Ecuyer 2011, eq. (13): K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^(3/2),
 * z = sqrt(n) x. An approximation, used (as by scipy) for n > 100000 or n x^1.5 > 1.4 with
 * n x^2 < 18: the value matches scipy's, not necessarily the exact distribution to 1e-15.
 */
function pelzGoodCdf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const z8 = z4 * z4;
  const pi2 = Math.PI * Math.PI;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;
  const rootHalfPi = Math.sqrt(Math.PI / 2);

  const k0 =
    (Math.sqrt(2 * Math.PI) / z) *
    thetaSum(
      1,
      (k) => ((2 * k - 1) ** 2 * pi2) / (8 * z2),
      () => 1,
    );
  // The (k + 1/2) sums over all integers k are twice the sums over k >= 0.
  const half = (k: number): number => (k + 0.5) * (k + 0.5);
  const halfExponent = (k: number): number => (pi2 * half(k)) / (2 * z2);
  const wholeExponent = (k: number): number => (pi2 * k * k) / (2 * z2);

  const s1 = 2 * thetaSum(0, halfExponent, (k) => pi2 * half(k) - z2);
  const k1 = (rootHalfPi / (6 * z4)) * s1;

  const s2a =
    2 *
    thetaSum(0, halfExponent, (k) => {
      const u = half(k);
      return 6 * z6 + 2 * z4 + pi2 * (2 * z4 - 5 * z2) * u + pi4 * (1 - 2 * z2) * u * u;
    });
  const s2b = 2 * thetaSum(1, wholeExponent, (k) => pi2 * k * k);
  const k2 = (rootHalfPi / (72 * z4 * z2 * z)) * s2a - (rootHalfPi / (36 * z2 * z)) * s2b;

  const s3a =
    2 *
    thetaSum(0, halfExponent, (k) => {
      const u = half(k);
      return pi6 * u * u * u * (5 - 30 * z2) + pi4 * u * u * (-60 * z2 + 212 * z4) + pi2 * u * (135 * z4 - 96 * z6) - 30 * z6 - 90 * z8;
    });
  const s3b = 2 * thetaSum(1, wholeExponent, (k) => -pi4 * k ** 4 + 3 * pi2 * k * k * z2);
  const k3 = (rootHalfPi / (6480 * z6 * z4)) * s3a + (rootHalfPi / (216 * z6)) * s3b;

  const rootN = Math.sqrt(n);
  return k0 + k1 / rootN + k2 / n + k3 / (n * rootN);
}

/**
 * sum_{k >= first} coefficient(k) exp(-exponent(k)), stopping once a term's exponential is e^-100
 * below the first one's: the exponent grows like k^2 and the polynomial coefficients cannot bring
 * such terms back. (Relative, not absolute: for small z every term is far below 1e-50.)
 */
function thetaSum(first: number, exponent: (k: number) => number, coefficient: (k: number) => number): number {
  const cutoff = exponent(first) + 100;
  let sum = 0;
  for (let k = first; k < first + 100000; k++) {
    const e = exponent(k);
    if (e > cutoff) break;
    sum += coefficient(k) * Math.exp(-e);
  }
  return sum;
}
