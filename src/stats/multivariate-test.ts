/**
 * What a multivariate drift test is (the domain classifier, MMD): a small declared object, as
 * each per-feature statistic is (STYLE.md rule 1), listed in `MULTIVARIATE_TESTS` in
 * src/stats/index.ts. It compares two sides' rows as a whole, so it has its own input
 * (`MultivariateSample`) and result, not the per-feature `StatInput` and `StatValue`.
 */
import type { MultivariateKind, MultivariateSample, RowCounts } from './multivariate-sample.js';

/**
 * What every multivariate test returns. `statistic` is the test's own (the classifier's AUC, the
 * MMD^2); the p-value is from a seeded permutation test, (1 + #{permuted >= observed}) / (1 + B),
 * so it is never below 1 / (1 + B). 'not-enough-rows' carries NaNs and a message saying why.
 */
export interface MultivariateResult {
  status: 'ok' | 'not-enough-rows';
  message?: string;
  statistic: number;
  pvalue: number;
  method: 'permutation';
  permutations: number;
  rows: RowCounts;
}

/** A multivariate test as declared in the registry. */
export interface MultivariateTest<O extends object = object, R extends MultivariateResult = MultivariateResult> {
  readonly name: string;
  /** A short name for tables and charts. */
  readonly label: string;
  /** One line for reports and `--help`. */
  readonly description: string;
  /** What the test's statistic is, for people ("out-of-fold AUC"). */
  readonly statisticText: string;
  /** The column kinds it reads; others are refused with an error naming the column. */
  readonly appliesTo: readonly MultivariateKind[];
  /** Drift when the p-value is below the threshold. */
  readonly direction: 'pValueBelow';
  /** The level a p-value must be below before any multiple-testing correction. */
  readonly defaultThreshold: number;
  /** Its defaults (rows cap, permutations, ...); each is an option of `compute`. */
  readonly defaults: Readonly<O>;
  compute(baseline: MultivariateSample, window: MultivariateSample, options?: Partial<O>): R;
}

/** The common part of a result with too few rows: NaNs, the reason, the counts. */
export function notEnoughRows(message: string, permutations: number, rows: RowCounts): MultivariateResult {
  return { status: 'not-enough-rows', message, statistic: NaN, pvalue: NaN, method: 'permutation', permutations, rows };
}
