import type { RealizedPerformance } from '../contracts/report.js';
import { type PerformanceRows, type PerformanceSummary, type PerformanceTask, summarisePerformance } from '../stats/performance.js';
import type { LabelledPair } from '../contracts/label.js';

/**
 * The realized performance of labelled predictions (`src/stats/performance.ts`, with its
 * intervals), from the (prediction, label) pairs of a window as stored: JSON text, the
 * prediction as the model logged it (`event.prediction`). A binary model's score is a number in
 * [0, 1] or an object holding one number (`{"fraud": 0.42}`); a multi-class model's prediction
 * is a class, or an object of class probabilities (the predicted class is the likeliest); a
 * regression's a number. The task is the configured one, else read from the pairs.
 */

const parse = (text: string | null): unknown => {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A binary score: a number, or the one number of an object. */
export function scoreOf(prediction: unknown): number | undefined {
  if (typeof prediction === 'number') return prediction;
  if (!isObject(prediction)) return undefined;
  const numbers = Object.values(prediction).filter((v): v is number => typeof v === 'number');
  return numbers.length === 1 ? numbers[0] : undefined;
}

/** The likeliest class of an object of class probabilities (the first of equal ones). */
function likeliest(probabilities: Record<string, unknown>): string | undefined {
  let best: string | undefined;
  let top = -Infinity;
  for (const [k, v] of Object.entries(probabilities)) if (typeof v === 'number' && v > top) [best, top] = [k, v];
  return best;
}

/** The task the pairs look like: 0/1 labels with scores in [0, 1] are binary, numbers on both sides regression, the rest multi-class. */
export function inferTask(labels: readonly unknown[], predictions: readonly unknown[]): PerformanceTask {
  const binaryLabel = (l: unknown) => l === 0 || l === 1 || l === true || l === false;
  const score = (p: unknown) => {
    const s = scoreOf(p);
    return s !== undefined && s >= 0 && s <= 1;
  };
  if (labels.every(binaryLabel) && predictions.every(score)) return 'binary';
  if (labels.every((l) => typeof l === 'number') && predictions.every((p) => typeof p === 'number')) return 'regression';
  return 'multiclass';
}

/** The pairs as the rows of a task. */
function rowsOf(task: PerformanceTask, labels: unknown[], predictions: unknown[], threshold?: number): PerformanceRows {
  if (task === 'binary') return { task, labels, scores: predictions.map(scoreOf), ...(threshold !== undefined ? { threshold } : {}) };
  if (task === 'regression') return { task, actual: labels, predicted: predictions };
  const withProbabilities = predictions.length > 0 && predictions.every(isObject);
  return {
    task,
    labels,
    predicted: predictions.map((p) => (isObject(p) ? likeliest(p) : p)),
    ...(withProbabilities ? { probabilities: predictions } : {}),
  };
}

/** The window's summary with its variance terms (what the performance decision needs), and where its task came from. */
export interface RealizedSummary {
  summary: PerformanceSummary;
  taskFrom: 'config' | 'inferred';
}

/**
 * The performance summary of the pairs whose prediction is stored, or undefined when none is.
 * `threshold` is a binary score's (the baseline's, so that precision and recall compare; default 0.5).
 */
export function realizedSummary(pairs: readonly LabelledPair[], task?: PerformanceTask, threshold?: number): RealizedSummary | undefined {
  const labels: unknown[] = [];
  const predictions: unknown[] = [];
  for (const pair of pairs) {
    const prediction = parse(pair.prediction);
    if (prediction === undefined || prediction === null) continue;
    labels.push(parse(pair.label));
    predictions.push(prediction);
  }
  if (predictions.length === 0) return undefined;
  const chosen = task ?? inferTask(labels, predictions);
  return { summary: summarisePerformance(rowsOf(chosen, labels, predictions, threshold)), taskFrom: task ? 'config' : 'inferred' };
}

/** A summary as the report shows it: values and intervals, without the variance terms. */
export function performanceReport(realized: RealizedSummary): RealizedPerformance {
  const { summary, taskFrom } = realized;
  return {
    task: summary.task,
    taskFrom,
    level: summary.level,
    rows: summary.labelled,
    skipped: summary.skipped,
    ...(summary.threshold !== undefined ? { threshold: summary.threshold } : {}),
    ...(summary.positives !== undefined ? { positives: summary.positives, negatives: summary.negatives ?? 0 } : {}),
    ...(summary.classes ? { classes: summary.classes } : {}),
    metrics: Object.fromEntries(
      Object.entries(summary.metrics).map(([name, m]) => [
        name,
        { value: m.value, interval: m.interval, method: m.method, ...(m.reason !== undefined ? { reason: m.reason } : {}) },
      ]),
    ),
  };
}

/**
 * The performance of the pairs whose prediction is stored, or undefined when none is (no
 * `event.prediction`, or no `--prediction` column).
 * @example realizedPerformance([{ prediction: '0.8', label: '1' }, { prediction: '0.3', label: '0' }])?.metrics.accuracy?.value // 1
 */
export function realizedPerformance(pairs: readonly LabelledPair[], task?: PerformanceTask): RealizedPerformance | undefined {
  const realized = realizedSummary(pairs, task);
  return realized ? performanceReport(realized) : undefined;
}
