/**
 * Multiple-testing corrections: adjusted p-values for a set of tests checked at once (STATS.md:
 * 20 undrifted features at p < 0.05 raise a false alarm 64% of the time).
 * Each matches `statsmodels.stats.multitest.multipletests(p, method=...)[1]`: adjusted p-values
 * in the input order, capped at 1, and monotone in the raw p-values. NaN p-values (a test that
 * could not run) stay NaN and are not counted among the m tests.
 */

/** The names of the corrections, in registry order (usable as a zod enum). */
export const CORRECTION_NAMES = ['bonferroni', 'holm', 'benjamini-hochberg'] as const;
export type CorrectionName = (typeof CORRECTION_NAMES)[number];

/** A multiple-testing correction as declared in the registry. */
export interface Correction {
  readonly name: CorrectionName;
  /** One line for reports and `--help`. */
  readonly description: string;
  /** Adjusted p-values, in the order of the input. */
  adjust(pvalues: readonly number[]): number[];
}

/** The p-values that take part (not NaN), ascending, with their positions in the input. */
interface Ranked {
  readonly sorted: number[];
  readonly positions: number[];
}

function rank(pvalues: readonly number[]): Ranked {
  pvalues.forEach((p) => {
    if (p < 0 || p > 1) throw new RangeError(`p-values must lie in [0, 1] (or be NaN), got ${p}`);
  });
  const positions = pvalues.flatMap((p, i) => (Number.isNaN(p) ? [] : [i]));
  // Ties may come out in any order: tied p-values get the same adjusted value either way.
  positions.sort((i, j) => (pvalues[i] ?? 0) - (pvalues[j] ?? 0));
  return { sorted: positions.map((i) => pvalues[i] ?? NaN), positions };
}

/** Puts adjusted values (in ascending-raw order) back at their input positions; NaN elsewhere. */
function unrank(length: number, positions: readonly number[], adjusted: readonly number[]): number[] {
  const out = new Array<number>(length).fill(NaN);
  positions.forEach((position, k) => {
    out[position] = Math.min(adjusted[k] ?? NaN, 1);
  });
  return out;
}

/**
 * Bonferroni: p * m. Controls the family-wise error rate under any dependence.
 * @example bonferroni([0.01, 0.04, NaN]) // [0.02, 0.08, NaN]
 */
export function bonferroni(pvalues: readonly number[]): number[] {
  const { sorted, positions } = rank(pvalues);
  const m = sorted.length;
  return unrank(
    pvalues.length,
    positions,
    sorted.map((p) => p * m),
  );
}

/**
 * Holm's step-down: the k-th smallest p-value (k from 0) times m - k, made non-decreasing with a
 * running maximum. Controls the family-wise error rate like Bonferroni, and never rejects less.
 * @example holm([0.01, 0.04, 0.03]) // [0.03, 0.06, 0.06]
 */
export function holm(pvalues: readonly number[]): number[] {
  const { sorted, positions } = rank(pvalues);
  const m = sorted.length;
  let runningMax = 0;
  const adjusted = sorted.map((p, k) => {
    runningMax = Math.max(runningMax, p * (m - k));
    return runningMax;
  });
  return unrank(pvalues.length, positions, adjusted);
}

/**
 * Benjamini-Hochberg step-up: the k-th smallest p-value (k from 1) times m / k, made
 * non-decreasing with a running minimum from the largest. Controls the false discovery rate
 * (for independent or positively dependent tests), so it finds more drift than Holm.
 * @example benjaminiHochberg([0.01, 0.04, 0.03]) // [0.03, 0.04, 0.04]
 */
export function benjaminiHochberg(pvalues: readonly number[]): number[] {
  const { sorted, positions } = rank(pvalues);
  const m = sorted.length;
  const adjusted = new Array<number>(m);
  let runningMin = Infinity;
  for (let k = m; k >= 1; k -= 1) {
    // p / (k / m), not p * m / k: statsmodels divides by the ECDF, and the two differ in the last bit.
    runningMin = Math.min(runningMin, (sorted[k - 1] ?? NaN) / (k / m));
    adjusted[k - 1] = runningMin;
  }
  return unrank(pvalues.length, positions, adjusted);
}

/** Every correction driftwatch offers, in the order `--help` lists them. */
export const CORRECTIONS: readonly Correction[] = [
  {
    name: 'bonferroni',
    description: 'Bonferroni: p * m; family-wise error rate, any dependence',
    adjust: bonferroni,
  },
  {
    name: 'holm',
    description: "Holm's step-down Bonferroni; family-wise error rate, any dependence, more power",
    adjust: holm,
  },
  {
    name: 'benjamini-hochberg',
    description: 'Benjamini-Hochberg; false discovery rate, independent or positively dependent tests',
    adjust: benjaminiHochberg,
  },
];

/**
 * Looks a correction up by name; an unknown name lists the known ones.
 * @example getCorrection('holm').adjust([0.01, 0.02])
 */
export function getCorrection(name: string): Correction {
  const found = CORRECTIONS.find((c) => c.name === name);
  if (!found) {
    throw new Error(`unknown correction '${name}'; known: ${CORRECTIONS.map((c) => c.name).join(', ')}`);
  }
  return found;
}
