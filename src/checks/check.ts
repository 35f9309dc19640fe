import { basename } from 'node:path';
import { profileTable } from '../baseline/create.js';
import { looksLikeProfile, readProfile } from '../baseline/profile.js';
import { type LoadedTable, loadTable } from '../baseline/source.js';
import type { DecisionSettings } from '../config/decision.js';
import type { SchemaCheckSettings } from '../config/schema-check.js';
import type { BaselineProfile } from '../contracts/profile.js';
import type { CheckReport, RealizedPerformance, WindowedReport } from '../contracts/report.js';
import { UserError } from '../errors.js';
import { Database } from '../store/database.js';
import { mapOnConnections } from '../store/pool.js';
import { quoteIdent, quoteTable } from '../store/sql.js';
import { type Comparison, compareCurrents, type FeatureCurrent, statusOf } from './compare.js';
import {
  isSamplesTable,
  READ_PARALLELISM,
  readCategoricalCurrent,
  readNumericCurrent,
  readSchemaFields,
  readStoredTypeErrors,
} from './current.js';
import { describeDecision } from './decision.js';
import { estimatedPerformance, scoresOf } from './performance.js';
import { PREDICTION_COLUMN, readEventsPrediction, readFilePrediction, readPredictionValues } from './prediction.js';
import { checkWindows } from './windows.js';
import { type FileLabelsRequest, fileLabels } from './labels.js';

export { type Comparison, statusOf } from './compare.js';

/**
 * Compares a loaded table with a baseline profile: statistics per feature, schema findings,
 * and the decision. Features missing from the table are findings, not errors.
 */
export async function compareTable(
  db: Database,
  profile: BaselineProfile,
  current: Pick<LoadedTable, 'table' | 'columns'>,
  options: {
    decision?: DecisionSettings;
    schemaCheck?: SchemaCheckSettings;
    ignoreColumns?: readonly string[];
    /** A samples table: whether the model's config maps `event.prediction` (else its predictions were never stored). */
    predictionMapped?: boolean;
  } = {},
): Promise<Comparison> {
  const columns = new Map(current.columns.map((c) => [c.name, c]));
  const stored = isSamplesTable(current.columns);
  const schema = await readSchemaFields(db, profile, current, options.ignoreColumns);
  const present = profile.features.filter((f) => columns.has(f.name));
  // Two features at a time: DuckDB sorts one column while JavaScript reads the other's values.
  const read = await mapOnConnections(db, present, READ_PARALLELISM, async (connection, feature) => {
    const column = columns.get(feature.name)!;
    // Type mismatches the ingest set aside in `_errors`: evidence of training-serving skew.
    const recorded = stored ? await readStoredTypeErrors(connection, current.table, feature.name) : { count: 0, examples: [] };
    const side: FeatureCurrent =
      feature.kind === 'numeric'
        ? { kind: 'numeric', column, current: await readNumericCurrent(connection, current.table, column, feature) }
        : { kind: 'categorical', column, current: await readCategoricalCurrent(connection, current.table, column, feature) };
    return { side, recorded };
  });
  const prediction = profile.prediction
    ? stored
      ? await readEventsPrediction(
          db,
          profile.prediction,
          current.table,
          await rowCount(db, current.table),
          options.predictionMapped ?? true,
        )
      : await readFilePrediction(db, profile.prediction, current.table, current.columns)
    : undefined;
  return compareCurrents(
    present,
    read.map((r) => r.side),
    schema,
    {
      recorded: read.map((r) => r.recorded),
      ...(prediction ? { prediction } : {}),
      ...(options.decision ? { decision: options.decision } : {}),
      ...(options.schemaCheck ? { schemaCheck: options.schemaCheck } : {}),
    },
  );
}

async function rowCount(db: Database, table: string): Promise<number> {
  return Number((await db.row(`SELECT count(*)::DOUBLE AS n FROM ${quoteTable(table)}`)).n);
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
  /** Join a label file with the current file by id and report the label coverage (`--labels`). */
  labels?: FileLabelsRequest;
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

/**
 * The performance estimated from the current predictions (CBPE), when the profile has a CBPE fit
 * and the table its prediction column (a file's, or a live window's `_prediction`); else undefined.
 */
export async function readEstimate(
  db: Database,
  profile: BaselineProfile,
  current: Pick<LoadedTable, 'table' | 'columns'>,
  column: string | undefined,
  realized: RealizedPerformance | undefined,
): Promise<CheckReport['estimatedPerformance']> {
  const fit = profile.performance?.cbpe;
  const info = column === undefined ? undefined : current.columns.find((c) => c.name === column);
  if (!fit || !info) return undefined;
  const values = await readPredictionValues(db, current.table, info, column === PREDICTION_COLUMN);
  if (values.length === 0) return undefined;
  return estimatedPerformance(fit, scoresOf(values), realized);
}

/** `driftwatch check` without the CLI: compares a current data file with a baseline. */
export async function runCheck(request: CheckRequest): Promise<CheckReport | WindowedReport> {
  if (request.every && !request.by) throw new UserError('--every needs --by COLUMN (the timestamp column to split on)');
  if (request.labels && request.by) throw new UserError('--labels goes without --by: the coverage is of the whole current file');
  const db = await Database.open();
  try {
    const baseline = await loadBaseline(db, request);
    const current = await loadTable(db, request.current, 'current');
    if (request.by) {
      const schema = await readSchemaFields(db, baseline.profile, current, [request.by]);
      const windowed = {
        by: request.by,
        ...(request.every ? { every: request.every } : {}),
        ...(request.decision ? { decision: request.decision } : {}),
      };
      return await checkWindows(db, baseline.profile, baseline.header, current, windowed, schema);
    }
    // The id and prediction columns are the join's, not features the baseline lacks.
    const joinColumns = request.labels ? [request.labels.id, ...(request.labels.prediction ? [request.labels.prediction] : [])] : [];
    const labels = request.labels ? await fileLabels(db, current, request.labels, baseline.profile.performance) : undefined;
    const predictionColumn = request.labels?.prediction ?? baseline.profile.prediction?.column;
    const estimated = await readEstimate(db, baseline.profile, current, predictionColumn, labels?.report.performance);
    const comparison = await compareTable(db, baseline.profile, current, {
      ...(request.decision ? { decision: request.decision } : {}),
      ...(joinColumns.length > 0 ? { ignoreColumns: joinColumns } : {}),
    });
    return {
      baseline: baseline.header,
      current: { name: current.file, rows: current.rows },
      status: statusOf(comparison),
      ...comparison,
      decision: describeDecision(request.decision, { prediction: comparison.prediction !== undefined }),
      ...(labels ? { labels: labels.report } : {}),
      ...(estimated ? { estimatedPerformance: estimated } : {}),
      generatedAt: new Date().toISOString(),
    };
  } finally {
    db.close();
  }
}
