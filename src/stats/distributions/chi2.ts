/**
 * The chi-square distribution's survival function, through the regularized upper incomplete
 * gamma function: P(X > x) = Q(dof/2, x/2) (DLMF 8.2.4, Numerical Recipes 3rd ed. 6.14.8).
 */
import { gammaQ, logGammaQ } from './gamma.js';

/** True when the degrees of freedom cannot describe a chi-square distribution. */
function invalidDof(dof: number): boolean {
  return !(dof > 0 && Number.isFinite(dof));
}

/**
 * P(X > x) for X ~ chi-square(dof), as `scipy.stats.chi2.sf(x, dof)`: 1 for x <= 0, 0 at
 * Infinity, NaN when dof <= 0 (or x is NaN). Non-integer dof is allowed.
 * Values below ~1e-308 underflow to 0; `chi2LogSf` keeps them.
 * @example chi2Sf(3.841458820694124, 1) // 0.05
 */
export function chi2Sf(x: number, dof: number): number {
  if (Number.isNaN(x) || invalidDof(dof)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return gammaQ(dof / 2, x / 2);
}

/**
 * ln P(X > x) for X ~ chi-square(dof): finite where `chi2Sf` underflows to 0, so that tests and
 * reports can still tell p = 1e-400 from p = 1e-40000.
 * @example chi2LogSf(20000, 1) // ≈ -10005.6
 */
export function chi2LogSf(x: number, dof: number): number {
  if (Number.isNaN(x) || invalidDof(dof)) return NaN;
  if (x <= 0) return 0;
  if (x === Infinity) return -Infinity;
  return logGammaQ(dof / 2, x / 2);
}
