/** The kinds of feature driftwatch distinguishes (STATS.md, "Inputs"). */
export type FeatureKind = 'numeric' | 'categorical';

/**
 * Counts of the baseline and the current data over the same bins.
 * Numeric: bins from the baseline's quantile edges; categorical: one bin per baseline category
 * plus a last "unseen" bin (baseline count 0).
 */
export interface BinnedCounts {
  readonly baseline: readonly number[];
  readonly current: readonly number[];
}

/** Finite values of a numeric feature, each sorted ascending (NaN, ±Infinity and nulls left out). */
export interface NumericSamples {
  readonly baseline: Float64Array;
  readonly current: Float64Array;
  /** Population standard deviation (ddof = 0) of the whole baseline column. */
  readonly baselineStd: number;
}

/** Everything a statistic may read. `samples` is present for numeric features only. */
export interface StatInput {
  readonly kind: FeatureKind;
  readonly bins: BinnedCounts;
  readonly samples?: NumericSamples;
}

/** A hypothesis test's outcome, with the method used for the p-value. */
export interface TestResult {
  statistic: number;
  pvalue: number;
  method?: 'exact' | 'asymp';
  dof?: number;
}

/** What a statistic returns: a distance, or a test with its p-value. */
export type StatValue = number | TestResult;

/**
 * Which side of the threshold means drift: a p-value below it (a test found evidence),
 * or a distance above it (the change is large).
 */
export type DriftDirection = 'pValueBelow' | 'distanceAbove';

/** A statistic as declared in the registry (`src/stats/index.ts`). */
export interface Statistic<R extends StatValue = StatValue> {
  readonly name: string;
  /** One line for reports and `--help`. */
  readonly description: string;
  readonly appliesTo: readonly FeatureKind[];
  readonly direction: DriftDirection;
  /** The threshold of the first decision rule (see `src/checks/decision.ts`). */
  readonly defaultThreshold: number;
  compute(input: StatInput): R;
}
