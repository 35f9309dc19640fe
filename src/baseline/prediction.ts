import { parsePredictionText, type PredictionKind, type PredictionShape, readPrediction } from '../contracts/prediction.js';
import type {
  BaselineProfile,
  CategoricalFeatureProfile,
  NumericFeatureProfile,
  PerformanceProfile,
  PredictionProfile,
} from '../contracts/profile.js';
import { UserError } from '../errors.js';
import { fitCbpe } from '../stats/cbpe.js';
import { type PerformanceRows, summarisePerformance } from '../stats/performance.js';
import type { ColumnInfo, Database } from '../store/database.js';
import { quoteIdent, quoteTable } from '../store/sql.js';
import { isNumericType, isTemporalType, type LoadedTable } from './source.js';

/**
 * The prediction and label columns of `baseline create --prediction COL [--label COL]` (issue 17):
 * the prediction profiled as a feature would be (numeric for a score or a value, categorical for a
 * class; an object of class probabilities as its argmax class and its top score), and the labelled
 * validation set's performance (task, threshold, CBPE fit, metrics with intervals).
 */

/** What `baseline create` is told about the model's output and labels. */
export interface PredictionOptions {
  column: string;
  /** Default: inferred (see {@link inferPrediction}). */
  kind?: PredictionKind;
  /** The label column: with it the profile holds the validation set's performance. */
  label?: string;
  /** Binary score: predicted class 1 when score >= threshold (default 0.5). */
  threshold?: number;
}

/** Default threshold of a binary score (STATS.md: 0.5 unless configured). */
export const DEFAULT_THRESHOLD = 0.5;

/** Column types that hold an object per row: a Parquet or NDJSON struct or map, or DuckDB's JSON. */
const OBJECT_TYPE = /^(STRUCT|MAP)\b|^JSON$/;

/** SQL for a column's values as JSON text, whatever its type (a struct becomes an object, text a JSON string). */
export function jsonTextExpr(column: ColumnInfo): string {
  return `to_json(${quoteIdent(column.name)})`;
}

/**
 * The kind of a prediction column and how its values are read, when `--prediction-kind` does not
 * say: a struct, a map, JSON, or text whose every value starts with `{` holds class probabilities
 * (a class); a boolean or other text is a class; a number is a score when every value is in
 * [0, 1], a value (a regression output) otherwise.
 */
export async function inferPrediction(
  db: Database,
  table: string,
  column: ColumnInfo,
  kind?: PredictionKind,
): Promise<{ kind: PredictionKind; shape: PredictionShape }> {
  const col = quoteIdent(column.name);
  if (isTemporalType(column.type)) throw new UserError(`--prediction '${column.name}' is a ${column.type} column, not a model's output`);
  let objects = OBJECT_TYPE.test(column.type);
  if (!objects && column.type === 'VARCHAR') {
    const r = await db.row(
      `SELECT count(v)::DOUBLE AS n, count(*) FILTER (WHERE starts_with(ltrim(v), '{'))::DOUBLE AS o FROM (SELECT ${col} AS v FROM ${quoteTable(table)})`,
    );
    objects = Number(r.n) > 0 && Number(r.o) === Number(r.n);
  }
  if (objects) {
    if (kind !== undefined && kind !== 'class')
      throw new UserError(
        `--prediction '${column.name}' holds objects of class probabilities: its kind is class (the argmax class and the top score), not ${kind}`,
      );
    return { kind: 'class', shape: 'probabilities' };
  }
  if (kind !== undefined) return { kind, shape: kind === 'class' ? 'class' : 'number' };
  if (!isNumericType(column.type)) return { kind: 'class', shape: 'class' };
  const r = await db.row(
    `SELECT min(v) AS lo, max(v) AS hi FROM (SELECT CAST(${col} AS DOUBLE) AS v FROM ${quoteTable(table)}) WHERE isfinite(v)`,
  );
  const inUnit = r.lo !== null && Number(r.lo) >= 0 && Number(r.hi) <= 1;
  return { kind: inUnit ? 'score' : 'value', shape: 'number' };
}

/** The shape a stored prediction profile reads values with. */
export function predictionShape(prediction: Pick<PredictionProfile, 'kind' | 'probabilities'>): PredictionShape {
  return prediction.probabilities ? 'probabilities' : prediction.kind === 'class' ? 'class' : 'number';
}

/** The name the report gives the top score of class probabilities. */
export const topScoreName = (column: string) => `${column}.top_score`;

/** A column's values as JavaScript values, in table order (JSON text from DuckDB, parsed). */
export async function columnValues(db: Database, table: string, columns: readonly ColumnInfo[]): Promise<unknown[][]> {
  const rows = await db.rows(`SELECT ${columns.map((c, i) => `${jsonTextExpr(c)} AS c${i}`).join(', ')} FROM ${quoteTable(table)}`);
  return columns.map((_, i) => rows.map((r) => parsePredictionText(r[`c${i}`] === null ? null : String(r[`c${i}`]))));
}

/** A table of one row per prediction: its argmax class and its top score (class probabilities), to profile like features. */
const DERIVED_TABLE = '__driftwatch_prediction';

/** What profiling a prediction needs of `create.ts`: its two profilers, so both kinds are profiled exactly as features. */
export interface Profilers {
  numeric(loaded: LoadedTable, column: ColumnInfo): Promise<NumericFeatureProfile>;
  categorical(loaded: LoadedTable, column: ColumnInfo): Promise<CategoricalFeatureProfile>;
}

/** Profiles the prediction column of a loaded table. */
export async function profilePrediction(
  db: Database,
  loaded: LoadedTable,
  column: ColumnInfo,
  kind: PredictionKind | undefined,
  profilers: Profilers,
): Promise<PredictionProfile> {
  const inferred = await inferPrediction(db, loaded.table, column, kind);
  if (inferred.shape === 'number') return { column: column.name, kind: inferred.kind, profile: await profilers.numeric(loaded, column) };
  if (inferred.shape === 'class') return { column: column.name, kind: 'class', profile: await profilers.categorical(loaded, column) };
  const [raw] = await columnValues(db, loaded.table, [column]);
  const readings = raw!.map((v) => readPrediction(v, 'probabilities'));
  const bad = readings.filter((r) => r.mismatch).length;
  if (bad > 0)
    throw new UserError(
      `--prediction '${column.name}': ${bad} of ${readings.length} values are not objects of class probabilities (finite numbers by class)`,
    );
  await db.run(`CREATE OR REPLACE TEMP TABLE ${DERIVED_TABLE} (class VARCHAR, top DOUBLE)`);
  try {
    const appender = await db.appender(DERIVED_TABLE);
    try {
      for (const r of readings) {
        if (r.value === null) appender.appendNull();
        else appender.appendVarchar(String(r.value));
        if (r.top === null) appender.appendNull();
        else appender.appendDouble(r.top);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const derived: LoadedTable = { ...loaded, table: DERIVED_TABLE, kind: 'TABLE', columns: [] };
    const classes = await profilers.categorical(derived, { name: 'class', type: 'VARCHAR' });
    const top = await profilers.numeric(derived, { name: 'top', type: 'DOUBLE' });
    return {
      column: column.name,
      kind: 'class',
      probabilities: true,
      profile: { ...classes, name: column.name, dtype: column.type },
      topScore: { ...top, name: topScoreName(column.name) },
    };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${DERIVED_TABLE}`);
  }
}

/**
 * Most classes a multi-class summary takes: its delta-method variances grow as the cube of the
 * classes (measured: 100 classes 0.3 s and 116 MB, 300 classes 5.0 s and 1,020 MB, 1,000 out of memory, on 5,000 rows).
 */
export const MAX_CLASSES = 100;

const isBinaryLabel = (v: unknown) => v === 0 || v === 1 || v === true || v === false;

/**
 * The labelled validation set's summary: the task (a score is binary, a value regression, a class
 * multi-class over its classes), the threshold, the rows with a label and a prediction, the
 * metrics with intervals (`summarisePerformance`) and, for a binary score, the CBPE fit.
 */
export async function profilePerformance(
  db: Database,
  table: string,
  prediction: PredictionProfile,
  predictionColumn: ColumnInfo,
  label: ColumnInfo,
  threshold: number | undefined,
): Promise<PerformanceProfile> {
  if (threshold !== undefined && prediction.kind !== 'score')
    throw new UserError(`--threshold applies to a score prediction; '${prediction.column}' is a ${prediction.kind}`);
  const [rawPredictions, labels] = (await columnValues(db, table, [predictionColumn, label])) as [unknown[], unknown[]];
  const shape = predictionShape(prediction);
  const readings = rawPredictions.map((v) => readPrediction(v, shape));
  const values = readings.map((r) => r.value);
  let rows: PerformanceRows;
  if (prediction.kind === 'score') {
    const odd = labels.find((v) => v !== null && !isBinaryLabel(v));
    if (odd !== undefined)
      throw new UserError(
        `--label '${label.name}' with a score prediction needs labels 0/1 or true/false (class 1 is positive); found ${JSON.stringify(odd)}`,
      );
    rows = { task: 'binary', labels, scores: values, threshold: threshold ?? DEFAULT_THRESHOLD };
  } else if (prediction.kind === 'value') {
    rows = { task: 'regression', actual: labels, predicted: values };
  } else {
    // Class labels are compared as text, as the class prediction is read (`1`, `true`, `cat`).
    const text = labels.map((v) => (v === null || typeof v === 'object' ? v : String(v)));
    rows = {
      task: 'multiclass',
      labels: text,
      predicted: values,
      ...(prediction.probabilities ? { probabilities: rawPredictions.map((v) => parseObject(v)) } : {}),
    };
  }
  if (rows.task === 'multiclass') {
    const classes = new Set([...rows.labels, ...values].filter((v) => v !== null && typeof v !== 'object'));
    if (classes.size > MAX_CLASSES)
      throw new UserError(
        `--label '${label.name}' with a class prediction: ${classes.size} distinct classes among the labels and predictions, more than the ${MAX_CLASSES} a multi-class summary takes (is '${label.name}' a label?)`,
      );
  }
  const summary = summarisePerformance(rows);
  if (summary.labelled === 0)
    throw new UserError(`--label '${label.name}': no row has both a usable label and a prediction in '${prediction.column}'`);
  const cbpe =
    rows.task === 'binary' ? fitCbpe({ ...binaryPairs(labels, values), threshold: rows.threshold ?? DEFAULT_THRESHOLD }) : undefined;
  return {
    label: label.name,
    task: summary.task,
    threshold: rows.task === 'binary' ? (rows.threshold ?? DEFAULT_THRESHOLD) : null,
    rows: summary.labelled,
    ...(cbpe ? { cbpe } : {}),
    summary,
  };
}

/** A CSV cell of class probabilities is JSON text: the summary takes the object. */
function parseObject(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** The rows CBPE is fitted on: the same ones the binary summary uses (label 0/1, score in [0, 1]). */
function binaryPairs(labels: readonly unknown[], scores: readonly unknown[]): { labels: number[]; scores: number[] } {
  const out = { labels: [] as number[], scores: [] as number[] };
  labels.forEach((raw, i) => {
    const label = raw === true ? 1 : raw === false ? 0 : raw;
    const score = scores[i];
    if ((label === 0 || label === 1) && typeof score === 'number' && score >= 0 && score <= 1) {
      out.labels.push(label);
      out.scores.push(score);
    }
  });
  return out;
}

/** What `baseline create` says of the prediction and performance it stored: one line each. */
export function describePredictionProfile(profile: Pick<BaselineProfile, 'prediction' | 'performance'>): string {
  const p = profile.prediction;
  if (!p) return '';
  const what = p.probabilities ? 'class probabilities (argmax class and top score)' : `a ${p.kind} (${p.profile.kind})`;
  const lines = [`prediction ${p.column}: ${what}, ${p.profile.count.toLocaleString('en-US')} values`];
  const perf = profile.performance;
  if (perf) {
    const metric = perf.summary?.metrics[perf.task === 'regression' ? 'mae' : 'accuracy'];
    const shown =
      metric && metric.value !== null
        ? `, ${perf.task === 'regression' ? 'MAE' : 'accuracy'} ${metric.value.toPrecision(4)}${metric.interval ? ` [${metric.interval.lower.toPrecision(4)}, ${metric.interval.upper.toPrecision(4)}]` : ''}`
        : '';
    const cbpe = perf.cbpe
      ? `; CBPE fitted (calibration ${perf.cbpe.calibration.applied ? 'applied' : 'not applied'}: ${perf.cbpe.calibration.reason})`
      : '';
    lines.push(`performance by ${perf.label}: ${perf.task}, ${perf.rows.toLocaleString('en-US')} labelled rows${shown}${cbpe}`);
  }
  return lines.join('\n');
}
