import type {
  CheckReport,
  EstimatedPerformance,
  FeatureReport,
  LabelsReport,
  PredictionReport,
  SchemaFindings,
} from '../contracts/report.js';
import { EFFECT_STATISTICS, STATISTICS, evidenceFor } from '../stats/index.js';
import type { FeatureKind, StatValue, TestResult } from '../stats/types.js';
import { formatCount, formatNumber, formatPValue, formatShare } from './format.js';

/**
 * What every renderer shows of a feature, built once from the statistic registry
 * (`src/stats/index.ts`) and the report: the feature's main statistics (the test its decision
 * used, the size that decided, and PSI) and the list of its reported statistics, each named by
 * its registry label. The check report, the alert email, the Slack message and the digest all
 * read them from here, so they name the same test with the same p-value.
 */

/** What the statistics of a feature are read from: a report's feature, or a digest's latest check of it. */
export interface StatisticsSource {
  readonly kind: FeatureKind;
  readonly stats: Readonly<Record<string, StatValue>>;
  /** The decision's evidence test and deciding size; absent in reports older than decisions. */
  readonly decision?:
    | {
        readonly test?: { readonly name: string; readonly statistic: number; readonly pvalue: number } | undefined;
        readonly effect?: { readonly name: string; readonly value: number } | undefined;
      }
    | undefined;
}

/** One statistic as renderers show it. */
export interface StatView {
  /** The registry's (and the report's) name: `ks`, `wasserstein_norm`. */
  name: string;
  /** The registry's short name for tables and lines: `ks`, `w_norm`, `shift`. */
  label: string;
  /** The registry's one line about it. */
  description: string;
  /** The distance, or the test's statistic. */
  value: number;
  /** The p-value, for a test. */
  pvalue?: number;
}

/** The statistics a feature is summed up by, the same in every renderer. */
export interface MainStatistics {
  /**
   * The evidence test its decision used (`decision.test`: KS for numeric features, the per-category
   * shift test for categorical ones). A report without a decision, or whose test could not run,
   * falls back to the test it reports (KS or chi-square).
   */
  test: StatView | undefined;
  /**
   * The size that decided (`decision.effect`); without a decision, the kind's default size
   * (w_norm for numeric features, linf for categorical ones) when the report has it.
   */
  effect: StatView | undefined;
  psi: StatView | undefined;
}

/** The main statistics of a feature. @example mainStatistics(feature).test?.label // 'shift' */
export function mainStatistics(feature: StatisticsSource): MainStatistics {
  return { test: decidingTest(feature), effect: decidingEffect(feature), psi: distance(feature, 'psi') };
}

/**
 * The main statistics as a list, PSI first, then the test, then the size, each once (a size that
 * is the test itself, or PSI, is not repeated): what the one-line summaries show.
 */
export function mainStatisticList(feature: StatisticsSource): StatView[] {
  const { test, effect, psi } = mainStatistics(feature);
  const list: StatView[] = [];
  for (const stat of [psi, test, effect]) if (stat && !list.some((s) => s.name === stat.name)) list.push(stat);
  return list;
}

/**
 * Every statistic a feature reports, in report order, named from the registry: a statistic newly
 * registered in `src/stats/` shows up in every list of them with no change here.
 */
export function reportedStatistics(stats: Readonly<Record<string, StatValue>>): StatView[] {
  return Object.entries(stats).map(([name, value]) =>
    typeof value === 'number' ? view(name, value) : view(name, value.statistic, value.pvalue),
  );
}

/** A statistic as a phrase, `ks 0.21 (p 2e-9)`, named by its label (or by another name: its report name, say). */
export function statPhrase(stat: StatView, name: string = stat.label): string {
  const p = stat.pvalue === undefined ? '' : ` (p ${formatPValue(stat.pvalue)})`;
  return `${name} ${formatNumber(stat.value)}${p}`;
}

/** How the registry names a statistic, and what it says of it; a name it does not know is shown as it is. */
export function describeStatistic(name: string): { label: string; description: string } {
  const found = STATISTICS.find((s) => s.name === name);
  return found ? { label: found.label, description: found.description } : { label: name, description: name };
}

function view(name: string, value: number, pvalue?: number): StatView {
  return { name, ...describeStatistic(name), value, ...(pvalue === undefined ? {} : { pvalue }) };
}

function decidingTest(feature: StatisticsSource): StatView | undefined {
  const decided = feature.decision?.test;
  if (decided && Number.isFinite(decided.pvalue)) return view(decided.name, decided.statistic, decided.pvalue);
  // The kind's evidence test first (when it is reported), then any other test the report holds.
  const tests = STATISTICS.filter((s) => s.reported && s.direction === 'pValueBelow' && s.appliesTo.includes(feature.kind));
  const evidence = evidenceFor(feature.kind).name;
  tests.sort((a, b) => Number(b.name === evidence) - Number(a.name === evidence));
  for (const stat of tests) {
    const result = testResult(feature, stat.name);
    if (result) return view(stat.name, result.statistic, result.pvalue);
  }
  return undefined;
}

function decidingEffect(feature: StatisticsSource): StatView | undefined {
  const decided = feature.decision?.effect;
  if (decided && Number.isFinite(decided.value)) return view(decided.name, decided.value);
  for (const stat of EFFECT_STATISTICS) {
    if (stat.effect.defaultMinimum === null || !stat.appliesTo.includes(feature.kind)) continue;
    const found = distance(feature, stat.name);
    if (found) return found;
  }
  return undefined;
}

function distance(feature: StatisticsSource, name: string): StatView | undefined {
  const value = feature.stats[name];
  return typeof value === 'number' ? view(name, value) : undefined;
}

function testResult(feature: StatisticsSource, name: string): TestResult | undefined {
  const value = feature.stats[name];
  return typeof value === 'object' && value !== null ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// The statistics table of the check report and the alert email.
// ---------------------------------------------------------------------------------------------

/** One statistic column of the feature tables, shared by every renderer so they show the same numbers. */
export interface StatColumn {
  header: string;
  /** What the column holds, for a tooltip or a legend. */
  title: string;
  cell(feature: StatisticsSource): string;
}

const labelOf = (name: string): string => describeStatistic(name).label;

function distanceColumn(name: string, title: string): StatColumn {
  return { header: labelOf(name), title, cell: (f) => formatNumber(distance(f, name)?.value) };
}

/**
 * The statistics of the feature tables, one table for both kinds: numeric features fill psi, js,
 * the KS test and w_norm; categorical ones psi, js, the shift test and linf. The test and its p
 * are the decision's ({@link MainStatistics}); absent values show as "-".
 */
export const STAT_COLUMNS: readonly StatColumn[] = [
  distanceColumn('psi', 'population stability index'),
  distanceColumn('jensen_shannon', 'Jensen-Shannon distance (base 2, 0..1)'),
  {
    header: 'test',
    title: "Kolmogorov-Smirnov D (numeric) or the largest credible change of a category's share (categorical)",
    cell: (f) => {
      const test = decidingTest(f);
      return test ? `${test.label} ${formatNumber(test.value)}` : '-';
    },
  },
  {
    header: 'p',
    title: "p-value of the feature's test",
    cell: (f) => formatPValue(decidingTest(f)?.pvalue),
  },
  distanceColumn('wasserstein_norm', 'Wasserstein distance / baseline std (numeric)'),
  distanceColumn('linf', 'largest share difference over the categories (categorical)'),
];

// ---------------------------------------------------------------------------------------------
// Order and counts.
// ---------------------------------------------------------------------------------------------

/** The features worst first: by severity descending, then by name, so equal severities keep a stable order. */
export function sortWorstFirst(features: readonly FeatureReport[]): FeatureReport[] {
  return [...features].sort((a, b) => severityOf(b) - severityOf(a) || compareCodePoints(a.name, b.name));
}

/** A feature's severity for ordering: a NaN would make the comparator inconsistent, so it counts as "no evidence". */
export function severityOf(feature: Pick<FeatureReport, 'severity'>): number {
  return Number.isFinite(feature.severity) ? feature.severity : 0;
}

/** Code-point order rather than localeCompare: the same order on every machine and locale. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "name v3 (file.csv)": the baseline as people know it. */
export function describeBaseline(baseline: CheckReport['baseline']): string {
  const version = baseline.version ? ` ${baseline.version}` : '';
  const source = baseline.source ? ` (${baseline.source})` : '';
  return `${baseline.name}${version}${source}`;
}

/** The number of schema findings: missing and unexpected columns plus anomalies. */
export function countSchemaFindings(schema: SchemaFindings): number {
  return schema.missing.length + schema.unexpected.length + schema.anomalies.length;
}

/** A prediction's verdict in a few words: "drift", "no drift", "insufficient data", "not compared". */
export function predictionVerdict(prediction: Pick<PredictionReport, 'status'>): string {
  const words: Record<PredictionReport['status'], string> = {
    drift: 'drift',
    no_drift: 'no drift',
    insufficient_data: 'insufficient data',
    absent: 'not compared',
  };
  return words[prediction.status];
}

/** "score", "class", "value", or "class probabilities". */
export function predictionKindText(prediction: Pick<PredictionReport, 'kind' | 'probabilities'>): string {
  return prediction.probabilities ? 'class probabilities' : prediction.kind;
}

/** The labels section of a report as every renderer shows it: one sentence, and a row per performance metric. */
export interface LabelsView {
  sentence: string;
  /** "binary, 1,204 rows, 95% intervals", when the performance is there. */
  performance?: string;
  metrics: { name: string; value: string; interval: string; baseline: string; verdict: string }[];
  /** The performance decision's sentence ("performance dropped: accuracy ..."), with a baseline summary. */
  decision?: string;
  /** True when the decision found a credible drop. */
  dropped: boolean;
}

/**
 * The label coverage in words and the realized performance as rows.
 * @example labelsView(report.labels).sentence // "6,014 of 9,120 predictions labelled (65.9%); 216 labels match no prediction"
 */
export function labelsView(labels: LabelsReport): LabelsView {
  const coverage = Number.isNaN(labels.coverage) ? 'no prediction' : formatShare(labels.coverage);
  const sentence =
    `${formatCount(labels.labelled)} of ${formatCount(labels.predictions)} predictions labelled (${coverage}); ` +
    `${formatCount(labels.unmatched)} labels match no prediction` +
    (labels.sampledOut === null ? '' : `; ${formatCount(labels.sampledOut)} sampled out`) +
    (labels.corrections ? `; ${formatCount(labels.corrections)} ids relabelled` : '');
  const p = labels.performance;
  const d = labels.decision;
  if (!p) return { sentence, metrics: [], dropped: false };
  const decided = new Map((d?.metrics ?? []).map((m) => [m.metric, m]));
  return {
    sentence,
    performance: `${p.task}, ${formatCount(p.rows)} rows, ${formatShare(p.level)} intervals`,
    metrics: Object.entries(p.metrics).map(([name, m]) => {
      const row = decided.get(name);
      return {
        name,
        value: m.value === null ? `- (${m.reason ?? 'undefined'})` : formatNumber(m.value),
        interval: m.interval ? `[${formatNumber(m.interval.lower)}, ${formatNumber(m.interval.upper)}]` : '',
        baseline: row?.baseline === null || row?.baseline === undefined ? '' : formatNumber(row.baseline),
        verdict: !row ? '' : row.drifted ? 'DROPPED' : row.tested ? 'no drop' : 'not tested',
      };
    }),
    ...(d ? { decision: d.reason } : {}),
    dropped: d?.drift === true,
  };
}

/** The estimated performance of a report as every renderer shows it: one sentence, a row per metric. */
export interface EstimatedView {
  sentence: string;
  metrics: { name: string; estimate: string; band: string; realized: string }[];
}

/**
 * The CBPE estimate in words and rows (estimate, band of 3 sampling errors, realized when labelled).
 * @example estimatedView(report.estimatedPerformance).sentence // "estimated by CBPE from 9,120 scores (threshold 0.5); not alerted on"
 */
export function estimatedView(estimated: EstimatedPerformance): EstimatedView {
  const dropped = estimated.dropped > 0 ? `, ${formatCount(estimated.dropped)} without a score` : '';
  return {
    sentence: `estimated by CBPE from ${formatCount(estimated.rows)} scores${dropped} (threshold ${formatNumber(estimated.threshold)}); a leading indicator, not alerted on`,
    metrics: estimated.metrics.map((m) => ({
      name: m.metric,
      estimate: m.estimate === null ? '-' : formatNumber(m.estimate),
      band: m.lower === null || m.upper === null ? '' : `[${formatNumber(m.lower)}, ${formatNumber(m.upper)}]`,
      realized: m.realized === null || m.realized === undefined ? '' : formatNumber(m.realized),
    })),
  };
}
