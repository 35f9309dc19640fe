import { CORRECTION_NAMES, type CorrectionName, getCorrection } from '../stats/correction.js';
import { EFFECT_STATISTICS, getEffect } from '../stats/index.js';

/**
 * The settings of the calibrated decision (`src/checks/decision.ts`): the `decision` object of a
 * model's config and the flags of `driftwatch check`. The statistics a minimum effect can be set
 * on, and their defaults, come from the registry (`src/stats/index.ts`).
 */

/** Correction names the settings accept: the registry's, plus `bh` for Benjamini-Hochberg. */
export const CORRECTION_CHOICES = [...CORRECTION_NAMES, 'bh'] as const;

/** The decision's settings (the `decision` object of a model's config, and `check`'s flags). */
export interface DecisionSettings {
  /** Family-wise error rate per check (false-discovery rate with Benjamini-Hochberg). */
  alpha: number;
  correction: CorrectionName;
  /** Minimum effect per size statistic; a feature is large enough when any that applies to its kind is reached. */
  minEffect: Record<string, number>;
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
  // The registry's default minimums (src/stats/): wasserstein_norm 0.1, linf 0.05, unseen_share 0.01.
  minEffect: Object.fromEntries(
    EFFECT_STATISTICS.flatMap((s) => (s.effect.defaultMinimum === null ? [] : [[s.name, s.effect.defaultMinimum] as const])),
  ),
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
  const minEffect: Record<string, number> = { ...DEFAULT_DECISION.minEffect };
  for (const [name, value] of Object.entries(overrides.minEffect ?? {})) {
    getEffect(name); // throws with the known names
    if (value === null || value === undefined) delete minEffect[name];
    else minEffect[name] = value;
  }
  const alpha = overrides.alpha ?? DEFAULT_DECISION.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`alpha must lie in (0, 1), got ${alpha}`);
  return { alpha, correction: correction as CorrectionName, minEffect, minRows: overrides.minRows ?? DEFAULT_DECISION.minRows };
}
