import type { FeatureKind, StatValue } from '../stats/types.js';
import type { FeatureDecision } from './decision.js';

/**
 * The check report. The fields named in DESIGN.md ("Check report", a contract) keep their names
 * and shapes; the others are additions for renderers and people.
 */
export interface CheckReport {
  baseline: { name: string; rows: number; version?: string; source?: string };
  current: { name?: string; rows: number };
  /** True when any feature drifted (the dataset-level decision). */
  drift: boolean;
  /** drift, ok, or insufficient_data when no feature had enough values to test (`decision.minRows`). */
  status?: CheckStatusWord;
  features: FeatureReport[];
  schema: SchemaFindings;
  /** How the per-feature decisions were taken, so a reader can reproduce them. */
  decision: DecisionRule;
  generatedAt: string;
}

/** A check's outcome in one word. */
export type CheckStatusWord = 'ok' | 'drift' | 'insufficient_data';

/** One window of a `--by` / `--every` check. */
export interface WindowReport {
  window: string;
  rows: number;
  drift: boolean;
  status?: CheckStatusWord;
  features: FeatureReport[];
  schema: SchemaFindings;
}

/** The report of `driftwatch check --by COLUMN`: one result per window of the current data. */
export interface WindowedReport {
  baseline: CheckReport['baseline'];
  current: { name?: string; rows: number };
  by: string;
  every?: string;
  drift: boolean;
  windows: WindowReport[];
  decision: DecisionRule;
  generatedAt: string;
}

export interface FeatureReport {
  name: string;
  kind: FeatureKind;
  drift: boolean;
  /** Statistic name -> value, with the shapes of STATS.md (`ks: {statistic, pvalue}` ...). */
  stats: Record<string, StatValue>;
  /** Why `drift` is what it is: the sentence first, then its parts. */
  reasons: string[];
  /** The numbers behind the decision: test, p-value, adjusted p, level, threshold at this n, effect. */
  decision?: FeatureDecision;
  /** 0 = no evidence; higher is worse. Used to sort features worst first. */
  severity: number;
  baseline: ColumnSummary;
  current: ColumnSummary;
  /** Shares per bin, for charts: numeric bins are right-closed intervals, categorical bins are categories plus "(unseen)". */
  bins: { labels: string[]; edges?: number[]; baseline: number[]; current: number[] };
}

/** Counts of one column on one side of the comparison. */
export interface ColumnSummary {
  /** Rows, nulls included. */
  rows: number;
  /** Non-null, finite values: the ones every distribution statistic uses. */
  count: number;
  nulls: number;
  nonFinite: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
}

export type AnomalyKind = 'type_mismatch' | 'null_share' | 'all_null' | 'non_finite' | 'out_of_range' | 'unseen_categories';

/** A schema finding about one feature: what is wrong, how much of it, and against what baseline value. */
export interface SchemaAnomaly {
  feature: string;
  kind: AnomalyKind;
  message: string;
  /** The share (0..1) of current rows concerned. */
  share: number;
  /** The baseline's share for the same thing, where there is one. */
  baselineShare?: number;
  /** A few offending values, as text. */
  examples?: string[];
}

export interface SchemaFindings {
  /** Baseline features absent from the current data. */
  missing: string[];
  /** Current columns the baseline does not know. */
  unexpected: string[];
  anomalies: SchemaAnomaly[];
}

/** The rule and thresholds behind the per-feature decisions. */
export interface DecisionRule {
  name: string;
  description: string;
  thresholds: Record<string, { direction: 'pValueBelow' | 'distanceAbove'; value: number }>;
  /** The settings of the calibrated rule (`src/checks/decision.ts`). */
  alpha?: number;
  correction?: string;
  minEffect?: Record<string, number>;
  minRows?: number;
}
