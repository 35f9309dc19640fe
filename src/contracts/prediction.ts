import { z } from 'zod';

/**
 * The model's output as driftwatch reads it (issue 17, part 1): the same rule for the baseline's
 * prediction column (`baseline create --prediction`), a current file's column and a live event's
 * `event.prediction` (stored as JSON text in `_prediction`). Pure, so every reader agrees.
 */

/**
 * What a prediction is: a `score` (a probability in [0, 1], e.g. of class 1), a `class` (a label,
 * or an object of class probabilities read as its argmax class and top score), or a `value` (a
 * regression output). Scores and values are profiled and tested as numeric features, classes as
 * categorical ones.
 */
export const PREDICTION_KINDS = ['score', 'class', 'value'] as const;
export const PredictionKind = z.enum(PREDICTION_KINDS);
export type PredictionKind = z.infer<typeof PredictionKind>;

/** How one prediction value is read: a number, a class label, or an object of class probabilities. */
export type PredictionShape = 'number' | 'class' | 'probabilities';

/** What one prediction value gave: its number or class (null when missing), the top score of probabilities, or a mismatch. */
export interface PredictionReading {
  /** The number (shape `number`) or the class (shapes `class` and `probabilities`, the argmax); null when missing. */
  value: number | string | null;
  /** Shape `probabilities`: the largest probability (the argmax's); null when missing or mismatched. */
  top: number | null;
  /** True when the value is present but not of the shape (text for a score, an array for a class...). */
  mismatch: boolean;
}

const MISSING: PredictionReading = { value: null, top: null, mismatch: false };
const MISMATCH: PredictionReading = { value: null, top: null, mismatch: true };

/**
 * Reads one prediction value (already parsed from JSON) as `shape` says. A number is a number
 * (NaN and ±Infinity are kept: the statistics leave them out and count them); a class is a string,
 * a boolean (`true`/`false`) or a number written as text (`1`), as DuckDB casts a column to text;
 * probabilities are an object of finite numbers, read as the key with the largest value (the first
 * such key on a tie, as numpy's argmax) and that value. A string holding a JSON object (a CSV cell)
 * is parsed for the probabilities shape. Anything else present is a mismatch.
 * @example readPrediction({ cat: 0.2, dog: 0.7, owl: 0.1 }, 'probabilities') // { value: 'dog', top: 0.7, mismatch: false }
 */
export function readPrediction(raw: unknown, shape: PredictionShape): PredictionReading {
  if (raw === null || raw === undefined) return MISSING;
  if (shape === 'number') return typeof raw === 'number' ? { value: raw, top: null, mismatch: false } : MISMATCH;
  if (shape === 'class') {
    if (typeof raw === 'string') return { value: raw, top: null, mismatch: false };
    if (typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw)))
      return { value: String(raw), top: null, mismatch: false };
    return MISMATCH;
  }
  let object = raw;
  if (typeof raw === 'string' && raw.trimStart().startsWith('{')) {
    try {
      object = JSON.parse(raw);
    } catch {
      return MISMATCH;
    }
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return MISMATCH;
  let best: string | null = null;
  let top = Number.NEGATIVE_INFINITY;
  for (const [key, p] of Object.entries(object)) {
    if (typeof p !== 'number' || !Number.isFinite(p)) return MISMATCH;
    if (p > top) {
      best = key;
      top = p;
    }
  }
  return best === null ? MISMATCH : { value: best, top, mismatch: false };
}

/** Parses JSON text (a `_prediction` cell, or DuckDB's `to_json` of a column) into a value; text that is not JSON is kept as text. */
export function parsePredictionText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
