import { z } from 'zod';
import type { CbpeFit } from '../stats/cbpe.js';
import type { PerformanceSummary } from '../stats/performance.js';
import { PredictionKind } from './prediction.js';

/**
 * The baseline profile: a model's training data as driftwatch keeps it (DESIGN.md, "Baseline
 * profile", a contract), stored as `baselines/<model>/<version>.json`. Zod first, the types
 * inferred; `src/baseline/profile.ts` reads and writes the files.
 */

/** The profile format's version; a reader refuses a profile of a version it does not know. */
export const PROFILE_SCHEMA_VERSION = 1;

const ColumnCounts = {
  name: z.string().min(1),
  /** DuckDB's type name of the training column, e.g. DOUBLE, BIGINT, VARCHAR, BOOLEAN. */
  dtype: z.string(),
  /** Rows of the file, nulls included. */
  rows: z.number().int().nonnegative(),
  /** Non-null (and, for numeric features, finite) values: the ones the statistics use. */
  count: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  nullShare: z.number().min(0).max(1),
};

/** A numeric feature's profile: moments, quantiles, bins, and a sorted sample for KS and Wasserstein. */
export const NumericFeatureProfile = z.object({
  ...ColumnCounts,
  kind: z.literal('numeric'),
  /** NaN and ±Infinity values: counted, left out of every statistic. */
  nonFinite: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Population standard deviation (ddof = 0). */
  std: z.number().nullable(),
  quantiles: z.object({ probs: z.array(z.number()), values: z.array(z.number()) }),
  bins: z.object({
    /** Interior edges, ascending, distinct; bins are right-closed and the outer ones open. */
    edges: z.array(z.number()),
    /** Finite values per bin; `shares` are the same over their total. */
    counts: z.array(z.number().int().nonnegative()),
    shares: z.array(z.number().min(0).max(1)),
  }),
  sample: z
    .object({
      /** Seed of the sample; the sample is the whole column when it is not larger than the sample size. */
      seed: z.number().int(),
      complete: z.boolean(),
      /** Sorted ascending, finite. */
      values: z.array(z.number()),
      /**
       * With it, `values` are the column's distinct finite values and `counts` how often each
       * occurs: the column's exact distribution, held for a column with few distinct values
       * (an hour, a count), so KS, Cramér-von Mises and Wasserstein against the profile are the
       * same as against the data file it was made from.
       */
      counts: z.array(z.number().int().positive()).optional(),
    })
    .refine((s) => s.counts === undefined || s.counts.length === s.values.length, {
      message: 'counts must have one entry per value',
      path: ['counts'],
    }),
});
export type NumericFeatureProfile = z.infer<typeof NumericFeatureProfile>;

/** A categorical feature's profile: counts of every category up to a cap, the rest folded. */
export const CategoricalFeatureProfile = z.object({
  ...ColumnCounts,
  kind: z.literal('categorical'),
  cardinality: z.number().int().nonnegative(),
  /** Sorted by value (a stable order for bins and diffs). */
  categories: z.array(z.object({ value: z.string(), count: z.number().int().positive() })),
  /** Categories beyond the cap, folded into one count. */
  other: z.object({ categories: z.number().int().nonnegative(), count: z.number().int().nonnegative() }),
});
export type CategoricalFeatureProfile = z.infer<typeof CategoricalFeatureProfile>;

export const FeatureProfile = z.discriminatedUnion('kind', [NumericFeatureProfile, CategoricalFeatureProfile]);
export type FeatureProfile = z.infer<typeof FeatureProfile>;

/**
 * The model's output on the baseline data (`baseline create --prediction COL`), profiled as a
 * feature is (numeric for a score or a value, categorical for a class) and kept apart from the
 * features: a check compares it with the current predictions (the same column of a file, or a
 * live event's `event.prediction`) and reports it in its own section.
 */
export const PredictionProfile = z
  .object({
    /** The column of the baseline file (and of a current file) that holds the prediction. */
    column: z.string().min(1),
    kind: PredictionKind,
    /**
     * True when each value is an object of class probabilities (`{"cat": 0.2, "dog": 0.8}`):
     * `profile` is then the argmax class and `topScore` the largest probability.
     */
    probabilities: z.boolean().optional(),
    profile: FeatureProfile,
    /** With `probabilities`: the profile of each row's largest probability (the model's confidence). */
    topScore: NumericFeatureProfile.optional(),
  })
  .refine((p) => (p.kind === 'class') === (p.profile.kind === 'categorical'), {
    message: 'a class prediction has a categorical profile, a score or a value a numeric one',
    path: ['profile', 'kind'],
  })
  .refine((p) => Boolean(p.probabilities) === (p.topScore !== undefined) && (!p.probabilities || p.kind === 'class'), {
    message: 'class probabilities are a class prediction with a topScore profile, and only they have one',
    path: ['topScore'],
  });
export type PredictionProfile = z.infer<typeof PredictionProfile>;

const Interval = z.object({ lower: z.number(), upper: z.number() });

/** One metric of `summarisePerformance` (src/stats/performance.ts), as the profile stores it. */
const MetricEstimateSchema = z.object({
  value: z.number().nullable(),
  interval: Interval.nullable(),
  method: z.enum(['wilson', 'delong', 'normal', 'delta']),
  variance: z.array(z.object({ key: z.string(), perRow: z.number(), perRowThird: z.number(), rows: z.number() })),
  reason: z.string().optional(),
});

/** The validation set's performance with intervals (`summarisePerformance`), as the profile stores it. */
export const PerformanceSummarySchema = z.object({
  task: z.enum(['binary', 'multiclass', 'regression']),
  level: z.number(),
  rows: z.number().int().nonnegative(),
  labelled: z.number().int().nonnegative(),
  skipped: z.object({ label: z.number(), prediction: z.number() }),
  threshold: z.number().optional(),
  positives: z.number().optional(),
  negatives: z.number().optional(),
  classes: z.array(z.string()).optional(),
  unknownLabels: z.record(z.string(), z.number()).optional(),
  metrics: z.record(z.string(), MetricEstimateSchema),
});

const SamplingComponent = z.object({ std: z.number(), fraction: z.number() }).nullable();

/** A fitted CBPE (`fitCbpe`, src/stats/cbpe.ts): what estimating a window's performance from its scores needs. */
export const CbpeFitSchema = z.object({
  threshold: z.number(),
  reference: z.object({ rows: z.number().int().nonnegative(), positives: z.number().nonnegative() }),
  calibration: z.object({
    applied: z.boolean(),
    reason: z.enum(['single-class', 'auc-above-0.999', 'lowers-calibration-error', 'does-not-lower-calibration-error']),
    eceBefore: z.number().nullable(),
    eceAfter: z.number().nullable(),
    isotonic: z.object({ x: z.array(z.number()), y: z.array(z.number()) }).nullable(),
  }),
  samplingError: z.object({
    roc_auc: SamplingComponent,
    f1: SamplingComponent,
    precision: SamplingComponent,
    recall: SamplingComponent,
    specificity: SamplingComponent,
    accuracy: SamplingComponent,
  }),
});

/**
 * The labelled validation set's summary (`baseline create --label COL --prediction COL`): the
 * task, the threshold of a score, the rows with a label and a prediction, the CBPE fit (a binary
 * score) and the performance with intervals that a window's performance is compared with.
 */
export const PerformanceProfile = z.object({
  /** The label column of the validation file. */
  label: z.string().min(1),
  task: z.enum(['binary', 'multiclass', 'regression']),
  /** Binary: predicted class 1 when score >= threshold; null for the other tasks. */
  threshold: z.number().nullable(),
  /** Rows with a usable label and prediction (the rows the summary and the fit use). */
  rows: z.number().int().nonnegative(),
  cbpe: CbpeFitSchema.optional(),
  summary: PerformanceSummarySchema.optional(),
});
export type PerformanceProfile = z.infer<typeof PerformanceProfile>;

// The stored shapes must hold what the statistics return: a change there fails the type check here.
type Assignable<T, U extends T> = U;
export type _CbpeFitFits = Assignable<z.input<typeof CbpeFitSchema>, CbpeFit>;
export type _SummaryFits = Assignable<z.input<typeof PerformanceSummarySchema>, PerformanceSummary>;

/** A model's training baseline: the contract of DESIGN.md, stored as `baselines/<model>/<version>.json`. */
export const BaselineProfile = z.object({
  schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
  model: z.string().min(1),
  version: z.string().min(1),
  createdAt: z.string(),
  source: z.object({ file: z.string(), format: z.string(), rows: z.number().int().nonnegative() }),
  settings: z.object({
    bins: z.number().int().min(2),
    sampleSize: z.number().int().positive().nullable(),
    seed: z.number().int(),
    categoryCap: z.number().int().positive(),
  }),
  features: z.array(FeatureProfile),
  /** Columns of the training file that are not features (times, or excluded by --features). */
  ignored: z.array(z.object({ name: z.string(), dtype: z.string(), reason: z.string() })),
  /** The model's output on the baseline data (`--prediction`); absent in profiles without it. */
  prediction: PredictionProfile.optional(),
  /** The labelled validation set's performance (`--label`, with `--prediction`); absent without labels. */
  performance: PerformanceProfile.optional(),
});
export type BaselineProfile = z.infer<typeof BaselineProfile>;
