/**
 * The domain classifier's design matrix: the pooled rows of both sides as standardised numeric
 * columns, one-hot categories, embedding dimensions, and (where the column budget allows) the
 * squares and pairwise products that let a linear model see a change in how two features move
 * together. Everything here is computed from the pooled rows without their labels, so a
 * permutation of the labels sees the same design and the permutation p-value stays exact.
 */
import type { MultivariateColumn, MultivariateSample } from './multivariate-sample.js';
import { NumpyRandomState } from './numpy-random.js';

/** Which pairwise products the design holds: all (numbers and category indicators), numbers only, or none. */
export type InteractionMode = 'all' | 'numeric' | 'none';

/** One base column: a standardised number, a category indicator, or one dimension of an embedding. */
interface BaseColumn {
  /** Index of the input column (feature) it comes from. */
  feature: number;
  role: 'number' | 'indicator' | 'embedding';
}

/** A design column: the intercept, a base column, the square of one or the product of two; then standardised. */
type DesignTerm = { kind: 'one' } | { kind: 'base'; i: number } | { kind: 'square'; i: number } | { kind: 'product'; i: number; j: number };

/** The design as built: the row-major matrix and what a row is made of, to rebuild rows for permutation importance. */
export interface Design {
  /** Rows (baseline rows first, then window rows) x columns, row-major; column 0 is the intercept. */
  x: Float64Array;
  rows: number;
  columns: number;
  /** Base matrix, rows x base columns, row-major: what permutation importance shuffles. */
  base: Float64Array;
  baseColumns: number;
  /** For each input feature, the base columns it spans (empty when it was constant). */
  featureBase: number[][];
  interactions: InteractionMode;
  /** Input features with no variation in the pooled rows (they add no column). */
  constant: string[];
  /** For each input feature, the design columns whose value depends on it (its base columns, squares and products). */
  featureColumns: number[][];
  /** The value of design column c for the base row starting at `offset` of `row`. */
  value(c: number, row: Float64Array, offset: number): number;
}

/** Limits on the design, from the test's options. */
export interface DesignOptions {
  /** Categories of a categorical feature kept as indicators, most frequent first; the rest share one. */
  maxCategories: number;
  /** At most this many design columns: interactions are dropped (all, then numbers only) to stay within it. */
  maxColumns: number;
  /** An embedding with more dimensions is randomly projected to this many. */
  maxEmbeddingDims: number;
  /** Seed of the projection. */
  seed: number;
}

/** A column's values at the selected rows of both sides, for numbers; categories as strings ('\u0000null' for null). */
function pick(column: MultivariateColumn, rows: Int32Array, dimIndex: number): Float64Array {
  const out = new Float64Array(rows.length);
  const dim = column.kind === 'embedding' ? column.dim : 1;
  const values = column.values as ArrayLike<number>;
  for (let r = 0; r < rows.length; r++) out[r] = values[rows[r]! * dim + dimIndex]!;
  return out;
}

/**
 * A very sparse random projection (Li, Hastie and Church, KDD 2006) of an embedding to `k`
 * dimensions: each output sums the inputs it draws with probability 1 / sqrt(dim), each with a
 * random sign (the scale is left out: the outputs are standardised next). The same seeded
 * matrix maps both sides and no label enters it, so the permutation test stays exact. It keeps
 * a mean shift's squared length up to the factor k / dim on average, and makes the classifier's
 * cost independent of the embedding's size (docs/multivariate.md).
 */
function projectEmbedding(
  column: MultivariateColumn & { kind: 'embedding' },
  other: MultivariateColumn,
  rowsBaseline: Int32Array,
  rowsWindow: Int32Array,
  k: number,
  seed: number,
): Float64Array[] {
  const dim = column.dim;
  const rng = new NumpyRandomState(seed >>> 0);
  const threshold = 2 ** 32 / Math.sqrt(dim);
  const picks: { index: Int32Array; sign: Float64Array }[] = [];
  for (let j = 0; j < k; j++) {
    const index: number[] = [];
    const sign: number[] = [];
    for (let c = 0; c < dim; c++) {
      if (rng.nextUint32() >= threshold) continue;
      index.push(c);
      sign.push(rng.nextUint32() & 1 ? 1 : -1);
    }
    picks.push({ index: Int32Array.from(index), sign: Float64Array.from(sign) });
  }
  const n = rowsBaseline.length + rowsWindow.length;
  const out = picks.map(() => new Float64Array(n));
  const sides = [
    [column, rowsBaseline, 0],
    [other, rowsWindow, rowsBaseline.length],
  ] as const;
  for (const [side, rows, first] of sides) {
    const values = side.values as ArrayLike<number>;
    for (let r = 0; r < rows.length; r++) {
      const o = rows[r]! * dim;
      picks.forEach(({ index, sign }, j) => {
        let v = 0;
        for (let t = 0; t < index.length; t++) v += sign[t]! * values[o + index[t]!]!;
        out[j]![first + r] = v;
      });
    }
  }
  return out;
}

/** Mean and population standard deviation of a vector (two passes, for accuracy on shifted data). */
function meanStd(v: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / v.length) };
}

/** A standard deviation this small relative to the mean is rounding, not variation. */
const isConstant = (mean: number, std: number) => !(std > 1e-12 * Math.max(1, Math.abs(mean)));

/** The pooled vectors of one side pair: base columns, standardised, and what each is. */
function baseColumns(
  baseline: MultivariateSample,
  window: MultivariateSample,
  rowsBaseline: Int32Array,
  rowsWindow: Int32Array,
  options: DesignOptions,
): { columns: Float64Array[]; meta: BaseColumn[]; constant: string[] } {
  const columns: Float64Array[] = [];
  const meta: BaseColumn[] = [];
  const constant: string[] = [];
  const n = rowsBaseline.length + rowsWindow.length;
  const add = (values: Float64Array, m: BaseColumn): boolean => {
    const { mean, std } = meanStd(values);
    if (isConstant(mean, std)) return false;
    for (let i = 0; i < n; i++) values[i] = (values[i]! - mean) / std;
    columns.push(values);
    meta.push(m);
    return true;
  };
  baseline.columns.forEach((column, feature) => {
    const other = window.columns[feature]!;
    let added = false;
    if (column.kind === 'categorical') {
      const levels = new Map<string, number>();
      const key = (v: string | null | undefined) => (v === null || v === undefined ? '\u0000null' : v);
      const codes: string[] = [];
      for (const [side, rows] of [
        [column, rowsBaseline],
        [other, rowsWindow],
      ] as const) {
        const values = side.values as ArrayLike<string | null>;
        for (const r of rows) {
          const k = key(values[r]);
          codes.push(k);
          levels.set(k, (levels.get(k) ?? 0) + 1);
        }
      }
      // Most frequent first, ties by name: the same levels for the same pooled rows on every run.
      const ordered = [...levels.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
      const kept = new Map(ordered.slice(0, options.maxCategories).map((k, i) => [k, i]));
      const indicators = Array.from({ length: Math.min(ordered.length, options.maxCategories + 1) }, () => new Float64Array(n));
      codes.forEach((k, r) => {
        indicators[kept.get(k) ?? options.maxCategories]![r] = 1;
      });
      for (const indicator of indicators) if (add(indicator, { feature, role: 'indicator' })) added = true;
    } else if (column.kind === 'embedding' && column.dim > options.maxEmbeddingDims) {
      for (const values of projectEmbedding(column, other, rowsBaseline, rowsWindow, options.maxEmbeddingDims, options.seed))
        if (add(values, { feature, role: 'embedding' })) added = true;
    } else {
      const dim = column.kind === 'embedding' ? column.dim : 1;
      for (let k = 0; k < dim; k++) {
        const values = new Float64Array(n);
        values.set(pick(column, rowsBaseline, k), 0);
        values.set(pick(other, rowsWindow, k), rowsBaseline.length);
        if (add(values, { feature, role: column.kind === 'embedding' ? 'embedding' : 'number' })) added = true;
      }
    }
    if (!added) constant.push(column.name);
  });
  return { columns, meta, constant };
}

/**
 * The terms of the design: intercept, base columns, squares of numbers, and the pairwise
 * products the column budget allows, choosing the richest mode that fits: all products between
 * non-embedding columns of different features, else products between numbers only, else none.
 * Embedding dimensions enter linearly (their products would be d^2 / 2 columns).
 */
function planTerms(meta: BaseColumn[], maxColumns: number): { terms: DesignTerm[]; interactions: InteractionMode } {
  const terms: DesignTerm[] = [{ kind: 'one' }];
  meta.forEach((_, i) => {
    terms.push({ kind: 'base', i });
  });
  const numbers = meta.flatMap((m, i) => (m.role === 'number' ? [i] : []));
  const interactable = meta.flatMap((m, i) => (m.role !== 'embedding' ? [i] : []));
  const pairs = (cols: number[]) => {
    const out: DesignTerm[] = [];
    for (let a = 0; a < cols.length; a++)
      for (let b = a + 1; b < cols.length; b++) {
        const i = cols[a]!;
        const j = cols[b]!;
        // Two indicators of one feature never both hold: their product is 0.
        if (meta[i]!.feature !== meta[j]!.feature) out.push({ kind: 'product', i, j });
      }
    return out;
  };
  const squares: DesignTerm[] = numbers.map((i) => ({ kind: 'square', i }));
  if (terms.length > maxColumns)
    throw new Error(`the input has ${terms.length - 1} non-constant columns; at most ${maxColumns - 1} are allowed (option maxColumns)`);
  const all = pairs(interactable);
  if (terms.length + squares.length + all.length <= maxColumns) return { terms: [...terms, ...squares, ...all], interactions: 'all' };
  const numeric = pairs(numbers);
  if (terms.length + squares.length + numeric.length <= maxColumns)
    return { terms: [...terms, ...squares, ...numeric], interactions: 'numeric' };
  return { terms: terms.length + squares.length <= maxColumns ? [...terms, ...squares] : terms, interactions: 'none' };
}

/** How many design columns the pooled rows would give, without building the matrix (for the cost cap). */
export function designColumnCount(
  baseline: MultivariateSample,
  window: MultivariateSample,
  rowsBaseline: Int32Array,
  rowsWindow: Int32Array,
  options: DesignOptions,
): number {
  const { meta } = baseColumns(baseline, window, rowsBaseline, rowsWindow, options);
  return planTerms(meta, options.maxColumns).terms.length;
}

/** Builds the design of the selected rows (baseline rows first): see the file comment. */
export function buildDesign(
  baseline: MultivariateSample,
  window: MultivariateSample,
  rowsBaseline: Int32Array,
  rowsWindow: Int32Array,
  options: DesignOptions,
): Design {
  const { columns: baseVectors, meta, constant } = baseColumns(baseline, window, rowsBaseline, rowsWindow, options);
  const { terms, interactions } = planTerms(meta, options.maxColumns);
  const n = rowsBaseline.length + rowsWindow.length;
  const p = baseVectors.length;
  const base = new Float64Array(n * p);
  baseVectors.forEach((v, c) => {
    for (let r = 0; r < n; r++) base[r * p + c] = v[r]!;
  });
  const d = terms.length;
  const kind = Int8Array.from(terms, (t) => (t.kind === 'one' ? 0 : t.kind === 'base' ? 1 : t.kind === 'square' ? 2 : 3));
  const ti = Int32Array.from(terms, (t) => (t.kind === 'one' ? 0 : t.i));
  const tj = Int32Array.from(terms, (t) => (t.kind === 'product' ? t.j : t.kind === 'square' ? t.i : 0));
  const shift = new Float64Array(d);
  // 1 / standard deviation; 0 for a constant square or product (it stays 0: two indicators never both 1).
  const inverse = new Float64Array(d).fill(1);
  const value = (c: number, row: Float64Array, o: number): number => {
    const k = kind[c]!;
    const v = k === 0 ? 1 : k === 1 ? row[o + ti[c]!]! : row[o + ti[c]!]! * row[o + tj[c]!]!;
    return (v - shift[c]!) * inverse[c]!;
  };
  // Squares and products are standardised over the pooled rows too, so one ridge penalty treats
  // every column alike.
  const column = new Float64Array(n);
  for (let c = 0; c < d; c++) {
    if (kind[c]! < 2) continue;
    const a = ti[c]!;
    const b = tj[c]!;
    for (let r = 0; r < n; r++) column[r] = base[r * p + a]! * base[r * p + b]!;
    const { mean, std } = meanStd(column);
    shift[c] = mean;
    inverse[c] = isConstant(mean, std) ? 0 : 1 / std;
  }
  const x = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) x[r * d + c] = value(c, base, r * p);
  const featureBase = baseline.columns.map((_, f) => meta.flatMap((m, i) => (m.feature === f ? [i] : [])));
  const featureColumns = baseline.columns.map((_, f) =>
    terms.flatMap((t, c) =>
      t.kind !== 'one' && (meta[t.i]!.feature === f || (t.kind === 'product' && meta[t.j]!.feature === f)) ? [c] : [],
    ),
  );
  return { x, rows: n, columns: d, base, baseColumns: p, featureBase, featureColumns, interactions, constant, value };
}
