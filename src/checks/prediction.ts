import { jsonTextExpr, predictionShape } from '../baseline/prediction.js';
import { parsePredictionText, type PredictionShape, readPrediction } from '../contracts/prediction.js';
import type { CategoricalFeatureProfile, NumericFeatureProfile, PredictionProfile } from '../contracts/profile.js';
import type { ColumnInfo, Database } from '../store/database.js';
import { quoteIdent, quoteTable } from '../store/sql.js';
import type { FeatureCurrent, PredictionCurrent, RecordedMismatches } from './compare.js';
import {
  categoricalCurrentFrom,
  EXAMPLES,
  numericCurrentFrom,
  readCategoricalCurrent,
  readNumericCurrent,
  type ValueCount,
} from './current.js';

/**
 * The current side of the model's output (issue 17): a current file's prediction column, or a
 * live window's `_prediction` (the events' `event.prediction`, stored as JSON text). A plain
 * column is read as a feature is, in DuckDB; JSON values (the events, or class probabilities in
 * a file) are parsed with the same rule the baseline used (`readPrediction`), then binned by the
 * same pure functions as a feature's values, so both sides meet on the same bins and tests.
 */

/** The samples table's column that holds each event's prediction as JSON text. */
export const PREDICTION_COLUMN = '_prediction';

/** The type a JSON prediction is reported with: not a number type, so a value that does not parse is a type mismatch. */
const JSON_TYPE = 'JSON';

/** Readings of JSON prediction values, turned into the outputs' current sides and the mismatches they held. */
export function predictionCurrentFrom(
  profile: PredictionProfile,
  values: readonly unknown[],
): { currents: FeatureCurrent[]; recorded: RecordedMismatches[] } {
  const shape = predictionShape(profile);
  const readings = values.map((v) => readPrediction(v, shape));
  const mismatchExamples: string[] = [];
  let mismatches = 0;
  readings.forEach((r, i) => {
    if (!r.mismatch) return;
    mismatches++;
    const shown = JSON.stringify(values[i]) ?? String(values[i]);
    if (mismatchExamples.length < EXAMPLES && !mismatchExamples.includes(shown)) mismatchExamples.push(shown);
  });
  const column: ColumnInfo = { name: profile.column, type: JSON_TYPE };
  if (shape === 'number') {
    const numbers = readings.flatMap((r) => (typeof r.value === 'number' ? [r.value] : []));
    return {
      currents: [numericSide(column, profile.profile as NumericFeatureProfile, readings.length, numbers, mismatches, mismatchExamples)],
      recorded: [{ count: 0, examples: [] }],
    };
  }
  const classes = classSide(
    profile.profile as CategoricalFeatureProfile,
    column,
    readings.map((r) => r.value as string | null),
  );
  const recorded = { count: mismatches, examples: mismatchExamples };
  if (shape === 'class') return { currents: [classes], recorded: [recorded] };
  const tops = readings.flatMap((r) => (r.top === null ? [] : [r.top]));
  const topColumn: ColumnInfo = { name: profile.topScore!.name, type: 'DOUBLE' };
  return {
    currents: [classes, numericSide(topColumn, profile.topScore!, readings.length, tops, 0, [])],
    recorded: [recorded, { count: 0, examples: [] }],
  };
}

function numericSide(
  column: ColumnInfo,
  baseline: NumericFeatureProfile,
  rows: number,
  numbers: number[],
  mismatches: number,
  mismatchExamples: string[],
): FeatureCurrent {
  const parsed = numbers.length;
  const sorted = Float64Array.from(numbers.filter(Number.isFinite)).sort();
  const current = numericCurrentFrom(column, baseline, { rows, nonnull: parsed + mismatches, parsed, mismatchExamples }, sorted);
  return { kind: 'numeric', column, current };
}

function classSide(baseline: CategoricalFeatureProfile, column: ColumnInfo, values: readonly (string | null)[]): FeatureCurrent {
  const counts = new Map<string | null, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted: ValueCount[] = [...counts].map(([v, n]) => ({ v, n })).sort((a, b) => b.n - a.n);
  return { kind: 'categorical', column, current: categoricalCurrentFrom(baseline, sorted) };
}

/** The JSON values of a column, parsed (a `_prediction` cell, or `to_json` of a file's column). */
async function jsonValues(db: Database, table: string, column: ColumnInfo, asJson: boolean): Promise<unknown[]> {
  const expr = asJson ? quoteIdent(column.name) : jsonTextExpr(column);
  const rows = await db.rows(`SELECT ${expr} AS j FROM ${quoteTable(table)}`);
  return rows.map((r) => parsePredictionText(r.j === null || r.j === undefined ? null : String(r.j)));
}

/**
 * Every prediction of a table, parsed: a live window's `_prediction` (`stored`), or a file's
 * column. For the estimated performance, which reads every score, labelled or not.
 */
export async function readPredictionValues(db: Database, table: string, column: ColumnInfo, stored: boolean): Promise<unknown[]> {
  return jsonValues(db, table, column, stored);
}

/** True when the shape reads a plain column in DuckDB: numbers from a column, classes from a column that is not objects. */
function plainColumn(shape: PredictionShape): shape is 'number' | 'class' {
  return shape !== 'probabilities';
}

/**
 * The current predictions of a file's table: its column named as the baseline's prediction, read
 * as a feature would be; `absent` when the file has no such column or only nulls in it.
 */
export async function readFilePrediction(
  db: Database,
  profile: PredictionProfile,
  table: string,
  columns: readonly ColumnInfo[],
): Promise<PredictionCurrent> {
  const column = columns.find((c) => c.name === profile.column);
  const base = { profile, source: 'column' as const };
  if (!column)
    return {
      ...base,
      absent: `the current data has no column '${profile.column}' (the baseline's prediction): the prediction is not compared`,
    };
  const shape = predictionShape(profile);
  let side: { currents: FeatureCurrent[]; recorded: RecordedMismatches[] };
  if (plainColumn(shape)) {
    const current =
      shape === 'number'
        ? ({
            kind: 'numeric',
            column,
            current: await readNumericCurrent(db, table, column, profile.profile as NumericFeatureProfile),
          } satisfies FeatureCurrent)
        : ({
            kind: 'categorical',
            column,
            current: await readCategoricalCurrent(db, table, column, profile.profile as CategoricalFeatureProfile),
          } satisfies FeatureCurrent);
    side = { currents: [current], recorded: [{ count: 0, examples: [] }] };
  } else side = predictionCurrentFrom(profile, await jsonValues(db, table, column, false));
  const first = side.currents[0]!.current.summary;
  if (first.rows > 0 && first.nulls === first.rows)
    return { ...base, absent: `every value of '${profile.column}' in the current data is null: the prediction is not compared` };
  return { ...base, ...side };
}

/**
 * The current predictions of a live window (`_prediction`). `mapped` is false when the model's
 * config has no `event.prediction`: the events' predictions were never stored, so it is absent.
 */
export async function readEventsPrediction(
  db: Database,
  profile: PredictionProfile,
  table: string,
  rows: number,
  mapped: boolean,
): Promise<PredictionCurrent> {
  const base = { profile, source: 'events' as const };
  if (!mapped)
    return {
      ...base,
      absent: `the model's config has no event.prediction, so the events' predictions are not stored: the baseline's prediction '${profile.column}' is not compared`,
    };
  const values = await jsonValues(db, table, { name: PREDICTION_COLUMN, type: 'VARCHAR' }, true);
  if (values.every((v) => v === null))
    return {
      ...base,
      absent: `none of the window's ${rows.toLocaleString('en-US')} events carries a prediction at event.prediction: the baseline's prediction '${profile.column}' is not compared`,
    };
  return { ...base, ...predictionCurrentFrom(profile, values) };
}
