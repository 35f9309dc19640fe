import { chi2 } from './chi2.js';
import { hellinger } from './hellinger.js';
import { jensenShannon } from './jensen-shannon.js';
import { ks } from './ks.js';
import { linf } from './linf.js';
import { psi } from './psi.js';
import type { FeatureKind, Statistic, StatInput, StatValue } from './types.js';
import { wasserstein, wassersteinNorm } from './wasserstein.js';

/**
 * Every statistic driftwatch computes, in report order. Listed here explicitly (not registered
 * by import side effects), so this array is the one place to read what exists.
 */
export const STATISTICS: readonly Statistic[] = [psi, ks, chi2, wasserstein, wassersteinNorm, jensenShannon, hellinger, linf];

/** Looks a statistic up by name; an unknown name lists the known ones. */
export function getStatistic(name: string): Statistic {
  const found = STATISTICS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown statistic '${name}'; known: ${STATISTICS.map((s) => s.name).join(', ')}`);
  return found;
}

/** The statistics that apply to a kind of feature, in registry order. */
export function statisticsFor(kind: FeatureKind): Statistic[] {
  return STATISTICS.filter((s) => s.appliesTo.includes(kind));
}

/** Computes every statistic that applies to the input's kind: name -> value. */
export function computeAll(input: StatInput): Record<string, StatValue> {
  return Object.fromEntries(statisticsFor(input.kind).map((s) => [s.name, s.compute(input)]));
}
