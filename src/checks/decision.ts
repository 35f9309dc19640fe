import { categoryShift } from '../stats/category-shift.js';
import { CORRECTION_NAMES, type CorrectionName, getCorrection } from '../stats/correction.js';
import { linfNoise, wassersteinNoise } from '../stats/noise-floor.js';
import { normalUpperQuantile } from '../stats/normal.js';
import type { BinnedCounts, FeatureKind, StatValue } from '../stats/types.js';
import type { DecisionRule } from '../contracts/report.js';
import type { FeatureDecision } from '../contracts/report.js';

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

/** The statistics a minimum effect can be set on, and the kinds of feature each applies to. */
export const EFFECT_STATISTICS = {
  wasserstein_norm: { kinds: ['numeric'], text: 'shift in baseline SDs (Wasserstein)' },
  ks: { kinds: ['numeric'], text: 'KS distance D' },
  linf: { kinds: ['categorical'], text: 'largest change of one category share' },
  unseen_share: { kinds: ['categorical'], text: 'share of the window in categories the baseline never had' },
  psi: { kinds: ['numeric', 'categorical'], text: 'PSI' },
  jensen_shannon: { kinds: ['numeric', 'categorical'], text: 'Jensen-Shannon distance' },
  hellinger: { kinds: ['numeric', 'categorical'], text: 'Hellinger distance' },
} as const satisfies Record<string, { kinds: readonly FeatureKind[]; text: string }>;
export type EffectName = keyof typeof EFFECT_STATISTICS;
export const EFFECT_NAMES = Object.keys(EFFECT_STATISTICS) as EffectName[];

/** Correction names the settings accept: the registry's, plus `bh` for Benjamini-Hochberg. */
export const CORRECTION_CHOICES = [...CORRECTION_NAMES, 'bh'] as const;

/** The decision's settings (the `decision` object of a model's config, and `check`'s flags). */
export interface DecisionSettings {
  /** Family-wise error rate per check (false-discovery rate with Benjamini-Hochberg). */
  alpha: number;
  correction: CorrectionName;
  /** Minimum effect per size statistic; a feature is large enough when any that applies to its kind is reached. */
  minEffect: Partial<Record<EffectName, number>>;
  /** Fewer finite current values than this: insufficient data. */
  minRows: number;
}

/**
 * The defaults, in one place. Why these minimum effects: a Wasserstein shift of a tenth of a
 * baseline standard deviation moves about 4% of a normal's mass (half the 0.2-SD shift the
 * power target names), below which a model's outputs rarely move; 5 points of one category's
 * share is half the 10-point change of the power target; and a category the model never saw in
 * 1% of its inputs is a training-serving skew worth a look.
 * Why 30 rows: the KS and Fisher p-values stay valid below it, but a window that small cannot
 * show a change of this size with the evidence the correction asks for.
 */
export const DEFAULT_DECISION: DecisionSettings = {
  alpha: 0.01,
  correction: 'holm',
  minEffect: { wasserstein_norm: 0.1, linf: 0.05, unseen_share: 0.01 },
  minRows: 30,
};

/** Settings as a user writes them (any part may be left out; `bh` names Benjamini-Hochberg). */
export interface DecisionOverrides {
  alpha?: number | undefined;
  correction?: string | undefined;
  /** Merged over the defaults; null removes a default statistic. */
  minEffect?: Partial<Record<string, number | null>> | undefined;
  minRows?: number | undefined;
}

/** Complete settings from partial ones; an unknown correction or statistic lists the valid choices. */
export function resolveDecision(overrides: DecisionOverrides = {}): DecisionSettings {
  const correction = overrides.correction === 'bh' ? 'benjamini-hochberg' : (overrides.correction ?? DEFAULT_DECISION.correction);
  getCorrection(correction); // throws with the known names
  const minEffect: Partial<Record<EffectName, number>> = { ...DEFAULT_DECISION.minEffect };
  for (const [name, value] of Object.entries(overrides.minEffect ?? {})) {
    if (!(name in EFFECT_STATISTICS)) throw new Error(`unknown effect statistic '${name}'; known: ${EFFECT_NAMES.join(', ')}`);
    if (value === null || value === undefined) delete minEffect[name as EffectName];
    else minEffect[name as EffectName] = value;
  }
  const alpha = overrides.alpha ?? DEFAULT_DECISION.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`alpha must lie in (0, 1), got ${alpha}`);
  return { alpha, correction: correction as CorrectionName, minEffect, minRows: overrides.minRows ?? DEFAULT_DECISION.minRows };
}

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

const _TEST_OF: Record<FeatureKind, 'ks' | 'category_shift'> = { numeric: 'ks', categorical: 'category_shift' };

const fmt = (x: number) => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(1) : Number(x.toPrecision(3)).toString());
const count = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const CORRECTION_TEXT: Record<CorrectionName, string> = {
  bonferroni: 'Bonferroni',
  holm: 'Holm',
  'benjamini-hochberg': 'Benjamini-Hochberg',
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Smirnov's asymptotic critical D at a level: c(level) sqrt((n1 + n2) / (n1 n2)), c = sqrt(-ln(level / 2) / 2). */
export function ksCritical(level: number, n1: number, n2: number): number {
  return Math.sqrt(-Math.log(level / 2) / 2) * Math.sqrt((n1 + n2) / (n1 * n2));
}

/** The raw-p threshold of the feature at rank r (0-based, ascending p) of m under a correction. */
function stepLevel(correction: CorrectionName, alpha: number, r: number, m: number): number {
  if (correction === 'holm') return alpha / (m - r);
  if (correction === 'benjamini-hochberg') return (alpha * (r + 1)) / m;
  return alpha / m;
}

interface Tested {
  name: 'ks' | 'category_shift';
  statistic: number;
  pvalue: number;
  category?: number;
  categories?: number;
}

/** The feature's evidence test: KS from its statistics, or the category-shift test on its counts. */
function evidenceTest(input: DecisionInput): Tested | undefined {
  if (input.kind === 'numeric') {
    const ks = input.stats.ks;
    if (typeof ks !== 'object' || !Number.isFinite(ks.pvalue)) return undefined;
    return { name: 'ks', statistic: ks.statistic, pvalue: ks.pvalue };
  }
  const result = categoryShift(input.counts.baseline, input.counts.current);
  if (!Number.isFinite(result.pvalue)) return undefined;
  return {
    name: 'category_shift',
    statistic: result.statistic,
    pvalue: result.pvalue,
    category: result.category,
    categories: result.tested,
  };
}

/** Value of an effect statistic for a feature (NaN when it does not apply or is missing). */
function effectValue(name: EffectName, input: DecisionInput): number {
  if (!(EFFECT_STATISTICS[name].kinds as readonly FeatureKind[]).includes(input.kind)) return NaN;
  if (name === 'unseen_share') {
    const n = sum(input.counts.current);
    return n > 0 ? (input.counts.current.at(-1) ?? 0) / n : NaN;
  }
  const value = input.stats[name];
  if (typeof value === 'number') return value;
  return typeof value === 'object' ? value.statistic : NaN;
}

/** The noise floor of a size statistic at this window size (0 where none is defined). */
function noiseFloor(name: EffectName, input: DecisionInput, n: number): number {
  let floor = NaN;
  if (name === 'wasserstein_norm' && input.baseline) floor = wassersteinNoise(input.baseline.sorted, input.baseline.std, n);
  if (name === 'linf') floor = linfNoise(input.counts.baseline, n);
  return Number.isFinite(floor) ? NOISE_FLOOR_FACTOR * floor : 0;
}

/** The size half: the effect furthest past its threshold at this n (or closest to it when none is reached). */
function sizeOf(input: DecisionInput, settings: DecisionSettings, n: number): FeatureDecision['effect'] {
  let best: FeatureDecision['effect'];
  let bestRatio = -Infinity;
  for (const [name, minimum] of Object.entries(settings.minEffect) as [EffectName, number][]) {
    const value = effectValue(name, input);
    if (!Number.isFinite(value)) continue;
    const threshold = Math.max(minimum, noiseFloor(name, input, n));
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

    const correctionText = `${CORRECTION_TEXT[settings.correction]} over ${m} feature${m === 1 ? '' : 's'}`;
    let critical: number;
    let testText: string;
    let category: string | undefined;
    if (tested.name === 'ks') {
      critical = ksCritical(level, baselineN, n);
      testText = `KS D ${fmt(tested.statistic)} (critical ≈ ${fmt(critical)} at n = ${count(n)})`;
    } else {
      const c = tested.category!;
      category = input.labels?.[c] ?? `#${c}`;
      const nb = sum(input.counts.baseline);
      const b = input.counts.baseline[c] ?? 0;
      const q = input.counts.current[c] ?? 0;
      const pooled = (b + q) / (nb + n);
      critical = normalUpperQuantile(level / (2 * (tested.categories ?? 1))) * Math.sqrt(pooled * (1 - pooled) * (1 / nb + 1 / n));
      testText = `'${category}' ${pct(nb > 0 ? b / nb : 0)} -> ${pct(q / n)} (≈ ${fmt(critical * 100)} points needed at n = ${count(n)}; Fisher, ${tested.categories} categories)`;
    }
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
        name: tested.name,
        statistic: tested.statistic,
        critical,
        pvalue: tested.pvalue,
        adjustedP,
        level,
        features: m,
        correction: settings.correction,
        ...(category !== undefined ? { category, categories: tested.categories! } : {}),
      },
      ...(effect ? { effect } : {}),
      sentence,
    };
    return { drift, reasons: [sentence, `${testText}; ${evidenceText}`, sizeText], severity: (drift ? 1 : 0) + psi / (1 + psi), detail };
  });
}

/** The rule as the report states it. */
export function describeDecision(settings: DecisionSettings = DEFAULT_DECISION): DecisionRule {
  const effects = Object.entries(settings.minEffect)
    .map(([name, v]) => `${name} >= ${v}`)
    .join(' or ');
  return {
    name: 'calibrated-evidence-and-size',
    description:
      `A feature drifts when its test (KS for numeric features; Fisher per category, Bonferroni over the categories, for categorical ones) ` +
      `has an adjusted p-value below ${settings.alpha} (${CORRECTION_TEXT[settings.correction]} over the features of the check) ` +
      `and its change is large enough (${effects || 'no minimum effect'}). ` +
      `Features with fewer than ${settings.minRows} finite values are insufficient data.`,
    thresholds: {
      ks: { direction: 'pValueBelow', value: settings.alpha },
      category_shift: { direction: 'pValueBelow', value: settings.alpha },
      ...Object.fromEntries(
        Object.entries(settings.minEffect).map(([name, value]) => [name, { direction: 'distanceAbove' as const, value }]),
      ),
    },
    alpha: settings.alpha,
    correction: settings.correction,
    minEffect: { ...settings.minEffect },
    minRows: settings.minRows,
  };
}
