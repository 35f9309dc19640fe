import { doubleExpr, textExpr } from '../baseline/create.js';
import { isNumericType, isTemporalType, type LoadedTable } from '../baseline/source.js';
import type { DecisionSettings } from '../config/decision.js';
import type {
  BaselineProfile,
  CategoricalFeatureProfile,
  FeatureProfile,
  NumericFeatureProfile,
  PredictionProfile,
} from '../contracts/profile.js';
import type { CheckReport, SchemaFindings, WindowedReport, WindowReport } from '../contracts/report.js';
import { UserError } from '../errors.js';
import type { ColumnInfo, Database } from '../store/database.js';
import { mapOnConnections } from '../store/pool.js';
import { quoteIdent, quoteTable } from '../store/sql.js';
import { jsonTextExpr, predictionShape } from '../baseline/prediction.js';
import { parsePredictionText } from '../contracts/prediction.js';
import { compareCurrents, type FeatureCurrent, type PredictionCurrent, type RecordedMismatches, statusOf } from './compare.js';
import { predictionCurrentFrom } from './prediction.js';
import {
  type CategoricalCurrent,
  categoricalCurrentFrom,
  EXAMPLES,
  READ_PARALLELISM,
  type NumericCurrent,
  numericCurrentFrom,
  type ValueCount,
} from './current.js';
import { describeDecision } from './decision.js';

/**
 * `check --by COLUMN [--every PERIOD]`: every window of the current table compared with the
 * baseline in a few passes, not one pass per window. The windows and their order are found in
 * one grouped pass; a view then gives each row its window's number, and each feature is read
 * once for all windows through it: counts per window and value in one grouped query, the numeric
 * values in one sort by (window, value). A view, not a table: a Parquet file is read again per
 * feature (one column and the key each time, which is cheap), and the process never holds a
 * copy of the whole current data (150 daily windows of 2.5M flights: 400 MB peak, not 555 MB).
 * The comparison of each window is the same pure function a single check uses.
 */

/** `--every`: a count and a unit; `mo` is a calendar month (the 28 to 31 days of one month). */
const PERIOD = /^(\d+)(mo|m|h|d|w)$/;
const PERIOD_UNITS = { m: 'minutes', h: 'hours', d: 'days', w: 'weeks', mo: 'months' } as const;

/** The window key of a row (ordered by its own type) and the label a report shows for it. */
function windowKey(column: ColumnInfo, every?: string): { key: string; label: (k: string) => string } {
  const col = quoteIdent(column.name);
  if (!every) return { key: col, label: (k) => `CAST(${k} AS VARCHAR)` };
  const match = PERIOD.exec(every);
  if (!match || Number(match[1]) < 1)
    throw new UserError(`--every must look like 30m, 1h, 1d, 7d, 2w or 1mo (m is minutes, mo calendar months); got '${every}'`);
  if (!isTemporalType(column.type) && column.type !== 'VARCHAR') {
    throw new UserError(`--every needs a date or timestamp column; '${column.name}' is ${column.type}`);
  }
  // The count and unit are validated above, so they can be written into the SQL.
  const interval = `INTERVAL ${Number(match[1])} ${PERIOD_UNITS[match[2] as keyof typeof PERIOD_UNITS]}`;
  return { key: `time_bucket(${interval}, CAST(${col} AS TIMESTAMP))`, label: (k) => `strftime(${k}, '%Y-%m-%dT%H:%M:%S')` };
}

/** The options of a windowed check. */
export interface WindowedCheck {
  by: string;
  every?: string;
  decision?: DecisionSettings;
}

/** A numeric feature's current side in every window, from three grouped queries. */
async function readNumericWindows(
  db: Database,
  table: string,
  column: ColumnInfo,
  baseline: NumericFeatureProfile,
  windows: number,
): Promise<NumericCurrent[]> {
  const expr = doubleExpr(column);
  const raw = quoteIdent(column.name);
  const counts = await db.rows(
    `SELECT __wi AS w, count(*)::DOUBLE AS rows, count(raw)::DOUBLE AS nonnull, count(v)::DOUBLE AS parsed
     FROM (SELECT __wi, ${raw} AS raw, ${expr} AS v FROM ${quoteTable(table)}) GROUP BY __wi`,
  );
  const byWindow = new Map(counts.map((r) => [Number(r.w), r]));
  const examples = new Map<number, string[]>();
  if (!isNumericType(column.type) && counts.some((r) => Number(r.nonnull) > Number(r.parsed))) {
    const rows = await db.rows(
      `SELECT w, s FROM (
         SELECT __wi AS w, s, row_number() OVER (PARTITION BY __wi ORDER BY s) AS r
         FROM (SELECT DISTINCT __wi, CAST(${raw} AS VARCHAR) AS s FROM ${quoteTable(table)} WHERE ${raw} IS NOT NULL AND ${expr} IS NULL)
       ) WHERE r <= ${EXAMPLES} ORDER BY w, s`,
    );
    for (const r of rows) examples.set(Number(r.w), [...(examples.get(Number(r.w)) ?? []), String(r.s)]);
  }
  const { values, starts } = await db.groupedDoubles(
    `SELECT __wi, v FROM (SELECT __wi, ${expr} AS v FROM ${quoteTable(table)}) WHERE isfinite(v) ORDER BY __wi, v`,
    windows,
  );
  return Array.from({ length: windows }, (_, w) => {
    const r = byWindow.get(w);
    return numericCurrentFrom(
      column,
      baseline,
      {
        rows: Number(r?.rows ?? 0),
        nonnull: Number(r?.nonnull ?? 0),
        parsed: Number(r?.parsed ?? 0),
        mismatchExamples: examples.get(w) ?? [],
      },
      values.subarray(starts[w]!, starts[w + 1]!),
    );
  });
}

/** A categorical feature's current side in every window, from one query grouped by window and value. */
async function readCategoricalWindows(
  db: Database,
  table: string,
  column: ColumnInfo,
  baseline: CategoricalFeatureProfile,
  windows: number,
): Promise<CategoricalCurrent[]> {
  const rows = await db.rows(
    `SELECT __wi AS w, v, count(*)::DOUBLE AS n FROM (SELECT __wi, ${textExpr(column)} AS v FROM ${quoteTable(table)})
     GROUP BY __wi, v ORDER BY w, n DESC, v`,
  );
  const counts = Array.from({ length: windows }, (): ValueCount[] => []);
  for (const r of rows) counts[Number(r.w)]!.push({ v: r.v === null ? null : String(r.v), n: Number(r.n) });
  return counts.map((c) => categoricalCurrentFrom(baseline, c));
}

/**
 * The prediction's current side in every window: a plain column read as a feature's (in DuckDB,
 * grouped by window), class probabilities parsed per row; absent when the file lacks the column
 * or a window holds only nulls in it.
 */
async function readPredictionWindows(
  db: Database,
  profile: PredictionProfile,
  alias: ColumnInfo | undefined,
  name: string | undefined,
  windows: number,
): Promise<PredictionCurrent[]> {
  const base = { profile, source: 'column' as const };
  if (!alias || name === undefined) {
    const absent = `the current data has no column '${profile.column}' (the baseline's prediction): the prediction is not compared`;
    return Array.from({ length: windows }, () => ({ ...base, absent }));
  }
  const reported: ColumnInfo = { name, type: alias.type };
  const shape = predictionShape(profile);
  let sides: { currents: FeatureCurrent[]; recorded: RecordedMismatches[] }[];
  if (shape === 'number') {
    const currents = await readNumericWindows(db, SPLIT_VIEW, alias, profile.profile as NumericFeatureProfile, windows);
    sides = currents.map((current) => ({
      currents: [{ kind: 'numeric', column: reported, current }],
      recorded: [{ count: 0, examples: [] }],
    }));
  } else if (shape === 'class') {
    const currents = await readCategoricalWindows(db, SPLIT_VIEW, alias, profile.profile as CategoricalFeatureProfile, windows);
    sides = currents.map((current) => ({
      currents: [{ kind: 'categorical', column: reported, current }],
      recorded: [{ count: 0, examples: [] }],
    }));
  } else {
    const rows = await db.rows(`SELECT __wi AS w, ${jsonTextExpr(alias)} AS j FROM ${quoteTable(SPLIT_VIEW)}`);
    const values = Array.from({ length: windows }, (): unknown[] => []);
    for (const r of rows) values[Number(r.w)]!.push(parsePredictionText(r.j === null || r.j === undefined ? null : String(r.j)));
    sides = values.map((v) => predictionCurrentFrom(profile, v));
  }
  return sides.map((side) => {
    const first = side.currents[0]!.current.summary;
    if (first.rows > 0 && first.nulls === first.rows)
      return { ...base, absent: `every value of '${profile.column}' in this window is null: the prediction is not compared` };
    return { ...base, ...side };
  });
}

/** Table names of one windowed check (the check's database is its own, in memory). */
const WINDOWS_TABLE = '__driftwatch_windows';
const SPLIT_VIEW = '__driftwatch_split';

/** Compares every window of `loaded` (split by `request.by`) with the profile. */
export async function checkWindows(
  db: Database,
  profile: BaselineProfile,
  header: CheckReport['baseline'],
  loaded: LoadedTable,
  request: WindowedCheck,
  schema: Pick<SchemaFindings, 'missing' | 'unexpected'>,
): Promise<WindowedReport> {
  const column = loaded.columns.find((c) => c.name === request.by);
  if (!column)
    throw new UserError(`--by column '${request.by}' not found; the current data has: ${loaded.columns.map((c) => c.name).join(', ')}`);
  const { key, label } = windowKey(column, request.every);
  const source = quoteIdent(loaded.table);
  const columns = new Map(loaded.columns.map((c) => [c.name, c]));
  const present: FeatureProfile[] = profile.features.filter((f) => columns.has(f.name));
  // The features under positional names, so no data column can collide with the window number.
  const aliased = present.map((f, i): ColumnInfo => ({ name: `f${i}`, type: columns.get(f.name)!.type }));
  // The prediction's column rides along under its own alias, read per window as the features are.
  const predictionColumn = profile.prediction ? columns.get(profile.prediction.column) : undefined;
  const predictionAlias: ColumnInfo | undefined = predictionColumn ? { name: 'p0', type: predictionColumn.type } : undefined;
  try {
    // Windows in the key's own order (numbers as numbers, times as times), nulls last.
    await db.run(
      `CREATE OR REPLACE TABLE ${WINDOWS_TABLE} AS
       SELECT k, ${label('k')} AS label, n, (row_number() OVER (ORDER BY k NULLS LAST) - 1)::INTEGER AS i
       FROM (SELECT ${key} AS k, count(*)::DOUBLE AS n FROM ${source} GROUP BY k)`,
    );
    const windowRows = await db.rows(`SELECT i, label, n FROM ${WINDOWS_TABLE} ORDER BY i`);
    const projection = [
      ...present.map((f, i) => `${quoteIdent(f.name)} AS f${i}`),
      ...(predictionColumn ? [`${quoteIdent(predictionColumn.name)} AS p0`] : []),
    ];
    await db.run(
      `CREATE OR REPLACE VIEW ${SPLIT_VIEW} AS
       SELECT w.i AS __wi${[...aliased, ...(predictionAlias ? [predictionAlias] : [])].map((c) => `, t.${c.name}`).join('')}
       FROM (SELECT ${[`${key} AS __k`, ...projection].join(', ')} FROM ${source}) t
       JOIN ${WINDOWS_TABLE} w ON t.__k IS NOT DISTINCT FROM w.k`,
    );
    const count = windowRows.length;
    const indexed = present.map((feature, i) => ({ feature, alias: aliased[i]! }));
    const perFeature = await mapOnConnections(db, indexed, READ_PARALLELISM, async (connection, { feature, alias }) => {
      // The report's column keeps the data's name; only the queries use the alias.
      const reported: ColumnInfo = { name: feature.name, type: alias.type };
      if (feature.kind === 'numeric') {
        const sides = await readNumericWindows(connection, SPLIT_VIEW, alias, feature, count);
        return sides.map((current): FeatureCurrent => ({ kind: 'numeric', column: reported, current }));
      }
      const sides = await readCategoricalWindows(connection, SPLIT_VIEW, alias, feature, count);
      return sides.map((current): FeatureCurrent => ({ kind: 'categorical', column: reported, current }));
    });
    const predictions = profile.prediction
      ? await readPredictionWindows(db, profile.prediction, predictionAlias, predictionColumn?.name, count)
      : undefined;
    const windows: WindowReport[] = windowRows.map((row, w) => {
      const comparison = compareCurrents(
        present,
        perFeature.map((sides) => sides[w]!),
        schema,
        { ...(request.decision ? { decision: request.decision } : {}), ...(predictions ? { prediction: predictions[w]! } : {}) },
      );
      return {
        window: row.label === null ? '(null)' : String(row.label),
        rows: Number(row.n),
        status: statusOf(comparison),
        ...comparison,
      };
    });
    return {
      baseline: header,
      current: { name: loaded.file, rows: loaded.rows },
      by: request.by,
      ...(request.every ? { every: request.every } : {}),
      drift: windows.some((w) => w.drift),
      windows,
      decision: describeDecision(request.decision, { prediction: profile.prediction !== undefined }),
      generatedAt: new Date().toISOString(),
    };
  } finally {
    await db.run(`DROP VIEW IF EXISTS ${SPLIT_VIEW}`);
    await db.run(`DROP TABLE IF EXISTS ${WINDOWS_TABLE}`);
  }
}
