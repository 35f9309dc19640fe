import { normalUpperQuantilePrecise } from './normal.js';
import { lowerBound, upperBound } from './sorted.js';

/**
 * Model quality on labelled rows (issue 17): the metrics of scikit-learn, each with a confidence
 * interval and the per-row variance a decision needs to compare a window with a baseline
 * (`src/stats/performance-decision.ts`). Definitions follow STATS.md ("Added in wave 2") and
 * scikit-learn 1.9 exactly, zero divisions included (`zero_division`'s default, which warns
 * and gives 0). What a metric cannot be (ROC AUC of a window with one class, R² of one row)
 * is `null` with a reason, never NaN.
 *
 * The plain metric functions (`accuracy`, `rocAuc`, `confusionMatrix`, ...) are exported for
 * reuse: they take arrays that are already clean (no nulls, labels 0/1 for binary).
 */

/** The three kinds of model driftwatch scores. */
export type PerformanceTask = 'binary' | 'multiclass' | 'regression';

/** Which way is better for a metric, and so which way a drop goes. */
export type MetricDirection = 'higherIsBetter' | 'lowerIsBetter';

/** How a metric's confidence interval is computed (docs/performance.md, "Intervals"). */
export type IntervalMethod = 'wilson' | 'delong' | 'normal' | 'delta';

/** A metric as declared in one place: its name, tasks, direction and interval method. */
export interface PerformanceMetric {
  readonly name: string;
  readonly tasks: readonly PerformanceTask[];
  readonly direction: MetricDirection;
  readonly method: IntervalMethod;
  /** One line for reports and docs. */
  readonly description: string;
}

/**
 * Every performance metric, in report order. The decision's defaults and the docs read it; a
 * summary's `metrics` holds, for its task, these names in this order.
 */
export const PERFORMANCE_METRICS = [
  {
    name: 'accuracy',
    tasks: ['binary', 'multiclass'],
    direction: 'higherIsBetter',
    method: 'wilson',
    description: 'share of rows predicted right',
  },
  {
    name: 'balanced_accuracy',
    tasks: ['binary', 'multiclass'],
    direction: 'higherIsBetter',
    method: 'delta',
    description: 'mean recall over the classes present in the labels',
  },
  { name: 'precision', tasks: ['binary'], direction: 'higherIsBetter', method: 'wilson', description: 'TP / (TP + FP) of class 1' },
  { name: 'recall', tasks: ['binary'], direction: 'higherIsBetter', method: 'wilson', description: 'TP / (TP + FN) of class 1' },
  { name: 'f1', tasks: ['binary'], direction: 'higherIsBetter', method: 'delta', description: '2 TP / (2 TP + FP + FN) of class 1' },
  {
    name: 'precision_macro',
    tasks: ['multiclass'],
    direction: 'higherIsBetter',
    method: 'delta',
    description: 'unweighted mean of per-class precision',
  },
  {
    name: 'recall_macro',
    tasks: ['multiclass'],
    direction: 'higherIsBetter',
    method: 'delta',
    description: 'unweighted mean of per-class recall',
  },
  { name: 'f1_macro', tasks: ['multiclass'], direction: 'higherIsBetter', method: 'delta', description: 'unweighted mean of per-class F1' },
  {
    name: 'f1_weighted',
    tasks: ['multiclass'],
    direction: 'higherIsBetter',
    method: 'delta',
    description: 'per-class F1 weighted by support',
  },
  {
    name: 'roc_auc',
    tasks: ['binary', 'multiclass'],
    direction: 'higherIsBetter',
    method: 'delong',
    description: 'area under the ROC curve of the score (multi-class: one-vs-rest, macro)',
  },
  {
    name: 'log_loss',
    tasks: ['binary', 'multiclass'],
    direction: 'lowerIsBetter',
    method: 'normal',
    description: 'mean negative log-likelihood of the labels',
  },
  {
    name: 'brier',
    tasks: ['binary', 'multiclass'],
    direction: 'lowerIsBetter',
    method: 'normal',
    description: 'mean squared error of the probabilities (binary: of class 1)',
  },
  { name: 'mae', tasks: ['regression'], direction: 'lowerIsBetter', method: 'normal', description: 'mean absolute error' },
  { name: 'rmse', tasks: ['regression'], direction: 'lowerIsBetter', method: 'delta', description: 'root mean squared error' },
  {
    name: 'mape',
    tasks: ['regression'],
    direction: 'lowerIsBetter',
    method: 'normal',
    description: 'mean absolute percentage error, as a fraction (|y| floored at machine epsilon)',
  },
  { name: 'r2', tasks: ['regression'], direction: 'higherIsBetter', method: 'delta', description: 'coefficient of determination' },
] as const satisfies readonly PerformanceMetric[];

/** The name of a performance metric. */
export type PerformanceMetricName = (typeof PERFORMANCE_METRICS)[number]['name'];

/** Looks a metric up by name; an unknown name lists the known ones. */
export function getPerformanceMetric(name: string): PerformanceMetric {
  const found = PERFORMANCE_METRICS.find((m) => m.name === name);
  if (!found) throw new Error(`unknown performance metric '${name}'; known: ${PERFORMANCE_METRICS.map((m) => m.name).join(', ')}`);
  return found;
}

/** The metrics of a task, in report order. */
export function metricsFor(task: PerformanceTask): PerformanceMetric[] {
  return PERFORMANCE_METRICS.filter((m) => (m.tasks as readonly PerformanceTask[]).includes(task));
}

// ---------------------------------------------------------------------------------------------
// Plain metrics on clean arrays
// ---------------------------------------------------------------------------------------------

/** Counts of a binary confusion matrix, class 1 positive. */
export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** The binary confusion counts of labels and predicted classes (both 0/1; class 1 is positive). */
export function binaryCounts(labels: ArrayLike<number>, predicted: ArrayLike<number>): BinaryCounts {
  sameLength(labels, predicted, 'labels', 'predicted');
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    if (predicted[i] === 1) labels[i] === 1 ? c.tp++ : c.fp++;
    else labels[i] === 1 ? c.fn++ : c.tn++;
  }
  return c;
}

/** Predicted classes from scores: 1 where score >= threshold, as STATS.md states (0.5 unless configured). */
export function predictedClasses(scores: ArrayLike<number>, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= threshold ? 1 : 0;
  return out;
}

/**
 * The confusion matrix of class indices 0..k-1: `matrix[i][j]` counts rows of true class i
 * predicted as j (rows true, columns predicted, as `sklearn.metrics.confusion_matrix`).
 */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number[][] {
  sameLength(labels, predicted, 'labels', 'predicted');
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = m[labels[i]!];
    if (!row || predicted[i]! < 0 || predicted[i]! >= k) throw new RangeError(`class index out of 0..${k - 1} at row ${i}`);
    row[predicted[i]!]!++;
  }
  return m;
}

/** Share of rows whose prediction equals the label (`accuracy_score`); null for no rows. */
export function accuracy(labels: ArrayLike<unknown>, predicted: ArrayLike<unknown>): number | null {
  sameLength(labels, predicted, 'labels', 'predicted');
  if (labels.length === 0) return null;
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) right++;
  return right / labels.length;
}

/** x / y, or 0 when y is 0: scikit-learn's `zero_division` default ("warn", which gives 0). */
const ratio = (x: number, y: number) => (y === 0 ? 0 : x / y);

/** Precision of class 1 (`precision_score`); 0 when nothing is predicted positive (zero_division). */
export function precision(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const c = binaryCounts(labels, predicted);
  return ratio(c.tp, c.tp + c.fp);
}

/** Recall of class 1 (`recall_score`); 0 when no label is positive (zero_division). */
export function recall(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const c = binaryCounts(labels, predicted);
  return ratio(c.tp, c.tp + c.fn);
}

/** F1 of class 1 as 2 TP / (2 TP + FP + FN) (`f1_score`); 0 when that is 0 / 0 (zero_division). */
export function f1(labels: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const c = binaryCounts(labels, predicted);
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

/** Per-class precision, recall, F1 and support of a confusion matrix (`precision_recall_fscore_support`, zero_division 0). */
export function perClass(matrix: readonly (readonly number[])[]): {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
} {
  const k = matrix.length;
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predictedAs = Array.from({ length: k }, (_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  const tp = matrix.map((row, i) => row[i]!);
  return {
    precision: tp.map((t, c) => ratio(t, predictedAs[c]!)),
    recall: tp.map((t, c) => ratio(t, support[c]!)),
    f1: tp.map((t, c) => ratio(2 * t, predictedAs[c]! + support[c]!)),
    support,
  };
}

/**
 * Balanced accuracy of a confusion matrix (`balanced_accuracy_score`): the mean recall over the
 * classes that occur among the labels (a class only predicted is left out, as scikit-learn does);
 * null for an empty matrix.
 */
export function balancedAccuracyOfMatrix(matrix: readonly (readonly number[])[]): number | null {
  const { recall: r, support } = perClass(matrix);
  const present = r.filter((_, c) => support[c]! > 0);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

/** Balanced accuracy of binary labels and predicted classes (0/1). */
export function balancedAccuracy(labels: ArrayLike<number>, predicted: ArrayLike<number>): number | null {
  const c = binaryCounts(labels, predicted);
  return balancedAccuracyOfMatrix([
    [c.tn, c.fp],
    [c.fn, c.tp],
  ]);
}

/** The pieces of DeLong's variance of an AUC: the placement values' variances and the class sizes. */
export interface DeLongAuc {
  auc: number;
  positives: number;
  negatives: number;
  /** Sample variance (ddof 1) of the positives' placements V10 (share of negatives below, ties half); NaN below 2 positives. */
  s10: number;
  /** Sample variance (ddof 1) of the negatives' placements V01 (share of positives above, ties half); NaN below 2 negatives. */
  s01: number;
  /** Third central moments (÷ count) of V10 and V01, for the decision's skewness correction. */
  m10: number;
  m01: number;
  /** s10 / positives + s01 / negatives (DeLong, DeLong and Clarke-Pearson 1988). */
  variance: number;
}

/**
 * DeLong's placement value of each row (DeLong, DeLong and Clarke-Pearson 1988): for a positive,
 * the share of negatives scored below it (ties count half); for a negative, the share of
 * positives scored above it (ties count half). O(n log n).
 * The positives' placements average to the AUC, and so do the negatives'.
 */
export function placements(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
): { values: Float64Array; positives: number; negatives: number } {
  sameLength(labels, scores, 'labels', 'scores');
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  const negatives = n - positives;
  // Each class's scores sorted on their own (a plain numeric sort, no comparator), then binary
  // searches: a row's placement is how many of the other class sit below, at or above its score.
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < n; i++) labels[i] === 1 ? (pos[p++] = scores[i]!) : (neg[q++] = scores[i]!);
  pos.sort();
  neg.sort();
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (labels[i] === 1) {
      const below = lowerBound(neg, s);
      values[i] = (below + (upperBound(neg, s) - below) / 2) / negatives;
    } else {
      const below = lowerBound(pos, s);
      const atOrBelow = upperBound(pos, s);
      values[i] = (positives - atOrBelow + (atOrBelow - below) / 2) / positives;
    }
  }
  return { values, positives, negatives };
}

/**
 * ROC AUC with DeLong's variance: AUC is the Mann-Whitney statistic with ties counted half,
 * which is what `roc_auc_score`'s trapezoids give. null when the labels hold one class only
 * (scikit-learn raises there).
 */
export function delongAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): DeLongAuc | null {
  const { values, positives, negatives } = placements(labels, scores);
  if (positives === 0 || negatives === 0) return null;
  let sum10 = 0;
  let sum01 = 0;
  for (let i = 0; i < values.length; i++) labels[i] === 1 ? (sum10 += values[i]!) : (sum01 += values[i]!);
  const auc = sum10 / positives;
  const mean01 = sum01 / negatives;
  let ss10 = 0;
  let ss01 = 0;
  let m10 = 0;
  let m01 = 0;
  for (let i = 0; i < values.length; i++) {
    if (labels[i] === 1) {
      const d = values[i]! - auc;
      ss10 += d * d;
      m10 += (d * d * d) / positives;
    } else {
      const d = values[i]! - mean01;
      ss01 += d * d;
      m01 += (d * d * d) / negatives;
    }
  }
  const s10 = positives > 1 ? ss10 / (positives - 1) : NaN;
  const s01 = negatives > 1 ? ss01 / (negatives - 1) : NaN;
  return { auc, positives, negatives, s10, s01, m10, m01, variance: s10 / positives + s01 / negatives };
}

/** ROC AUC of binary labels (0/1) and scores (`roc_auc_score`); null when only one class is present. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return delongAuc(labels, scores)?.auc ?? null;
}

/** scikit-learn's clip for log loss: probabilities are kept in [eps, 1 - eps], eps = 2^-52. */
const EPS = Number.EPSILON;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);

/** Per-row log loss of binary labels and scores: -ln(clip(p)) for class 1, -ln(clip(1 - p)) for class 0. */
export function logLossTerms(labels: ArrayLike<number>, scores: ArrayLike<number>): Float64Array {
  sameLength(labels, scores, 'labels', 'scores');
  return floats(labels.length, (i) => -Math.log(clip(labels[i] === 1 ? scores[i]! : 1 - scores[i]!)));
}

/** Binary log loss (`log_loss(y, p, labels=[0, 1])`); null for no rows. */
export function logLoss(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return meanOrNull(logLossTerms(labels, scores));
}

/** Binary Brier score (`brier_score_loss`): mean (y - p)²; null for no rows. */
export function brierScore(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  sameLength(labels, scores, 'labels', 'scores');
  return meanOrNull(floats(labels.length, (i) => (labels[i]! - scores[i]!) ** 2));
}

/** Mean absolute error (`mean_absolute_error`); null for no rows. */
export function meanAbsoluteError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number | null {
  sameLength(actual, predicted, 'actual', 'predicted');
  return meanOrNull(floats(actual.length, (i) => Math.abs(predicted[i]! - actual[i]!)));
}

/** Root mean squared error (`root_mean_squared_error`); null for no rows. */
export function rootMeanSquaredError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number | null {
  sameLength(actual, predicted, 'actual', 'predicted');
  const mse = meanOrNull(floats(actual.length, (i) => (predicted[i]! - actual[i]!) ** 2));
  return mse === null ? null : Math.sqrt(mse);
}

/** Per-row absolute percentage errors as scikit-learn: |ŷ - y| / max(|y|, eps), eps = 2^-52. */
export function absolutePercentageErrors(actual: ArrayLike<number>, predicted: ArrayLike<number>): Float64Array {
  sameLength(actual, predicted, 'actual', 'predicted');
  return floats(actual.length, (i) => Math.abs(predicted[i]! - actual[i]!) / Math.max(Math.abs(actual[i]!), EPS));
}

/** Mean absolute percentage error as a fraction (`mean_absolute_percentage_error`); null for no rows. */
export function meanAbsolutePercentageError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number | null {
  return meanOrNull(absolutePercentageErrors(actual, predicted));
}

/**
 * R² (`r2_score`, force_finite): 1 - SS_res / SS_tot; with constant actual values, 1 for a
 * perfect prediction and 0 otherwise, as scikit-learn; null below 2 rows (scikit-learn: NaN).
 */
export function r2Score(actual: ArrayLike<number>, predicted: ArrayLike<number>): number | null {
  sameLength(actual, predicted, 'actual', 'predicted');
  const n = actual.length;
  if (n < 2) return null;
  const mean = sum(actual) / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (actual[i]! - predicted[i]!) ** 2;
    ssTot += (actual[i]! - mean) ** 2;
  }
  if (ssRes === 0) return 1;
  if (ssTot === 0) return 0;
  return 1 - ssRes / ssTot;
}

/**
 * The Wilson score interval of a proportion x / n at a two-sided level (Wilson 1927), as
 * `scipy.stats.binomtest(x, n).proportion_ci(level, method='wilson')`. It stays inside [0, 1]
 * and has a width at x = 0 and x = n, where the normal interval collapses.
 */
export function wilsonInterval(successes: number, trials: number, level = 0.95): { lower: number; upper: number } {
  if (!(trials > 0) || successes < 0 || successes > trials)
    throw new RangeError(`Wilson interval needs 0 <= x <= n, n > 0; got x = ${successes}, n = ${trials}`);
  const z = zOf(level);
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** The two-sided normal critical value of a confidence level. @example zOf(0.95) // 1.959963984540054 */
export function zOf(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`a confidence level must lie in (0, 1), got ${level}`);
  return normalUpperQuantilePrecise((1 - level) / 2);
}

// ---------------------------------------------------------------------------------------------
// Summaries with intervals
// ---------------------------------------------------------------------------------------------

/**
 * One part of a metric's sampling variance: Var(metric) ≈ Σ perRow / rows over its terms. A
 * proportion has one term (rows: its denominator), an AUC two (positives and negatives), a
 * balanced accuracy one per class. The decision scales a baseline's perRow to a window's rows.
 */
export interface VarianceTerm {
  /** What the rows are: 'rows', 'predicted positives', 'positives', 'class 2', ... */
  key: string;
  perRow: number;
  /**
   * The third central moment of the same per-row values: the decision corrects its normal tail
   * for the skewness it gives a small window (Σ perRowThird / rows² is the third cumulant).
   */
  perRowThird: number;
  rows: number;
}

/** A metric's value on a set of rows, with its interval and variance; null value with a reason where undefined. */
export interface MetricEstimate {
  value: number | null;
  /** At the summary's level; null where there is no value or too few rows to say. */
  interval: { lower: number; upper: number } | null;
  method: IntervalMethod;
  /** Empty where the variance cannot be estimated. */
  variance: VarianceTerm[];
  /** Why the value or its interval is missing, or what a zero division gave. */
  reason?: string;
}

/** Binary rows: labels 0/1 (true/false accepted), score = probability of class 1. */
export interface BinaryRows {
  task: 'binary';
  labels: readonly unknown[];
  scores: readonly unknown[];
  /** Predicted class 1 when score >= threshold; default 0.5. */
  threshold?: number;
}

/** Multi-class rows: labels and predicted classes; optionally each row's class probabilities. */
export interface MulticlassRows {
  task: 'multiclass';
  labels: readonly unknown[];
  predicted: readonly unknown[];
  /** One object per row, class -> probability (a missing class is 0); enables log loss, Brier and ROC AUC. */
  probabilities?: readonly unknown[];
  /** The model's known classes; default: the classes seen in labels and predictions (and probabilities). */
  classes?: readonly (string | number | boolean)[];
}

/** Regression rows: actual values and predictions. */
export interface RegressionRows {
  task: 'regression';
  actual: readonly unknown[];
  predicted: readonly unknown[];
}

export type PerformanceRows = BinaryRows | MulticlassRows | RegressionRows;

/** Performance of one set of labelled rows (a window, or the baseline's validation data). */
export interface PerformanceSummary {
  task: PerformanceTask;
  /** Two-sided level of every interval. */
  level: number;
  /** Rows given. */
  rows: number;
  /** Rows used: label and prediction present and valid. */
  labelled: number;
  /** Rows left out, by why. */
  skipped: { label: number; prediction: number };
  threshold?: number;
  /** Binary: rows of class 1 and 0 among the labelled. */
  positives?: number;
  negatives?: number;
  /** Multi-class: the classes the macro averages run over, in order. */
  classes?: string[];
  /** Multi-class: labels outside `classes` (given classes only), with their counts. */
  unknownLabels?: Record<string, number>;
  metrics: Record<string, MetricEstimate>;
}

/** Options of `summarisePerformance`. */
export interface SummaryOptions {
  /** Two-sided level of the intervals; default 0.95. */
  level?: number;
}

/**
 * The performance of labelled rows: every metric of the task with its interval, at `level`
 * (default 95%). Rows without a usable label or prediction are skipped and counted; an empty set
 * gives every metric null with a reason.
 * @example summarisePerformance({ task: 'binary', labels: [0, 1, 1], scores: [0.2, 0.7, 0.4] }).metrics.accuracy.value // 2/3
 */
export function summarisePerformance(rows: PerformanceRows, options: SummaryOptions = {}): PerformanceSummary {
  const level = options.level ?? 0.95;
  zOf(level); // validates
  if (rows.task === 'binary') return summariseBinary(rows, level);
  if (rows.task === 'multiclass') return summariseMulticlass(rows, level);
  if (rows.task === 'regression') return summariseRegression(rows, level);
  throw new Error(`unknown task '${(rows as { task: unknown }).task}'; known: binary, multiclass, regression`);
}

function summariseBinary(rows: BinaryRows, level: number): PerformanceSummary {
  sameLength(rows.labels, rows.scores, 'labels', 'scores');
  const threshold = rows.threshold ?? 0.5;
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, got ${threshold}`);
  // Typed arrays from here on: every function below then sees one array shape (V8 keeps them monomorphic).
  const kept = new Uint8Array(rows.labels.length);
  const allScores = new Float64Array(rows.labels.length);
  let n = 0;
  const skipped = { label: 0, prediction: 0 };
  rows.labels.forEach((raw, i) => {
    const label = raw === true ? 1 : raw === false ? 0 : raw;
    const score = rows.scores[i];
    if (label !== 0 && label !== 1) skipped.label++;
    else if (typeof score !== 'number' || !(score >= 0 && score <= 1)) skipped.prediction++;
    else {
      kept[n] = label;
      allScores[n++] = score;
    }
  });
  const labels = kept.subarray(0, n);
  const scores = allScores.subarray(0, n);
  const predicted = predictedClasses(scores, threshold);
  const c = binaryCounts(labels, predicted);
  const base = {
    task: 'binary' as const,
    level,
    rows: rows.labels.length,
    labelled: n,
    skipped,
    threshold,
    positives: c.tp + c.fn,
    negatives: c.tn + c.fp,
  };
  if (n === 0) return { ...base, metrics: emptyMetrics('binary', 'no labelled rows') };
  const z = zOf(level);
  const matrix = [
    [c.tn, c.fp],
    [c.fn, c.tp],
  ];
  return {
    ...base,
    metrics: {
      accuracy: proportion(c.tp + c.tn, n, 'rows', level),
      balanced_accuracy: balancedAccuracyEstimate(matrix, ['0', '1'], z),
      precision: proportion(
        c.tp,
        c.tp + c.fp,
        'predicted positives',
        level,
        'no row is predicted class 1: precision is 0 / 0, reported as 0 (scikit-learn zero_division)',
      ),
      recall: proportion(
        c.tp,
        c.tp + c.fn,
        'positives',
        level,
        'no label is class 1: recall is 0 / 0, reported as 0 (scikit-learn zero_division)',
      ),
      f1: deltaEstimate(
        matrix,
        n,
        f1Gradient(matrix, 1),
        z,
        [0, 1],
        2 * c.tp + c.fp + c.fn === 0
          ? 'no label and no prediction is class 1: F1 is 0 / 0, reported as 0 (scikit-learn zero_division)'
          : undefined,
      ),
      roc_auc: aucEstimate(labels, scores, z),
      log_loss: meanEstimate(logLossTerms(labels, scores), z, 0),
      brier: meanEstimate(
        floats(n, (i) => (labels[i]! - scores[i]!) ** 2),
        z,
        0,
      ),
    },
  };
}

/** The sort order scikit-learn's `unique_labels` gives: numeric when every class is a number, else by string. */
function sortClasses(values: Iterable<unknown>): string[] {
  const list = [...new Set(values)];
  const numeric = list.every((v) => typeof v === 'number');
  const keys = [...new Set(list.map(String))];
  return numeric ? keys.sort((a, b) => Number(a) - Number(b)) : keys.sort();
}

function isClass(v: unknown): v is string | number | boolean {
  return (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
}

function summariseMulticlass(rows: MulticlassRows, level: number): PerformanceSummary {
  sameLength(rows.labels, rows.predicted, 'labels', 'predicted');
  if (rows.probabilities) sameLength(rows.labels, rows.probabilities, 'labels', 'probabilities');
  const skipped = { label: 0, prediction: 0 };
  const labels: string[] = [];
  const predicted: string[] = [];
  const probabilities: Record<string, number>[] = [];
  const rawClasses = new Set<unknown>(rows.classes ?? []);
  const probabilityKeys = new Set<string>();
  rows.labels.forEach((label, i) => {
    const guess = rows.predicted[i];
    const probs = rows.probabilities?.[i];
    if (!isClass(label)) skipped.label++;
    else if (!isClass(guess) || (rows.probabilities && !validProbabilities(probs, probabilityKeys))) skipped.prediction++;
    else {
      labels.push(String(label));
      predicted.push(String(guess));
      rawClasses.add(label).add(guess);
      if (rows.probabilities) probabilities.push(probs as Record<string, number>);
    }
  });
  const given = rows.classes ? sortClasses(rows.classes) : undefined;
  const classes = given ?? sortClasses(rawClasses);
  if (!given) for (const key of sortClasses(probabilityKeys)) if (!classes.includes(key)) classes.push(key);
  const unknownLabels: Record<string, number> = {};
  if (given) for (const l of labels) if (!given.includes(l)) unknownLabels[l] = (unknownLabels[l] ?? 0) + 1;
  const n = labels.length;
  const base = {
    task: 'multiclass' as const,
    level,
    rows: rows.labels.length,
    labelled: n,
    skipped,
    classes,
    ...(given ? { unknownLabels } : {}),
  };
  if (n === 0) return { ...base, metrics: emptyMetrics('multiclass', 'no labelled rows') };
  const z = zOf(level);
  // The confusion matrix runs over every class seen (known first, then unknown labels and
  // predictions); the macro averages over the known `classes` only (scikit-learn's `labels=`).
  const isKnown = new Set(classes);
  const all = [...classes, ...sortClasses([...new Set([...labels, ...predicted])].filter((v) => !isKnown.has(v)))];
  const index = new Map(all.map((c, i) => [c, i]));
  const matrix = confusionMatrix(
    labels.map((l) => index.get(l)!),
    predicted.map((p) => index.get(p)!),
    all.length,
  );
  const known = classes.map((_, i) => i);
  let right = 0;
  for (let i = 0; i < all.length; i++) right += matrix[i]![i]!;
  const metrics: Record<string, MetricEstimate> = {
    accuracy: proportion(right, n, 'rows', level),
    balanced_accuracy: balancedAccuracyEstimate(matrix, all, z),
    precision_macro: deltaEstimate(matrix, n, precisionGradient(matrix, known), z, [0, 1]),
    recall_macro: deltaEstimate(matrix, n, recallGradient(matrix, known), z, [0, 1]),
    f1_macro: deltaEstimate(matrix, n, macroF1Gradient(matrix, known), z, [0, 1]),
    f1_weighted: weightedF1Estimate(matrix, n, known, z),
  };
  const noProbabilities = 'no class probabilities given';
  if (!rows.probabilities) {
    metrics.roc_auc = missing('delong', noProbabilities);
    metrics.log_loss = missing('normal', noProbabilities);
    metrics.brier = missing('normal', noProbabilities);
  } else {
    const columns = given ?? sortClasses(probabilityKeys);
    const outside = [...new Set(labels.filter((l) => !columns.includes(l)))];
    if (outside.length > 0) {
      const reason = `labels outside the probability classes (${outside.join(', ')}): undefined, as scikit-learn raises`;
      metrics.roc_auc = missing('delong', reason);
      metrics.log_loss = missing('normal', reason);
      metrics.brier = missing('normal', reason);
    } else {
      const truth = labels.map((l) => columns.indexOf(l));
      // One row-major matrix of the probabilities (a missing class is 0), read by every metric below.
      const k = columns.length;
      const matrix = new Float64Array(n * k);
      probabilities.forEach((row, i) => columns.forEach((c, j) => (matrix[i * k + j] = row[c] ?? 0)));
      const p = (i: number, c: number) => matrix[i * k + c]!;
      metrics.roc_auc = ovrAucEstimate(truth, columns, p, z);
      metrics.log_loss = meanEstimate(
        floats(n, (i) => -Math.log(clip(p(i, truth[i]!)))),
        z,
        0,
      );
      // scikit-learn halves the sum for fewer than 3 columns, so that binary Brier is mean (y - p)².
      const scale = columns.length < 3 ? 0.5 : 1;
      metrics.brier = meanEstimate(
        floats(n, (i) => {
          const t = truth[i]!;
          let s = 0;
          for (let c = 0; c < columns.length; c++) s += ((c === t ? 1 : 0) - p(i, c)) ** 2;
          return scale * s;
        }),
        z,
        0,
      );
    }
  }
  return { ...base, metrics };
}

/** An object of class -> probability in [0, 1]; its keys are added to `keys`. */
function validProbabilities(p: unknown, keys: Set<string>): boolean {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  const row = p as Record<string, unknown>;
  for (const key in row) {
    const v = row[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return false;
    keys.add(key);
  }
  return true;
}

function summariseRegression(rows: RegressionRows, level: number): PerformanceSummary {
  sameLength(rows.actual, rows.predicted, 'actual', 'predicted');
  const skipped = { label: 0, prediction: 0 };
  const actual: number[] = [];
  const predicted: number[] = [];
  rows.actual.forEach((y, i) => {
    const yhat = rows.predicted[i];
    if (typeof y !== 'number' || !Number.isFinite(y)) skipped.label++;
    else if (typeof yhat !== 'number' || !Number.isFinite(yhat)) skipped.prediction++;
    else {
      actual.push(y);
      predicted.push(yhat);
    }
  });
  const n = actual.length;
  const base = { task: 'regression' as const, level, rows: rows.actual.length, labelled: n, skipped };
  if (n === 0) return { ...base, metrics: emptyMetrics('regression', 'no labelled rows') };
  const z = zOf(level);
  const squared = floats(n, (i) => (predicted[i]! - actual[i]!) ** 2);
  return {
    ...base,
    metrics: {
      mae: meanEstimate(
        floats(n, (i) => Math.abs(predicted[i]! - actual[i]!)),
        z,
        0,
      ),
      rmse: rmseEstimate(squared, z),
      mape: meanEstimate(absolutePercentageErrors(actual, predicted), z, 0),
      r2: r2Estimate(actual, predicted, squared, z),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Estimates
// ---------------------------------------------------------------------------------------------

function missing(method: IntervalMethod, reason: string): MetricEstimate {
  return { value: null, interval: null, method, variance: [], reason };
}

function emptyMetrics(task: PerformanceTask, reason: string): Record<string, MetricEstimate> {
  return Object.fromEntries(metricsFor(task).map((m) => [m.name, missing(m.method, reason)]));
}

/**
 * A proportion x / n with its Wilson interval. Its variance term is taken at (x + 1) / (n + 2)
 * rather than x / n, so that a perfect (or hopeless) set of rows still has a spread to test against.
 */
function proportion(x: number, n: number, key: string, level: number, zeroReason?: string): MetricEstimate {
  if (n === 0) return { value: 0, interval: null, method: 'wilson', variance: [], reason: zeroReason ?? 'no rows' };
  const smoothed = (x + 1) / (n + 2);
  return {
    value: x / n,
    interval: wilsonInterval(x, n, level),
    method: 'wilson',
    variance: [{ key, perRow: smoothed * (1 - smoothed), perRowThird: smoothed * (1 - smoothed) * (1 - 2 * smoothed), rows: n }],
  };
}

/**
 * Balanced accuracy: the mean of the per-class recalls of the classes present; the recalls are
 * independent given the class sizes, so Var = Σ r(1 - r) / n_c / K², each r smoothed as (x + 1) / (n + 2).
 * Interval: normal, clipped to [0, 1].
 */
function balancedAccuracyEstimate(matrix: number[][], names: readonly string[], z: number): MetricEstimate {
  const value = balancedAccuracyOfMatrix(matrix);
  if (value === null) return missing('delta', 'no labelled rows');
  const classes = matrix.map((row, c) => ({ c, rows: row.reduce((a, b) => a + b, 0), right: row[c]! })).filter((x) => x.rows > 0);
  const k = classes.length;
  const variance = classes.map(({ c, rows, right }) => {
    const r = (right + 1) / (rows + 2);
    return { key: `class ${names[c]}`, perRow: (r * (1 - r)) / k ** 2, perRowThird: (r * (1 - r) * (1 - 2 * r)) / k ** 3, rows };
  });
  return { value, interval: normalInterval(value, termsVariance(variance), z, [0, 1]), method: 'delta', variance };
}

function termsVariance(terms: readonly VarianceTerm[]): number {
  return terms.reduce((s, t) => s + t.perRow / t.rows, 0);
}

function normalInterval(value: number, variance: number, z: number, range: readonly [number, number]): { lower: number; upper: number } {
  const half = z * Math.sqrt(variance);
  return { lower: Math.max(range[0], value - half), upper: Math.min(range[1], value + half) };
}

/** A metric of the confusion matrix and its gradient with respect to each cell's share. */
interface CellGradient {
  value: number;
  gradient: number[][];
}

/**
 * The delta method on the multinomial cell shares of a confusion matrix: each row falls in one
 * cell, so the influence of a row in cell (i, j) is g_ij - Σ π g, and the per-row variance is
 * Σ π_ij (g_ij - ḡ)². Interval: normal, clipped to `range`.
 */
function deltaEstimate(
  matrix: number[][],
  n: number,
  metric: CellGradient,
  z: number,
  range: readonly [number, number],
  reason?: string,
): MetricEstimate {
  let mean = 0;
  matrix.forEach((row, i) => row.forEach((count, j) => (mean += (count / n) * metric.gradient[i]![j]!)));
  let perRow = 0;
  let perRowThird = 0;
  matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      perRow += (count / n) * (metric.gradient[i]![j]! - mean) ** 2;
      perRowThird += (count / n) * (metric.gradient[i]![j]! - mean) ** 3;
    }),
  );
  const variance = [{ key: 'rows', perRow, perRowThird, rows: n }];
  return {
    value: metric.value,
    interval: reason ? null : normalInterval(metric.value, perRow / n, z, range),
    method: 'delta',
    variance: reason ? [] : variance,
    ...(reason ? { reason } : {}),
  };
}

const zeros = (k: number) => Array.from({ length: k }, () => new Array<number>(k).fill(0));

function shares(matrix: number[][]): { n: number; predictedAs: number[]; support: number[] } {
  const k = matrix.length;
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predictedAs = Array.from({ length: k }, (_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  return { n: support.reduce((a, b) => a + b, 0), predictedAs, support };
}

/** F1 of class c: 2 π_cc / (π_c· + π_·c); its gradient in the cell shares (0 where the ratio is 0 / 0). */
function classF1(matrix: number[][], c: number): CellGradient {
  const { n, predictedAs, support } = shares(matrix);
  const k = matrix.length;
  const g = zeros(k);
  const d = (predictedAs[c]! + support[c]!) / n;
  if (d === 0) return { value: 0, gradient: g };
  const tp = matrix[c]![c]! / n;
  const value = (2 * tp) / d;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const inD = (i === c ? 1 : 0) + (j === c ? 1 : 0);
      if (inD === 0) continue;
      g[i]![j] = ((i === c && j === c ? 2 : 0) * d - 2 * tp * inD) / (d * d);
    }
  return { value, gradient: g };
}

function f1Gradient(matrix: number[][], c: number): CellGradient {
  return classF1(matrix, c);
}

function average(parts: CellGradient[], weights?: number[]): CellGradient {
  const k = parts[0]?.gradient.length ?? 0;
  const w = weights ?? parts.map(() => 1 / parts.length);
  const g = zeros(k);
  parts.forEach((p, m) => p.gradient.forEach((row, i) => row.forEach((v, j) => (g[i]![j]! += w[m]! * v))));
  return { value: parts.reduce((s, p, m) => s + w[m]! * p.value, 0), gradient: g };
}

/** Mean recall over `classes`: recall_c = π_cc / π_c· (0 for a class with no labels, scikit-learn's zero_division). */
function recallGradient(matrix: number[][], classes: readonly number[]): CellGradient {
  const { n, support } = shares(matrix);
  const k = matrix.length;
  return average(
    classes.map((c) => {
      const g = zeros(k);
      const s = support[c]! / n;
      if (s === 0) return { value: 0, gradient: g };
      const value = matrix[c]![c]! / n / s;
      for (let j = 0; j < k; j++) g[c]![j] = ((j === c ? 1 : 0) - value) / s;
      return { value, gradient: g };
    }),
  );
}

/** Mean precision over `classes`: precision_c = π_cc / π_·c (0 for a class never predicted). */
function precisionGradient(matrix: number[][], classes: readonly number[]): CellGradient {
  const { n, predictedAs } = shares(matrix);
  const k = matrix.length;
  return average(
    classes.map((c) => {
      const g = zeros(k);
      const s = predictedAs[c]! / n;
      if (s === 0) return { value: 0, gradient: g };
      const value = matrix[c]![c]! / n / s;
      for (let i = 0; i < k; i++) g[i]![c] = ((i === c ? 1 : 0) - value) / s;
      return { value, gradient: g };
    }),
  );
}

function macroF1Gradient(matrix: number[][], classes: readonly number[]): CellGradient {
  return average(classes.map((c) => classF1(matrix, c)));
}

/**
 * F1 weighted by support over the known classes: Σ w_c F1_c with w_c = π_c· / Σ π_k·; the
 * weights move with the cells too, so their gradient is part of the influence.
 */
function weightedF1Estimate(matrix: number[][], n: number, classes: readonly number[], z: number): MetricEstimate {
  const { support } = shares(matrix);
  const total = classes.reduce((s, c) => s + support[c]! / n, 0);
  if (total === 0)
    return {
      value: 0,
      interval: null,
      method: 'delta',
      variance: [],
      reason: 'no label is a known class: weighted F1 is 0 (scikit-learn zero_division)',
    };
  const parts = classes.map((c) => classF1(matrix, c));
  const weights = classes.map((c) => support[c]! / n / total);
  const combined = average(parts, weights);
  // d w_c / d π_ij = (1[i = c] - w_c · 1[i known]) / total.
  const k = matrix.length;
  classes.forEach((c, m) => {
    for (let i = 0; i < k; i++) {
      const dw = ((i === c ? 1 : 0) - weights[m]! * (classes.includes(i) ? 1 : 0)) / total;
      if (dw !== 0) for (let j = 0; j < k; j++) combined.gradient[i]![j]! += parts[m]!.value * dw;
    }
  });
  return deltaEstimate(matrix, n, combined, z, [0, 1]);
}

/** Binary ROC AUC with DeLong's variance and a normal interval clipped to [0, 1] (as pROC's `ci.auc(method = "delong")`). */
function aucEstimate(labels: ArrayLike<number>, scores: ArrayLike<number>, z: number): MetricEstimate {
  const d = delongAuc(labels, scores);
  if (!d) {
    const only = labels.length > 0 ? labels[0] : undefined;
    return missing('delong', `the labels hold only class ${only}: ROC AUC is undefined (scikit-learn raises)`);
  }
  if (d.positives < 2 || d.negatives < 2) {
    return {
      value: d.auc,
      interval: null,
      method: 'delong',
      variance: [],
      reason: "fewer than 2 rows of a class: DeLong's variance is undefined",
    };
  }
  const variance = [
    { key: 'positives', perRow: d.s10, perRowThird: d.m10, rows: d.positives },
    { key: 'negatives', perRow: d.s01, perRowThird: d.m01, rows: d.negatives },
  ];
  return { value: d.auc, interval: normalInterval(d.auc, d.variance, z, [0, 1]), method: 'delong', variance };
}

/**
 * Multi-class ROC AUC, one-vs-rest, macro (`roc_auc_score(multi_class='ovr', average='macro')`):
 * the mean of each class's AUC against the rest. The classes' AUCs share rows, so the variance
 * comes from DeLong's placements as per-row influence values, averaged over the classes:
 * a positive row of class c adds (V10 - AUC_c) n / n_c, a negative (V01 - AUC_c) n / (n - n_c).
 */
function ovrAucEstimate(
  truth: readonly number[],
  columns: readonly string[],
  p: (row: number, c: number) => number,
  z: number,
): MetricEstimate {
  const n = truth.length;
  const k = columns.length;
  const influence = new Float64Array(n);
  let value = 0;
  for (let c = 0; c < k; c++) {
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) labels[i] = truth[i] === c ? 1 : 0;
    const scores = floats(n, (i) => p(i, c));
    const { values, positives, negatives } = placements(labels, scores);
    if (positives === 0 || negatives === 0)
      return missing(
        'delong',
        `class ${columns[c]} of the probabilities ${positives > 0 ? 'is every label' : 'has no label'}: one-vs-rest ROC AUC is undefined (scikit-learn raises)`,
      );
    let auc = 0;
    for (let i = 0; i < n; i++) if (labels[i]) auc += values[i]!;
    auc /= positives;
    value += auc / k;
    for (let i = 0; i < n; i++) influence[i]! += ((values[i]! - auc) * n) / (labels[i] ? positives : negatives) / k;
  }
  const { perRow, perRowThird } = moments(influence);
  return {
    value,
    interval: normalInterval(value, perRow / n, z, [0, 1]),
    method: 'delong',
    variance: [{ key: 'rows', perRow, perRowThird, rows: n }],
  };
}

/** The mean of per-row losses with a normal interval: mean ± z s / √n, s with ddof 1, lower end at least `floor`. */
function meanEstimate(terms: Float64Array, z: number, floor: number): MetricEstimate {
  const n = terms.length;
  const value = sum(terms) / n;
  if (n < 2) return { value, interval: null, method: 'normal', variance: [], reason: 'one row: no spread to build an interval from' };
  let ss = 0;
  let third = 0;
  for (let i = 0; i < n; i++) {
    const d = terms[i]! - value;
    ss += d * d;
    third += d * d * d;
  }
  const perRow = ss / (n - 1);
  const perRowThird = third / n;
  return {
    value,
    interval: normalInterval(value, perRow / n, z, [floor, Infinity]),
    method: 'normal',
    variance: [{ key: 'rows', perRow, perRowThird, rows: n }],
  };
}

/**
 * RMSE: the normal interval of the mean squared error (clipped at 0), square-rooted; its
 * variance term by the delta method, Var(RMSE) ≈ Var(MSE) / (4 MSE).
 */
function rmseEstimate(squared: Float64Array, z: number): MetricEstimate {
  const mse = meanEstimate(squared, z, 0);
  const value = Math.sqrt(mse.value!);
  if (!mse.interval || value === 0)
    return {
      value,
      interval: mse.interval && { lower: 0, upper: Math.sqrt(mse.interval.upper) },
      method: 'delta',
      variance: [],
      ...(value === 0 ? { reason: 'every prediction is exact: no spread to test against' } : { reason: mse.reason! }),
    };
  return {
    value,
    interval: { lower: Math.sqrt(mse.interval.lower), upper: Math.sqrt(mse.interval.upper) },
    method: 'delta',
    // The influence of a row on RMSE is its influence on MSE over 2 RMSE (first order).
    variance: mse.variance.map((t) => ({ ...t, perRow: t.perRow / (2 * value) ** 2, perRowThird: t.perRowThird / (2 * value) ** 3 })),
  };
}

/**
 * R² = 1 - A / B with A = mean squared error, B = mean squared deviation of the actual values:
 * by the delta method, a row's influence is -(e² - A) / B + A (d - B) / B², d = (y - ȳ)².
 * Interval: normal, at most 1.
 */
function r2Estimate(actual: readonly number[], predicted: readonly number[], squared: Float64Array, z: number): MetricEstimate {
  const n = actual.length;
  const value = r2Score(actual, predicted);
  if (value === null) return missing('delta', 'fewer than 2 rows: R² is undefined (scikit-learn: NaN)');
  const mean = sum(actual) / n;
  const a = sum(squared) / n;
  let b = 0;
  for (const y of actual) b += (y - mean) ** 2 / n;
  if (b === 0)
    return {
      value,
      interval: null,
      method: 'delta',
      variance: [],
      reason: `the actual values are constant: R² is ${value} by scikit-learn's force_finite rule`,
    };
  const influence = floats(n, (i) => -(squared[i]! - a) / b + (a * ((actual[i]! - mean) ** 2 - b)) / (b * b));
  const { perRow, perRowThird } = moments(influence);
  return {
    value,
    interval: normalInterval(value, perRow / n, z, [-Infinity, 1]),
    method: 'delta',
    variance: [{ key: 'rows', perRow, perRowThird, rows: n }],
  };
}

/** Second and third moments (÷ n) of influence values, which average to 0. */
function moments(influence: Float64Array): { perRow: number; perRowThird: number } {
  let perRow = 0;
  let perRowThird = 0;
  for (const v of influence) {
    perRow += (v * v) / influence.length;
    perRowThird += (v * v * v) / influence.length;
  }
  return { perRow, perRowThird };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, aName: string, bName: string): void {
  if (a.length !== b.length) throw new RangeError(`${aName} and ${bName} must have the same length, got ${a.length} and ${b.length}`);
}

/** Neumaier's compensated sum, so a mean of 100,000 losses matches numpy's pairwise sum to ~1e-15. */
function sum(values: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** A Float64Array of n values from a function of the index (TypedArray.from with a map function is several times slower). */
function floats(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

function meanOrNull(values: Float64Array): number | null {
  return values.length === 0 ? null : sum(values) / values.length;
}
