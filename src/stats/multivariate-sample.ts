/**
 * The input of the multivariate tests (domain classifier, MMD): one side's rows as named
 * columns, validated against the other side, with the rows that hold a non-finite number left
 * out and counted, and the two sides balanced to the same number of rows by a seeded subsample.
 */
import { NumpyRandomState } from './numpy-random.js';

/** The kinds of column a multivariate test reads; an embedding is a fixed-length numeric vector per row. */
export type MultivariateKind = 'numeric' | 'categorical' | 'embedding';

/**
 * One column of a side's rows. Numbers: NaN and ±Infinity mark a missing value (the row is
 * dropped and counted). Categories: null is a category of its own (a change in the null share
 * is a change in the joint distribution). Embedding: `dim` numbers per row, row-major.
 */
export type MultivariateColumn =
  | { readonly name: string; readonly kind: 'numeric'; readonly values: ArrayLike<number> }
  | { readonly name: string; readonly kind: 'categorical'; readonly values: ArrayLike<string | null> }
  | { readonly name: string; readonly kind: 'embedding'; readonly dim: number; readonly values: ArrayLike<number> };

/** One side (the baseline sample or the window) as columns of equal row counts. */
export interface MultivariateSample {
  readonly columns: readonly MultivariateColumn[];
}

/** How many rows each side had, how many were dropped for a non-finite number, and how many the test used. */
export interface RowCounts {
  baseline: number;
  window: number;
  droppedBaseline: number;
  droppedWindow: number;
  /** Rows used from each side (equal: the larger side is subsampled to the smaller, then both to the cap). */
  usedPerSide: number;
}

/** The rows of a column: its length, or its length over `dim` for an embedding. */
export function columnRows(column: MultivariateColumn): number {
  return column.kind === 'embedding' ? column.values.length / column.dim : column.values.length;
}

/** The row count of a side after checking that every column has the same; a mismatch names the column. */
function sideRows(sample: MultivariateSample, side: string): number {
  let rows: number | undefined;
  for (const column of sample.columns) {
    if (column.kind === 'embedding' && !(Number.isInteger(column.dim) && column.dim > 0))
      throw new Error(`${side} column '${column.name}': an embedding needs a positive integer dim, got ${column.dim}`);
    const n = columnRows(column);
    if (!Number.isInteger(n))
      throw new Error(
        `${side} column '${column.name}': ${column.values.length} numbers is not a whole number of rows of dim ${(column as { dim: number }).dim}`,
      );
    if (rows === undefined) rows = n;
    else if (n !== rows) throw new Error(`${side} column '${column.name}' has ${n} rows; the side's first column has ${rows}`);
  }
  return rows ?? 0;
}

/**
 * Checks that the two sides have the same columns (name, kind, dim) in the same order and that
 * each side's columns have one row count; returns the row counts. Errors name the column and side.
 */
export function checkSides(baseline: MultivariateSample, window: MultivariateSample): { baseline: number; window: number } {
  if (baseline.columns.length === 0) throw new Error('a multivariate test needs at least one column');
  const names = new Set<string>();
  baseline.columns.forEach((column, i) => {
    if (names.has(column.name)) throw new Error(`column '${column.name}' appears twice`);
    names.add(column.name);
    const other = window.columns[i];
    if (!other || other.name !== column.name)
      throw new Error(
        `window column ${i + 1} is '${other?.name ?? '(none)'}'; the baseline's is '${column.name}' (both sides need the same columns in the same order)`,
      );
    if (other.kind !== column.kind)
      throw new Error(`column '${column.name}' is ${column.kind} in the baseline but ${other.kind} in the window`);
    if (column.kind === 'embedding' && other.kind === 'embedding' && other.dim !== column.dim)
      throw new Error(`embedding '${column.name}' has dim ${column.dim} in the baseline but ${other.dim} in the window`);
  });
  if (window.columns.length !== baseline.columns.length)
    throw new Error(`the window has ${window.columns.length} columns; the baseline has ${baseline.columns.length}`);
  return { baseline: sideRows(baseline, 'baseline'), window: sideRows(window, 'window') };
}

/** Positions of the rows whose numbers (numeric and embedding columns) are all finite. */
export function finiteRows(sample: MultivariateSample, rows: number): Int32Array {
  const keep = new Uint8Array(rows).fill(1);
  for (const column of sample.columns) {
    if (column.kind === 'categorical') continue;
    const dim = column.kind === 'embedding' ? column.dim : 1;
    const values = column.values;
    for (let r = 0; r < rows; r++) {
      if (!keep[r]) continue;
      for (let k = r * dim, end = k + dim; k < end; k++)
        if (!Number.isFinite(values[k]!)) {
          keep[r] = 0;
          break;
        }
    }
  }
  const out: number[] = [];
  for (let r = 0; r < rows; r++) if (keep[r]) out.push(r);
  return Int32Array.from(out);
}

/** `size` of the positions, drawn without replacement by a seeded shuffle and returned in ascending order. */
export function subsample(positions: Int32Array, size: number, rng: NumpyRandomState): Int32Array {
  if (size >= positions.length) return positions;
  const copy = Int32Array.from(positions);
  // A partial Fisher-Yates: only the first `size` places are drawn.
  for (let i = 0; i < size; i++) {
    const j = i + rng.interval(copy.length - 1 - i);
    const held = copy[i]!;
    copy[i] = copy[j]!;
    copy[j] = held;
  }
  return copy.subarray(0, size).sort();
}

/** The rows both sides contribute: finite rows, balanced, capped; `tooFew` says when a side has fewer than `minRows`. */
export interface BalancedRows {
  baseline: Int32Array;
  window: Int32Array;
  counts: RowCounts;
  tooFew: string | undefined;
}

/**
 * Drops rows with a non-finite number, then draws the same number of rows from each side:
 * min(finite baseline rows, finite window rows, cap). Balancing keeps a classifier's AUC and the
 * MMD's two block sizes comparable across checks whatever the window size; the larger side is
 * subsampled (never weighted), so its extra rows are not used.
 */
export function balancedRows(
  baseline: MultivariateSample,
  window: MultivariateSample,
  options: { maxRowsPerSide: number; minRowsPerSide: number; seed: number },
): BalancedRows {
  const rows = checkSides(baseline, window);
  const finiteBaseline = finiteRows(baseline, rows.baseline);
  const finiteWindow = finiteRows(window, rows.window);
  const perSide = Math.min(finiteBaseline.length, finiteWindow.length, options.maxRowsPerSide);
  const counts: RowCounts = {
    baseline: rows.baseline,
    window: rows.window,
    droppedBaseline: rows.baseline - finiteBaseline.length,
    droppedWindow: rows.window - finiteWindow.length,
    usedPerSide: perSide,
  };
  const short = [
    finiteBaseline.length < options.minRowsPerSide ? `baseline ${finiteBaseline.length}` : '',
    finiteWindow.length < options.minRowsPerSide ? `window ${finiteWindow.length}` : '',
  ].filter(Boolean);
  const tooFew =
    short.length > 0
      ? `not enough rows: ${short.join(', ')} rows with finite values (at least ${options.minRowsPerSide} a side are needed; ${counts.droppedBaseline + counts.droppedWindow} dropped for a non-finite number)`
      : undefined;
  if (tooFew) return { baseline: new Int32Array(0), window: new Int32Array(0), counts: { ...counts, usedPerSide: 0 }, tooFew };
  const rng = new NumpyRandomState(options.seed >>> 0);
  return { baseline: subsample(finiteBaseline, perSide, rng), window: subsample(finiteWindow, perSide, rng), counts, tooFew };
}

/** A seed for one use of a test's randomness (subsample, folds, permutations): independent streams from one seed. */
export function streamSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
