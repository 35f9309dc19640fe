import type { FeatureProfile } from '../contracts/profile.js';
import type { ColumnSummary, SchemaAnomaly } from '../contracts/report.js';

/** Tolerances of the schema checks, in one place. Shares are of the current window's rows. */
export const SCHEMA_DEFAULTS = {
  /** Null share above the baseline's by more than this is a finding. */
  nullShareIncrease: 0.05,
  /** NaN/±Infinity share above the baseline's by more than this is a finding. */
  nonFiniteIncrease: 0.01,
  /** Share of numeric values outside the baseline's [min, max] above this is a finding. */
  outOfRangeShare: 0.01,
  /** Share of values in categories the baseline never had above this is a finding (0: any). */
  unseenShare: 0,
} as const;

const pct = (share: number) => `${(share * 100).toPrecision(3)}%`;

/** What the schema checks know of one feature's current side. */
export interface SchemaObservation {
  baseline: FeatureProfile;
  current: ColumnSummary;
  currentDtype: string;
  typeMismatches?: number;
  mismatchExamples?: string[];
  outOfRange?: number;
  unseen?: number;
  unseenExamples?: string[];
}

/** The schema findings about one feature present on both sides. Never throws on odd data. */
export function featureAnomalies(o: SchemaObservation): SchemaAnomaly[] {
  const { baseline: b, current: c } = o;
  const found: SchemaAnomaly[] = [];
  const feature = b.name;
  const rows = c.rows;
  if (rows === 0) return found;
  if (o.typeMismatches) {
    const share = o.typeMismatches / rows;
    found.push({
      feature,
      kind: 'type_mismatch',
      share,
      message: `${feature}: ${o.typeMismatches} value(s) (${pct(share)}) are not numbers (baseline type ${b.dtype}, current ${o.currentDtype})`,
      examples: o.mismatchExamples ?? [],
    });
  } else if (b.kind === 'categorical' && isNumberType(o.currentDtype) && !isNumberType(b.dtype)) {
    found.push({ feature, kind: 'type_mismatch', share: 1, message: `${feature}: baseline type ${b.dtype}, current ${o.currentDtype}` });
  }
  const nullShare = c.nulls / rows;
  if (c.nulls === rows) {
    found.push({
      feature,
      kind: 'all_null',
      share: 1,
      baselineShare: b.nullShare,
      message: `${feature}: every value is null (baseline ${pct(b.nullShare)})`,
    });
  } else if (nullShare > b.nullShare + SCHEMA_DEFAULTS.nullShareIncrease) {
    found.push({
      feature,
      kind: 'null_share',
      share: nullShare,
      baselineShare: b.nullShare,
      message: `${feature}: ${pct(nullShare)} null, baseline ${pct(b.nullShare)}`,
    });
  }
  if (b.kind === 'numeric') {
    const nonFinite = c.nonFinite / rows;
    const baselineNonFinite = b.rows > 0 ? b.nonFinite / b.rows : 0;
    if (nonFinite > baselineNonFinite + SCHEMA_DEFAULTS.nonFiniteIncrease) {
      found.push({
        feature,
        kind: 'non_finite',
        share: nonFinite,
        baselineShare: baselineNonFinite,
        message: `${feature}: ${pct(nonFinite)} NaN or infinite, baseline ${pct(baselineNonFinite)}`,
      });
    }
    const outside = (o.outOfRange ?? 0) / Math.max(c.count, 1);
    if (outside > SCHEMA_DEFAULTS.outOfRangeShare) {
      found.push({
        feature,
        kind: 'out_of_range',
        share: outside,
        message: `${feature}: ${pct(outside)} of values outside the baseline range [${b.min}, ${b.max}] (current [${c.min}, ${c.max}])`,
      });
    }
  } else if (o.unseen) {
    const share = o.unseen / Math.max(c.count, 1);
    if (share > SCHEMA_DEFAULTS.unseenShare) {
      found.push({
        feature,
        kind: 'unseen_categories',
        share,
        baselineShare: 0,
        message: `${feature}: ${pct(share)} of values in categories the baseline never had`,
        examples: o.unseenExamples ?? [],
      });
    }
  }
  return found;
}

function isNumberType(dtype: string): boolean {
  return /INT|FLOAT|DOUBLE|REAL|DECIMAL/.test(dtype);
}
