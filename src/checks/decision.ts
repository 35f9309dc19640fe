import { bonferroni } from '../stats/correction.js';
import type { FeatureKind, StatValue } from '../stats/types.js';
import type { DecisionRule } from './report.js';

/**
 * The first decision rule: a feature drifts when a test gives evidence of a change **and** the
 * change is large. Evidence: the feature's test (KS for numeric, chi-square for categorical) has
 * a p-value below alpha / m, Bonferroni over the m features of the check, so 20 undrifted
 * features do not raise a false alarm on most checks. Size: PSI above `psi`. A later rule
 * (calibrated per window size) replaces this one through the same `decide` signature.
 */
export const DEFAULT_DECISION = {
  /** Family-wise error rate per check. */
  alpha: 0.05,
  /** Minimum PSI that counts as a change worth reporting. */
  psi: 0.1,
} as const;

export type DecisionSettings = { alpha: number; psi: number };

/** The outcome for one feature, with the reasons in words. */
export interface Decision {
  drift: boolean;
  reasons: string[];
  /** Worst first: drifted features in [1, 2), the others in [0, 1), ordered by PSI. */
  severity: number;
}

const TEST_OF: Record<FeatureKind, string> = { numeric: 'ks', categorical: 'chi2' };

/** The p-value of the test that gives evidence for a feature of this kind (NaN when it has none). */
export function testPValue(kind: FeatureKind, stats: Record<string, StatValue>): number {
  const test = stats[TEST_OF[kind]];
  return typeof test === 'object' ? test.pvalue : NaN;
}

/**
 * Bonferroni-adjusted test p-values of the features of one check, through the corrections module
 * (NaN for features without a test), and how many features the correction counted.
 */
export function adjustedPValues(features: readonly { kind: FeatureKind; stats: Record<string, StatValue> }[]): { adjusted: number[]; tested: number } {
  const raw = features.map((f) => testPValue(f.kind, f.stats));
  return { adjusted: bonferroni(raw), tested: raw.filter(Number.isFinite).length };
}

const fmt = (x: number) => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : Number(x.toPrecision(3)).toString());

/**
 * Decides one feature from its statistics and its test's p-value adjusted over the check
 * (`adjustedPValues`); `tested` is the number of features the adjustment counted.
 */
export function decide(kind: FeatureKind, stats: Record<string, StatValue>, evidence: { adjustedP: number; tested: number }, settings: DecisionSettings = DEFAULT_DECISION): Decision {
  const { tested } = evidence;
  const testName = TEST_OF[kind];
  const test = stats[testName];
  const psi = stats.psi;
  if (typeof psi !== 'number' || typeof test !== 'object' || !Number.isFinite(psi) || !Number.isFinite(test.pvalue)) {
    return { drift: false, reasons: ['not enough finite values to compare'], severity: 0 };
  }
  // p * m < alpha is p < alpha / m: the text shows the per-feature level people compare p with.
  const level = settings.alpha / Math.max(tested, 1);
  const credible = evidence.adjustedP < settings.alpha;
  const large = psi > settings.psi;
  const drift = credible && large;
  const evidenceText = `${testName} p = ${fmt(test.pvalue)} ${credible ? '<' : '>='} ${fmt(level)} (alpha ${settings.alpha} / ${tested} features)`;
  const sizeText = `PSI ${fmt(psi)} ${large ? '>' : '<='} ${settings.psi}`;
  // The first reason is the sentence a person reads; the others are the parts, for tools.
  const summary = drift
    ? `drift: ${sizeText} and ${evidenceText}`
    : `no drift: ${[!large ? sizeText : '', !credible ? evidenceText : ''].filter(Boolean).join('; ')}`;
  const reasons = [summary, evidenceText, sizeText];
  return { drift, reasons, severity: (drift ? 1 : 0) + psi / (1 + psi) };
}

/** The rule as the report states it. */
export function describeDecision(settings: DecisionSettings = DEFAULT_DECISION): DecisionRule {
  return {
    name: 'evidence-and-size',
    description:
      `A feature drifts when its test (KS for numeric, chi-square for categorical) has p < alpha / m ` +
      `(Bonferroni over the m features checked, alpha = ${settings.alpha}) and its PSI > ${settings.psi}.`,
    thresholds: {
      ks: { direction: 'pValueBelow', value: settings.alpha },
      chi2: { direction: 'pValueBelow', value: settings.alpha },
      psi: { direction: 'distanceAbove', value: settings.psi },
    },
  };
}
