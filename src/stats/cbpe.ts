/**
 * Confidence-based performance estimation (CBPE) of a binary classifier that logs a probability,
 * as NannyML 0.13.1 does it (nannyml/performance_estimation/confidence_based, nannyml/calibration.py,
 * nannyml/sampling_error/binary_classification.py): performance of a window estimated from its
 * scores alone, before its labels arrive.
 *
 * If the scores are calibrated (P(label = 1 | score) = score), each row's expected contribution to
 * the confusion matrix is known without its label: a row predicted positive is a true positive with
 * probability `score` and a false positive with probability `1 - score`. Summing those expectations
 * over a window gives its expected TP, FP, TN, FN, and so accuracy, precision, recall, F1,
 * specificity; ROC AUC comes from the expected ROC curve. Two assumptions: the scores are calibrated
 * (or can be calibrated on the labelled reference), and the relation between features and label does
 * not change (no concept drift) - a shift of the inputs alone is what CBPE sees.
 *
 * Fitted on the baseline's labelled validation set (the reference): decide whether calibration helps
 * (NannyML's `needs_calibration`: ten stratified 90/10 folds, random_state=42; isotonic fitted on each
 * 90%, the expected calibration error of the pooled 10% parts before and after), fit the isotonic
 * calibrator on the whole reference if it does, and keep the reference's sampling-error components.
 * The fit is plain data, so a baseline profile can store it.
 */
import { fitIsotonic, type IsotonicFit, predictIsotonic } from './isotonic.js';
import { binaryCounts, f1, precision, recall, rocAuc } from './performance.js';
import { stratifiedShuffleSplit } from './stratified-split.js';

/** The metrics CBPE estimates for a binary classifier, in NannyML's names. */
export const CBPE_METRICS = ['roc_auc', 'f1', 'precision', 'recall', 'specificity', 'accuracy'] as const;
export type CbpeMetric = (typeof CBPE_METRICS)[number];

/** NannyML's constants, in one place. */
export const CBPE_DEFAULTS = {
  /** The band is estimate +- 3 sampling errors, clipped to [0, 1] (NannyML's SAMPLING_ERROR_RANGE). */
  bandSamplingErrors: 3,
  /** needs_calibration: StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42). */
  calibrationSplits: 10,
  calibrationTestShare: 0.1,
  calibrationSeed: 42,
  /** Index bins of the expected calibration error. */
  eceBins: 10,
  /** A reference ROC AUC above this is taken as needing no calibration. */
  noCalibrationAuc: 0.999,
} as const;

/** The labelled reference CBPE is fitted on: a score (probability of class 1) and a 0/1 label per row. */
export interface CbpeReference {
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** Predicted class = score >= threshold (STATS.md: 0.5 unless configured). */
  threshold: number;
}

/** Why the scores are, or are not, calibrated before estimating. */
export type CalibrationReason = 'single-class' | 'auc-above-0.999' | 'lowers-calibration-error' | 'does-not-lower-calibration-error';

/** The calibration decision and, when applied, the isotonic calibrator fitted on the whole reference. */
export interface CbpeCalibration {
  applied: boolean;
  reason: CalibrationReason;
  /** Expected calibration error of the pooled test folds before and after calibration (null when not tried). */
  eceBefore: number | null;
  eceAfter: number | null;
  isotonic: IsotonicFit | null;
}

/** A sampling-error component from the reference: the spread of a per-row contribution, and the share of rows it applies to. */
export interface SamplingComponent {
  std: number;
  fraction: number;
}

/** A fitted CBPE: what estimating a window needs. */
export interface CbpeFit {
  threshold: number;
  reference: { rows: number; positives: number };
  calibration: CbpeCalibration;
  /** Per metric; null when the reference cannot give it (NannyML's NaN), e.g. no positive prediction. */
  samplingError: Record<CbpeMetric, SamplingComponent | null>;
}

/** One metric of one window. */
export interface CbpeMetricEstimate {
  /** null when the window cannot give it (no rows, or an ROC curve without positives or negatives). */
  estimated: number | null;
  /** NannyML's sampling error: the reference component scaled to the window's size. */
  samplingError: number | null;
  /** estimated -+ 3 sampling errors, clipped to [0, 1]. */
  lower: number | null;
  upper: number | null;
  /** The metric on the window's labels (scikit-learn's definition), when labels were given; null when undefined. */
  realized?: number | null;
}

/** The estimate of one window. */
export interface CbpeEstimate {
  /** Rows estimated (finite scores). */
  rows: number;
  /** Rows left out: a score that is NaN or infinite (NannyML drops NaN rows too). */
  dropped: number;
  metrics: Record<CbpeMetric, CbpeMetricEstimate>;
}

function checkReference(reference: CbpeReference): void {
  const { scores, labels, threshold } = reference;
  if (scores.length !== labels.length) throw new RangeError(`reference has ${scores.length} scores and ${labels.length} labels`);
  if (scores.length === 0) throw new RangeError('reference has no rows');
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, got ${threshold}`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`reference score at row ${i} is not a finite number (${scores[i]})`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`reference label at row ${i} is ${labels[i]}; labels must be 0 or 1`);
  }
}

/** Fits CBPE on a labelled reference: the calibration decision and calibrator, and the sampling-error components. */
export function fitCbpe(reference: CbpeReference): CbpeFit {
  checkReference(reference);
  const scores = Float64Array.from(reference.scores);
  const labels = Float64Array.from(reference.labels);
  const predicted = predictions(scores, reference.threshold);
  const positives = labels.reduce((a, b) => a + b, 0);
  return {
    threshold: reference.threshold,
    reference: { rows: scores.length, positives },
    calibration: decideCalibration(scores, labels),
    samplingError: {
      // NannyML fits the components before calibrating: on the model's own scores.
      roc_auc: aurocComponent(labels, scores),
      f1: f1Component(labels, predicted),
      precision: precisionComponent(labels, predicted),
      recall: recallComponent(labels, predicted),
      specificity: specificityComponent(labels, predicted),
      accuracy: accuracyComponent(labels, predicted),
    },
  };
}

/**
 * Estimates one window from its scores; with `labels` (0/1, same length) the realized metrics too.
 * Rows whose score is not finite are left out and counted.
 */
export function estimateCbpe(fit: CbpeFit, scores: ArrayLike<number>, labels?: ArrayLike<number>): CbpeEstimate {
  if (labels !== undefined && labels.length !== scores.length)
    throw new RangeError(`window has ${scores.length} scores and ${labels.length} labels`);
  const kept: number[] = [];
  const keptLabels: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) continue;
    kept.push(scores[i]!);
    if (labels !== undefined) {
      if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`window label at row ${i} is ${labels[i]}; labels must be 0 or 1`);
      keptLabels.push(labels[i]!);
    }
  }
  const raw = Float64Array.from(kept);
  const n = raw.length;
  const probability = fit.calibration.applied && fit.calibration.isotonic ? predictIsotonic(fit.calibration.isotonic, raw) : raw;
  const predicted = predictions(raw, fit.threshold);
  const expected = expectedConfusion(predicted, probability);
  const estimates: Record<CbpeMetric, number | null> = {
    roc_auc: n === 0 ? null : estimateRocAuc(probability, raw),
    f1: n === 0 ? null : ratioOrZero(expected.tp, expected.tp + 0.5 * (expected.fp + expected.fn)),
    precision: n === 0 ? null : ratioOrZero(expected.tp, expected.tp + expected.fp),
    recall: n === 0 ? null : ratioOrZero(expected.tp, expected.tp + expected.fn),
    specificity: n === 0 ? null : ratioOrZero(expected.tn, expected.tn + expected.fp),
    accuracy: n === 0 ? null : (expected.tp + expected.tn) / n,
  };
  const realized = labels === undefined ? undefined : realizedMetrics(Float64Array.from(keptLabels), predicted, raw);
  const metrics = {} as Record<CbpeMetric, CbpeMetricEstimate>;
  for (const metric of CBPE_METRICS) {
    const estimated = finiteOrNull(estimates[metric]);
    const error = n === 0 ? null : samplingError(fit.samplingError[metric], n);
    const band = estimated === null || error === null ? null : CBPE_DEFAULTS.bandSamplingErrors * error;
    metrics[metric] = {
      estimated,
      samplingError: error,
      lower: band === null ? null : Math.max(0, estimated! - band),
      upper: band === null ? null : Math.min(1, estimated! + band),
      ...(realized ? { realized: realized[metric] } : {}),
    };
  }
  return { rows: n, dropped: scores.length - n, metrics };
}

/** A window cut into consecutive chunks of `size` rows (the last one may be smaller, NannyML's `incomplete='keep'`), each estimated. */
export function estimateCbpeChunks(
  fit: CbpeFit,
  scores: ArrayLike<number>,
  size: number,
  labels?: ArrayLike<number>,
): (CbpeEstimate & { start: number; end: number })[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a whole number >= 1, got ${size}`);
  const all = Array.from(scores);
  const allLabels = labels === undefined ? undefined : Array.from(labels);
  const out: (CbpeEstimate & { start: number; end: number })[] = [];
  for (let start = 0; start < all.length; start += size) {
    const end = Math.min(start + size, all.length);
    out.push({ start, end, ...estimateCbpe(fit, all.slice(start, end), allLabels?.slice(start, end)) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calibration (nannyml/calibration.py)
// ---------------------------------------------------------------------------------------------

/** NannyML's `needs_calibration`, then the calibrator on the whole reference when it helps. */
function decideCalibration(scores: Float64Array, labels: Float64Array): CbpeCalibration {
  const none = (reason: CalibrationReason): CbpeCalibration => ({
    applied: false,
    reason,
    eceBefore: null,
    eceAfter: null,
    isotonic: null,
  });
  const positives = labels.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === labels.length) return none('single-class');
  if (rocAuc(labels, scores)! > CBPE_DEFAULTS.noCalibrationAuc) return none('auc-above-0.999');
  const folds = stratifiedShuffleSplit(
    Array.from(labels),
    CBPE_DEFAULTS.calibrationSplits,
    CBPE_DEFAULTS.calibrationTestShare,
    CBPE_DEFAULTS.calibrationSeed,
  );
  const testLabels: number[] = [];
  const testScores: number[] = [];
  const testCalibrated: number[] = [];
  for (const { train, test } of folds) {
    const calibrator = fitIsotonic(
      train.map((i) => scores[i]!),
      train.map((i) => labels[i]!),
    );
    const part = test.map((i) => scores[i]!);
    const calibrated = predictIsotonic(calibrator, part);
    for (let k = 0; k < test.length; k++) {
      testLabels.push(labels[test[k]!]!);
      testScores.push(part[k]!);
      testCalibrated.push(calibrated[k]!);
    }
  }
  const edges = binIndexEdges(testScores.length, CBPE_DEFAULTS.eceBins);
  const eceBefore = expectedCalibrationError(testLabels, testScores, edges);
  const eceAfter = expectedCalibrationError(testLabels, testCalibrated, edges);
  const applied = eceBefore > eceAfter;
  return {
    applied,
    reason: applied ? 'lowers-calibration-error' : 'does-not-lower-calibration-error',
    eceBefore,
    eceAfter,
    isotonic: applied ? fitIsotonic(scores, labels) : null,
  };
}

/** NannyML's `_get_bin_index_edges`: bins of equal row counts by position, the last one taking the remainder. */
export function binIndexEdges(length: number, bins: number): [number, number][] {
  let count = bins;
  if (length <= 2 * count) {
    count = Math.floor(length / 2);
    if (count < 2) throw new RangeError(`cannot split ${length} rows into at least 2 calibration bins`);
  }
  const width = Math.floor(length / count);
  // range(0, length + 1, width) with its last edge moved to `length`.
  const edges: number[] = [];
  for (let e = 0; e <= length; e += width) edges.push(e);
  edges[edges.length - 1] = length;
  return edges.slice(1).map((right, i) => [edges[i]!, right]);
}

/**
 * NannyML's expected calibration error: rows sorted by probability, cut into the index bins, the
 * row-weighted mean |mean probability - share of positives| over bins. Rows with equal
 * probabilities keep their order (a stable sort; numpy's default sort is not stable, so at a bin
 * edge inside a run of equal probabilities the two may put different rows in a bin).
 */
export function expectedCalibrationError(
  labels: readonly number[],
  probabilities: readonly number[],
  edges: readonly [number, number][],
): number {
  const order = Array.from(probabilities, (_, i) => i).sort((a, b) => probabilities[a]! - probabilities[b]!);
  let total = 0;
  for (const [left, right] of edges) {
    let p = 0;
    let t = 0;
    for (let k = left; k < right; k++) {
      p += probabilities[order[k]!]!;
      t += labels[order[k]!]!;
    }
    const size = right - left;
    total += (size / order.length) * Math.abs(p / size - t / size);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Estimates (nannyml/performance_estimation/confidence_based/metrics.py)
// ---------------------------------------------------------------------------------------------

function predictions(scores: Float64Array, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= threshold ? 1 : 0;
  return out;
}

/** The expected confusion matrix of calibrated probabilities under the predicted classes. */
function expectedConfusion(predicted: Uint8Array, probability: Float64Array): { tp: number; fp: number; tn: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = probability[i]!;
    if (predicted[i] === 1) {
      tp += p;
      fp += 1 - p;
    } else {
      fn += p;
      tn += 1 - p;
    }
  }
  return { tp, fp, tn, fn };
}

/** NannyML returns 0, not NaN, when an estimated ratio has a zero denominator. */
const ratioOrZero = (numerator: number, denominator: number) => (denominator !== 0 ? numerator / denominator : 0);
const finiteOrNull = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);

/** numpy's round to 5 decimals: scale, round half to even, unscale. */
function round5(value: number): number {
  const scaled = value * 1e5;
  let rounded = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled)) === 0.5) rounded = 2 * Math.round(scaled / 2);
  return rounded / 1e5;
}

/**
 * NannyML's `estimate_roc_auc`: rows in descending order of the model's score, expected true and
 * false positives as cumulative sums of the calibrated probability and of its complement (rounded to
 * 5 decimals), normalised, and the trapezoidal area under that curve. Rows with equal scores have
 * equal calibrated probabilities, so their order changes nothing.
 */
function estimateRocAuc(calibrated: Float64Array, scores: Float64Array): number | null {
  const n = scores.length;
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const tps = new Float64Array(n + 1);
  const fps = new Float64Array(n + 1);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += calibrated[order[k]!]!;
    tps[k + 1] = round5(sum);
    fps[k + 1] = round5(k + 1 - sum);
  }
  const tpTotal = tps[n]!;
  const fpTotal = fps[n]!;
  if (tpTotal === 0 || fpTotal === 0) return null;
  return trapezoidArea(
    Array.from(fps, (v) => v / fpTotal),
    Array.from(tps, (v) => v / tpTotal),
  );
}

/** scikit-learn's `auc`: the trapezoidal area, for x non-decreasing (or non-increasing); null when x goes both ways. */
function trapezoidArea(x: readonly number[], y: readonly number[]): number | null {
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < x.length; i++) {
    if (x[i]! < x[i - 1]!) increasing = false;
    if (x[i]! > x[i - 1]!) decreasing = false;
  }
  if (!increasing && !decreasing) return null;
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return increasing ? area : -area;
}

// ---------------------------------------------------------------------------------------------
// Sampling error (nannyml/sampling_error/binary_classification.py)
// ---------------------------------------------------------------------------------------------

/** Standard deviation (ddof 0) of a vector that holds `ones` times `high` and `zeros` times 0. */
function twoValueStd(high: number, ones: number, zeros: number): number {
  const n = ones + zeros;
  const mean = (high * ones) / n;
  return Math.sqrt((ones * (high - mean) ** 2 + zeros * mean ** 2) / n);
}

/**
 * AUROC as a Mann-Whitney statistic: for each positive (in ascending score order, after swapping the
 * classes when positives are the majority), the share of negatives ranked below it; the component is
 * the spread of that share and the positives' share of rows. NannyML drops the positive at rank 0
 * (np.unique of label x rank merges it with the negatives' zeros); so does this.
 */
function aurocComponent(labels: Float64Array, scores: Float64Array): SamplingComponent | null {
  const n = labels.length;
  let positives = labels.reduce((a, b) => a + b, 0);
  const flip = positives / n > 0.5;
  const y = flip ? labels.map((v) => 1 - v) : labels;
  const s = flip ? scores.map((v) => 1 - v) : scores;
  if (flip) positives = n - positives;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = Array.from(s, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
  const shares: number[] = [];
  for (let rank = 1; rank < n; rank++) if (y[order[rank]!] === 1) shares.push((rank - shares.length) / negatives);
  if (shares.length === 0) return null;
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  const std = Math.sqrt(shares.reduce((a, v) => a + (v - mean) ** 2, 0) / shares.length);
  return { std, fraction: positives / n };
}

function f1Component(labels: Float64Array, predicted: Uint8Array): SamplingComponent | null {
  const { tp, fp, fn } = binaryCounts(labels, predicted);
  const relevant = tp + fp + fn;
  if (relevant === 0) return null;
  const correcting = relevant / ((fn + fp) * 0.5 + tp);
  return { std: twoValueStd(correcting, tp, fp + fn), fraction: relevant / labels.length };
}

function precisionComponent(labels: Float64Array, predicted: Uint8Array): SamplingComponent | null {
  const { tp, fp } = binaryCounts(labels, predicted);
  if (tp + fp === 0) return null;
  return { std: twoValueStd(1, tp, fp), fraction: (tp + fp) / labels.length };
}

function recallComponent(labels: Float64Array, predicted: Uint8Array): SamplingComponent | null {
  const { tp, fn } = binaryCounts(labels, predicted);
  if (tp + fn === 0) return null;
  return { std: twoValueStd(1, tp, fn), fraction: (tp + fn) / labels.length };
}

function specificityComponent(labels: Float64Array, predicted: Uint8Array): SamplingComponent | null {
  const { tn, fp } = binaryCounts(labels, predicted);
  if (tn + fp === 0) return null;
  return { std: twoValueStd(1, tn, fp), fraction: (tn + fp) / labels.length };
}

function accuracyComponent(labels: Float64Array, predicted: Uint8Array): SamplingComponent {
  const { tp, tn } = binaryCounts(labels, predicted);
  return { std: twoValueStd(1, tp + tn, labels.length - tp - tn), fraction: 1 };
}

/** NannyML's `_universal_sampling_error`: std / sqrt(rows x fraction) (accuracy: fraction 1). */
function samplingError(component: SamplingComponent | null, rows: number): number | null {
  if (component === null) return null;
  const error = component.std / Math.sqrt(rows * component.fraction);
  return Number.isFinite(error) ? error : null;
}

// ---------------------------------------------------------------------------------------------
// Realized metrics of a labelled window
// ---------------------------------------------------------------------------------------------

/** The realized metrics of a labelled window, as scikit-learn computes them (src/stats/performance.ts). */
function realizedMetrics(labels: Float64Array, predicted: Uint8Array, scores: Float64Array): Record<CbpeMetric, number | null> {
  const { tp, fp, tn } = binaryCounts(labels, predicted);
  return {
    roc_auc: rocAuc(labels, scores),
    f1: f1(labels, predicted),
    precision: precision(labels, predicted),
    recall: recall(labels, predicted),
    specificity: tn + fp === 0 ? null : tn / (tn + fp),
    accuracy: labels.length === 0 ? null : (tp + tn) / labels.length,
  };
}
