import { doubleExpr, sortedValues, textExpr } from '../baseline/create.js';
import type { BaselineProfile, CategoricalFeatureProfile, NumericFeatureProfile } from '../contracts/profile.js';
import type { ColumnInfo } from '../store/database.js';
import { isNumericType, isTemporalType } from '../baseline/source.js';
import type { Database } from '../store/database.js';
import { quoteIdent, quoteTable } from '../store/sql.js';
import type { ColumnSummary, SchemaFindings } from '../contracts/report.js';
import { lowerBound, meanAndStd, sortedBinCounts, upperBound } from '../stats/sorted.js';

/** Features read at once, each on its own DuckDB connection (the machine this targets has 2 cores). */
export const READ_PARALLELISM = 2;

/** How many offending values a schema finding quotes. */
export const EXAMPLES = 3;

/** A numeric feature's current side: counts, bins over the baseline edges, and all finite values sorted. */
export interface NumericCurrent {
  summary: ColumnSummary;
  sorted: Float64Array;
  bins: number[];
  /** Non-null values that are not numbers (text in a numeric column). */
  typeMismatches: number;
  mismatchExamples: string[];
  outOfRange: number;
}

/** What the queries of a numeric feature return, per table or per window: the input of {@link numericCurrentFrom}. */
export interface NumericCounts {
  rows: number;
  /** Non-null values. */
  nonnull: number;
  /** Values that read as numbers (finite or not). */
  parsed: number;
  /** Up to a few values that did not read as numbers. */
  mismatchExamples: string[];
}

/** A numeric feature's current side from its counts and its sorted finite values (no query). */
export function numericCurrentFrom(
  column: ColumnInfo,
  baseline: NumericFeatureProfile,
  counts: NumericCounts,
  sorted: Float64Array,
): NumericCurrent {
  const { rows, nonnull, parsed } = counts;
  const { mean, std } = meanAndStd(sorted);
  const outOfRange =
    baseline.min === null || baseline.max === null
      ? 0
      : lowerBound(sorted, baseline.min) + (sorted.length - upperBound(sorted, baseline.max));
  return {
    summary: {
      rows,
      count: sorted.length,
      nulls: rows - nonnull,
      nonFinite: parsed - sorted.length,
      ...(sorted.length > 0 ? { min: sorted[0]!, max: sorted[sorted.length - 1]!, mean, std } : {}),
    },
    sorted,
    bins: sortedBinCounts(sorted, baseline.bins.edges),
    typeMismatches: isNumericType(column.type) ? 0 : nonnull - parsed,
    mismatchExamples: counts.mismatchExamples,
    outOfRange,
  };
}

/** Reads a numeric feature of the current table; text that does not parse as a number is a type mismatch. */
export async function readNumericCurrent(
  db: Database,
  table: string,
  column: ColumnInfo,
  baseline: NumericFeatureProfile,
): Promise<NumericCurrent> {
  const expr = doubleExpr(column);
  const raw = quoteIdent(column.name);
  const counts = await db.row(
    `SELECT count(*)::DOUBLE AS rows, count(raw)::DOUBLE AS nonnull, count(v)::DOUBLE AS parsed
     FROM (SELECT ${raw} AS raw, ${expr} AS v FROM ${quoteTable(table)})`,
  );
  const typeMismatches = Number(counts.nonnull) - Number(counts.parsed);
  const mismatchExamples =
    typeMismatches > 0
      ? (
          await db.rows(
            `SELECT DISTINCT CAST(${raw} AS VARCHAR) AS s FROM ${quoteTable(table)} WHERE ${raw} IS NOT NULL AND ${expr} IS NULL LIMIT ${EXAMPLES}`,
          )
        ).map((r) => String(r.s))
      : [];
  const sorted = await sortedValues(db, table, expr, null, 0);
  return numericCurrentFrom(
    column,
    baseline,
    { rows: Number(counts.rows), nonnull: Number(counts.nonnull), parsed: Number(counts.parsed), mismatchExamples },
    sorted,
  );
}

/** A categorical feature's current side: counts over the baseline's bins plus the unseen bin. */
export interface CategoricalCurrent {
  summary: ColumnSummary;
  /** One count per baseline category, then "(other)" when the baseline folded categories, then "(unseen)". */
  bins: number[];
  labels: string[];
  unseen: number;
  unseenExamples: string[];
}

/** The label of the bin of current values the baseline never had. */
export const UNSEEN_LABEL = '(unseen)';
/** The label of the bin of baseline categories beyond the profile's cap. */
export const OTHER_LABEL = '(other)';

/** The bin labels of a categorical baseline: its categories, "(other)" if it folded some, "(unseen)". */
export function categoricalLabels(baseline: CategoricalFeatureProfile): string[] {
  return [...baseline.categories.map((c) => c.value), ...(baseline.other.count > 0 ? [OTHER_LABEL] : []), UNSEEN_LABEL];
}

/** One value of a categorical feature and how often it occurs (null for missing values). */
export interface ValueCount {
  v: string | null;
  n: number;
}

/** A categorical feature's current side from its value counts, most frequent first (no query). */
export function categoricalCurrentFrom(baseline: CategoricalFeatureProfile, counts: readonly ValueCount[]): CategoricalCurrent {
  const labels = categoricalLabels(baseline);
  const index = new Map(baseline.categories.map((c, i) => [c.value, i]));
  const folded = baseline.other.count > 0;
  const bins = new Array<number>(labels.length).fill(0);
  let total = 0;
  let nulls = 0;
  let unseen = 0;
  const unseenExamples: string[] = [];
  for (const { v: value, n } of counts) {
    total += n;
    if (value === null) {
      nulls += n;
      continue;
    }
    const i = index.get(value);
    if (i !== undefined) bins[i]! += n;
    // With folded categories an unknown value may be one the baseline saw beyond its cap: count it there.
    else if (folded) bins[labels.length - 2]! += n;
    else {
      bins[labels.length - 1]! += n;
      unseen += n;
      if (unseenExamples.length < EXAMPLES) unseenExamples.push(value);
    }
  }
  return { summary: { rows: total, count: total - nulls, nulls, nonFinite: 0 }, bins, labels, unseen, unseenExamples };
}

/** Reads a categorical feature of the current table, grouped by value inside DuckDB. */
export async function readCategoricalCurrent(
  db: Database,
  table: string,
  column: ColumnInfo,
  baseline: CategoricalFeatureProfile,
): Promise<CategoricalCurrent> {
  const rows = await db.rows(
    `SELECT v, count(*)::DOUBLE AS n FROM (SELECT ${textExpr(column)} AS v FROM ${quoteTable(table)}) GROUP BY v ORDER BY n DESC, v`,
  );
  return categoricalCurrentFrom(
    baseline,
    rows.map((r) => ({ v: r.v === null ? null : String(r.v), n: Number(r.n) })),
  );
}

/** A JSON pointer to one key (RFC 6901 escaping), for DuckDB's json functions. */
function jsonPointer(...keys: string[]): string {
  return keys.map((k) => `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * Wrongly typed values the ingest set aside for a feature (a samples table's `_errors` column):
 * the column holds NULL for them, and this is the evidence of training-serving skew.
 */
export async function readStoredTypeErrors(db: Database, table: string, feature: string): Promise<{ count: number; examples: string[] }> {
  const rows = await db.rows(
    `SELECT json_extract_string(_errors, ?) AS v FROM ${quoteTable(table)} WHERE json_extract_string(_errors, ?) = 'wrong_type'`,
    [jsonPointer(feature, 'value'), jsonPointer(feature, 'reason')],
  );
  const examples = [...new Set(rows.map((r) => String(r.v)))].slice(0, EXAMPLES);
  return { count: rows.length, examples };
}

/** Fields the events carried that the baseline does not know (a samples table's `_extra` column). */
export async function readExtraFields(db: Database, table: string): Promise<string[]> {
  const rows = await db.rows(
    `SELECT DISTINCT unnest(json_keys(_extra)) AS k FROM ${quoteTable(table)} WHERE _extra IS NOT NULL ORDER BY k`,
  );
  return rows.map((r) => String(r.k));
}

/** True when the table is a samples table of the ingest (it has the `_errors` column). */
export const isSamplesTable = (columns: readonly ColumnInfo[]) => columns.some((c) => c.name === '_errors');

/**
 * The schema findings that do not depend on a feature's values: the profile's features the table
 * lacks, and the fields it has that the profile does not know (for a samples table, the events'
 * extra fields; temporal columns of a file are taken as its event time, not as unexpected).
 */
export async function readSchemaFields(
  db: Database,
  profile: BaselineProfile,
  current: { table: string; columns: readonly ColumnInfo[] },
  ignoreColumns: readonly string[] = [],
): Promise<Pick<SchemaFindings, 'missing' | 'unexpected'>> {
  const columns = new Set(current.columns.map((c) => c.name));
  const known = new Set([...profile.features.map((f) => f.name), ...profile.ignored.map((c) => c.name), ...ignoreColumns]);
  return {
    missing: profile.features.filter((f) => !columns.has(f.name)).map((f) => f.name),
    unexpected: isSamplesTable(current.columns)
      ? (await readExtraFields(db, current.table)).filter((name) => !known.has(name))
      : current.columns.filter((c) => !known.has(c.name) && !isTemporalType(c.type)).map((c) => c.name),
  };
}
