import { DEFAULT_SCHEMA_CHECK, type SchemaCheckSettings } from '../config/schema-check.js';
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

/**
 * The schema findings about one feature present on both sides. Never throws on odd data. Each is
 * marked `alerting`: unseen categories and wrong types alert only from their minimum share
 * (`settings`), the other kinds are findings only past their tolerance, and then alert.
 */
export function featureAnomalies(o: SchemaObservation, settings: SchemaCheckSettings = DEFAULT_SCHEMA_CHECK): SchemaAnomaly[] {
  return findings(o).map((a) => {
    const minShare =
      a.kind === 'unseen_categories' ? settings.minUnseenShare : a.kind === 'type_mismatch' ? settings.minTypeMismatchShare : undefined;
    return minShare === undefined ? { ...a, alerting: true } : { ...a, alerting: a.share >= minShare, minShare };
  });
}

function findings(o: SchemaObservation): SchemaAnomaly[] {
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
      message: typeMismatchMessage(b, o.typeMismatches, rows, share, o.mismatchExamples ?? []),
      examples: o.mismatchExamples ?? [],
    });
  } else if (b.kind === 'categorical' && isNumberType(o.currentDtype) && !isNumberType(b.dtype)) {
    found.push({
      feature,
      kind: 'type_mismatch',
      share: 1,
      message: `${feature}: the column holds numbers (${o.currentDtype}) where the baseline had ${typeTerm(b.dtype)} (${b.dtype})`,
    });
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

const count = new Intl.NumberFormat('en-US');

/**
 * "1 of 3,338 values (0.0300%) is not a number: "abc"". The column's type says nothing here (a
 * samples table's numeric column is DOUBLE whatever the events sent, and a file's column is
 * DOUBLE when most values are numbers), so the message names the values' own type, read from
 * the examples (JSON text), and, for a categorical feature, the type the baseline had.
 */
function typeMismatchMessage(b: FeatureProfile, n: number, rows: number, share: number, examples: readonly string[]): string {
  const quoted = examples.length > 0 ? `: ${examples.map(asJson).join(', ')}` : '';
  const head = `${b.name}: ${count.format(n)} of ${count.format(rows)} values (${pct(share)})`;
  if (b.kind === 'numeric') return `${head} ${n === 1 ? 'is not a number' : 'are not numbers'}${quoted}`;
  const kinds = [...new Set(examples.map(jsonTypeTerm))];
  const what = kinds.length > 0 ? kinds.join(' or ') : 'of another type';
  return `${head} ${n === 1 ? 'is' : 'are'} ${what} where the baseline had ${typeTerm(b.dtype)}${quoted}`;
}

/**
 * An example as JSON text: the ingest's examples already are (`"forty"`, `true`, possibly cut
 * with an ellipsis); a file's are the raw text of the cell (`forty`), quoted here.
 */
function asJson(example: string): string {
  if (/^["{[]/.test(example)) return example;
  try {
    JSON.parse(example);
    return example;
  } catch {
    return JSON.stringify(example);
  }
}

/** What a baseline column of this DuckDB type holds, in words. */
function typeTerm(dtype: string): string {
  if (dtype === 'BOOLEAN') return 'booleans';
  if (isNumberType(dtype)) return 'numbers';
  return 'text';
}

/** The type of a value shown as JSON text (the ingest's `_errors` examples), in words. */
function jsonTypeTerm(example: string): string {
  if (example.startsWith('"')) return 'text';
  if (example.startsWith('{')) return 'objects';
  if (example.startsWith('[')) return 'lists';
  if (example === 'true' || example === 'false') return 'booleans';
  return 'numbers';
}

function isNumberType(dtype: string): boolean {
  return /INT|FLOAT|DOUBLE|REAL|DECIMAL/.test(dtype);
}
