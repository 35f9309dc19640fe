import { holm } from './correction.js';
import { normalUpperTail } from './normal.js';
import {
  getPerformanceMetric,
  type MetricDirection,
  metricsFor,
  PERFORMANCE_METRICS,
  type PerformanceMetricName,
  type PerformanceSummary,
  type VarianceTerm,
} from './performance.js';
import { count, sig3 } from './wording.js';

/**
 * Whether a window's model performance fell below the baseline's (issue 17): a metric drifts
 * when its drop is both credible and large enough to matter, as the feature decision asks of a
 * feature (docs/statistics.md). Per metric, a one-sided test of "the true drop is more than the
 * minimum drop"; Holm's correction over the metrics tested keeps the family-wise error rate of
 * one check at alpha. Pure: two summaries in (src/stats/performance.ts), a decision out.
 */

/** How a metric's minimum drop is measured: in the metric's units, or as a share of the baseline's value. */
export type ToleranceKind = 'absolute' | 'relative';

/** The settings of the performance decision. */
export interface PerformanceDecisionSettings {
  /** Family-wise error rate per check, over the metrics tested (Holm). */
  alpha: number;
  /** Fewer labelled rows in the window than this: no decision. */
  minRows: number;
  /**
   * Fewer rows than this behind any part of a metric's variance (the predicted positives of
   * precision, each class of an AUC or a balanced accuracy): that metric is not tested.
   */
  minClassRows: number;
  /**
   * The drop that matters, per metric: absolute for metrics where higher is better (0.02 =
   * 2 points of accuracy), relative for losses (0.1 = the loss 10% above the baseline's). null:
   * not tested.
   */
  minDrop: Record<PerformanceMetricName, number | null>;
}

/** How each metric's minimum drop is measured: absolute where higher is better, relative for the losses. */
export function toleranceKind(direction: MetricDirection): ToleranceKind {
  return direction === 'higherIsBetter' ? 'absolute' : 'relative';
}

/**
 * The defaults, in one place. Why these: 2 points of accuracy, balanced accuracy, precision,
 * recall, F1, ROC AUC or R² is the smallest change a model owner usually acts on (and 2.5 times
 * smaller than the 5-point drop the power target names); a loss (log loss, Brier, MAE, RMSE)
 * 10% above the baseline's is, for a calibrated classifier, about what a 2 to 3 point accuracy
 * drop does to it. MAPE is tested only when asked: with actual values near 0 it is dominated by
 * a few rows. alpha 0.01 as the feature decision. 50 rows: below it the normal approximations
 * of the tests are too rough (docs/performance.md, "Calibration"); 10 rows per class: an AUC or a
 * precision on fewer is mostly noise.
 */
export const DEFAULT_PERFORMANCE_DECISION: PerformanceDecisionSettings = {
  alpha: 0.01,
  minRows: 50,
  minClassRows: 10,
  minDrop: {
    accuracy: 0.02,
    balanced_accuracy: 0.02,
    precision: 0.02,
    recall: 0.02,
    f1: 0.02,
    precision_macro: 0.02,
    recall_macro: 0.02,
    f1_macro: 0.02,
    f1_weighted: 0.02,
    roc_auc: 0.02,
    log_loss: 0.1,
    brier: 0.1,
    mae: 0.1,
    rmse: 0.1,
    mape: null,
    r2: 0.02,
  },
};

/** Settings as a user writes them: any part may be left out; a minDrop of null turns a metric's test off. */
export interface PerformanceDecisionOverrides {
  alpha?: number;
  minRows?: number;
  minClassRows?: number;
  minDrop?: Partial<Record<string, number | null>>;
}

/** Complete settings from partial ones; an unknown metric lists the known ones, a bad number says which. */
export function resolvePerformanceDecision(overrides: PerformanceDecisionOverrides = {}): PerformanceDecisionSettings {
  const alpha = overrides.alpha ?? DEFAULT_PERFORMANCE_DECISION.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie in (0, 1), got ${alpha}`);
  const minRows = overrides.minRows ?? DEFAULT_PERFORMANCE_DECISION.minRows;
  const minClassRows = overrides.minClassRows ?? DEFAULT_PERFORMANCE_DECISION.minClassRows;
  for (const [name, value] of [
    ['minRows', minRows],
    ['minClassRows', minClassRows],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 2)) throw new RangeError(`${name} must be an integer of at least 2, got ${value}`);
  }
  const minDrop = { ...DEFAULT_PERFORMANCE_DECISION.minDrop };
  for (const [name, value] of Object.entries(overrides.minDrop ?? {})) {
    getPerformanceMetric(name); // throws with the known names
    if (value !== null && value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`minDrop.${name} must be a number >= 0 or null, got ${value}`);
    }
    if (value !== undefined) minDrop[name as PerformanceMetricName] = value;
  }
  return { alpha, minRows, minClassRows, minDrop };
}

/** One metric's comparison of the window with the baseline. */
export interface PerformanceMetricDecision {
  metric: PerformanceMetricName;
  direction: MetricDirection;
  baseline: number | null;
  window: number | null;
  /** The window's interval, at its summary's level. */
  interval: { lower: number; upper: number; level: number } | null;
  /** How much worse the window is, in the metric's units (positive: worse; negative: better). */
  drop: number | null;
  /** The drop that matters, as configured. */
  tolerance: { kind: ToleranceKind; value: number } | null;
  /** The drop that matters in the metric's units (a relative tolerance times the baseline's value). */
  minDrop: number | null;
  /** Whether the metric took part in the test (and so in the correction). */
  tested: boolean;
  /** One-sided p-value of "the drop is at most minDrop"; null when not tested. */
  pvalue: number | null;
  /** Holm-adjusted over the metrics tested. */
  adjustedP: number | null;
  drifted: boolean;
  reason: string;
}

/** The decision on one window. */
export interface PerformanceDecision {
  task: PerformanceSummary['task'];
  /** false: too few labelled rows, no metric tested; `drift` is then false. */
  decided: boolean;
  drift: boolean;
  reason: string;
  labelled: { baseline: number; window: number };
  alpha: number;
  correction: 'holm';
  minRows: number;
  /** The metrics tested (the m of the correction). */
  tested: number;
  metrics: PerformanceMetricDecision[];
}

/** Σ perRow / rows: the variance of a metric at the terms' own rows, or at another set's row counts. */
const variance = (terms: readonly VarianceTerm[], rows?: ReadonlyMap<string, number>) =>
  terms.reduce((s, t) => s + t.perRow / (rows ? rows.get(t.key)! : t.rows), 0);

/** Σ perRowThird / rows²: the third cumulant of a metric (a mean's is μ₃ / n²). */
const thirdCumulant = (terms: readonly VarianceTerm[], rows?: ReadonlyMap<string, number>) =>
  terms.reduce((s, t) => s + t.perRowThird / (rows ? rows.get(t.key)! : t.rows) ** 2, 0);

/**
 * The one-sided p-value P(T > z) of a standardised statistic with skewness γ, by the one-term
 * Edgeworth expansion Q(z) + φ(z) γ (z² - 1) / 6, and never below the normal Q(z): the correction
 * is applied only where it makes the test more careful. It matters at small windows, where a
 * mean of skewed per-row values (a log loss, an accuracy of 0.9) has a heavier tail on one side;
 * at n = 50 and an accuracy of 0.75 it raises the p-value at z = 3 by about 70%.
 */
export function skewedUpperTail(z: number, skewness: number): number {
  const normal = normalUpperTail(z);
  const phi = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  return Math.min(1, Math.max(normal, normal + (phi * skewness * (z * z - 1)) / 6));
}

/**
 * Compares a window's performance with the baseline's. Per metric, with d the drop (baseline -
 * window where higher is better, window - baseline for a loss) and m the minimum drop in the
 * metric's units (a relative tolerance r gives m = r × baseline):
 *   z = (d - m) / sqrt(Var_window + c² Var_baseline),  p = P(Z > z),  c = 1 (absolute) or 1 + r (relative),
 * where Var_baseline is the baseline's own variance and Var_window the larger of the baseline's
 * per-row variance at the window's row counts (what the window's variance is if the model did
 * not change) and the window's own variance; P(Z > z) has a skewness correction at small
 * windows (`skewedUpperTail`). Holm over the metrics tested; a metric drifts when its adjusted p
 * is below alpha.
 * @example performanceDecision(summarisePerformance(validation), summarisePerformance(window)).drift
 */
export function performanceDecision(
  baseline: PerformanceSummary,
  window: PerformanceSummary,
  options: PerformanceDecisionOverrides = {},
): PerformanceDecision {
  const settings = resolvePerformanceDecision(options);
  if (baseline.task !== window.task) throw new Error(`the baseline is a ${baseline.task} summary but the window a ${window.task} one`);
  if (baseline.threshold !== window.threshold) {
    throw new Error(
      `the baseline's threshold is ${baseline.threshold} but the window's ${window.threshold}: precision and recall would not compare`,
    );
  }
  const enough = window.labelled >= settings.minRows;
  const rows = metricsFor(window.task).map((meta) => compare(meta.name as PerformanceMetricName, baseline, window, settings, enough));
  const adjusted = holm(rows.map((r) => r.pvalue ?? NaN));
  rows.forEach((r, i) => {
    if (r.pvalue === null) return;
    r.adjustedP = adjusted[i]!;
    r.drifted = r.adjustedP < settings.alpha;
    r.reason = testedReason(r, settings.alpha);
  });
  const tested = rows.filter((r) => r.tested).length;
  const drifted = rows.filter((r) => r.drifted);
  const reason = !enough
    ? `only ${count(window.labelled)} labelled rows in the window, fewer than the ${count(settings.minRows)} a decision needs: no decision`
    : tested === 0
      ? 'no metric could be tested (see each metric)'
      : drifted.length > 0
        ? `performance dropped: ${drifted.map((r) => r.metric).join(', ')} (Holm over ${tested} metrics, alpha ${settings.alpha})`
        : `no credible drop larger than the minimum in ${tested} metrics tested (Holm, alpha ${settings.alpha})`;
  return {
    task: window.task,
    decided: enough,
    drift: drifted.length > 0,
    reason,
    labelled: { baseline: baseline.labelled, window: window.labelled },
    alpha: settings.alpha,
    correction: 'holm',
    minRows: settings.minRows,
    tested,
    metrics: rows,
  };
}

function compare(
  metric: PerformanceMetricName,
  baseline: PerformanceSummary,
  window: PerformanceSummary,
  settings: PerformanceDecisionSettings,
  enough: boolean,
): PerformanceMetricDecision {
  const meta = PERFORMANCE_METRICS.find((m) => m.name === metric)!;
  const b = baseline.metrics[metric];
  const w = window.metrics[metric];
  const kind = toleranceKind(meta.direction);
  const tolerance = settings.minDrop[metric];
  const row: PerformanceMetricDecision = {
    metric,
    direction: meta.direction,
    baseline: b?.value ?? null,
    window: w?.value ?? null,
    interval: w?.interval ? { ...w.interval, level: window.level } : null,
    drop: null,
    tolerance: tolerance === null ? null : { kind, value: tolerance },
    minDrop: null,
    tested: false,
    pvalue: null,
    adjustedP: null,
    drifted: false,
    reason: '',
  };
  const bv = row.baseline;
  const wv = row.window;
  if (bv !== null && wv !== null) {
    row.drop = meta.direction === 'higherIsBetter' ? bv - wv : wv - bv;
    if (tolerance !== null) row.minDrop = kind === 'absolute' ? tolerance : tolerance * bv;
  }
  const skip = (reason: string) => ({ ...row, reason });
  if (tolerance === null) return skip(`not tested: no minimum drop is set for ${metric} (set minDrop.${metric} to test it)`);
  if (bv === null || !b) return skip(`not tested: the baseline has no ${metric}${b?.reason ? ` (${b.reason})` : ''}`);
  if (wv === null || !w) return skip(`not tested: the window has no ${metric}${w?.reason ? ` (${w.reason})` : ''}`);
  if (!enough) return skip('not tested: too few labelled rows in the window');
  if (b.variance.length === 0)
    return skip(`not tested: the baseline's ${metric} has no variance to test against${b.reason ? ` (${b.reason})` : ''}`);
  const windowRows = new Map(w.variance.map((t) => [t.key, t.rows]));
  const short = b.variance.find((t) => (windowRows.get(t.key) ?? 0) < settings.minClassRows);
  if (short) {
    const have = windowRows.get(short.key) ?? 0;
    return skip(`not tested: ${count(have)} ${short.key} in the window, fewer than the ${settings.minClassRows} ${metric} needs`);
  }
  // The statistic is d - m = sign (baseline - window) - m; a relative tolerance scales the
  // baseline's part by c = 1 + r. Its skewness: the window's third cumulant with the sign of a drop,
  // and the baseline's (small: 10,000 rows make it ~0) with the other sign.
  const c = kind === 'absolute' ? 1 : 1 + tolerance;
  // The window's variance: the larger of the baseline's per-row spread at the window's rows (a
  // small window that happens to be all right is not precise) and the window's own (a window
  // whose loss rose through a few huge errors is not precise either: with heavy tails, the rows
  // that raise a mean also raise its spread).
  const windowVariance = Math.max(variance(b.variance, windowRows), variance(w.variance));
  const se = Math.sqrt(windowVariance + c * c * variance(b.variance));
  if (!(se > 0)) return skip(`not tested: the baseline's ${metric} has no spread to test against`);
  const sign = meta.direction === 'higherIsBetter' ? -1 : 1;
  const kappa3 = sign * (thirdCumulant(b.variance, windowRows) - c ** 3 * thirdCumulant(b.variance));
  row.tested = true;
  row.pvalue = skewedUpperTail((row.drop! - row.minDrop!) / se, kappa3 / se ** 3);
  return row;
}

function testedReason(r: PerformanceMetricDecision, alpha: number): string {
  const worse = r.drop! > 0;
  const verb = r.direction === 'higherIsBetter' ? (worse ? 'fell' : 'rose') : worse ? 'rose (worse)' : 'fell (better)';
  const moved = `${r.metric} ${verb} from ${sig3(r.baseline!)} to ${sig3(r.window!)}`;
  const relative = r.tolerance!.kind === 'relative';
  const size = `${sig3(Math.abs(r.drop!))}${relative && r.baseline! > 0 ? ` (${sig3((100 * r.drop!) / r.baseline!)}%)` : ''}`;
  const matters = relative ? `${sig3(100 * r.tolerance!.value)}% (${sig3(r.minDrop!)})` : sig3(r.minDrop!);
  const evidence = `p = ${sig3(r.pvalue!)}, Holm-adjusted ${sig3(r.adjustedP!)}`;
  if (r.drifted) return `${moved}: a drop of ${size}, credibly more than the ${matters} that matters (${evidence} < ${alpha})`;
  if (!worse) return `${moved}: no drop`;
  if (r.drop! <= r.minDrop!) return `${moved}: a drop of ${size}, within the ${matters} that matters (${evidence})`;
  return `${moved}: a drop of ${size}, more than the ${matters} that matters but not credibly at this window size (${evidence} >= ${alpha})`;
}
