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

/** A test's result as the decision reads it: a categorical test may also name the category that moved. */
export interface EvidenceResult extends TestResult {
  /** Index of the bin whose change gave the p-value, and the bins tested (category_shift). */
  category?: number;
  tested?: number;
}

/** What an evidence test may read to state, in words, what a change needs at this window size. */
export interface EvidenceContext {
  counts: BinnedCounts;
  /** Bin labels (category names), to name the category that moved. */
  labels?: readonly string[];
  /** Finite current and baseline values compared. */
  n: number;
  baselineN: number;
  /** The level the raw p-value had to beat at this feature's step of the correction. */
  level: number;
}

/**
 * The role of a test whose p-value is the decision's evidence for the kinds it applies to
 * (`src/checks/decision.ts`): one evidence test per kind.
 */
export interface EvidenceRole {
  /** How the decision rule's description names the test. */
  readonly ruleText: string;
  /** The statistic a change needs at this n to reach `level`, and the test's outcome in words. */
  explain(result: EvidenceResult, context: EvidenceContext): { critical: number; text: string; category?: string };
}

/** What a noise floor may read: the counts, and for numeric features the baseline's sorted sample. */
export interface NoiseContext {
  counts: BinnedCounts;
  baseline?: { sorted: Float64Array; std: number } | undefined;
}

/** The role of a size statistic the decision can ask a minimum of (`decision.minEffect`). */
export interface EffectRole {
  /** The default minimum; null: not required unless configured. */
  readonly defaultMinimum: number | null;
  /** What the size measures, for people (config reference, decision texts). */
  readonly text: string;
  /** Its expected value under no change at window size n (NaN where it cannot be estimated); none: no floor. */
  noiseFloor?(context: NoiseContext, n: number): number;
}

/**
 * A statistic as declared in the registry (`src/stats/index.ts`). What the decision, the config
 * schema and the renderers need of it is here, so adding a statistic touches only `src/stats/`.
 */
export interface Statistic<R extends StatValue = StatValue> {
  readonly name: string;
  /** A short name for tables and charts. */
  readonly label: string;
  /** One line for reports and `--help`. */
  readonly description: string;
  readonly appliesTo: readonly FeatureKind[];
  readonly direction: DriftDirection;
  /** Written in every report's `stats`; false for statistics only the decision reads (category_shift, unseen_share). */
  readonly reported: boolean;
  /** Its p-value is the evidence of the calibrated decision for the kinds it applies to. */
  readonly evidence?: EvidenceRole;
  /** A size the decision can require a minimum of. */
  readonly effect?: EffectRole;
  compute(input: StatInput): R;
}
