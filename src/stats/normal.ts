import { gammaQ } from './distributions/gamma.js';

/**
 * The standard normal upper quantile: z with P(Z > z) = p, by Acklam's rational approximation
 * (relative error below 1.2e-9). Used only to state, in words, the
 * share change a categorical feature needs at a given window size; no decision depends on it.
 * @example normalUpperQuantile(0.025) // 1.959963984540054
 */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? Infinity : -Infinity;
  const q = Math.min(p, 1 - p);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let z: number;
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    z =
      -(((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
      ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  } else {
    const r = q - 0.5;
    const s = r * r;
    z =
      -((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
      (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
  }
  return p <= 0.5 ? z : -z;
}

/**
 * The standard normal upper quantile to about 1e-15: `normalUpperQuantile` followed by one
 * Halley step on `normalUpperTail`, the refinement Acklam proposes. The confidence intervals of
 * src/stats/performance.ts use it, so that they match scipy's to the last digits; the plain
 * approximation stays as it is for the wording it already feeds.
 * @example normalUpperQuantilePrecise(0.025) // 1.959963984540054
 */
export function normalUpperQuantilePrecise(p: number): number {
  const z = normalUpperQuantile(p);
  if (!Number.isFinite(z)) return z;
  // Halley's step on f(z) = P(Z > z) - p, whose derivative is -φ(z).
  const e = normalUpperTail(z) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((z * z) / 2);
  return z + u / (1 + (z * u) / 2);
}

/**
 * The standard normal upper tail P(Z > z), the one-sided p-value of a z statistic, through the
 * incomplete gamma function: P(Z > z) = Q(1/2, z²/2) / 2 for z >= 0 (DLMF 7.11.2 with 7.2.2), so
 * it keeps its relative accuracy far into the tail (1e-100 at z = 21.3) where 1 - Φ(z) would be 0.
 * Matches `scipy.stats.norm.sf` to about 1e-14 relative; NaN gives NaN.
 * @example normalUpperTail(1.959963984540054) // 0.025
 */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 0;
  if (z === -Infinity) return 1;
  const half = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? half : 1 - half;
}
