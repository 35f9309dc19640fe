/**
 * The log-gamma function and the regularized incomplete gamma functions P(a, x) and Q(a, x).
 *
 * Algorithms: W. H. Press et al., Numerical Recipes, 3rd ed. (2007), section 6.1 (Lanczos
 * `gammln`) and 6.2 (series `gser`, modified-Lentz continued fraction `gcf`); DLMF 8.7.1 and
 * 8.9.2 (the series and the continued fraction), DLMF 5.11.1 (Stirling's series).
 * One change from Numerical Recipes: the prefactor x^a e^-x / Γ(a) is computed with Loader's
 * saddle-point form (C. Loader, "Fast and accurate computation of binomial probabilities", 2000),
 * because the plain `a ln x - x - lnΓ(a)` cancels when x ≈ a is large (at a = 500 it loses 2 to 3 of the 16 digits).
 */

const LN_SQRT_2PI = 0.9189385332046727417803297;
const LN_PI = 1.1447298858494001741434273;
const SQRT_2PI = 2.5066282746310005024157652;

/** Lanczos coefficients for g = 607/128, N = 15 (Godfrey; Numerical Recipes 3rd ed. `gammln`). */
const LANCZOS_G = 607 / 128;
const LANCZOS_C0 = 0.999999999999997092;
const LANCZOS_COEFFICIENTS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4, 0.465236289270485756e-4,
  -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3, 0.217439618115212643e-3, -0.16431810653676389e-3,
  0.844182239838527433e-4, -0.261908384015814087e-4, 0.368991826595316234e-5,
] as const;

/**
 * Stirling-series coefficients B_2k / (2k (2k - 1)) of 1/x^(2k-1), k = 1..7 (DLMF 5.11.1).
 * From x = 10 on, the first omitted term is below 3e-17.
 */
const STIRLING_COEFFICIENTS = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156] as const;
const STIRLING_FROM = 10;

/** Stop a series or continued fraction when the next step changes the result by less than this. */
const EPS = Number.EPSILON;
/** Keeps Lentz's method away from division by zero (Numerical Recipes' FPMIN). */
const TINY = 1e-300;

/**
 * ln |Γ(x)|, with about 1e-15 relative accuracy (absolute near the zeros x = 1 and x = 2).
 * Poles (x = 0, -1, -2, ...) give +Infinity, as `scipy.special.gammaln` does.
 * @example logGamma(5) // ln 24 = 3.1780538303479458
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0) return logGammaReflected(x);
  if (x < STIRLING_FROM) return logGammaLanczos(x);
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingSeries(x);
}

/** ln |Γ(x)| for x <= 0 through the reflection formula Γ(x) Γ(1 - x) = π / sin(πx). */
function logGammaReflected(x: number): number {
  if (Number.isInteger(x) || x === -Infinity) return Infinity;
  // sin(πx) from the fractional part keeps the argument small, so it stays accurate for large |x|.
  const sinPiX = Math.abs(Math.sin(Math.PI * (x - Math.floor(x))));
  return LN_PI - Math.log(sinPiX) - logGamma(1 - x);
}

/** Lanczos approximation, Numerical Recipes' `gammln`; good for 0 < x < 10. */
function logGammaLanczos(x: number): number {
  const shifted = x + LANCZOS_G + 0.5;
  let series = LANCZOS_C0;
  LANCZOS_COEFFICIENTS.forEach((c, j) => {
    series += c / (x + j + 1);
  });
  // ln x apart from ln(sqrt(2π) series): their quotient would overflow for subnormal x.
  return (x + 0.5) * Math.log(shifted) - shifted + Math.log(SQRT_2PI * series) - Math.log(x);
}

/** The sum of Stirling's series, lnΓ(x) - [(x - 1/2) ln x - x + ln sqrt(2π)], for x >= 10. */
function stirlingSeries(x: number): number {
  const inverseSquare = 1 / (x * x);
  let sum = 0;
  // Horner's rule from the smallest term, for the least rounding.
  for (let k = STIRLING_COEFFICIENTS.length - 1; k >= 0; k -= 1) {
    sum = sum * inverseSquare + (STIRLING_COEFFICIENTS[k] ?? 0);
  }
  return sum / x;
}

/**
 * Stirling's error δ(a) = lnΓ(a) - [(a - 1/2) ln a - a + ln sqrt(2π)], for a > 0.
 * Below 10 it is a difference of moderate numbers, so its absolute error (the one that matters
 * in the prefactor) stays near 1e-15.
 */
function stirlingError(a: number): number {
  if (a >= STIRLING_FROM) return stirlingSeries(a);
  return logGammaLanczos(a) - ((a - 0.5) * Math.log(a) - a + LN_SQRT_2PI);
}

/**
 * Loader's deviance term a ln(a/x) + x - a >= 0, accurate also when x ≈ a, where the three
 * terms nearly cancel: with v = (a - x)/(a + x), a ln(a/x) = 2a(v + v³/3 + v⁵/5 + ...), and the
 * first term 2av cancels x - a exactly, leaving (a - x)v + 2a(v³/3 + v⁵/5 + ...).
 */
function deviance(a: number, x: number): number {
  const diff = a - x;
  if (Math.abs(diff) >= 0.1 * (a + x)) return a * Math.log(a / x) + x - a;
  const v = diff / (a + x);
  const v2 = v * v;
  let sum = diff * v;
  let term = 2 * a * v;
  for (let j = 1; j < 1000; j += 1) {
    term *= v2;
    const next = sum + term / (2 * j + 1);
    if (next === sum) return next;
    sum = next;
  }
  return sum;
}

/**
 * ln(x^a e^-x / Γ(a)), the prefactor shared by the series and the continued fraction.
 * Equal to -deviance(a, x) + ln sqrt(a / 2π) - δ(a) by Stirling's formula for lnΓ(a).
 */
function logPrefactor(a: number, x: number): number {
  return -deviance(a, x) + 0.5 * Math.log(a) - LN_SQRT_2PI - stirlingError(a);
}

/** How many terms a series or continued fraction may take: both need O(sqrt(a)) near x ≈ a. */
function maxIterations(a: number): number {
  return 1000 + Math.ceil(50 * Math.sqrt(a));
}

function notConverged(what: string, a: number, x: number): Error {
  return new Error(`incomplete gamma ${what} did not converge for a = ${a}, x = ${x}`);
}

/**
 * Σ_{n>=0} x^n / (a (a+1) ... (a+n)) (DLMF 8.7.1, Numerical Recipes `gser`), so that
 * P(a, x) = prefactor * sum. Used for x < a + 1, where the terms soon decrease.
 */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  let denominator = a;
  const limit = maxIterations(a);
  for (let n = 1; n <= limit; n += 1) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum;
  }
  throw notConverged('series', a, x);
}

/**
 * The continued fraction 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))) (DLMF 8.9.2,
 * Numerical Recipes `gcf`) by the modified Lentz method, so that Q(a, x) = prefactor * fraction.
 * Used for x >= a + 1, where it converges fast.
 */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  const limit = maxIterations(a);
  for (let i = 1; i <= limit; i += 1) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    fraction *= step;
    if (Math.abs(step - 1) <= EPS) return fraction;
  }
  throw notConverged('continued fraction', a, x);
}

/** True outside the domain 0 < a < Infinity, x >= 0 (NaN included), where the functions are NaN. */
function invalidArguments(a: number, x: number): boolean {
  return !(a > 0 && Number.isFinite(a) && x >= 0);
}

/**
 * The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0, x >= 0
 * (DLMF 8.2.4); NaN outside that domain. Relative accuracy about 1e-14 for a >= 0.5.
 * @example gammaP(1, 1) // 1 - e^-1 = 0.6321205588285577
 */
export function gammaP(a: number, x: number): number {
  if (invalidArguments(a, x)) return NaN;
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  if (x < a + 1) return Math.exp(logPrefactor(a, x)) * lowerSeries(a, x);
  return 1 - Math.exp(logPrefactor(a, x)) * upperContinuedFraction(a, x);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) = 1 - P(a, x), for
 * a > 0, x >= 0 (DLMF 8.2.4); NaN outside that domain. Relative accuracy about 1e-14 down to the
 * smallest normal double; below ~1e-308 it underflows: use `logGammaQ` there.
 * @example gammaQ(1, 1) // e^-1 = 0.36787944117144233
 */
export function gammaQ(a: number, x: number): number {
  if (invalidArguments(a, x)) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  // On each side of x = a + 1 the other function is at most ~0.6 (for a >= 0.5), so the
  // subtraction 1 - P loses no more than a digit.
  if (x < a + 1) return 1 - Math.exp(logPrefactor(a, x)) * lowerSeries(a, x);
  return Math.exp(logPrefactor(a, x)) * upperContinuedFraction(a, x);
}

/**
 * ln Q(a, x), finite where Q itself underflows to 0 (e.g. ln Q(500, 1e5) = -94900.5...).
 * @example logGammaQ(1, 1000) // -1000
 */
export function logGammaQ(a: number, x: number): number {
  if (invalidArguments(a, x)) return NaN;
  if (x === 0) return 0;
  if (x === Infinity) return -Infinity;
  if (x < a + 1) return Math.log1p(-Math.exp(logPrefactor(a, x)) * lowerSeries(a, x));
  return logPrefactor(a, x) + Math.log(upperContinuedFraction(a, x));
}
