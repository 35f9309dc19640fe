import { DEFAULT_DECISION, type DecisionSettings } from '../config/decision.js';
import type { DecisionRule, FeatureDecision } from '../contracts/report.js';
import type { CorrectionName } from '../stats/correction.js';
import { getCorrection } from '../stats/correction.js';
import { EVIDENCE_STATISTICS, type EffectStatistic, type EvidenceStatistic, evidenceFor, getEffect, sizeOfValue } from '../stats/index.js';
import type { BinnedCounts, EvidenceResult, FeatureKind, StatValue } from '../stats/types.js';
import { count, sig3 } from '../stats/wording.js';

/**
 * The calibrated decision rule (issue 6). A feature drifts when its change is both
 *
 * - **credible**: its test's p-value, adjusted over every feature of the check (Holm by default),
 *   is below alpha (default 0.01 per check). Each test's p-value is valid at every window size
 *   (KS: exact up to 10,000 values a side, conservative with ties; categorical: Fisher per
 *   category, Bonferroni over the categories, see `src/stats/category-shift.ts`), so the chance
 *   that an undrifted check raises any alarm is at most alpha, whatever the window size and the
 *   number of features. `npm run bench -- calibration` measures it.
 * - **large**: at least one size statistic of the feature's kind reaches its minimum effect
 *   (default: a Wasserstein shift of 0.1 baseline standard deviations for numeric features; a
 *   category share moved by 5 points, or 1% of the window in categories the baseline never had,
 *   for categorical ones). This is what keeps a window of 100,000 rows from paging people for a
 *   shift nobody would act on.
 *
 * A feature with fewer than `minRows` finite current values is "insufficient data": never drift,
 * and not counted among the features the correction adjusts for.
 */

/** What the decision reads of one feature. */
export interface DecisionInput {
  kind: FeatureKind;
  stats: Record<string, StatValue>;
  /** Counts over the shared bins; categorical: one bin per baseline category, then unseen last. */
  counts: BinnedCounts;
  /** Bin labels (category names), to name the category that moved. */
  labels?: readonly string[];
  /** Sizes of the two samples the numeric test compared (the baseline's is its stored sample). */
  sampleSizes?: { baseline: number; current: number };
  /** Numeric: the sorted baseline sample and the baseline's std, for the noise floor of wasserstein_norm. */
  baseline?: { sorted: Float64Array; std: number };
  /** An output of the model (`baseline create --prediction`) rather than a feature: the same test, in the same correction, named so in the sentence. */
  role?: 'prediction';
}

/**
 * The size must also clear this many times its expected value under no change
 * (`src/stats/noise-floor.ts`): about the 99.9th percentile of that noise, so a window of 50 rows
 * needs a large observed change, and from a few hundred rows on the minimum effect governs.
 */
export const NOISE_FLOOR_FACTOR = 3;

/** The outcome for one feature. `reasons[0]` is the sentence; the rest are its parts, for tools. */
export interface Decision {
  drift: boolean;
  reasons: string[];
  /** Worst first: drifted features in [1, 2), the others in [0, 1), ordered by PSI (as the first rule did, so orderings stay comparable). */
  severity: number;
  detail: FeatureDecision;
}

const fmt = sig3;
const CORRECTION_TEXT: Record<CorrectionName, string> = {
  bonferroni: 'Bonferroni',
  holm: 'Holm',
  'benjamini-hochberg': 'Benjamini-Hochberg',
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The raw-p threshold of the feature at rank r (0-based, ascending p) of m under a correction. */
function stepLevel(correction: CorrectionName, alpha: number, r: number, m: number): number {
  if (correction === 'holm') return alpha / (m - r);
  if (correction === 'benjamini-hochberg') return (alpha * (r + 1)) / m;
  return alpha / m;
}

interface Tested extends EvidenceResult {
  test: EvidenceStatistic;
}

/** The feature's evidence test (the registry's for its kind): its value from the statistics, or computed on the counts. */
function evidenceTest(input: DecisionInput): Tested | undefined {
  const test = evidenceFor(input.kind);
  const value = input.stats[test.name] ?? (test.reported ? undefined : test.compute({ kind: input.kind, bins: input.counts }));
  if (typeof value !== 'object' || value === null || !Number.isFinite(value.pvalue)) return undefined;
  return { ...(value as EvidenceResult), test };
}

/** Value of an effect statistic for a feature (NaN when it does not apply or is missing). */
function effectValue(stat: EffectStatistic, input: DecisionInput): number {
  if (!stat.appliesTo.includes(input.kind)) return NaN;
  const value = input.stats[stat.name] ?? (stat.reported ? undefined : stat.compute({ kind: input.kind, bins: input.counts }));
  return sizeOfValue(value);
}

/** The noise floor of a size statistic at this window size (0 where none is defined). */
function noiseFloor(stat: EffectStatistic, input: DecisionInput, n: number): number {
  const floor = stat.effect.noiseFloor?.({ counts: input.counts, baseline: input.baseline }, n) ?? NaN;
  return Number.isFinite(floor) ? NOISE_FLOOR_FACTOR * floor : 0;
}

/** The size half: the effect furthest past its threshold at this n (or closest to it when none is reached). */
function sizeOf(input: DecisionInput, settings: DecisionSettings, n: number): FeatureDecision['effect'] {
  let best: FeatureDecision['effect'];
  let bestRatio = -Infinity;
  for (const [name, minimum] of Object.entries(settings.minEffect)) {
    if (minimum === undefined) continue;
    const stat = getEffect(name);
    const value = effectValue(stat, input);
    if (!Number.isFinite(value)) continue;
    const threshold = Math.max(minimum, noiseFloor(stat, input, n));
    const ratio = threshold > 0 ? value / threshold : value >= threshold ? Infinity : -Infinity;
    if (ratio > bestRatio) {
      bestRatio = ratio;
      best = { name, value, threshold, minimum, large: value >= threshold };
    }
  }
  return best;
}

function insufficient(n: number, baselineN: number, settings: DecisionSettings): Decision {
  const sentence =
    n === 0 || baselineN === 0
      ? 'insufficient data: not enough finite values to compare'
      : `insufficient data: not enough finite values to compare (${count(n)} < ${count(settings.minRows)} at minRows)`;
  return { drift: false, reasons: [sentence], severity: 0, detail: { status: 'insufficient_data', n, baselineN, sentence } };
}

/**
 * Decides every feature of one check at once: the correction runs over the features that have a
 * test and enough rows. Pure: the product (`compareTable`) and the calibration harness
 * (`bench/calibration.ts`) both call it on the statistics of `computeAll`.
 */
export function decide(features: readonly DecisionInput[], settings: DecisionSettings = DEFAULT_DECISION): Decision[] {
  const sizes = features.map((f) => ({
    n: f.sampleSizes?.current ?? sum(f.counts.current),
    baselineN: f.sampleSizes?.baseline ?? sum(f.counts.baseline),
  }));
  const tests = features.map((f, i) =>
    sizes[i]!.n >= Math.max(settings.minRows, 1) && sizes[i]!.baselineN > 0 ? evidenceTest(f) : undefined,
  );
  const raw = tests.map((t) => t?.pvalue ?? NaN);
  const adjusted = getCorrection(settings.correction).adjust(raw);
  const m = raw.filter(Number.isFinite).length;
  // Ranks among the tested features (ascending raw p), for the level of each step.
  const ranked = raw
    .map((p, i) => ({ p, i }))
    .filter((x) => Number.isFinite(x.p))
    .sort((a, b) => a.p - b.p);
  const rankOf = new Map(ranked.map((x, r) => [x.i, r]));
  const family = familyText(
    features.filter((f, i) => f.role !== 'prediction' && Number.isFinite(raw[i]!)).length,
    features.filter((f, i) => f.role === 'prediction' && Number.isFinite(raw[i]!)).length,
  );

  return features.map((input, i) => {
    const { n, baselineN } = sizes[i]!;
    const tested = tests[i];
    if (!tested) return insufficient(n, baselineN, settings);
    const adjustedP = adjusted[i]!;
    const level = stepLevel(settings.correction, settings.alpha, rankOf.get(i)!, m);
    const credible = adjustedP < settings.alpha;
    const effect = sizeOf(input, settings, n);
    // No size statistic configured for this kind: the evidence alone decides.
    const large = effect ? effect.large : true;
    const drift = credible && large;

    const correctionText = `${CORRECTION_TEXT[settings.correction]} over ${family}`;
    const {
      critical,
      text: testText,
      category,
    } = tested.test.evidence.explain(tested, {
      counts: input.counts,
      ...(input.labels ? { labels: input.labels } : {}),
      n,
      baselineN,
      level,
    });
    const evidenceText = credible
      ? `p = ${fmt(tested.pvalue)} < ${fmt(level)} after ${correctionText}`
      : tested.pvalue < level
        ? `p = ${fmt(tested.pvalue)} < ${fmt(level)} but ${CORRECTION_TEXT[settings.correction]} stopped earlier (adjusted p = ${fmt(adjustedP)} >= ${settings.alpha})`
        : `p = ${fmt(tested.pvalue)} >= ${fmt(level)} after ${correctionText}`;
    const floorText =
      effect && effect.threshold > effect.minimum ? ` (the noise floor at n = ${count(n)}; minimum ${fmt(effect.minimum)})` : '';
    const sizeText = effect
      ? `${effect.name} ${fmt(effect.value)} ${effect.large ? '>=' : '<'} ${fmt(effect.threshold)}${floorText}`
      : 'no minimum effect set';
    const sentence = drift
      ? `drift: ${sizeText} and ${testText}; ${evidenceText}`
      : credible
        ? `no drift: ${sizeText}, too small to matter, though real: ${testText}; ${evidenceText}`
        : `no drift: ${large ? `${sizeText} but ` : `${sizeText}; `}not credible: ${testText}; ${evidenceText}`;

    const psi = typeof input.stats.psi === 'number' && Number.isFinite(input.stats.psi) ? Math.max(input.stats.psi, 0) : 0;
    const detail: FeatureDecision = {
      status: drift ? 'drift' : 'no_drift',
      n,
      baselineN,
      test: {
        name: tested.test.name,
        statistic: tested.statistic,
        critical,
        pvalue: tested.pvalue,
        adjustedP,
        level,
        features: m,
        correction: settings.correction,
        ...(category !== undefined ? { category, categories: tested.tested! } : {}),
      },
      ...(effect ? { effect } : {}),
      sentence,
    };
    return { drift, reasons: [sentence, `${testText}; ${evidenceText}`, sizeText], severity: (drift ? 1 : 0) + psi / (1 + psi), detail };
  });
}

/** What the correction ran over, in words: "5 features", or "5 features and the prediction" (its outputs are tests of the same family). */
function familyText(features: number, predictions: number): string {
  const f = `${features} feature${features === 1 ? '' : 's'}`;
  if (predictions === 0) return f;
  return `${f} and ${predictions === 1 ? 'the prediction' : `${predictions} prediction outputs`}`;
}

/** The rule as the report states it; `prediction` when the check compared the model's output too. */
export function describeDecision(settings: DecisionSettings = DEFAULT_DECISION, options: { prediction?: boolean } = {}): DecisionRule {
  const effects = Object.entries(settings.minEffect)
    .map(([name, v]) => `${name} >= ${v}`)
    .join(' or ');
  return {
    name: 'calibrated-evidence-and-size',
    description:
      `A feature drifts when its test (${EVIDENCE_STATISTICS.map((s) => s.evidence.ruleText).join('; ')}) ` +
      `has an adjusted p-value below ${settings.alpha} (${CORRECTION_TEXT[settings.correction]} over the features of the check${options.prediction ? ' and the prediction, one family, so the chance of any false alarm per check stays at most alpha' : ''}) ` +
      `and its change is large enough (${effects || 'no minimum effect'}). ` +
      `Features with fewer than ${settings.minRows} finite values are insufficient data.` +
      (options.prediction ? ' The prediction is decided as a feature is and reported apart.' : ''),
    thresholds: {
      ...Object.fromEntries(EVIDENCE_STATISTICS.map((s) => [s.name, { direction: s.direction, value: settings.alpha }])),
      ...Object.fromEntries(
        Object.entries(settings.minEffect).map(([name, value]) => [name, { direction: getEffect(name).direction, value: value! }]),
      ),
    },
    alpha: settings.alpha,
    correction: settings.correction,
    minEffect: { ...settings.minEffect },
    minRows: settings.minRows,
  };
}
