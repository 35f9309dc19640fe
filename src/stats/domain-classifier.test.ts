import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embedding as embeddingSample, tabular as tabularSample, topFeatures } from '../../test/helpers/multivariate.js';
import { choleskyInPlace, choleskySolve } from './cholesky.js';
import { domainClassifierTest, foldGram } from './domain-classifier.js';
import type { MultivariateSample } from './multivariate-sample.js';

/** The old positional form of the shared generator: rows, p, rho, seed, and a shift of x0 or a share of 'b'. */
const tabular = (rows: number, p: number, rho: number, seed: number, o: { shift?: number; shareB?: number } = {}) =>
  tabularSample({ rows, p, rho, categorical: true, ...o }, seed);

describe('domainClassifierTest', () => {
  it('is deterministic for a seed (every field), and another seed draws other folds', () => {
    const a = tabular(300, 4, 0.2, 1);
    const b = tabular(300, 4, 0.2, 2);
    const r1 = domainClassifierTest(a, b, { seed: 3, permutations: 49 });
    assert.deepEqual(domainClassifierTest(a, b, { seed: 3, permutations: 49 }), r1);
    const r2 = domainClassifierTest(a, b, { seed: 4, permutations: 49 });
    assert.notDeepEqual(r2.foldAuc, r1.foldAuc);
  });

  it('gives an AUC of 0.5 within noise for identical distributions, and a p-value that does not flag them', () => {
    const aucs: number[] = [];
    for (let rep = 0; rep < 6; rep++) {
      const r = domainClassifierTest(tabular(500, 5, 0.3, 10 + rep), tabular(500, 5, 0.3, 50 + rep), { permutations: 99, seed: rep });
      aucs.push(r.statistic);
      assert.ok(r.pvalue > 0.01, `rep ${rep}: p ${r.pvalue}`);
    }
    // The AUC of 1,000 scores has SD sqrt((n + 1) / (12 n1 n0)) ~ 0.018 when nothing can be learned.
    for (const auc of aucs) assert.ok(Math.abs(auc - 0.5) < 0.06, `AUC ${auc}`);
    const mean = aucs.reduce((s, v) => s + v, 0) / aucs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.03, `mean AUC ${mean}`);
  });

  it('gives an AUC near 1 for separable sides and the smallest p-value, 1 / (B + 1)', () => {
    const r = domainClassifierTest(tabular(200, 3, 0, 1), tabular(200, 3, 0, 2, { shift: 6 }), { permutations: 99 });
    assert.ok(r.statistic > 0.99, `AUC ${r.statistic}`);
    assert.equal(r.pvalue, 1 / 100);
    assert.equal(r.importance[0]!.feature, 'x0', 'the shifted feature is the one the classifier relies on');
    assert.ok(r.importance[0]!.aucDrop > 0.3);
  });

  it('catches a correlation flip that leaves both marginals alone, through the product term, and names both features', () => {
    const r = domainClassifierTest(tabular(1000, 4, 0.5, 1), tabular(1000, 4, -0.5, 2), { permutations: 99 });
    assert.equal(r.columns.interactions, 'all');
    assert.ok(r.statistic > 0.65, `AUC ${r.statistic}`);
    assert.equal(r.pvalue, 0.01);
    assert.deepEqual(topFeatures(r, 2), ['x0', 'x1']);
    // Without the products (a budget of intercept + base columns + squares) the same data look undrifted.
    const linear = domainClassifierTest(tabular(1000, 4, 0.5, 1), tabular(1000, 4, -0.5, 2), {
      permutations: 99,
      maxColumns: 1 + 4 + 3 + 4,
    });
    assert.equal(linear.columns.interactions, 'none');
    assert.ok(linear.pvalue > 0.01, `linear + squares: p ${linear.pvalue}, AUC ${linear.statistic}`);
  });

  it('catches a change in a category share and ranks that feature first', () => {
    const r = domainClassifierTest(tabular(1500, 3, 0, 1, { shareB: 0.3 }), tabular(1500, 3, 0, 2, { shareB: 0.45 }), { permutations: 99 });
    assert.ok(r.pvalue <= 0.01, `p ${r.pvalue}`);
    assert.equal(r.importance[0]!.feature, 'kind');
  });

  it('works on embeddings (linear terms: a mean shift is linear)', () => {
    const r = domainClassifierTest(embeddingSample(1000, 64, 1), embeddingSample(1000, 64, 2, 0.1), { permutations: 49 });
    assert.equal(r.columns.design, 65);
    assert.ok(r.pvalue <= 0.02 && r.statistic > 0.6, `p ${r.pvalue}, AUC ${r.statistic}`);
  });

  it('projects an embedding wider than maxEmbeddingDims (seeded, both sides alike) and still sees a shift', () => {
    const r = domainClassifierTest(embeddingSample(600, 300, 1), embeddingSample(600, 300, 2, 0.15), {
      permutations: 99,
      maxEmbeddingDims: 32,
    });
    assert.equal(r.columns.design, 33);
    assert.ok(r.pvalue <= 0.01, `p ${r.pvalue}, AUC ${r.statistic}`);
    const same = domainClassifierTest(embeddingSample(600, 300, 3), embeddingSample(600, 300, 4), {
      permutations: 99,
      maxEmbeddingDims: 32,
    });
    assert.ok(same.pvalue > 0.01, `same: p ${same.pvalue}`);
  });

  it('balances the sides: the larger is subsampled to the smaller; rows over the cap are not used', () => {
    const r = domainClassifierTest(tabular(900, 2, 0, 1), tabular(120, 2, 0, 2), { permutations: 9 });
    assert.equal(r.rows.usedPerSide, 120);
    assert.deepEqual([r.rows.baseline, r.rows.window], [900, 120]);
    const capped = domainClassifierTest(tabular(700, 2, 0, 1), tabular(700, 2, 0, 2), { permutations: 0, maxRowsPerSide: 300 });
    assert.equal(capped.rows.usedPerSide, 300);
    // The cost cap: rows x columns^2 <= maxWork.
    const work = domainClassifierTest(tabular(700, 2, 0, 1), tabular(700, 2, 0, 2), { permutations: 0, maxWork: 2 * 100 * 15 ** 2 });
    assert.equal(work.columns.design, 15); // 1 + 2 numbers + 3 indicators + 2 squares + 7 products
    assert.equal(work.rows.usedPerSide, 100);
  });

  it('drops constant features (reported), NaN rows (counted), and says "not enough rows" for tiny samples', () => {
    const a = tabular(200, 3, 0, 1);
    const b = tabular(200, 3, 0, 2);
    const withConstant = (s: MultivariateSample): MultivariateSample => ({
      columns: [...s.columns, { name: 'flat', kind: 'numeric', values: new Float64Array(200).fill(7) }],
    });
    const r = domainClassifierTest(withConstant(a), withConstant(b), { permutations: 19 });
    assert.deepEqual(r.columns.constant, ['flat']);
    assert.equal(r.importance.find((f) => f.feature === 'flat')!.aucDrop, 0);
    (a.columns[0]!.values as Float64Array)[3] = NaN;
    (b.columns[2]!.values as Float64Array)[8] = -Infinity;
    (b.columns[2]!.values as Float64Array)[9] = NaN;
    const dropped = domainClassifierTest(a, b, { permutations: 9 });
    assert.deepEqual([dropped.rows.droppedBaseline, dropped.rows.droppedWindow, dropped.rows.usedPerSide], [1, 2, 198]);
    const tiny = domainClassifierTest(tabular(30, 3, 0, 1), tabular(500, 3, 0, 2));
    assert.equal(tiny.status, 'not-enough-rows');
    assert.ok(Number.isNaN(tiny.statistic) && Number.isNaN(tiny.pvalue));
    assert.match(tiny.message!, /^not enough rows: baseline 30 rows with finite values \(at least 50 a side/);
  });

  it('all columns constant on both sides: nothing to learn, AUC 0.5, p 1', () => {
    const flat = (): MultivariateSample => ({ columns: [{ name: 'c', kind: 'numeric', values: new Float64Array(100).fill(1) }] });
    const r = domainClassifierTest(flat(), flat(), { permutations: 19 });
    assert.equal(r.statistic, 0.5);
    assert.equal(r.pvalue, 1);
  });

  it('refuses mismatched sides and bad options with messages that name them', () => {
    const a = tabular(100, 2, 0, 1);
    assert.throws(
      () => domainClassifierTest(a, { columns: a.columns.slice().reverse() }),
      /window column 1 is 'kind'; the baseline's is 'x0'/,
    );
    const short: MultivariateSample = {
      columns: [a.columns[0]!, { name: 'x1', kind: 'numeric', values: new Float64Array(3) }, a.columns[2]!],
    };
    assert.throws(() => domainClassifierTest(a, short), /window column 'x1' has 3 rows; the side's first column has 100/);
    assert.throws(() => domainClassifierTest(a, a, { folds: 1 }), /folds must be an integer >= 2/);
  });
});

describe('the ridge fit helpers', () => {
  it('foldGram is X^T X of the fold rows (upper triangle), and Cholesky solves a known system', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12); // 4 rows x 3
    const g = foldGram(x, 3, Int32Array.of(0, 2, 3));
    assert.deepEqual(
      [g[0], g[1], g[2], g[4], g[5], g[8]],
      [1 + 49 + 100, 2 + 56 + 110, 3 + 63 + 120, 4 + 64 + 121, 6 + 72 + 132, 9 + 81 + 144],
    );
    const a = Float64Array.of(4, 0, 0, 2, 5, 0, -2, 1, 6);
    choleskyInPlace(a, 3);
    // A = [[4, 2, -2], [2, 5, 1], [-2, 1, 6]], A [1, 1, 1] = [4, 8, 5].
    const solved = choleskySolve(a, 3, [4, 8, 5], new Float64Array(3));
    for (const v of solved) assert.ok(Math.abs(v - 1) < 1e-12);
    assert.throws(() => choleskyInPlace(Float64Array.of(1, 0, 2, 1), 2), /not positive definite/);
  });
});
