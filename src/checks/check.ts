import { basename } from 'node:path';
import { profileTable } from '../baseline/create.js';
import type { BaselineProfile, CategoricalFeatureProfile, FeatureProfile, NumericFeatureProfile } from '../contracts/profile.js';
import { looksLikeProfile, readProfile } from '../baseline/profile.js';
import type { ColumnInfo } from '../store/database.js';
import { isTemporalType, loadTable, type LoadedTable } from '../baseline/source.js';
import { UserError } from '../errors.js';
import { computeAll } from '../stats/index.js';
import { binLabels } from '../stats/bins.js';
import { toShares } from '../stats/shares.js';
import { Database } from '../store/database.js';
import { mapOnConnections } from '../store/pool.js';
import { quoteIdent } from '../store/sql.js';
import { readCategoricalCurrent, readExtraFields, readNumericCurrent, readStoredTypeErrors } from './current.js';
import { DEFAULT_DECISION, type DecisionSettings } from '../config/decision.js';
import { type DecisionInput, decide, describeDecision } from './decision.js';
import type {
  CheckReport,
  CheckStatus,
  ColumnSummary,
  FeatureReport,
  SchemaAnomaly,
  SchemaFindings,
  WindowedReport,
  WindowReport,
} from '../contracts/report.js';
import { featureAnomalies } from './schema.js';

/** Features compared at once, each on its own DuckDB connection (the machine this targets has 2 cores). */
const CHECK_PARALLELISM = 2;

/** The result of comparing one table with a baseline: the body of a report or of a window. */
export interface Comparison {
  drift: boolean;
  features: FeatureReport[];
  schema: SchemaFindings;
}

function baselineSummary(f: FeatureProfile): ColumnSummary {
  if (f.kind === 'categorical') return { rows: f.rows, count: f.count, nulls: f.nulls, nonFinite: 0 };
  return {
    rows: f.rows,
    count: f.count,
    nulls: f.nulls,
    nonFinite: f.nonFinite,
    ...(f.min !== null ? { min: f.min } : {}),
    ...(f.max !== null ? { max: f.max } : {}),
    ...(f.mean !== null ? { mean: f.mean } : {}),
    ...(f.std !== null ? { std: f.std } : {}),
  };
}

type Partial = Omit<FeatureReport, 'drift' | 'reasons' | 'severity' | 'decision'> & { anomalies: SchemaAnomaly[]; evidence: DecisionInput };

/** True when the table is a samples table of the ingest (it has the `_errors` column). */
const isSamplesTable = (columns: readonly ColumnInfo[]) => columns.some((c) => c.name === '_errors');

/** Type mismatches the ingest recorded in `_errors`, added to what the column itself shows. */
async function storedMismatches(db: Database, table: string, feature: string, stored: boolean) {
  return stored ? readStoredTypeErrors(db, table, feature) : { count: 0, examples: [] };
}

async function compareNumeric(
  db: Database,
  table: string,
  column: ColumnInfo,
  b: NumericFeatureProfile,
  stored: boolean,
): Promise<Partial> {
  const current = await readNumericCurrent(db, table, column, b);
  const recorded = await storedMismatches(db, table, b.name, stored);
  const baselineSample = Float64Array.from(b.sample.values);
  const stats = computeAll({
    kind: 'numeric',
    bins: { baseline: b.bins.counts, current: current.bins },
    samples: { baseline: baselineSample, current: current.sorted, baselineStd: b.std ?? 0 },
  });
  const anomalies = featureAnomalies({
    baseline: b,
    current: current.summary,
    currentDtype: column.type,
    typeMismatches: current.typeMismatches + recorded.count,
    mismatchExamples: [...current.mismatchExamples, ...recorded.examples].slice(0, 3),
    outOfRange: current.outOfRange,
  });
  const evidence: DecisionInput = {
    kind: 'numeric',
    stats,
    counts: { baseline: b.bins.counts, current: current.bins },
    sampleSizes: { baseline: b.sample.values.length, current: current.sorted.length },
    baseline: { sorted: baselineSample, std: b.std ?? 0 },
  };
  return {
    name: b.name,
    kind: 'numeric',
    stats,
    anomalies,
    evidence,
    baseline: baselineSummary(b),
    current: current.summary,
    bins: { labels: binLabels(b.bins.edges), edges: b.bins.edges, baseline: toShares(b.bins.counts), current: toShares(current.bins) },
  };
}

async function compareCategorical(
  db: Database,
  table: string,
  column: ColumnInfo,
  b: CategoricalFeatureProfile,
  stored: boolean,
): Promise<Partial> {
  const current = await readCategoricalCurrent(db, table, column, b);
  const recorded = await storedMismatches(db, table, b.name, stored);
  const baselineCounts = [...b.categories.map((c) => c.count), ...(b.other.count > 0 ? [b.other.count] : []), 0];
  const stats = computeAll({ kind: 'categorical', bins: { baseline: baselineCounts, current: current.bins } });
  const anomalies = featureAnomalies({
    baseline: b,
    current: current.summary,
    currentDtype: column.type,
    typeMismatches: recorded.count,
    mismatchExamples: recorded.examples,
    unseen: current.unseen,
    unseenExamples: current.unseenExamples,
  });
  const evidence: DecisionInput = {
    kind: 'categorical',
    stats,
    counts: { baseline: baselineCounts, current: current.bins },
    labels: current.labels,
  };
  return {
    name: b.name,
    kind: 'categorical',
    stats,
    anomalies,
    evidence,
    baseline: baselineSummary(b),
    current: current.summary,
    bins: { labels: current.labels, baseline: toShares(baselineCounts), current: toShares(current.bins) },
  };
}

/**
 * Compares a loaded table with a baseline profile: statistics per feature, schema findings,
 * and the decision. Features missing from the table are findings, not errors.
 */
export async function compareTable(
  db: Database,
  profile: BaselineProfile,
  current: Pick<LoadedTable, 'table' | 'columns'>,
  options: { decision?: DecisionSettings; ignoreColumns?: string[] } = {},
): Promise<Comparison> {
  const columns = new Map(current.columns.map((c) => [c.name, c]));
  const stored = isSamplesTable(current.columns);
  const known = new Set([...profile.features.map((f) => f.name), ...profile.ignored.map((c) => c.name), ...(options.ignoreColumns ?? [])]);
  const schema: SchemaFindings = {
    missing: profile.features.filter((f) => !columns.has(f.name)).map((f) => f.name),
    unexpected: stored
      ? (await readExtraFields(db, current.table)).filter((name) => !known.has(name))
      : current.columns.filter((c) => !known.has(c.name) && !isTemporalType(c.type)).map((c) => c.name),
    anomalies: [],
  };
  const present = profile.features.filter((f) => columns.has(f.name));
  // Two features at a time: DuckDB sorts one column while JavaScript reads the other's values.
  const partials = await mapOnConnections(db, present, CHECK_PARALLELISM, (connection, feature) => {
    const column = columns.get(feature.name)!;
    return feature.kind === 'numeric'
      ? compareNumeric(connection, current.table, column, feature, stored)
      : compareCategorical(connection, current.table, column, feature, stored);
  });
  // One decision over all features: the correction counts every feature of the check.
  const decisions = decide(
    partials.map((p) => p.evidence),
    options.decision ?? DEFAULT_DECISION,
  );
  const features = partials.map(({ anomalies, evidence: _evidence, ...rest }, i) => {
    schema.anomalies.push(...anomalies);
    const decision = decisions[i]!;
    return { ...rest, drift: decision.drift, reasons: decision.reasons, severity: decision.severity, decision: decision.detail };
  });
  return { drift: features.some((f) => f.drift), features, schema };
}

/** The check's outcome in one word: drift, ok, or insufficient data when no feature had enough rows to test. */
export function statusOf(comparison: Comparison): CheckStatus {
  if (comparison.drift) return 'drift';
  const decided = comparison.features.filter((f) => f.decision?.status !== 'insufficient_data');
  return comparison.features.length > 0 && decided.length === 0 ? 'insufficient_data' : 'ok';
}

/** Options of `driftwatch check`. */
export interface CheckRequest {
  /** A profile JSON written by `baseline create`, or a data file profiled on the fly (whole columns). */
  baseline: string;
  current: string;
  bins?: number;
  categorical?: string[];
  /** Split the current data by this column's values, or by time periods with `every`. */
  by?: string;
  every?: string;
  decision?: DecisionSettings;
}

/** A loaded baseline, with the report's header for it. */
interface LoadedBaseline {
  profile: BaselineProfile;
  header: CheckReport['baseline'];
}

/** Loads the baseline: a stored profile, or a data file profiled whole in the same database. */
async function loadBaseline(db: Database, request: CheckRequest): Promise<LoadedBaseline> {
  if (looksLikeProfile(request.baseline)) {
    if (request.bins !== undefined)
      throw new UserError(`--bins applies only when the baseline is a data file; '${request.baseline}' is a profile with its own bins`);
    if (request.categorical?.length)
      throw new UserError(`--categorical applies only when the baseline is a data file; '${request.baseline}' is a profile`);
    const profile = readProfile(request.baseline);
    return { profile, header: { name: profile.model, rows: profile.source.rows, version: profile.version, source: profile.source.file } };
  }
  const loaded = await loadTable(db, request.baseline, 'baseline', { materialize: true });
  const profile = await profileTable(db, loaded, {
    model: basename(request.baseline),
    version: 'adhoc',
    ...(request.bins !== undefined ? { bins: request.bins } : {}),
    ...(request.categorical ? { categorical: request.categorical } : {}),
    // STATS.md / DESIGN.md: with a data file as baseline, statistics use the whole column.
    sampleSize: null,
  });
  await db.run(`DROP ${loaded.kind} ${quoteIdent(loaded.table)}`);
  return { profile, header: { name: profile.source.file, rows: profile.source.rows } };
}

const PERIOD = /^(\d+)(m|h|d|w)$/;
const PERIOD_UNITS = { m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const;

/** The SQL expression of a row's window: the by-column's value, or its time bucket. */
function windowExpr(column: ColumnInfo, every?: string): string {
  const col = quoteIdent(column.name);
  if (!every) return `CAST(${col} AS VARCHAR)`;
  const match = PERIOD.exec(every);
  if (!match) throw new UserError(`--every must look like 30m, 1h, 1d or 7d; got '${every}'`);
  if (!isTemporalType(column.type) && column.type !== 'VARCHAR') {
    throw new UserError(`--every needs a date or timestamp column; '${column.name}' is ${column.type}`);
  }
  // The count and unit are validated above, so they can be written into the SQL.
  const interval = `INTERVAL ${Number(match[1])} ${PERIOD_UNITS[match[2] as keyof typeof PERIOD_UNITS]}`;
  return `strftime(time_bucket(${interval}, CAST(${col} AS TIMESTAMP)), '%Y-%m-%dT%H:%M:%S')`;
}

async function checkWindows(
  db: Database,
  { profile, header }: LoadedBaseline,
  loaded: LoadedTable,
  request: CheckRequest & { by: string },
): Promise<WindowedReport> {
  const column = loaded.columns.find((c) => c.name === request.by);
  if (!column)
    throw new UserError(`--by column '${request.by}' not found; the current data has: ${loaded.columns.map((c) => c.name).join(', ')}`);
  const key = windowExpr(column, request.every);
  const keys = await db.rows(`SELECT ${key} AS w, count(*)::DOUBLE AS n FROM ${quoteIdent(loaded.table)} GROUP BY w ORDER BY w NULLS LAST`);
  const windows: WindowReport[] = [];
  for (const { w } of keys) {
    const where = w === null ? `${key} IS NULL` : `${key} = ?`;
    await db.run(
      `CREATE OR REPLACE TABLE "window" AS SELECT * FROM ${quoteIdent(loaded.table)} WHERE ${where}`,
      w === null ? [] : [String(w)],
    );
    const { n } = await db.row(`SELECT count(*)::DOUBLE AS n FROM "window"`);
    const comparison = await compareTable(
      db,
      profile,
      { table: 'window', columns: loaded.columns },
      {
        ignoreColumns: [request.by],
        ...(request.decision ? { decision: request.decision } : {}),
      },
    );
    windows.push({ window: w === null ? '(null)' : String(w), rows: Number(n), status: statusOf(comparison), ...comparison });
  }
  return {
    baseline: header,
    current: { name: loaded.file, rows: loaded.rows },
    by: request.by,
    ...(request.every ? { every: request.every } : {}),
    drift: windows.some((w) => w.drift),
    windows,
    decision: describeDecision(request.decision),
    generatedAt: new Date().toISOString(),
  };
}

/** `driftwatch check` without the CLI: compares a current data file with a baseline. */
export async function runCheck(request: CheckRequest): Promise<CheckReport | WindowedReport> {
  if (request.every && !request.by) throw new UserError('--every needs --by COLUMN (the timestamp column to split on)');
  const db = await Database.open();
  try {
    const baseline = await loadBaseline(db, request);
    const current = await loadTable(db, request.current, 'current');
    if (request.by) return await checkWindows(db, baseline, current, { ...request, by: request.by });
    const comparison = await compareTable(db, baseline.profile, current, request.decision ? { decision: request.decision } : {});
    return {
      baseline: baseline.header,
      current: { name: current.file, rows: current.rows },
      status: statusOf(comparison),
      ...comparison,
      decision: describeDecision(request.decision),
      generatedAt: new Date().toISOString(),
    };
  } finally {
    db.close();
  }
}
