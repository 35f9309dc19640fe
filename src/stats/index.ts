import { categoryShiftTest } from './category-shift.js';
import { chi2 } from './chi2.js';
import { cvm } from './cvm.js';
import { hellinger } from './hellinger.js';
import { jensenShannon } from './jensen-shannon.js';
import { ks } from './ks.js';
import { domainClassifier } from './domain-classifier.js';
import { linf } from './linf.js';
import { mmd } from './mmd.js';
import type { MultivariateTest } from './multivariate-test.js';
import { psi } from './psi.js';
import type { EffectRole, EvidenceRole, FeatureKind, Statistic, StatInput, StatValue } from './types.js';
import { unseenShare } from './unseen-share.js';
import { wasserstein, wassersteinNorm } from './wasserstein.js';

/**
 * Every statistic driftwatch computes, in report order. Listed here explicitly (not registered
 * by import side effects), so this array is the one place to read what exists. The decision
 * (`src/checks/decision.ts`), the config's `decision.minEffect` and the renderers all read it:
 * adding a statistic is its file and one entry here.
 */
export const STATISTICS: readonly Statistic[] = [
  psi,
  ks,
  cvm,
  chi2,
  wasserstein,
  wassersteinNorm,
  jensenShannon,
  hellinger,
  linf,
  categoryShiftTest,
  unseenShare,
];

/** Looks a statistic up by name; an unknown name lists the known ones. */
export function getStatistic(name: string): Statistic {
  const found = STATISTICS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown statistic '${name}'; known: ${STATISTICS.map((s) => s.name).join(', ')}`);
  return found;
}

/** The reported statistics that apply to a kind of feature, in registry order (the keys of a report's `stats`). */
export function statisticsFor(kind: FeatureKind): Statistic[] {
  return STATISTICS.filter((s) => s.reported && s.appliesTo.includes(kind));
}

/** Computes every reported statistic that applies to the input's kind: name -> value. */
export function computeAll(input: StatInput): Record<string, StatValue> {
  return Object.fromEntries(statisticsFor(input.kind).map((s) => [s.name, s.compute(input)]));
}

/** A statistic with an evidence role. */
export type EvidenceStatistic = Statistic & { evidence: EvidenceRole };
/** A statistic with an effect role. */
export type EffectStatistic = Statistic & { effect: EffectRole };

/** The evidence tests, one per kind at most, in registry order. */
export const EVIDENCE_STATISTICS: readonly EvidenceStatistic[] = STATISTICS.filter((s): s is EvidenceStatistic => s.evidence !== undefined);

/** The size statistics a minimum effect can be set on, in registry order. */
export const EFFECT_STATISTICS: readonly EffectStatistic[] = STATISTICS.filter((s): s is EffectStatistic => s.effect !== undefined);

/** The evidence test of a kind of feature; an error when none is registered (a registry mistake). */
export function evidenceFor(kind: FeatureKind): EvidenceStatistic {
  const found = EVIDENCE_STATISTICS.find((s) => s.appliesTo.includes(kind));
  if (!found) throw new Error(`no evidence test is registered for ${kind} features`);
  return found;
}

/** An effect statistic by name; an unknown name lists the known ones. */
export function getEffect(name: string): EffectStatistic {
  const found = EFFECT_STATISTICS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown effect statistic '${name}'; known: ${EFFECT_STATISTICS.map((s) => s.name).join(', ')}`);
  return found;
}

/** The number a statistic's value stands for: a distance itself, a test its statistic. */
export function sizeOfValue(value: StatValue | undefined): number {
  if (typeof value === 'number') return value;
  return value && typeof value === 'object' ? value.statistic : Number.NaN;
}

/**
 * The multivariate drift tests: each compares the two sides' rows as a whole (a change in the
 * joint distribution, or in an embedding, that no per-feature statistic sees), so they take a
 * `MultivariateSample` of both sides rather than a `StatInput`. Listed here, as STATISTICS is,
 * so this is the one place to read which exist (docs/multivariate.md).
 */
export const MULTIVARIATE_TESTS: readonly MultivariateTest[] = [domainClassifier, mmd] as readonly MultivariateTest[];

/** Looks a multivariate test up by name; an unknown name lists the known ones. */
export function getMultivariateTest(name: string): MultivariateTest {
  const found = MULTIVARIATE_TESTS.find((t) => t.name === name);
  if (!found) throw new Error(`unknown multivariate test '${name}'; known: ${MULTIVARIATE_TESTS.map((t) => t.name).join(', ')}`);
  return found;
}
