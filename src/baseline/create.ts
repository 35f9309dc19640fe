import { UserError } from '../errors.js';
import { Database } from '../store/database.js';
import { quoteIdent } from '../store/sql.js';
import { toShares } from '../stats/shares.js';
import { DEFAULT_BINS, distinctEdges, edgeProbabilities, numpyLerp, quantilePosition } from '../stats/bins.js';
import {
  type BaselineProfile,
  type CategoricalFeatureProfile,
  type FeatureProfile,
  type NumericFeatureProfile,
  PROFILE_SCHEMA_VERSION,
} from '../contracts/profile.js';
import type { ColumnInfo } from '../store/database.js';
import { isNumericType, isTemporalType, loadTable, type LoadedTable } from './source.js';

/** Defaults of `driftwatch baseline create`, in one place. */
export const PROFILE_DEFAULTS = {
  bins: DEFAULT_BINS,
  sampleSize: 10_000,
  seed: 42,
  categoryCap: 10_000,
  /** Quantiles stored for people and dashboards (the bin edges are stored apart). */
  quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99],
} as const;

export interface ProfileOptions {
  model: string;
  version: string;
  /** Only these columns (default: every column that is not a date or time). */
  features?: string[];
  /** Force these columns to be categorical (or numeric). */
  categorical?: string[];
  numeric?: string[];
  bins?: number;
  /** Size of the stored numeric sample; null keeps the whole column (used when a data file is the baseline). */
  sampleSize?: number | null;
  seed?: number;
  categoryCap?: number;
  /** Called with a fraction 0..1 and a label as the work goes on. */
  onProgress?: (fraction: number, label: string) => void;
}

type Kind = FeatureProfile['kind'];

/** Which columns are features and of which kind; the rest are recorded as ignored with a reason. */
export function planFeatures(columns: ColumnInfo[], options: Pick<ProfileOptions, 'features' | 'categorical' | 'numeric'>) {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const known = columns.map((c) => c.name).join(', ');
  for (const name of [...(options.features ?? []), ...(options.categorical ?? []), ...(options.numeric ?? [])]) {
    if (!byName.has(name)) throw new UserError(`unknown column '${name}'; the data has: ${known}`);
  }
  const wanted = options.features ? new Set(options.features) : null;
  const forcedCategorical = new Set(options.categorical ?? []);
  const forcedNumeric = new Set(options.numeric ?? []);
  const features: { column: ColumnInfo; kind: Kind }[] = [];
  const ignored: BaselineProfile['ignored'] = [];
  for (const column of columns) {
    if (wanted && !wanted.has(column.name)) {
      ignored.push({ name: column.name, dtype: column.type, reason: 'not in --features' });
    } else if (forcedCategorical.has(column.name)) {
      features.push({ column, kind: 'categorical' });
    } else if (forcedNumeric.has(column.name)) {
      features.push({ column, kind: 'numeric' });
    } else if (isTemporalType(column.type) && !wanted?.has(column.name)) {
      ignored.push({
        name: column.name,
        dtype: column.type,
        reason: 'date/time column (a window key, not a feature); list it in --features to profile it',
      });
    } else {
      features.push({ column, kind: isNumericType(column.type) ? 'numeric' : 'categorical' });
    }
  }
  return { features, ignored };
}

/** SQL for a column as DOUBLE: text that is not a number becomes NULL rather than failing the query. */
export function doubleExpr(column: ColumnInfo): string {
  const col = quoteIdent(column.name);
  if (isNumericType(column.type)) return `CAST(${col} AS DOUBLE)`;
  if (column.type === 'BOOLEAN') return `CAST(${col} AS DOUBLE)`;
  if (isTemporalType(column.type)) return `epoch(${col})`;
  return `TRY_CAST(${col} AS DOUBLE)`;
}

/** SQL for a column as text, the form categories are compared in. */
export function textExpr(column: ColumnInfo): string {
  return `CAST(${quoteIdent(column.name)} AS VARCHAR)`;
}

/** The order statistics at the given 0-based positions of the sorted finite values, from DuckDB. */
async function orderStatistics(db: Database, table: string, expr: string, positions: number[]): Promise<Map<number, number>> {
  if (positions.length === 0) return new Map();
  const unique = [...new Set(positions)];
  // Positions are integers we computed, so they can be inlined; the column goes through quoteIdent.
  const rows = await db.rows(
    `SELECT i, v FROM (SELECT v, row_number() OVER (ORDER BY v) - 1 AS i
       FROM (SELECT ${expr} AS v FROM ${quoteIdent(table)}) WHERE isfinite(v))
     WHERE i IN (${unique.join(', ')})`,
  );
  return new Map(rows.map((r) => [Number(r.i), Number(r.v)]));
}

/** Type-7 quantiles of the finite values at the given probabilities, computed as numpy does. */
export async function quantilesInDuckDB(
  db: Database,
  table: string,
  expr: string,
  count: number,
  probs: readonly number[],
): Promise<number[]> {
  if (count === 0) return probs.map(() => NaN);
  const positions = probs.map((q) => quantilePosition(count, q));
  const needed = positions.flatMap(({ lower }) => [lower, Math.min(lower + 1, count - 1)]);
  const stats = await orderStatistics(db, table, expr, needed);
  return positions.map(({ lower, gamma }) => numpyLerp(stats.get(lower)!, stats.get(Math.min(lower + 1, count - 1))!, gamma));
}

/** Counts of the finite values per right-closed bin, in one scan. */
export async function binCountsInDuckDB(db: Database, table: string, expr: string, edges: readonly number[]): Promise<number[]> {
  const filters = Array.from({ length: edges.length + 1 }, (_, i) => {
    const lower = i === 0 ? 'true' : 'v > ?';
    const upper = i === edges.length ? 'true' : 'v <= ?';
    return `count(*) FILTER (WHERE ${lower} AND ${upper})::DOUBLE AS b${i}`;
  });
  const params = Array.from({ length: edges.length + 1 }, (_, i) => [
    ...(i === 0 ? [] : [edges[i - 1]!]),
    ...(i === edges.length ? [] : [edges[i]!]),
  ]).flat();
  const row = await db.row(`SELECT ${filters.join(', ')} FROM (SELECT ${expr} AS v FROM ${quoteIdent(table)}) WHERE isfinite(v)`, params);
  return filters.map((_, i) => Number(row[`b${i}`]));
}

/**
 * The sorted finite values of a column: all of them, or a seeded sample of `size`.
 * The sample is ordered by a hash of (row id, seed), so the same file and seed give the same
 * sample on every machine and thread count (DuckDB's reservoir sample is not repeatable across threads).
 */
export async function sortedValues(db: Database, table: string, expr: string, size: number | null, seed: number): Promise<Float64Array> {
  const values =
    size === null
      ? await db.doubles(`SELECT v FROM (SELECT ${expr} AS v FROM ${quoteIdent(table)}) WHERE isfinite(v) ORDER BY v`)
      : await db.doubles(
          `SELECT v FROM (SELECT ${expr} AS v, rowid AS r FROM ${quoteIdent(table)}) WHERE isfinite(v) ORDER BY hash(r, ?::BIGINT) LIMIT ?`,
          [seed, size],
        );
  return size === null ? values : values.sort();
}

async function profileNumeric(
  db: Database,
  loaded: LoadedTable,
  column: ColumnInfo,
  settings: BaselineProfile['settings'],
): Promise<NumericFeatureProfile> {
  const expr = doubleExpr(column);
  const moments = (scale: string) =>
    db.row(
      `SELECT count(*)::DOUBLE AS rows, count(v)::DOUBLE AS nonnull,
            count(*) FILTER (WHERE isfinite(v))::DOUBLE AS finite,
            min(v) FILTER (WHERE isfinite(v)) AS min, max(v) FILTER (WHERE isfinite(v)) AS max,
            avg(v / ${scale}) FILTER (WHERE isfinite(v)) * ${scale} AS mean, stddev_pop(v / ${scale}) FILTER (WHERE isfinite(v)) * ${scale} AS std
     FROM (SELECT ${expr} AS v FROM ${quoteIdent(loaded.table)})`,
    );
  // Values near ±1.8e308 overflow the sum of squares ("STDDEV_POP is out of range"): then the
  // moments are taken of the values scaled down by 2^600 (exact, a power of two) and scaled back.
  const s = await moments('1').catch((error: unknown) => {
    if (/out of range/i.test(error instanceof Error ? error.message : String(error))) return moments('(2.0 ^ 600)');
    throw error;
  });
  const rows = Number(s.rows);
  const count = Number(s.finite);
  const nulls = rows - Number(s.nonnull);
  const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));
  const probs = [...PROFILE_DEFAULTS.quantiles];
  const edgeProbs = edgeProbabilities(settings.bins);
  const all = await quantilesInDuckDB(db, loaded.table, expr, count, [...edgeProbs, ...probs]);
  const edges = count === 0 ? [] : distinctEdges(all.slice(0, edgeProbs.length));
  const counts = await binCountsInDuckDB(db, loaded.table, expr, edges);
  const complete = settings.sampleSize === null || count <= settings.sampleSize;
  const sample = await sortedValues(db, loaded.table, expr, complete ? null : settings.sampleSize, settings.seed);
  return {
    name: column.name,
    kind: 'numeric',
    dtype: column.type,
    rows,
    count,
    nulls,
    nullShare: rows === 0 ? 0 : nulls / rows,
    nonFinite: Number(s.nonnull) - count,
    min: num(s.min),
    max: num(s.max),
    mean: num(s.mean),
    std: num(s.std),
    quantiles: { probs, values: count === 0 ? [] : all.slice(edgeProbs.length) },
    bins: { edges, counts, shares: toShares(counts) },
    sample: { seed: settings.seed, complete, values: Array.from(sample) },
  };
}

async function profileCategorical(
  db: Database,
  loaded: LoadedTable,
  column: ColumnInfo,
  settings: BaselineProfile['settings'],
): Promise<CategoricalFeatureProfile> {
  const table = quoteIdent(loaded.table);
  const expr = textExpr(column);
  const totals = await db.row(
    `SELECT count(*)::DOUBLE AS rows, count(v)::DOUBLE AS count, count(DISTINCT v)::DOUBLE AS cardinality FROM (SELECT ${expr} AS v FROM ${table})`,
  );
  const top = await db.rows(
    `SELECT v, count(*)::DOUBLE AS n FROM (SELECT ${expr} AS v FROM ${table}) WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?`,
    [settings.categoryCap],
  );
  const categories = top
    .map((r) => ({ value: String(r.v), count: Number(r.n) }))
    // A plain code-unit order: stable across machines and locales.
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const count = Number(totals.count);
  const rows = Number(totals.rows);
  const kept = categories.reduce((sum, c) => sum + c.count, 0);
  return {
    name: column.name,
    kind: 'categorical',
    dtype: column.type,
    rows,
    count,
    nulls: rows - count,
    nullShare: rows === 0 ? 0 : (rows - count) / rows,
    cardinality: Number(totals.cardinality),
    categories,
    other: { categories: Number(totals.cardinality) - categories.length, count: count - kept },
  };
}

/** Profiles the features of a table already loaded in the database. */
export async function profileTable(db: Database, loaded: LoadedTable, options: ProfileOptions): Promise<BaselineProfile> {
  const bins = options.bins ?? PROFILE_DEFAULTS.bins;
  if (!Number.isInteger(bins) || bins < 2) throw new UserError(`--bins must be a whole number >= 2, got ${bins}`);
  const settings: BaselineProfile['settings'] = {
    bins,
    sampleSize: options.sampleSize === undefined ? PROFILE_DEFAULTS.sampleSize : options.sampleSize,
    seed: options.seed ?? PROFILE_DEFAULTS.seed,
    categoryCap: options.categoryCap ?? PROFILE_DEFAULTS.categoryCap,
  };
  const { features: plan, ignored } = planFeatures(loaded.columns, options);
  if (plan.length === 0) throw new UserError(`no feature to profile in '${loaded.file}'`);
  const features: FeatureProfile[] = [];
  for (const [i, { column, kind }] of plan.entries()) {
    options.onProgress?.(i / plan.length, column.name);
    features.push(
      kind === 'numeric' ? await profileNumeric(db, loaded, column, settings) : await profileCategorical(db, loaded, column, settings),
    );
  }
  options.onProgress?.(1, 'done');
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    model: options.model,
    version: options.version,
    createdAt: new Date().toISOString(),
    source: { file: loaded.file, format: loaded.format, rows: loaded.rows },
    settings,
    features,
    ignored,
  };
}

/** Profiles a data file into a baseline profile: every aggregate, quantile and sample is computed by DuckDB. */
export async function createProfile(file: string, options: ProfileOptions): Promise<BaselineProfile> {
  const db = await Database.open();
  const report = options.onProgress;
  // Reading the file is one long DuckDB query: poll its progress for the first half of the bar.
  const poll = report && setInterval(() => report(Math.max(db.progressPercent(), 0) / 200, `reading ${file}`), 250);
  try {
    const loaded = await loadTable(db, file, 'baseline', { materialize: true }).finally(() => clearInterval(poll));
    return await profileTable(db, loaded, {
      ...options,
      ...(report ? { onProgress: (fraction: number, label: string) => report(0.5 + fraction / 2, label) } : {}),
    });
  } finally {
    db.close();
  }
}
