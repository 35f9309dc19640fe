import type { LoadedTable } from '../baseline/source.js';
import { loadTable } from '../baseline/source.js';
import type { ModelConfig } from '../config/schema.js';
import type { PerformanceProfile } from '../contracts/profile.js';
import { LABEL_COUNTERS, type LabelledPair } from '../contracts/label.js';
import type { LabelsReport } from '../contracts/report.js';
import { UserError, messageOf } from '../errors.js';
import { labelSampling } from '../ingest/labels.js';
import { ingestCounters } from '../store/counters.js';
import type { ColumnInfo, Database } from '../store/database.js';
import { labelledWindow, type WindowBounds } from '../store/labels.js';
import { quoteIdent } from '../store/sql.js';
import type { PerformanceTask } from '../stats/performance.js';
import { windowPerformance } from './performance.js';

/**
 * Label coverage of a check: of a live window (the store's join, `labelledWindow`), or of a
 * current data file joined with a label file by id (`driftwatch check --labels`). Both give the
 * report's `labels` section and the (prediction, label) pairs, as JSON text, for the performance.
 */

/** The report's labels section and the pairs it counted. */
export interface CheckLabels {
  report: LabelsReport;
  pairs: LabelledPair[];
}

/** labelled / predictions, NaN for none (written as null). */
const share = (labelled: number, predictions: number) => (predictions > 0 ? labelled / predictions : Number.NaN);

/**
 * The labels of a model's live window, joined now (labels that came since an earlier check of
 * the same window count too). `sampledOut` is the model's running count of labels dropped by
 * the sampler, or null when its sampling cannot be decided on a label's id.
 */
export async function liveLabels(
  db: Database,
  model: ModelConfig,
  bounds: WindowBounds,
  options: { pairs?: boolean; baseline?: PerformanceProfile } = {},
): Promise<CheckLabels> {
  const w = await labelledWindow(db, model.name, bounds, options.pairs === undefined ? {} : { pairs: options.pairs });
  const counters = await ingestCounters(db, model.name);
  const { performance, decision } = windowPerformance(w.pairs, model.labels?.task, options.baseline);
  return {
    report: {
      predictions: w.predictions,
      labelled: w.labelled,
      unlabelled: w.predictions - w.labelled,
      coverage: share(w.labelled, w.predictions),
      withoutId: w.withoutId,
      labelIds: w.labelIds,
      unmatched: w.unmatched,
      sampledOut: labelSampling(model).reproducible ? (counters[LABEL_COUNTERS.sampledOut] ?? 0) : null,
      ...(performance ? { performance } : {}),
      ...(decision ? { decision } : {}),
    },
    pairs: w.pairs,
  };
}

/** Options of `check --labels`. */
export interface FileLabelsRequest {
  /** The label file (CSV, Parquet, NDJSON, JSON). */
  labels: string;
  /** The id column, in the current file and the label file. */
  id: string;
  /** The label column of the label file (default `label`). */
  label?: string;
  /** The prediction column of the current file, for the pairs and the realized performance (else none). */
  prediction?: string;
  /** The model's task (default: read from the pairs). */
  task?: PerformanceTask;
}

const LABELS = 'check_labels';

function requireColumn(columns: readonly ColumnInfo[], name: string, flag: string, what: string): void {
  if (!columns.some((c) => c.name === name))
    throw new UserError(`${flag}: '${name}' is not a column of ${what}; its columns: ${columns.map((c) => c.name).join(', ')}`);
}

/**
 * Joins the current data file with a label file by id, in DuckDB. Ids are compared as text (a
 * numeric id in one file joins the same digits as text in the other). An id labelled more than
 * once takes the label of its last row (files have no label time; DuckDB reads them in order),
 * counted in `corrections` when the labels differ.
 */
export async function fileLabels(
  db: Database,
  current: LoadedTable,
  request: FileLabelsRequest,
  baseline?: PerformanceProfile,
): Promise<CheckLabels> {
  const labelColumn = request.label ?? 'label';
  requireColumn(current.columns, request.id, '--id', `the current file '${current.file}'`);
  if (request.prediction !== undefined)
    requireColumn(current.columns, request.prediction, '--prediction', `the current file '${current.file}'`);
  let loaded: LoadedTable;
  try {
    loaded = await loadTable(db, request.labels, LABELS);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`--labels: ${messageOf(error)}`);
    throw error;
  }
  requireColumn(loaded.columns, request.id, '--id', `the label file '${loaded.file}'`);
  requireColumn(loaded.columns, labelColumn, '--label', `the label file '${loaded.file}'`);
  const id = quoteIdent(request.id);
  const label = quoteIdent(labelColumn);
  const current_ = quoteIdent(current.table);
  // One label per id, the last row's; the ranks first, then the choice, so that the file's order is what decides.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE check_current_labels AS
     WITH ranked AS (SELECT CAST(${id} AS VARCHAR) AS k, to_json(${label})::VARCHAR AS l, row_number() OVER () AS r
                     FROM ${quoteIdent(LABELS)} WHERE ${id} IS NOT NULL AND ${label} IS NOT NULL)
     SELECT k, arg_max(l, r) AS l, count(DISTINCT l) AS distinct_labels FROM ranked GROUP BY k`,
  );
  const counts = await db.row(
    `SELECT count(*)::DOUBLE AS n, count(c.${id})::DOUBLE AS ids, count(l.k)::DOUBLE AS labelled
     FROM ${current_} c LEFT JOIN check_current_labels l ON l.k = CAST(c.${id} AS VARCHAR)`,
  );
  const stored = await db.row(
    `SELECT count(*)::DOUBLE AS ids, count(*) FILTER (WHERE distinct_labels > 1)::DOUBLE AS corrections,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${current_} c WHERE CAST(c.${id} AS VARCHAR) = l.k))::DOUBLE AS unmatched
     FROM check_current_labels l`,
  );
  const prediction = request.prediction === undefined ? 'NULL' : `to_json(c.${quoteIdent(request.prediction)})::VARCHAR`;
  const pairs = (
    await db.rows(`SELECT ${prediction} AS p, l.l AS l FROM ${current_} c JOIN check_current_labels l ON l.k = CAST(c.${id} AS VARCHAR)`)
  ).map((r) => ({ prediction: r.p === null || r.p === undefined ? null : String(r.p), label: String(r.l) }));
  const n = Number(counts.n);
  const labelled = Number(counts.labelled);
  const { performance, decision } = windowPerformance(pairs, request.task, baseline);
  return {
    report: {
      predictions: n,
      labelled,
      unlabelled: n - labelled,
      coverage: share(labelled, n),
      withoutId: n - Number(counts.ids),
      labelIds: Number(stored.ids),
      unmatched: Number(stored.unmatched),
      sampledOut: null,
      corrections: Number(stored.corrections),
      ...(performance ? { performance } : {}),
      ...(decision ? { decision } : {}),
    },
    pairs,
  };
}
