import { UserError } from '../errors.js';
import { Database } from '../store/database.js';
import { quoteIdent, quoteTable } from '../store/sql.js';
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
import { type ColumnLimit, isNumericType, isTemporalType, loadTable, type LoadedTable } from './source.js';
import { type PredictionOptions, profilePerformance, profilePrediction } from './prediction.js';

/** Defaults of `driftwatch baseline create`, in one place. */
export const PROFILE_DEFAULTS = {
  bins: DEFAULT_BINS,
  sampleSize: 10_000,
  seed: 42,
  categoryCap: 10_000,
  /** A numeric column with at most this many distinct values (and no more than the sample size) is held whole, as the count of each value, instead of as a sample. */
  exactValues: 5_000,
  /** Quantiles stored for people and dashboards (the bin edges are stored apart). */
  quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99],
} as const;

export interface ProfileOptions {
  model: string;
  version: string;
  /** Only these columns (default: every column that is not a date or time, an id, a time as text, or near-unique). */
  features?: string[];
  /** Profile these columns even when they look like ids, times or near-unique values. */
  keep?: string[];
  /** Leave these columns out (the target, the prediction, anything the events do not carry). */
  exclude?: string[];
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
  /** Bounds of an untrusted file (an API upload): its columns, DuckDB's memory, and a signal that cancels the work. */
  limits?: ProfileLimits;
  /** The model's output column (and the label column): profiled apart from the features, never among them. */
  prediction?: PredictionOptions;
}

/** Bounds of a profile of an untrusted file. */
export interface ProfileLimits {
  columns?: ColumnLimit;
  /** DuckDB's memory_limit for the profile's database (e.g. '1024MiB'); past it DuckDB spills or fails the query. */
  memoryLimit?: string;
  /** Aborting it interrupts the running query and stops the profile with the signal's reason. */
  signal?: AbortSignal;
}

type Kind = FeatureProfile['kind'];

/**
 * When a column is not a feature by default (issue 14): it would be profiled to no use and then
 * raise findings on every live check. An id or a near-unique text column has a category per row,
 * so every serving value is "unseen"; a time written as text is a window key, like a DATE column.
 * A near-unique *integer* column is skipped only when its name says id or its values run as a
 * sequence (a row number): amounts in cents or incomes are near-unique integers and real features.
 */
export const SKIP_RULES = {
  /** Distinct values over non-null values above which a column is near-unique. */
  nearUniqueShare: 0.95,
  /** Fewer values than this and a distinct share says little: nothing is near-unique by its values alone. */
  minValues: 1000,
  /** ... and for a column whose name says id (`id`, `uuid`, `*_id`, `customerId`), fewer than this. */
  minIdValues: 100,
  /** Share of a text column's values written as ISO dates or times from which it is a time. */
  isoShare: 0.95,
  /** An integer column whose span (max - min + 1) is at most this many times its values counts as a sequence. */
  sequenceSpan: 1.05,
} as const;

/** Names of ids: `id`, `uuid`, `guid`, `*_id`, `*-uuid`, `customerId`. */
export function looksLikeIdName(name: string): boolean {
  return /^(id|uuid|guid)$/i.test(name) || /[_\-. ](id|uuid|guid)$/i.test(name) || /[a-z0-9](Id|ID|Uuid|UUID|Guid|GUID)$/.test(name);
}

/** ISO 8601 dates and date-times as text (`2024-05-01`, `2024-05-01T10:00:00.123Z`, `2024-05-01 10:00+02:00`). */
const ISO_PATTERN = String.raw`\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?`;

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;

/** What the skip rules read of one column: non-null values, distinct values, ISO-looking values, integer span. */
export interface ColumnShape {
  values: number;
  distinct: number;
  iso: number;
  span: number | null;
}

/** The shapes of the columns that could be skipped (text and integers), in one scan of the table. */
export async function columnShapes(db: Database, table: string, columns: readonly ColumnInfo[]): Promise<Map<string, ColumnShape>> {
  const candidates = columns.filter((c) => c.type === 'VARCHAR' || INTEGER_TYPES.test(c.type));
  if (candidates.length === 0) return new Map();
  const params: string[] = [];
  const selects = candidates.map((c, i) => {
    const col = quoteIdent(c.name);
    const parts = [`count(${col})::DOUBLE AS n${i}`, `count(DISTINCT ${col})::DOUBLE AS d${i}`];
    if (c.type === 'VARCHAR') {
      parts.push(`count(*) FILTER (WHERE regexp_full_match(${col}, ?))::DOUBLE AS iso${i}`);
      params.push(ISO_PATTERN);
    } else parts.push(`(max(${col})::DOUBLE - min(${col})::DOUBLE + 1) AS span${i}`);
    return parts.join(', ');
  });
  const row = await db.row(`SELECT ${selects.join(', ')} FROM ${quoteTable(table)}`, params);
  return new Map(
    candidates.map((c, i) => [
      c.name,
      {
        values: Number(row[`n${i}`]),
        distinct: Number(row[`d${i}`]),
        iso: Number(row[`iso${i}`] ?? 0),
        span: row[`span${i}`] === undefined || row[`span${i}`] === null ? null : Number(row[`span${i}`]),
      },
    ]),
  );
}

const counted = (n: number) => Math.round(n).toLocaleString('en-US');

/** Why a column is not a feature by default, or null when it is one. Pure: the shape comes from {@link columnShapes}. */
export function skipReason(column: ColumnInfo, shape: ColumnShape | undefined): string | null {
  if (!shape || shape.values === 0) return null;
  const keep = `; --keep ${column.name} to profile it`;
  if (column.type === 'VARCHAR' && shape.iso >= SKIP_RULES.isoShare * shape.values) {
    return `timestamp-like: ${counted(shape.iso)} of ${counted(shape.values)} values are ISO dates or times (a window key, not a feature)${keep}`;
  }
  const nearUnique = shape.distinct > SKIP_RULES.nearUniqueShare * shape.values;
  const distinct = `${counted(shape.distinct)} distinct values in ${counted(shape.values)}`;
  if (nearUnique && looksLikeIdName(column.name) && shape.values >= SKIP_RULES.minIdValues) {
    return `id-like: its name, and ${distinct} (every serving value would be a category the baseline never had)${keep}`;
  }
  if (!nearUnique || shape.values < SKIP_RULES.minValues) return null;
  if (column.type === 'VARCHAR') return `near-unique: ${distinct} (every serving value would be a category the baseline never had)${keep}`;
  if (shape.span !== null && shape.span <= SKIP_RULES.sequenceSpan * shape.values) {
    return `near-unique: ${distinct}, running as a sequence (a row number, not a feature)${keep}`;
  }
  return null;
}

/** Names of a model's target or output: kept (a feature may be named so) but worth a word. */
const TARGET_NAME = /^(target|label|labels|y|y_true|class|outcome|ground_truth)$/i;
const PREDICTION_NAME = /^(prediction|predictions|predicted|pred|preds|y_pred|y_hat|yhat|model_output)$|_(pred|prediction)$/i;

/**
 * What `baseline create` says about the columns: each column skipped by default with its reason,
 * and each kept feature whose name looks like a target or a prediction (a live event rarely
 * carries them under the features, and a feature the events lack is all null in every check).
 */
export function profileNotes(profile: Pick<BaselineProfile, 'features' | 'ignored'>): string[] {
  const skipped = profile.ignored.filter((c) => c.reason !== 'not in --features').map((c) => `skipped ${c.name} (${c.dtype}): ${c.reason}`);
  const kept = profile.features.flatMap((f) => {
    const what = TARGET_NAME.test(f.name) ? 'a target' : PREDICTION_NAME.test(f.name) ? 'a prediction' : null;
    return what
      ? [
          `kept ${f.name}: looks like ${what}; if the events do not carry it as a feature, --exclude ${f.name} (it would be all null in every live check)`,
        ]
      : [];
  });
  return [...skipped, ...kept];
}

/** Which columns are features and of which kind; the rest are recorded as ignored with a reason. */
export function planFeatures(
  columns: ColumnInfo[],
  options: Pick<ProfileOptions, 'features' | 'categorical' | 'numeric' | 'keep' | 'exclude'>,
  shapes: ReadonlyMap<string, ColumnShape> = new Map(),
) {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const known = columns.map((c) => c.name).join(', ');
  for (const name of [
    ...(options.features ?? []),
    ...(options.categorical ?? []),
    ...(options.numeric ?? []),
    ...(options.keep ?? []),
    ...(options.exclude ?? []),
  ]) {
    if (!byName.has(name)) throw new UserError(`unknown column '${name}'; the data has: ${known}`);
  }
  const wanted = options.features ? new Set(options.features) : null;
  const forcedCategorical = new Set(options.categorical ?? []);
  const forcedNumeric = new Set(options.numeric ?? []);
  const kept = new Set(options.keep ?? []);
  const excluded = new Set(options.exclude ?? []);
  const features: { column: ColumnInfo; kind: Kind }[] = [];
  const ignored: BaselineProfile['ignored'] = [];
  for (const column of columns) {
    // Only a column nobody named is judged by its shape: --features, --keep, --categorical and --numeric are explicit.
    const named = wanted?.has(column.name) || kept.has(column.name) || forcedCategorical.has(column.name) || forcedNumeric.has(column.name);
    const skip = named ? null : skipReason(column, shapes.get(column.name));
    if (excluded.has(column.name)) {
      ignored.push({ name: column.name, dtype: column.type, reason: 'excluded by --exclude' });
    } else if (wanted && !wanted.has(column.name)) {
      ignored.push({ name: column.name, dtype: column.type, reason: 'not in --features' });
    } else if (skip) {
      ignored.push({ name: column.name, dtype: column.type, reason: skip });
    } else if (forcedCategorical.has(column.name)) {
      features.push({ column, kind: 'categorical' });
    } else if (forcedNumeric.has(column.name)) {
      features.push({ column, kind: 'numeric' });
    } else if (isTemporalType(column.type) && !named) {
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
       FROM (SELECT ${expr} AS v FROM ${quoteTable(table)}) WHERE isfinite(v))
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
  const row = await db.row(`SELECT ${filters.join(', ')} FROM (SELECT ${expr} AS v FROM ${quoteTable(table)}) WHERE isfinite(v)`, params);
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
      ? await db.doubles(`SELECT v FROM (SELECT ${expr} AS v FROM ${quoteTable(table)}) WHERE isfinite(v) ORDER BY v`)
      : await db.doubles(
          `SELECT v FROM (SELECT ${expr} AS v, rowid AS r FROM ${quoteTable(table)}) WHERE isfinite(v) ORDER BY hash(r, ?::BIGINT) LIMIT ?`,
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
  // Counts of a few distinct values are exact and no larger than the sample would be.
  const exact = complete
    ? undefined
    : await exactCounts(db, loaded.table, expr, Math.min(PROFILE_DEFAULTS.exactValues, settings.sampleSize ?? Number.POSITIVE_INFINITY));
  const sample = exact
    ? Float64Array.from(exact.values)
    : await sortedValues(db, loaded.table, expr, complete ? null : settings.sampleSize, settings.seed);
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
    sample: exact
      ? { seed: settings.seed, complete: true, values: exact.values, counts: exact.counts }
      : { seed: settings.seed, complete, values: Array.from(sample) },
  };
}

/** The distinct finite values of a column and how often each occurs, ascending; undefined when it has more than `max`. */
async function exactCounts(
  db: Database,
  table: string,
  expr: string,
  max: number,
): Promise<{ values: number[]; counts: number[] } | undefined> {
  const rows = await db.rows(
    `SELECT v, count(*)::DOUBLE AS n FROM (SELECT ${expr} AS v FROM ${quoteTable(table)}) WHERE isfinite(v) GROUP BY v ORDER BY v LIMIT ?`,
    [max + 1],
  );
  if (rows.length > max) return undefined;
  return { values: rows.map((r) => Number(r.v)), counts: rows.map((r) => Number(r.n)) };
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
  const output = outputColumns(loaded.columns, options.prediction);
  const candidates = loaded.columns.filter((c) => !output.has(c.name));
  // The columns' shapes are read only when the skip rules apply (no --features list).
  const shapes = options.features ? new Map<string, ColumnShape>() : await columnShapes(db, loaded.table, candidates);
  const { features: plan, ignored: skipped } = planFeatures(candidates, withoutOutputs(options, output), shapes);
  const ignored = [...[...output.values()].map((o) => ({ name: o.column.name, dtype: o.column.type, reason: o.reason })), ...skipped];
  if (plan.length === 0) {
    const skipped = ignored.map((c) => `${c.name}: ${c.reason}`).join('; ');
    throw new UserError(`no feature to profile in '${loaded.file}'${skipped ? ` (${skipped})` : ''}`);
  }
  const features: FeatureProfile[] = [];
  for (const [i, { column, kind }] of plan.entries()) {
    options.limits?.signal?.throwIfAborted();
    options.onProgress?.(i / plan.length, column.name);
    features.push(
      kind === 'numeric' ? await profileNumeric(db, loaded, column, settings) : await profileCategorical(db, loaded, column, settings),
    );
  }
  const prediction = options.prediction ? await predictionAndPerformance(db, loaded, settings, options.prediction) : {};
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
    ...prediction,
  };
}

/** The prediction and label columns, each with the reason it is not a feature; unknown names are refused. */
function outputColumns(
  columns: readonly ColumnInfo[],
  prediction: PredictionOptions | undefined,
): Map<string, { column: ColumnInfo; reason: string }> {
  const out = new Map<string, { column: ColumnInfo; reason: string }>();
  if (!prediction) return out;
  const known = columns.map((c) => c.name).join(', ');
  const find = (name: string, option: string) => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new UserError(`${option} column '${name}' not found; the data has: ${known}`);
    return column;
  };
  out.set(prediction.column, {
    column: find(prediction.column, '--prediction'),
    reason: "the model's prediction (--prediction): profiled apart",
  });
  if (prediction.label !== undefined) {
    if (prediction.label === prediction.column) throw new UserError(`--label and --prediction name the same column '${prediction.label}'`);
    out.set(prediction.label, { column: find(prediction.label, '--label'), reason: 'the label (--label): summarised in performance' });
  }
  return out;
}

/** The feature options with the prediction and label columns taken out of every list (they are never features). */
function withoutOutputs(options: ProfileOptions, output: ReadonlyMap<string, unknown>): ProfileOptions {
  const keep = (names?: string[]) => names?.filter((n) => !output.has(n));
  const features = keep(options.features);
  const categorical = keep(options.categorical);
  const numeric = keep(options.numeric);
  const kept = keep(options.keep);
  const exclude = keep(options.exclude);
  return {
    ...options,
    ...(features ? { features } : {}),
    ...(categorical ? { categorical } : {}),
    ...(numeric ? { numeric } : {}),
    ...(kept ? { keep: kept } : {}),
    ...(exclude ? { exclude } : {}),
  };
}

/** The profile's `prediction` and (with a label) `performance`. */
async function predictionAndPerformance(
  db: Database,
  loaded: LoadedTable,
  settings: BaselineProfile['settings'],
  options: PredictionOptions,
): Promise<Pick<BaselineProfile, 'prediction' | 'performance'>> {
  const column = loaded.columns.find((c) => c.name === options.column)!;
  const prediction = await profilePrediction(db, loaded, column, options.kind, {
    numeric: (table, c) => profileNumeric(db, table, c, settings),
    categorical: (table, c) => profileCategorical(db, table, c, settings),
  });
  if (options.label === undefined) {
    if (options.threshold !== undefined) throw new UserError('--threshold goes with --label (it sets the binary performance threshold)');
    return { prediction };
  }
  const label = loaded.columns.find((c) => c.name === options.label)!;
  return { prediction, performance: await profilePerformance(db, loaded.table, prediction, column, label, options.threshold) };
}

/** Profiles a data file into a baseline profile: every aggregate, quantile and sample is computed by DuckDB. */
export async function createProfile(file: string, options: ProfileOptions): Promise<BaselineProfile> {
  const { signal, memoryLimit, columns } = options.limits ?? {};
  signal?.throwIfAborted();
  const db = await Database.open(':memory:', memoryLimit ? { memory_limit: memoryLimit } : {});
  // A cancel interrupts the query in progress; the loop between queries checks the signal.
  const cancel = () => db.interrupt();
  signal?.addEventListener('abort', cancel, { once: true });
  const report = options.onProgress;
  // Reading the file is one long DuckDB query: poll its progress for the first half of the bar.
  const poll = report && setInterval(() => report(Math.max(db.progressPercent(), 0) / 200, `reading ${file}`), 250);
  try {
    const loaded = await loadTable(db, file, 'baseline', { materialize: true, ...(columns ? { columnLimit: columns } : {}) }).finally(() =>
      clearInterval(poll),
    );
    signal?.throwIfAborted();
    return await profileTable(db, loaded, {
      ...options,
      ...(report ? { onProgress: (fraction: number, label: string) => report(0.5 + fraction / 2, label) } : {}),
    });
  } catch (error) {
    // An interrupted query's error stands for the cancel: the signal's reason says why.
    signal?.throwIfAborted();
    throw error;
  } finally {
    signal?.removeEventListener('abort', cancel);
    db.close();
  }
}
