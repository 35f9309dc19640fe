import { DEFAULT_DECISION, type DecisionSettings } from '../config/decision.js';
import { DEFAULT_SCHEMA_CHECK, type SchemaCheckSettings } from '../config/schema-check.js';
import type { CategoricalFeatureProfile, FeatureProfile, NumericFeatureProfile, PredictionProfile } from '../contracts/profile.js';
import type { CheckStatus, ColumnSummary, FeatureReport, PredictionReport, SchemaAnomaly, SchemaFindings } from '../contracts/report.js';
import { binLabels } from '../stats/bins.js';
import { computeAll } from '../stats/index.js';
import { toShares } from '../stats/shares.js';
import type { ColumnInfo } from '../store/database.js';
import type { CategoricalCurrent, NumericCurrent } from './current.js';
import { type DecisionInput, decide } from './decision.js';
import { featureAnomalies } from './schema.js';

/**
 * The comparison of one window's current sides with a baseline profile, without a query: the
 * statistics, the schema findings and the one decision over all features. Reading the current
 * side is the caller's (`check.ts` for one table, `windows.ts` for every window of a table in
 * one pass), so the same comparison serves both.
 */

/** The result of comparing one table with a baseline: the body of a report or of a window. */
export interface Comparison {
  drift: boolean;
  features: FeatureReport[];
  schema: SchemaFindings;
  /** Present when the profile has a prediction. */
  prediction?: PredictionReport;
}

/**
 * The current side of the model's output: its outputs read as features are (the prediction, and
 * the top score of class probabilities), or why there is nothing to compare.
 */
export type PredictionCurrent =
  | { profile: PredictionProfile; source: PredictionReport['source']; absent: string }
  | { profile: PredictionProfile; source: PredictionReport['source']; currents: FeatureCurrent[]; recorded: RecordedMismatches[] };

/** The outputs of a profiled prediction, as feature profiles: the prediction itself, then the top score of class probabilities. */
export function predictionOutputs(prediction: PredictionProfile): FeatureProfile[] {
  return prediction.topScore ? [prediction.profile, prediction.topScore] : [prediction.profile];
}

/** One feature's current side, as read from a table or a window. */
export type FeatureCurrent =
  | { kind: 'numeric'; column: ColumnInfo; current: NumericCurrent }
  | { kind: 'categorical'; column: ColumnInfo; current: CategoricalCurrent };

/** Type mismatches the ingest recorded for a feature (a samples table's `_errors`), beside what the column shows. */
export interface RecordedMismatches {
  count: number;
  examples: string[];
}

const NONE_RECORDED: RecordedMismatches = { count: 0, examples: [] };

function baselineSummary(f: FeatureProfile): ColumnSummary {
  if (f.kind === 'categorical') return { rows: f.rows, count: f.count, nulls: f.nulls, nonFinite: 0 };
  return {
    rows: f.rows,
    count: f.count,
    nulls: f.nulls,
    nonFinite: f.nonFinite,
    ...(f.min !== null ? { min: f.min } : {}),
    ...(f.max !== null ? { max: f.max } : {}),
    ...(f.mean !== null ? { mean: f.mean } : {}),
    ...(f.std !== null ? { std: f.std } : {}),
  };
}

/**
 * The baseline's sorted sample as doubles, made once per profile and kept while the profile is:
 * a backfill's windows and a service's scheduled checks compare with the same array, and the
 * noise floors computed from it are cached by its identity (`stats/wasserstein.ts`).
 */
const baselineSamples = new WeakMap<NumericFeatureProfile, Float64Array>();

/** The sorted baseline sample of a numeric feature (cached per profile object). */
export function baselineSample(b: NumericFeatureProfile): Float64Array {
  let sample = baselineSamples.get(b);
  if (!sample) {
    const { values, counts } = b.sample;
    if (counts === undefined) sample = Float64Array.from(values);
    else {
      // The exact distribution, as the sorted column itself: every value as often as it occurs.
      sample = new Float64Array(counts.reduce((a, c) => a + c, 0));
      for (let i = 0, at = 0; i < values.length; at += counts[i]!, i++) sample.fill(values[i]!, at, at + counts[i]!);
    }
    baselineSamples.set(b, sample);
  }
  return sample;
}

/** Which of the baseline's values the order tests (KS, Cramér-von Mises, Wasserstein) compared with. */
function baselineValues(b: NumericFeatureProfile): 'all' | 'exact_counts' | 'sample' {
  return b.sample.counts !== undefined ? 'exact_counts' : b.sample.complete ? 'all' : 'sample';
}

type Partial = Omit<FeatureReport, 'drift' | 'reasons' | 'severity' | 'decision'> & { anomalies: SchemaAnomaly[]; evidence: DecisionInput };

function numericPartial(
  b: NumericFeatureProfile,
  column: ColumnInfo,
  current: NumericCurrent,
  recorded: RecordedMismatches,
  settings: SchemaCheckSettings,
): Partial {
  const sample = baselineSample(b);
  const stats = computeAll({
    kind: 'numeric',
    bins: { baseline: b.bins.counts, current: current.bins },
    samples: { baseline: sample, current: current.sorted, baselineStd: b.std ?? 0 },
  });
  const anomalies = featureAnomalies(
    {
      baseline: b,
      current: current.summary,
      currentDtype: column.type,
      typeMismatches: current.typeMismatches + recorded.count,
      mismatchExamples: [...current.mismatchExamples, ...recorded.examples].slice(0, 3),
      outOfRange: current.outOfRange,
    },
    settings,
  );
  const evidence: DecisionInput = {
    kind: 'numeric',
    stats,
    counts: { baseline: b.bins.counts, current: current.bins },
    sampleSizes: { baseline: sample.length, current: current.sorted.length },
    baseline: { sorted: sample, std: b.std ?? 0 },
  };
  return {
    name: b.name,
    kind: 'numeric',
    stats,
    anomalies,
    evidence,
    baseline: baselineSummary(b),
    current: current.summary,
    bins: { labels: binLabels(b.bins.edges), edges: b.bins.edges, baseline: toShares(b.bins.counts), current: toShares(current.bins) },
  };
}

function categoricalPartial(
  b: CategoricalFeatureProfile,
  column: ColumnInfo,
  current: CategoricalCurrent,
  recorded: RecordedMismatches,
  settings: SchemaCheckSettings,
): Partial {
  const baselineCounts = [...b.categories.map((c) => c.count), ...(b.other.count > 0 ? [b.other.count] : []), 0];
  const stats = computeAll({ kind: 'categorical', bins: { baseline: baselineCounts, current: current.bins } });
  const anomalies = featureAnomalies(
    {
      baseline: b,
      current: current.summary,
      currentDtype: column.type,
      typeMismatches: recorded.count,
      mismatchExamples: recorded.examples,
      unseen: current.unseen,
      unseenExamples: current.unseenExamples,
    },
    settings,
  );
  const evidence: DecisionInput = {
    kind: 'categorical',
    stats,
    counts: { baseline: baselineCounts, current: current.bins },
    labels: current.labels,
  };
  return {
    name: b.name,
    kind: 'categorical',
    stats,
    anomalies,
    evidence,
    baseline: baselineSummary(b),
    current: current.summary,
    bins: { labels: current.labels, baseline: toShares(baselineCounts), current: toShares(current.bins) },
  };
}

/**
 * Compares the current sides of the features present (in profile order, one entry each) with
 * the baseline, and makes one decision over all of them: the correction counts every feature.
 * `schema` holds the missing and unexpected fields; the features' anomalies are added to a copy.
 */
export function compareCurrents(
  present: readonly FeatureProfile[],
  currents: readonly FeatureCurrent[],
  schema: Pick<SchemaFindings, 'missing' | 'unexpected'>,
  options: {
    decision?: DecisionSettings;
    schemaCheck?: SchemaCheckSettings;
    recorded?: readonly RecordedMismatches[];
    prediction?: PredictionCurrent;
  } = {},
): Comparison {
  const settings = options.schemaCheck ?? DEFAULT_SCHEMA_CHECK;
  const partialOf = (feature: FeatureProfile, side: FeatureCurrent, recorded: RecordedMismatches): Partial => {
    if (feature.kind === 'numeric' && side.kind === 'numeric')
      return numericPartial(feature, side.column, side.current, recorded, settings);
    if (feature.kind === 'categorical' && side.kind === 'categorical')
      return categoricalPartial(feature, side.column, side.current, recorded, settings);
    throw new Error(`feature '${feature.name}' is ${feature.kind} in the profile but was read as ${side.kind}`);
  };
  const partials = present.map((feature, i) => partialOf(feature, currents[i]!, options.recorded?.[i] ?? NONE_RECORDED));
  // The prediction's outputs join the features in one decision: one correction over every test of
  // the check, so the chance that an undrifted check raises any alarm stays at most alpha.
  const predicted = options.prediction && 'currents' in options.prediction ? options.prediction : undefined;
  const outputs = predicted ? predictionOutputs(predicted.profile) : [];
  const outputPartials = outputs.map((output, i) => {
    const partial = partialOf(output, predicted!.currents[i]!, predicted!.recorded[i] ?? NONE_RECORDED);
    return { ...partial, evidence: { ...partial.evidence, role: 'prediction' as const } };
  });
  const decisions = decide(
    [...partials, ...outputPartials].map((p) => p.evidence),
    options.decision ?? DEFAULT_DECISION,
  );
  const finish = (profiles: readonly FeatureProfile[], offset: number, anomalies: SchemaAnomaly[]) => {
    return ({ anomalies: found, evidence: _evidence, ...rest }: Partial, i: number): FeatureReport => {
      anomalies.push(...found);
      const decision = decisions[offset + i]!;
      const values = rest.kind === 'numeric' ? baselineValues(profiles[i] as NumericFeatureProfile) : undefined;
      const detail =
        values === undefined || decision.detail === undefined ? decision.detail : { ...decision.detail, baselineValues: values };
      return { ...rest, drift: decision.drift, reasons: decision.reasons, severity: decision.severity, decision: detail };
    };
  };
  const anomalies: SchemaAnomaly[] = [];
  const features = partials.map(finish(present, 0, anomalies));
  const predictionAnomalies: SchemaAnomaly[] = [];
  const reported = outputPartials.map(finish(outputs, partials.length, predictionAnomalies));
  const prediction = options.prediction ? predictionReport(options.prediction, reported, predictionAnomalies) : undefined;
  return {
    drift: features.some((f) => f.drift) || Boolean(prediction?.drift),
    features,
    schema: { missing: [...schema.missing], unexpected: [...schema.unexpected], anomalies },
    ...(prediction ? { prediction } : {}),
  };
}

/** The report's prediction section from its decided outputs, or the reason it has none. */
function predictionReport(current: PredictionCurrent, outputs: FeatureReport[], anomalies: SchemaAnomaly[]): PredictionReport {
  const { profile, source } = current;
  const head = { column: profile.column, kind: profile.kind, ...(profile.probabilities ? { probabilities: true } : {}), source };
  if ('absent' in current) return { ...head, drift: false, status: 'absent', message: current.absent, outputs: [], anomalies: [] };
  const drift = outputs.some((o) => o.drift);
  const decided = outputs.filter((o) => o.decision?.status !== 'insufficient_data');
  return { ...head, drift, status: drift ? 'drift' : decided.length === 0 ? 'insufficient_data' : 'no_drift', outputs, anomalies };
}

/** The check's outcome in one word: drift, ok, or insufficient data when no feature had enough rows to test. */
export function statusOf(comparison: Comparison): CheckStatus {
  if (comparison.drift) return 'drift';
  const tested = [...comparison.features, ...(comparison.prediction?.outputs ?? [])];
  const decided = tested.filter((f) => f.decision?.status !== 'insufficient_data');
  return tested.length > 0 && decided.length === 0 ? 'insufficient_data' : 'ok';
}
