/**
 * How the decision's sentences write numbers (`reasons[0]` of every feature, a part of the report
 * contract): three significant digits, small values in exponent form, counts with separators.
 * Renderers have their own formats (`src/render/format.ts`); these keep the sentences stable.
 */

/** Three significant digits; below 1e-3, one digit in exponent form. @example sig3(0.000123) // '1.2e-4' */
export function sig3(x: number): string {
  return Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(1) : Number(x.toPrecision(3)).toString();
}

/** A count with thousands separators. @example count(15000) // '15,000' */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A share as a percentage with one decimal. @example pct(0.123) // '12.3%' */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
