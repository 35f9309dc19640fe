/**
 * Kernel two-sample test by the maximum mean discrepancy (Gretton et al., JMLR 2012), as Alibi
 * Detect's MMDDrift computes it: the unbiased MMD^2 with a Gaussian RBF kernel whose bandwidth
 * comes from the median heuristic, and a permutation p-value over the one kernel matrix. Meant
 * for vectors (embeddings of up to 1,024 dimensions, or numeric features already on one scale):
 * the kernel sees Euclidean distances, so columns are not standardised here.
 */
import { balancedRows, type MultivariateSample, streamSeed } from './multivariate-sample.js';
import { type MultivariateResult, type MultivariateTest, notEnoughRows } from './multivariate-test.js';
import { NumpyRandomState } from './numpy-random.js';

/**
 * Where the median heuristic takes its distances from: 'pooled' (both sides' rows; no label
 * enters the kernel, so the permutation p-value is exact; Alibi's `configure_kernel_from_x_ref=False`),
 * 'baseline' (the baseline rows only; Alibi's default), or a fixed sigma.
 */
export type Bandwidth = 'pooled' | 'baseline' | number;

/** The MMD test's defaults, in one place (STYLE.md rule 6); each is an option. */
export const MMD_DEFAULTS = {
  /** Label permutations of the p-value: the smallest p-value is 1 / (permutations + 1). */
  permutations: 199,
  bandwidth: 'pooled' as Bandwidth,
  /** Rows used from each side at most (the larger side is subsampled to the smaller first). */
  maxRowsPerSide: 1000,
  /** Fewer finite rows than this on either side: no test, a "not enough rows" result. */
  minRowsPerSide: 50,
  /** (2 x rows a side)^2 x dimensions / 2 at most (the cost of the distances); above it, fewer rows are used. */
  maxWork: 1e9,
  seed: 0,
};

/** Options of `mmdTest`; unset ones take MMD_DEFAULTS. */
export type MmdOptions = Partial<typeof MMD_DEFAULTS>;

/** The MMD test's result: `statistic` is the unbiased MMD^2. */
export interface MmdResult extends MultivariateResult {
  /** The kernel's sigma: k(x, y) = exp(-|x - y|^2 / (2 sigma^2)). */
  sigma: number;
  bandwidth: 'pooled' | 'baseline' | 'fixed';
  /** Dimensions of a row (numeric columns plus embedding dimensions). */
  dim: number;
}

/**
 * Squared Euclidean distances between all rows of `x` (n rows of `dim`, row-major), upper
 * triangle in row order (i < j), each summed left to right over the dimensions, which is what
 * the reference generator does (scripts/reference/gen_mmd_fixtures.py), so the bandwidth matches bit for bit.
 */
export function pairDistances(x: Float64Array, n: number, dim: number): Float64Array {
  const out = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * dim;
    for (let j = i + 1; j < n; j++) {
      const oj = j * dim;
      let s = 0;
      for (let c = 0; c < dim; c++) {
        const diff = x[oi + c]! - x[oj + c]!;
        s += diff * diff;
      }
      out[k++] = s;
    }
  }
  return out;
}

/**
 * The k-th smallest value (0-based) of `values`, which it reorders: Hoare's selection with a
 * median-of-three pivot, O(n) on average where a sort of the n(n-1)/2 distances is O(n log n).
 */
export function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const held = values[i]!;
        values[i] = values[j]!;
        values[j] = held;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** Index of pair (i, j), i < j, in `pairDistances`' order. */
const pairIndex = (i: number, j: number, n: number) => i * n - (i * (i + 1)) / 2 + (j - i - 1);

/**
 * Alibi Detect's `sigma_median` for a sample against itself: sigma = sqrt(median / 2), the
 * median being the lower middle of the n(n-1)/2 pair distances (Alibi sorts the n x n matrix
 * and takes position n + (n^2 - n) // 2 - 1, past the n zeros of the diagonal, where each pair
 * appears twice). `rows` limits it to the first rows (the baseline's). A median of 0 (more than
 * half the pairs identical) falls back to the median of the positive distances; none: sigma 0.
 */
export function medianSigma(distances: Float64Array, n: number, rows: number): number {
  let values: Float64Array;
  if (rows === n) values = Float64Array.from(distances);
  else {
    values = new Float64Array((rows * (rows - 1)) / 2);
    let k = 0;
    for (let i = 0; i < rows; i++) for (let j = i + 1; j < rows; j++) values[k++] = distances[pairIndex(i, j, n)]!;
  }
  const pairs = values.length;
  if (pairs === 0) return 0;
  let median = kthSmallest(values, Math.floor((pairs - 1) / 2));
  if (!(median > 0)) {
    // More than half the pairs are identical rows: the median of the positive distances instead.
    const positive = values.filter((v) => v > 0);
    if (positive.length === 0) return 0;
    median = kthSmallest(positive, Math.floor((positive.length - 1) / 2));
  }
  return Math.sqrt(0.5 * median);
}

/** The kernel matrix (n x n, row-major, zero diagonal as Alibi's MMDDrift zeroes it) for distances and sigma. */
export function kernelMatrix(distances: Float64Array, n: number, sigma: number): Float64Array {
  const k = new Float64Array(n * n);
  const gamma = 1 / (2 * sigma * sigma);
  let p = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = Math.exp(-gamma * distances[p++]!);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  return k;
}

/** The sum of each row of the kernel matrix: fixed under a permutation of the sides, so computed once. */
export function kernelRowTotals(kernel: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += kernel[i * n + j]!;
    out[i] = s;
  }
  return out;
}

/**
 * Unbiased MMD^2 of the groups in `inY` (1: second sample) from a zero-diagonal kernel matrix:
 * sum_XX / (nx (nx - 1)) + sum_YY / (ny (ny - 1)) - 2 sum_XY / (nx ny), Alibi's
 * `mmd2_from_kernel_matrix`. Only the Y rows are read, each as one contiguous dot product with
 * the 0/1 mask of Y: sum_YY from them, sum_XY from their row totals, sum_XX from the total.
 * O(ny n) per call, streaming (a permutation test calls it once per permutation).
 */
export function mmd2FromKernel(
  kernel: Float64Array,
  n: number,
  inY: Float64Array,
  yRows: Int32Array,
  rowTotals = kernelRowTotals(kernel, n),
): number {
  const ny = yRows.length;
  const nx = n - ny;
  let sumYY = 0;
  let sumXY = 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += rowTotals[i]!;
  for (let t = 0; t < ny; t++) {
    const i = yRows[t]!;
    const o = i * n;
    let toY = 0;
    for (let j = 0; j < n; j++) toY += kernel[o + j]! * inY[j]!;
    sumYY += toY;
    sumXY += rowTotals[i]! - toY;
  }
  const sumXX = total - sumYY - 2 * sumXY;
  return sumXX / (nx * (nx - 1)) + sumYY / (ny * (ny - 1)) - (2 * sumXY) / (nx * ny);
}

/** The rows of both sides' numeric and embedding columns as one row-major matrix (baseline rows first); categories are refused. */
function vectors(
  baseline: MultivariateSample,
  window: MultivariateSample,
  rowsB: Int32Array,
  rowsW: Int32Array,
): { x: Float64Array; dim: number } {
  let dim = 0;
  for (const column of baseline.columns) dim += column.kind === 'embedding' ? column.dim : 1;
  const n = rowsB.length + rowsW.length;
  const x = new Float64Array(n * dim);
  let offset = 0;
  baseline.columns.forEach((column, f) => {
    const width = column.kind === 'embedding' ? column.dim : 1;
    const sides = [
      [column, rowsB, 0],
      [window.columns[f]!, rowsW, rowsB.length],
    ] as const;
    for (const [side, rows, first] of sides) {
      const values = side.values as ArrayLike<number>;
      for (let r = 0; r < rows.length; r++)
        for (let c = 0; c < width; c++) x[(first + r) * dim + offset + c] = values[rows[r]! * width + c]!;
    }
    offset += width;
  });
  return { x, dim };
}

/**
 * Tests whether the window's vectors come from the baseline's distribution: unbiased MMD^2 with
 * a Gaussian RBF kernel (median-heuristic bandwidth), p-value (1 + #{permuted MMD^2 >= observed}) / (1 + B)
 * from B seeded permutations of the rows' sides over the one kernel matrix. Both sides are
 * balanced and capped (MMD_DEFAULTS); rows with a non-finite number are dropped and counted.
 * @example mmdTest({ columns: [{ name: 'e', kind: 'embedding', dim: 64, values: base }] }, { columns: [{ name: 'e', kind: 'embedding', dim: 64, values: win }] })
 */
export function mmdTest(baseline: MultivariateSample, window: MultivariateSample, options: MmdOptions = {}): MmdResult {
  const o = { ...MMD_DEFAULTS, ...options };
  if (!(Number.isInteger(o.permutations) && o.permutations >= 0))
    throw new RangeError(`permutations must be an integer >= 0, got ${o.permutations}`);
  if (typeof o.bandwidth === 'number' && !(o.bandwidth > 0)) throw new RangeError(`a fixed bandwidth must be > 0, got ${o.bandwidth}`);
  if (typeof o.bandwidth !== 'number' && o.bandwidth !== 'pooled' && o.bandwidth !== 'baseline')
    throw new RangeError(`unknown bandwidth '${o.bandwidth}'; known: pooled, baseline, or a number (sigma)`);
  const minRows = Math.max(o.minRowsPerSide, 2);
  let dim = 0;
  for (const column of baseline.columns) {
    if (column.kind === 'categorical')
      throw new Error(
        `mmd compares numeric vectors; column '${column.name}' is categorical (use the domain classifier, or encode it first)`,
      );
    dim += column.kind === 'embedding' ? column.dim : 1;
  }
  // The cost cap: distances cost (2 m)^2 / 2 x dim for m rows a side.
  const affordable = Math.floor(Math.sqrt((2 * o.maxWork) / Math.max(1, dim)) / 2);
  const balanced = balancedRows(baseline, window, {
    maxRowsPerSide: Math.max(minRows, Math.min(o.maxRowsPerSide, affordable)),
    minRowsPerSide: minRows,
    seed: streamSeed(o.seed, 0),
  });
  const kind: MmdResult['bandwidth'] = typeof o.bandwidth === 'number' ? 'fixed' : o.bandwidth;
  if (balanced.tooFew)
    return {
      ...notEnoughRows(balanced.tooFew, o.permutations, balanced.counts),
      sigma: NaN,
      bandwidth: kind,
      dim,
    };
  const m = balanced.baseline.length;
  const n = 2 * m;
  const { x } = vectors(baseline, window, balanced.baseline, balanced.window);
  const distances = pairDistances(x, n, dim);
  const sigma = typeof o.bandwidth === 'number' ? o.bandwidth : medianSigma(distances, n, o.bandwidth === 'pooled' ? n : m);
  const base = {
    method: 'permutation' as const,
    permutations: o.permutations,
    rows: balanced.counts,
    bandwidth: kind,
    dim,
  };
  // Every row the same (sigma 0): nothing differs, so nothing drifted.
  if (!(sigma > 0)) return { ...base, status: 'ok', statistic: 0, pvalue: 1, sigma };
  const kernel = kernelMatrix(distances, n, sigma);
  const inY = new Float64Array(n);
  const yRows = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    inY[m + t] = 1;
    yRows[t] = m + t;
  }
  const totals = kernelRowTotals(kernel, n);
  const observed = mmd2FromKernel(kernel, n, inY, yRows, totals);
  const rng = new NumpyRandomState(streamSeed(o.seed, 2));
  let atLeast = 0;
  for (let b = 0; b < o.permutations; b++) {
    const order = rng.permutation(n);
    inY.fill(0);
    for (let t = 0; t < m; t++) {
      yRows[t] = order[t]!;
      inY[order[t]!] = 1;
    }
    if (mmd2FromKernel(kernel, n, inY, yRows, totals) >= observed) atLeast++;
  }
  return { ...base, status: 'ok', statistic: observed, pvalue: (1 + atLeast) / (1 + o.permutations), sigma };
}

/**
 * The kernel two-sample test as a registered multivariate test: drift when its permutation
 * p-value is below the threshold. Numbers and embeddings only (Euclidean distances).
 */
export const mmd: MultivariateTest<typeof MMD_DEFAULTS, MmdResult> = {
  name: 'mmd',
  label: 'mmd',
  description: 'kernel two-sample test: unbiased MMD^2, Gaussian kernel with median bandwidth, permutation p-value',
  statisticText: 'unbiased MMD^2 (0: same distribution)',
  appliesTo: ['numeric', 'embedding'],
  direction: 'pValueBelow',
  defaultThreshold: 0.01,
  defaults: MMD_DEFAULTS,
  compute: mmdTest,
};
