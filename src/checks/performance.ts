import type { LabelledPair } from '../contracts/label.js';
import type { PerformanceProfile } from '../contracts/profile.js';
import type { EstimatedPerformance, PerformanceDecisionReport, RealizedPerformance } from '../contracts/report.js';
import { CBPE_METRICS, type CbpeFit, estimateCbpe } from '../stats/cbpe.js';
import { type PerformanceDecisionOverrides, performanceDecision } from '../stats/performance-decision.js';
import type { PerformanceSummary, PerformanceTask } from '../stats/performance.js';
import { performanceReport, realizedSummary, scoreOf } from './realized-performance.js';

/**
 * A check's model performance (issue 17, parts 3 and 4): the realized performance of the
 * window's labelled predictions and, when the profile holds the validation set's summary, the
 * performance decision against it; and the performance estimated from the window's scores alone
 * (CBPE) when the profile holds a CBPE fit. Pure: pairs and scores in, report sections out.
 */

/** The realized performance of a window and its decision. */
export interface WindowPerformance {
  performance?: RealizedPerformance;
  decision?: PerformanceDecisionReport;
}

/**
 * The realized performance of the pairs and, with a baseline summary, the decision. The task is
 * the configured one, else the baseline's, else read from the pairs; a binary score is cut at the
 * baseline's threshold, so precision and recall compare. A window of another task than the
 * baseline's gets no decision.
 * @example windowPerformance(pairs, undefined, profile.performance).decision?.drift
 */
export function windowPerformance(
  pairs: readonly LabelledPair[],
  task: PerformanceTask | undefined,
  baseline: PerformanceProfile | undefined,
  options: PerformanceDecisionOverrides = {},
): WindowPerformance {
  const summary = baseline?.summary as PerformanceSummary | undefined;
  const threshold = summary?.threshold ?? baseline?.threshold ?? undefined;
  const realized = realizedSummary(pairs, task ?? summary?.task, threshold ?? undefined);
  if (!realized) return {};
  const performance = performanceReport(realized);
  if (!summary || summary.task !== realized.summary.task || summary.threshold !== realized.summary.threshold) return { performance };
  return { performance, decision: performanceDecision(summary, realized.summary, options) };
}

/** The binary scores of stored predictions (JSON text or parsed values); what is not a score is NaN (left out and counted). */
export function scoresOf(predictions: readonly unknown[]): Float64Array {
  return Float64Array.from(predictions, (p) => {
    const s = p === null || p === undefined ? undefined : scoreOf(p);
    return s === undefined ? Number.NaN : s;
  });
}

/**
 * The window's performance estimated by CBPE from its scores (every prediction, labelled or not),
 * beside the realized values where labels gave them.
 * @example estimatedPerformance(profile.performance.cbpe, scoresOf(values)).metrics[0].estimate
 */
export function estimatedPerformance(fit: CbpeFit, scores: ArrayLike<number>, realized?: RealizedPerformance): EstimatedPerformance {
  const estimate = estimateCbpe(fit, scores);
  return {
    method: 'cbpe',
    rows: estimate.rows,
    dropped: estimate.dropped,
    threshold: fit.threshold,
    metrics: CBPE_METRICS.map((metric) => {
      const m = estimate.metrics[metric];
      const value = realized?.metrics[metric]?.value;
      return {
        metric,
        estimate: m.estimated,
        samplingError: m.samplingError,
        lower: m.lower,
        upper: m.upper,
        ...(value !== undefined ? { realized: value } : {}),
      };
    }),
  };
}
