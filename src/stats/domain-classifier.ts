/**
 * Multivariate drift by a domain classifier (Rabanser et al., "Failing Loudly", 2019, "Classif";
 * NannyML's DomainClassifierCalculator; Alibi Detect's ClassifierDrift): a model is trained to
 * tell baseline rows from window rows; if it can, on rows it was not trained on, the joint
 * distribution has changed. The score is the stratified K-fold out-of-fold ROC AUC (0.5: no
 * drift, 1: the sides are separable); the p-value is a permutation test of the labels.
 *
 * The model is a ridge (L2-regularised least-squares) classifier on standardised columns, their
 * squares and pairwise products: the products let it see a change in how two features move
 * together (a correlation flip) that a linear model on the raw features, and every marginal
 * test, cannot. Ridge rather than logistic regression or boosted trees because its fit is linear
 * in the labels: with the folds fixed, each fold's Cholesky factor serves every permutation, so a
 * permutation costs two passes over the design (O(n d)) instead of a refit (O(n d^2)). That makes
 * a few hundred permutations affordable on two cores, and the p-value exact (docs/multivariate.md).
 */
import { rankAuc, mannWhitneyGreaterPValue } from './auc.js';
import { choleskyInPlace, choleskySolve } from './cholesky.js';
import { buildDesign, type Design, designColumnCount, type InteractionMode } from './classifier-design.js';
import { balancedRows, type MultivariateSample, streamSeed, subsample } from './multivariate-sample.js';
import { type MultivariateResult, type MultivariateTest, notEnoughRows } from './multivariate-test.js';
import { NumpyRandomState } from './numpy-random.js';

/** The domain classifier's defaults, in one place (STYLE.md rule 6); each is an option. */
export const DOMAIN_CLASSIFIER_DEFAULTS = {
  /** Cross-validation folds (stratified by side). */
  folds: 5,
  /** Label permutations of the p-value: the smallest p-value is 1 / (permutations + 1). */
  permutations: 199,
  /** Ridge penalty per training row, on standardised columns (1: the penalty weighs as much as the data; for 231 columns at 200 rows a side the AUC gained up to 1, hardly past it: docs/multivariate.md). */
  ridge: 1,
  /** Rows used from each side at most (the larger side is subsampled to the smaller first). */
  maxRowsPerSide: 5000,
  /** Fewer finite rows than this on either side: no test, a "not enough rows" result. */
  minRowsPerSide: 50,
  /** Rows x columns^2 at most (the cost of the Gram matrices); above it, fewer rows are used. */
  maxWork: 1.2e9,
  /** Design columns at most, intercept included: squares and products are dropped to stay within it. */
  maxColumns: 1100,
  /** Embeddings with more dimensions are reduced to this many by a seeded sparse random projection (cost; docs/multivariate.md). */
  maxEmbeddingDims: 256,
  /** Categories per categorical feature kept as indicators (most frequent first; the rest share one). */
  maxCategories: 10,
  /** Shuffles per feature for permutation importance (0: none). */
  importanceRepeats: 3,
  seed: 0,
};

/** Options of `domainClassifierTest`; unset ones take DOMAIN_CLASSIFIER_DEFAULTS. */
export type DomainClassifierOptions = Partial<typeof DOMAIN_CLASSIFIER_DEFAULTS>;

/** How much the classifier relied on one input feature: the AUC lost when it is shuffled. */
export interface FeatureImportance {
  feature: string;
  /** Out-of-fold AUC minus the AUC with the feature's values shuffled among each fold's rows (mean over repeats). */
  aucDrop: number;
}

/** The domain classifier's result: `statistic` is the out-of-fold AUC. */
export interface DomainClassifierResult extends MultivariateResult {
  /** The out-of-fold AUC of each fold. */
  foldAuc: number[];
  /** One-sided Mann-Whitney p-value of the pooled out-of-fold scores (normal approximation); see docs/multivariate.md for why it is only a cross-check. */
  pvalueMannWhitney: number;
  columns: { design: number; interactions: InteractionMode; constant: string[] };
  /** Features by AUC drop, largest first. */
  importance: FeatureImportance[];
}

/** The folds of the rows: row positions per fold and each row's fold, stratified by side. */
interface Folds {
  members: Int32Array[];
  labels: Uint8Array[];
}

/** Stratified folds: each side's rows shuffled, then dealt round-robin, so each fold holds the same number of each side (within one). */
function stratifiedFolds(perSide: number, k: number, rng: NumpyRandomState): Folds {
  const members: number[][] = Array.from({ length: k }, () => []);
  for (const side of [0, 1]) {
    const order = rng.permutation(perSide);
    for (let r = 0; r < perSide; r++) members[r % k]!.push(side * perSide + order[r]!);
  }
  const sorted = members.map((m) => Int32Array.from(m).sort());
  return { members: sorted, labels: sorted.map((m) => Uint8Array.from(m, (row) => (row >= perSide ? 1 : 0))) };
}

/** The fitted folds: each fold's Cholesky factor of its training Gram matrix plus penalty, and X^T 1 per fold. */
interface FoldFits {
  factors: Float64Array[];
}

/**
 * X_k^T X_k for the rows of one fold, upper triangle, from a column-major copy of those rows:
 * each entry is a contiguous dot product, four columns at a time, so the sums stay in registers
 * (about 3x faster than accumulating row by row into the matrix).
 */
export function foldGram(x: Float64Array, d: number, rows: Int32Array): Float64Array {
  const n = rows.length;
  const t = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = rows[i]! * d;
    for (let c = 0; c < d; c++) t[c * n + i] = x[o + c]!;
  }
  const g = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    const ca = a * n;
    let b = a;
    for (; b + 3 < d; b += 4) {
      const c0 = b * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const v = t[ca + i]!;
        s0 += v * t[c0 + i]!;
        s1 += v * t[c1 + i]!;
        s2 += v * t[c2 + i]!;
        s3 += v * t[c3 + i]!;
      }
      g[a * d + b] = s0;
      g[a * d + b + 1] = s1;
      g[a * d + b + 2] = s2;
      g[a * d + b + 3] = s3;
    }
    for (; b < d; b++) {
      const cb = b * n;
      let s0 = 0;
      for (let i = 0; i < n; i++) s0 += t[ca + i]! * t[cb + i]!;
      g[a * d + b] = s0;
    }
  }
  return g;
}

/** Each fold's Gram matrix (upper triangle), then the Cholesky factor of the other folds' Gram plus the ridge penalty. */
function fitFolds(design: Design, folds: Folds, ridge: number): FoldFits {
  const d = design.columns;
  const grams = folds.members.map((rows) => foldGram(design.x, d, rows));
  const total = new Float64Array(d * d);
  for (const g of grams) for (let i = 0; i < total.length; i++) total[i] = total[i]! + g[i]!;
  const factors = grams.map((g, k) => {
    const trainRows = design.rows - folds.members[k]!.length;
    const penalty = ridge * trainRows;
    const a = new Float64Array(d * d);
    // Lower triangle of (total - fold) from the upper triangles; the intercept (column 0) is not penalised.
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) a[i * d + j] = total[j * d + i]! - g[j * d + i]! + (i === j && i > 0 ? penalty : 0);
    choleskyInPlace(a, d);
    return a;
  });
  return { factors };
}

/** Buffers reused by every permutation: the per-fold label sums, the right-hand side and the weights. */
interface Workspace {
  sums: Float64Array[];
  all: Float64Array;
  rhs: Float64Array;
  w: Float64Array;
}

function workspace(d: number, k: number): Workspace {
  return {
    sums: Array.from({ length: k }, () => new Float64Array(d)),
    all: new Float64Array(d),
    rhs: new Float64Array(d),
    w: new Float64Array(d),
  };
}

/**
 * The out-of-fold scores (folds laid end to end) for the labels held in `folds.labels`: each
 * fold's model is the ridge fit to the other folds' rows, X^T y being the sum of the rows
 * labelled 1 (0/1 coding with an intercept). O(1.5 n d) plus K solves of O(d^2).
 */
function outOfFoldScores(design: Design, folds: Folds, fits: FoldFits, scores: Float64Array, ws: Workspace): void {
  const d = design.columns;
  const x = design.x;
  const k = folds.members.length;
  const { all, rhs, w } = ws;
  all.fill(0);
  for (let f = 0; f < k; f++) {
    const s = ws.sums[f]!;
    s.fill(0);
    const rows = folds.members[f]!;
    const labels = folds.labels[f]!;
    for (let i = 0; i < rows.length; i++) {
      if (labels[i] !== 1) continue;
      const o = rows[i]! * d;
      for (let c = 0; c < d; c++) s[c] = s[c]! + x[o + c]!;
    }
    for (let c = 0; c < d; c++) all[c] = all[c]! + s[c]!;
  }
  let offset = 0;
  for (let f = 0; f < k; f++) {
    const s = ws.sums[f]!;
    for (let c = 0; c < d; c++) rhs[c] = all[c]! - s[c]!;
    choleskySolve(fits.factors[f]!, d, rhs, w);
    const rows = folds.members[f]!;
    for (let i = 0; i < rows.length; i++) {
      const o = rows[i]! * d;
      let score = 0;
      for (let c = 0; c < d; c++) score += x[o + c]! * w[c]!;
      scores[offset + i] = score;
    }
    offset += rows.length;
  }
}

/** Where fold f's rows start in the pooled score vector (folds laid end to end). */
function offsetOf(folds: Folds, f: number): number {
  let o = 0;
  for (let g = 0; g < f; g++) o += folds.members[g]!.length;
  return o;
}

/** The labels of the folds laid end to end, matching the score vector's order. */
function pooledLabels(folds: Folds): Uint8Array {
  const out = new Uint8Array(folds.labels.reduce((a, l) => a + l.length, 0));
  let o = 0;
  for (const l of folds.labels) {
    out.set(l, o);
    o += l.length;
  }
  return out;
}

/** Each fold's weights for the observed labels (what permutation importance scores with). */
function foldWeights(design: Design, folds: Folds, fits: FoldFits): Float64Array[] {
  const d = design.columns;
  const sums = folds.members.map((rows, f) => {
    const s = new Float64Array(d);
    rows.forEach((r, i) => {
      if (folds.labels[f]![i] === 1) for (let c = 0; c < d; c++) s[c] = s[c]! + design.x[r * d + c]!;
    });
    return s;
  });
  const all = new Float64Array(d);
  for (const s of sums) for (let c = 0; c < d; c++) all[c] = all[c]! + s[c]!;
  return sums.map((s, f) => {
    const rhs = Float64Array.from(all, (v, c) => v - s[c]!);
    return choleskySolve(fits.factors[f]!, d, rhs, new Float64Array(d));
  });
}

/**
 * Permutation importance (Breiman; scikit-learn's `permutation_importance` on held-out rows):
 * for each input feature, its base columns are shuffled together among each fold's rows (an
 * embedding or a one-hot category moves as a whole), the fold's own model rescores them, and the
 * pooled AUC's drop is averaged over `repeats` shuffles. Only the design columns that depend on
 * the feature are recomputed: a row's new score is its old one plus their change times the weights.
 */
function permutationImportance(
  design: Design,
  folds: Folds,
  weights: Float64Array[],
  observedScores: Float64Array,
  names: readonly string[],
  observedAuc: number,
  repeats: number,
  rng: NumpyRandomState,
): FeatureImportance[] {
  if (repeats <= 0) return [];
  const d = design.columns;
  const p = design.baseColumns;
  const labels = pooledLabels(folds);
  const scores = new Float64Array(labels.length);
  const row = new Float64Array(p);
  const out = names.map((feature, f) => {
    const cols = design.featureBase[f]!;
    const affected = design.featureColumns[f]!;
    if (cols.length === 0) return { feature, aucDrop: 0 };
    let drop = 0;
    for (let rep = 0; rep < repeats; rep++) {
      let o = 0;
      folds.members.forEach((rows, k) => {
        const order = rng.permutation(rows.length);
        const w = weights[k]!;
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          row.set(design.base.subarray(r * p, r * p + p));
          const donor = rows[order[i]!]!;
          for (const c of cols) row[c] = design.base[donor * p + c]!;
          let s = observedScores[o + i]!;
          for (const c of affected) s += (design.value(c, row, 0) - design.x[r * d + c]!) * w[c]!;
          scores[o + i] = s;
        }
        o += rows.length;
      });
      drop += observedAuc - rankAuc(scores, labels).auc;
    }
    return { feature, aucDrop: drop / repeats };
  });
  return out.sort((a, b) => b.aucDrop - a.aucDrop || (a.feature < b.feature ? -1 : 1));
}

/**
 * Tests whether a classifier can tell the window's rows from the baseline's: stratified K-fold
 * out-of-fold AUC of a ridge classifier with squares and pairwise products, a permutation
 * p-value (1 + #{permuted AUC >= observed}) / (1 + B) from label permutations within the folds,
 * and permutation importance per feature. Seeded: the same inputs and seed give the same result.
 * Fewer than `minRowsPerSide` finite rows on a side gives status 'not-enough-rows' and NaNs.
 * @example domainClassifierTest({ columns: [{ name: 'x', kind: 'numeric', values: xs }] }, { columns: [{ name: 'x', kind: 'numeric', values: ys }] })
 */
export function domainClassifierTest(
  baseline: MultivariateSample,
  window: MultivariateSample,
  options: DomainClassifierOptions = {},
): DomainClassifierResult {
  const o = { ...DOMAIN_CLASSIFIER_DEFAULTS, ...options };
  if (!(Number.isInteger(o.folds) && o.folds >= 2)) throw new RangeError(`folds must be an integer >= 2, got ${o.folds}`);
  if (!(Number.isInteger(o.permutations) && o.permutations >= 0))
    throw new RangeError(`permutations must be an integer >= 0, got ${o.permutations}`);
  if (!(o.ridge > 0)) throw new RangeError(`ridge must be > 0, got ${o.ridge}`);
  const minRows = Math.max(o.minRowsPerSide, o.folds);
  const balanced = balancedRows(baseline, window, {
    maxRowsPerSide: o.maxRowsPerSide,
    minRowsPerSide: minRows,
    seed: streamSeed(o.seed, 0),
  });
  const empty = { design: 0, interactions: 'none' as InteractionMode, constant: [] as string[] };
  if (balanced.tooFew)
    return {
      ...notEnoughRows(balanced.tooFew, o.permutations, balanced.counts),
      foldAuc: [],
      pvalueMannWhitney: NaN,
      columns: empty,
      importance: [],
    };
  let { baseline: rowsB, window: rowsW } = balanced;
  const designOptions = {
    maxCategories: o.maxCategories,
    maxColumns: o.maxColumns,
    maxEmbeddingDims: o.maxEmbeddingDims,
    seed: streamSeed(o.seed, 5),
  };
  // The cost cap: the Gram matrices cost rows x columns^2; past the budget, fewer rows a side.
  const d = designColumnCount(baseline, window, rowsB, rowsW, designOptions);
  const affordable = Math.floor(o.maxWork / (2 * d * d));
  if (affordable < rowsB.length) {
    const perSide = Math.max(minRows, affordable);
    const rng = new NumpyRandomState(streamSeed(o.seed, 4));
    rowsB = subsample(rowsB, perSide, rng);
    rowsW = subsample(rowsW, perSide, rng);
  }
  const perSide = rowsB.length;
  const design = buildDesign(baseline, window, rowsB, rowsW, designOptions);
  const folds = stratifiedFolds(perSide, o.folds, new NumpyRandomState(streamSeed(o.seed, 1)));
  const fits = fitFolds(design, folds, o.ridge);
  const labels = pooledLabels(folds);
  const scores = new Float64Array(labels.length);
  const ws = workspace(design.columns, o.folds);
  outOfFoldScores(design, folds, fits, scores, ws);
  const observedScores = Float64Array.from(scores);
  const observed = rankAuc(scores, labels);
  const foldAuc = folds.members.map((_, f) => {
    const start = offsetOf(folds, f);
    const end = start + folds.members[f]!.length;
    return rankAuc(scores.subarray(start, end), labels.subarray(start, end)).auc;
  });
  // Labels permuted within each fold: the folds (and so each fold's factor) stay as they are,
  // each fold keeps its count of each side, and under no drift every arrangement is equally likely.
  const permutationRng = new NumpyRandomState(streamSeed(o.seed, 2));
  const saved = folds.labels.map((l) => Uint8Array.from(l));
  let atLeast = 0;
  for (let b = 0; b < o.permutations; b++) {
    for (const l of folds.labels) permutationRng.shuffle(l);
    outOfFoldScores(design, folds, fits, scores, ws);
    if (rankAuc(scores, pooledLabels(folds)).u >= observed.u) atLeast++;
  }
  saved.forEach((l, f) => {
    folds.labels[f]!.set(l);
  });
  const weights = foldWeights(design, folds, fits);
  const importance = permutationImportance(
    design,
    folds,
    weights,
    observedScores,
    baseline.columns.map((c) => c.name),
    observed.auc,
    o.importanceRepeats,
    new NumpyRandomState(streamSeed(o.seed, 3)),
  );
  return {
    status: 'ok',
    statistic: observed.auc,
    pvalue: (1 + atLeast) / (1 + o.permutations),
    method: 'permutation',
    permutations: o.permutations,
    rows: { ...balanced.counts, usedPerSide: perSide },
    foldAuc,
    pvalueMannWhitney: mannWhitneyGreaterPValue(observed),
    columns: { design: design.columns, interactions: design.interactions, constant: design.constant },
    importance,
  };
}

/**
 * The domain classifier as a registered multivariate test: drift when its permutation p-value
 * is below the threshold. It reads numbers, categories and embeddings alike.
 */
export const domainClassifier: MultivariateTest<typeof DOMAIN_CLASSIFIER_DEFAULTS, DomainClassifierResult> = {
  name: 'domain_classifier',
  label: 'classifier',
  description: 'a ridge classifier with pairwise products tells window rows from baseline rows (5-fold AUC, permutation p-value)',
  statisticText: 'out-of-fold ROC AUC (0.5: indistinguishable)',
  appliesTo: ['numeric', 'categorical', 'embedding'],
  direction: 'pValueBelow',
  defaultThreshold: 0.01,
  defaults: DOMAIN_CLASSIFIER_DEFAULTS,
  compute: domainClassifierTest,
};
