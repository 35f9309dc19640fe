import type { SchemaFindings } from '../contracts/report.js';

/** One feature's drift over a digest's period: its score at each check, oldest first. */
export interface FeatureTrend {
  name: string;
  kind: 'numeric' | 'categorical';
  /** Checks in the period in which it drifted. */
  drifted: number;
  /** One point per check: its time, PSI and whether it drifted. */
  points: { at: string; psi: number | null; drift: boolean }[];
  /** The statistics of the newest check that compared the feature (those stored as null left out). */
  latest: Record<string, number | { statistic: number; pvalue: number }>;
}

/**
 * A scheduled drift report of one model over a period (the digest emailed to subscribers):
 * data volume, checks run, each feature's drift over the period, the top drifted features,
 * schema findings, alerts fired and resolved.
 */
export interface Digest {
  model: string;
  period: { start: string; end: string };
  /** Events stored in the period (samples rows by `_ts`), and messages quarantined in it. */
  volume: { events: number; quarantined: number };
  checks: { total: number; drift: number; ok: number; insufficientData: number };
  /** Every feature seen in the period's checks, worst first (most drifted checks, then highest last PSI). */
  features: FeatureTrend[];
  /** Names of the features that drifted most often, worst first (at most 5; only features that drifted). */
  topDrifted: string[];
  /** The schema findings of the last check of the period that compared data (not insufficient data). */
  schema: SchemaFindings;
  /** When that check finished (ISO), or null when no check of the period compared data. */
  schemaCheckedAt: string | null;
  alerts: {
    fired: { feature: string; kind: string; severity: string; at: string }[];
    resolved: { feature: string; kind: string; at: string }[];
  };
  dashboardUrl: string | null;
  generatedAt: string;
}
