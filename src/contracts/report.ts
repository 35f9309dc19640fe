import { z } from 'zod';

/**
 * The check report: the core contract of driftwatch (DESIGN.md, "Check report"). The JSON of
 * `driftwatch check --format json`, of the API's checks, of the stored `reports` rows and of the
 * webhook payload's features all have these shapes. Zod first, the TypeScript types inferred:
 * the schemas validate stored and received reports, and tests parse real output with them.
 * Fields named in DESIGN.md keep their names and shapes; more may be added.
 */

/**
 * A number as reports carry it. JSON has no NaN: `JSON.stringify` writes a NaN statistic (a test
 * that could not run) as null, so reading a stored report turns null back into NaN.
 */
export const ReportNumber = z
  .preprocess(
    (v) => (v === null ? Number.NaN : v),
    z.custom<number>((v) => typeof v === 'number', 'expected a number'),
  )
  .meta({ type: ['number', 'null'], description: 'a number; null where it could not be computed (NaN)' });

/** The kinds of feature (STATS.md, "Inputs"). */
export const FEATURE_KINDS = ['numeric', 'categorical'] as const;
export const FeatureKindSchema = z.enum(FEATURE_KINDS);

/** A test's outcome as a statistic reports it: `ks: {statistic, pvalue, method}`, `chi2: {..., dof}`. */
export const TestResultSchema = z.object({
  statistic: ReportNumber,
  pvalue: ReportNumber,
  method: z.enum(['exact', 'asymp']).optional(),
  dof: z.number().optional(),
});

/** One statistic's value: a distance, or a test. */
export const StatValueSchema = z.union([ReportNumber, TestResultSchema]);

/** How a check ended, in one word: drift, ok, or too few rows to say. One list for every reader. */
export const CHECK_STATUSES = ['ok', 'drift', 'insufficient_data'] as const;
export const CheckStatus = z.enum(CHECK_STATUSES);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** How one feature was decided. */
export const FEATURE_STATUSES = ['drift', 'no_drift', 'insufficient_data'] as const;
export const FeatureStatus = z.enum(FEATURE_STATUSES);
export type FeatureStatus = z.infer<typeof FeatureStatus>;

/** Counts of one column on one side of the comparison. */
export const ColumnSummary = z.object({
  /** Rows, nulls included. */
  rows: z.number(),
  /** Non-null, finite values: the ones every distribution statistic uses. */
  count: z.number(),
  nulls: z.number(),
  nonFinite: z.number(),
  min: ReportNumber.optional(),
  max: ReportNumber.optional(),
  mean: ReportNumber.optional(),
  std: ReportNumber.optional(),
});
export type ColumnSummary = z.infer<typeof ColumnSummary>;

/** What a schema finding is about. */
export const ANOMALY_KINDS = ['type_mismatch', 'null_share', 'all_null', 'non_finite', 'out_of_range', 'unseen_categories'] as const;
export const AnomalyKind = z.enum(ANOMALY_KINDS);
export type AnomalyKind = z.infer<typeof AnomalyKind>;

/** A schema finding about one feature: what is wrong, how much of it, and against what baseline value. */
export const SchemaAnomaly = z.object({
  feature: z.string(),
  kind: AnomalyKind,
  message: z.string(),
  /** The share (0..1) of current rows concerned. */
  share: ReportNumber,
  /** The baseline's share for the same thing, where there is one. */
  baselineShare: ReportNumber.optional(),
  /** A few offending values, as text. */
  examples: z.array(z.string()).optional(),
  /**
   * Whether the finding alerts: false when its share is below the model's minimum for its kind
   * (`schema.minUnseenShare`, `schema.minTypeMismatchShare`), so it is listed but pages no one.
   * Absent in reports stored before the minimums existed: those findings alerted.
   */
  alerting: z.boolean().optional(),
  /** The least share at which a finding of this kind alerts, where the kind has one. */
  minShare: ReportNumber.optional(),
});
export type SchemaAnomaly = z.infer<typeof SchemaAnomaly>;

export const SchemaFindings = z.object({
  /** Baseline features absent from the current data. */
  missing: z.array(z.string()),
  /** Current columns the baseline does not know. */
  unexpected: z.array(z.string()),
  anomalies: z.array(SchemaAnomaly),
});
export type SchemaFindings = z.infer<typeof SchemaFindings>;

/** Why one feature was decided as it was: the numbers behind the sentence (`src/checks/decision.ts`). */
export const FeatureDecision = z.object({
  status: FeatureStatus,
  /** Finite current values (the window size for this feature) and baseline values compared. */
  n: z.number(),
  baselineN: z.number(),
  /**
   * Numeric: the baseline values the order tests (KS, Cramér-von Mises, Wasserstein) compared
   * with: `all` of them (a data file, or a column no larger than the profile's sample),
   * `exact_counts` (a profile holding the count of each of a few distinct values: as exact as
   * all), or a `sample` of `baselineN` (a profile of a continuous column).
   */
  baselineValues: z.enum(['all', 'exact_counts', 'sample']).optional(),
  /** The evidence: the test, its p-value, the adjusted p-value and the level the raw p had to beat. */
  test: z
    .object({
      /** The evidence statistic of the registry that the decision used (ks, category_shift...). */
      name: z.string(),
      statistic: ReportNumber,
      /** The statistic a change needs at this n to reach `level`. */
      critical: ReportNumber,
      pvalue: ReportNumber,
      adjustedP: ReportNumber,
      /** The raw p-value's threshold at this feature's step of the correction (alpha / m for Bonferroni). */
      level: ReportNumber,
      /** Tests the correction counted: the features with enough values, and the prediction's outputs when the profile has a prediction. */
      features: z.number(),
      correction: z.string(),
      /** category_shift: the category whose share moved most credibly, and the categories tested. */
      category: z.string().optional(),
      categories: z.number().optional(),
    })
    .optional(),
  /**
   * The size: the effect statistic that decided (the one furthest past its threshold, or closest to
   * it). `threshold` is what applied at this n: the larger of `minimum` and the noise floor.
   */
  effect: z
    .object({ name: z.string(), value: ReportNumber, threshold: ReportNumber, minimum: ReportNumber, large: z.boolean() })
    .optional(),
  /** The reason in words. */
  sentence: z.string(),
});
export type FeatureDecision = z.infer<typeof FeatureDecision>;

/** One feature of a check. */
export const FeatureReport = z.object({
  name: z.string(),
  kind: FeatureKindSchema,
  drift: z.boolean(),
  /** Statistic name -> value, with the shapes of STATS.md (`ks: {statistic, pvalue}` ...). */
  stats: z.record(z.string(), StatValueSchema),
  /** Why `drift` is what it is: the sentence first, then its parts. */
  reasons: z.array(z.string()),
  /** The numbers behind the decision: test, p-value, adjusted p, level, threshold at this n, effect. */
  decision: FeatureDecision.optional(),
  /** 0 = no evidence; higher is worse. Used to sort features worst first. */
  severity: ReportNumber,
  baseline: ColumnSummary,
  current: ColumnSummary,
  /** Shares per bin, for charts: numeric bins are right-closed intervals, categorical bins are categories plus "(unseen)". */
  bins: z.object({
    labels: z.array(z.string()),
    edges: z.array(ReportNumber).optional(),
    baseline: z.array(ReportNumber),
    current: z.array(ReportNumber),
  }),
});
export type FeatureReport = z.infer<typeof FeatureReport>;

/** How the prediction was decided: as a feature is, or `absent` when the current side has no predictions to compare. */
export const PREDICTION_STATUSES = ['drift', 'no_drift', 'insufficient_data', 'absent'] as const;
export const PredictionStatus = z.enum(PREDICTION_STATUSES);
export type PredictionStatus = z.infer<typeof PredictionStatus>;

/**
 * The model's output compared with the baseline's (`baseline create --prediction`), reported
 * apart from the features: the same statistics and the same decision (its tests are counted in
 * the check's one multiple-testing correction, beside the features').
 */
export const PredictionReport = z.object({
  /** The prediction column of the baseline (and of a current file). */
  column: z.string(),
  kind: z.enum(['score', 'class', 'value']),
  /** True when the predictions are objects of class probabilities (read as argmax class and top score). */
  probabilities: z.boolean().optional(),
  /** Where the current predictions came from: the current file's column, or the events' `event.prediction` (`_prediction`). */
  source: z.enum(['column', 'events']),
  /** True when any output drifted. */
  drift: z.boolean(),
  status: PredictionStatus,
  /** Why there was nothing to compare (status `absent`), in words. */
  message: z.string().optional(),
  /**
   * Each output as a feature is reported: the prediction itself (named after its column) and,
   * for class probabilities, its top score (`<column>.top_score`). Empty when absent.
   */
  outputs: z.array(FeatureReport),
  /** Schema findings about the predictions (values of the wrong type, nulls...): listed here, not among the features'. */
  anomalies: z.array(SchemaAnomaly),
});
export type PredictionReport = z.infer<typeof PredictionReport>;

/** Which side of a threshold means drift: a p-value below it, or a distance above it. */
export const DRIFT_DIRECTIONS = ['pValueBelow', 'distanceAbove'] as const;

/** The rule and thresholds behind the per-feature decisions. */
export const DecisionRule = z.object({
  name: z.string(),
  description: z.string(),
  thresholds: z.record(z.string(), z.object({ direction: z.enum(DRIFT_DIRECTIONS), value: z.number() })),
  /** The settings of the calibrated rule (`src/checks/decision.ts`). */
  alpha: z.number().optional(),
  correction: z.string().optional(),
  minEffect: z.record(z.string(), z.number()).optional(),
  minRows: z.number().optional(),
});
export type DecisionRule = z.infer<typeof DecisionRule>;

/** The baseline a report compared against. */
export const ReportBaseline = z.object({
  name: z.string(),
  rows: z.number(),
  version: z.string().optional(),
  source: z.string().optional(),
});

/** One performance metric of a window: its value and confidence interval (`src/stats/performance.ts`). */
export const PerformanceMetricReport = z.object({
  value: z.number().nullable(),
  /** At the section's `level`; null where there is no value or too few rows. */
  interval: z.object({ lower: z.number(), upper: z.number() }).nullable(),
  /** wilson, delong, normal or delta (docs/performance.md, "Intervals"). */
  method: z.string(),
  reason: z.string().optional(),
});

/** Realized performance of a window's labelled predictions, with intervals. */
export const RealizedPerformance = z.object({
  task: z.enum(['binary', 'multiclass', 'regression']),
  /** Whether the task was configured (`labels.task`, `--task`) or read from the labels and predictions. */
  taskFrom: z.enum(['config', 'inferred']),
  level: z.number(),
  /** Labelled rows used (label and prediction usable), and the ones left out. */
  rows: z.number(),
  skipped: z.object({ label: z.number(), prediction: z.number() }),
  threshold: z.number().optional(),
  positives: z.number().optional(),
  negatives: z.number().optional(),
  classes: z.array(z.string()).optional(),
  metrics: z.record(z.string(), PerformanceMetricReport),
});
export type RealizedPerformance = z.infer<typeof RealizedPerformance>;

/** One metric of the performance decision (`performanceDecision`, src/stats/performance-decision.ts). */
export const PerformanceMetricDecisionReport = z.object({
  metric: z.string(),
  direction: z.enum(['higherIsBetter', 'lowerIsBetter']),
  baseline: z.number().nullable(),
  window: z.number().nullable(),
  /** The window's interval, at its level. */
  interval: z.object({ lower: z.number(), upper: z.number(), level: z.number() }).nullable(),
  /** How much worse the window is in the metric's units (negative: better). */
  drop: z.number().nullable(),
  /** The drop that matters as configured: absolute, or relative to the baseline's value (losses). */
  tolerance: z.object({ kind: z.enum(['absolute', 'relative']), value: z.number() }).nullable(),
  /** The drop that matters in the metric's units. */
  minDrop: z.number().nullable(),
  tested: z.boolean(),
  /** One-sided p of "the drop is at most minDrop"; null when not tested. */
  pvalue: z.number().nullable(),
  /** Holm-adjusted over the metrics tested. */
  adjustedP: z.number().nullable(),
  drifted: z.boolean(),
  reason: z.string(),
});

/**
 * Whether the window's realized performance credibly fell below the baseline's by more than the
 * minimum drop (docs/performance.md, "In checks and alerts"). `decided` is false below the
 * minimum labelled rows; `drift` is then false.
 */
export const PerformanceDecisionReport = z.object({
  task: z.enum(['binary', 'multiclass', 'regression']),
  decided: z.boolean(),
  drift: z.boolean(),
  reason: z.string(),
  labelled: z.object({ baseline: z.number(), window: z.number() }),
  alpha: z.number(),
  correction: z.literal('holm'),
  minRows: z.number(),
  /** Metrics tested (the m of Holm's correction). */
  tested: z.number(),
  metrics: z.array(PerformanceMetricDecisionReport),
});
export type PerformanceDecisionReport = z.infer<typeof PerformanceDecisionReport>;

/** One metric estimated by CBPE from the window's scores, with its band (estimate -+ 3 sampling errors, clipped to [0, 1]). */
export const EstimatedMetricReport = z.object({
  metric: z.string(),
  estimate: z.number().nullable(),
  samplingError: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  /** The realized value on the window's labelled predictions, when there are any. */
  realized: z.number().nullable().optional(),
});

/**
 * The window's performance estimated from its prediction scores alone (CBPE, a binary score and a
 * profile with `performance.cbpe`; docs/estimated-performance.md). Never alerted on.
 */
export const EstimatedPerformance = z.object({
  method: z.literal('cbpe'),
  /** Rows estimated (finite scores), and rows left out (no score, or not a finite number). */
  rows: z.number(),
  dropped: z.number(),
  threshold: z.number(),
  metrics: z.array(EstimatedMetricReport),
});
export type EstimatedPerformance = z.infer<typeof EstimatedPerformance>;

/**
 * Labels of the compared predictions (a model with `labels`, or `check --labels`): how many of
 * the window's predictions have a label, joined by event id when the check ran (docs/ingest.md, "Labels").
 */
export const LabelsReport = z.object({
  /** Predictions (rows) compared. */
  predictions: z.number(),
  /** Of them, rows whose id has a label. */
  labelled: z.number(),
  unlabelled: z.number(),
  /** labelled / predictions; null (NaN) for no prediction. */
  coverage: ReportNumber,
  /** Rows without an id: never labelled (counted in unlabelled). */
  withoutId: z.number(),
  /** Distinct ids with a label. */
  labelIds: z.number(),
  /** Labels whose id matches no prediction: not arrived yet, never stored, or deleted by retention. */
  unmatched: z.number(),
  /**
   * Labels dropped because the model's sampler leaves their id out (their prediction was sampled
   * out, so they are not unmatched); null where the sampling cannot be decided on a label's id.
   */
  sampledOut: z.number().nullable(),
  /** Ids labelled more than once with different labels (the latest label time won). */
  corrections: z.number().optional(),
  /** The labelled predictions' performance, when any is labelled and the prediction is stored. */
  performance: RealizedPerformance.optional(),
  /** The performance decision against the baseline's (a profile with `performance.summary`). */
  decision: PerformanceDecisionReport.optional(),
});
export type LabelsReport = z.infer<typeof LabelsReport>;

/** The report of `driftwatch check`: one comparison of a current data set with a baseline. */
export const CheckReport = z.object({
  baseline: ReportBaseline,
  current: z.object({ name: z.string().optional(), rows: z.number() }),
  /** True when any feature, or the prediction, drifted (the dataset-level decision). */
  drift: z.boolean(),
  /** drift, ok, or insufficient_data when no feature had enough values to test (`decision.minRows`). */
  status: CheckStatus.optional(),
  features: z.array(FeatureReport),
  schema: SchemaFindings,
  /** The model's output, when the baseline profiled one (`baseline create --prediction`). */
  prediction: PredictionReport.optional(),
  /** How the per-feature decisions were taken, so a reader can reproduce them. */
  decision: DecisionRule,
  /** Label coverage of the compared predictions, when labels were given. */
  labels: LabelsReport.optional(),
  /** The performance estimated from the prediction scores (CBPE), when the profile has a CBPE fit. */
  estimatedPerformance: EstimatedPerformance.optional(),
  generatedAt: z.string(),
});
export type CheckReport = z.infer<typeof CheckReport>;

/** One window of a `--by` / `--every` check. */
export const WindowReport = z.object({
  window: z.string(),
  rows: z.number(),
  drift: z.boolean(),
  status: CheckStatus.optional(),
  features: z.array(FeatureReport),
  schema: SchemaFindings,
  prediction: PredictionReport.optional(),
});
export type WindowReport = z.infer<typeof WindowReport>;

/** The report of `driftwatch check --by COLUMN`: one result per window of the current data. */
export const WindowedReport = z.object({
  baseline: ReportBaseline,
  current: z.object({ name: z.string().optional(), rows: z.number() }),
  by: z.string(),
  every: z.string().optional(),
  drift: z.boolean(),
  windows: z.array(WindowReport),
  decision: DecisionRule,
  generatedAt: z.string(),
});
export type WindowedReport = z.infer<typeof WindowedReport>;

/** A stored check of a model's live window: the check contract plus the window, timing and ingest. */
/** What ran a live check: the model's schedule, an API request (check now, an ad-hoc window), or `driftwatch check --config`. */
export const CHECK_TRIGGERS = ['schedule', 'api', 'cli'] as const;
export const CheckTrigger = z.enum(CHECK_TRIGGERS);
export type CheckTrigger = z.infer<typeof CheckTrigger>;

export const LiveReport = CheckReport.extend({
  id: z.string(),
  model: z.string(),
  /** What ran the check; absent in reports stored before it was recorded. */
  trigger: CheckTrigger.optional(),
  status: CheckStatus,
  window: z.object({ spec: z.string(), start: z.string(), end: z.string(), rows: z.number(), minRows: z.number() }),
  timing: z.object({ startedAt: z.string(), finishedAt: z.string(), seconds: z.number() }),
  /**
   * The ingest's counters at this check (`ingest_counts`, exactly-once), and what changed since
   * the previous check: messages consumed and set aside by reason.
   */
  ingest: z.object({
    totals: z.record(z.string(), z.number()),
    consumed: z.number(),
    rejected: z.number(),
    rejectedByReason: z.record(z.string(), z.number()),
  }),
});
export type LiveReport = z.infer<typeof LiveReport>;

/** True when a report is the windowed form (`check --by`). */
export function isWindowedReport(report: CheckReport | WindowedReport): report is WindowedReport {
  return Array.isArray((report as Partial<WindowedReport>).windows);
}
