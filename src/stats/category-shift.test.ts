import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoryShift, fisherCategoryP, hypergeometricFarTail } from './category-shift.js';
import { logGamma } from './distributions/gamma.js';

/** P(X = x) for X ~ Hypergeometric(nb + nc items, nc of them current, k draws), straight from the definition. */
function pmf(x: number, nb: number, nc: number, k: number): number {
  const lc = (n: number, r: number) => (r < 0 || r > n ? -Infinity : logGamma(n + 1) - logGamma(r + 1) - logGamma(n - r + 1));
  return Math.exp(lc(nc, x) + lc(nb, k - x) - lc(nb + nc, k));
}

function bruteTails(x: number, nb: number, nc: number, k: number) {
  let lower = 0;
  let upper = 0;
  for (let j = 0; j <= k; j++) {
    const p = pmf(j, nb, nc, k);
    if (j <= x) lower += p;
    if (j >= x) upper += p;
  }
  return { lower, upper };
}

describe('category shift test', () => {
  it('sums the far tail of the hypergeometric distribution exactly', () => {
    for (const [x, nb, nc, k] of [
      [30, 100, 100, 40],
      [2, 100, 100, 40],
      [0, 50, 7, 3],
      [7, 50, 7, 9],
      [120, 1000, 300, 200],
      [40, 1000, 300, 200],
    ] as const) {
      const { lower, upper } = bruteTails(x, nb, nc, k);
      const mean = (k * nc) / (nb + nc);
      const want = x >= mean ? upper : lower;
      const got = hypergeometricFarTail(x, nb, nc, k);
      assert.ok(Math.abs(got - want) <= 1e-12 + 1e-9 * want, `x=${x} nb=${nb} nc=${nc} k=${k}: ${got} vs ${want}`);
    }
  });

  it('gives scipy.stats.fisher_exact one-sided tails, doubled', () => {
    // scipy.stats.fisher_exact([[30, 70], [10, 90]], alternative='greater') -> 0.000424...: twice is our two-sided p.
    const { upper } = bruteTails(30, 100, 100, 40);
    assert.ok(Math.abs(fisherCategoryP(10, 30, 100, 100) - 2 * upper) < 1e-15);
    assert.ok(fisherCategoryP(10, 30, 100, 100) < 1e-3);
    assert.equal(fisherCategoryP(50, 50, 100, 100), 1);
  });

  it('is the smallest per-category p-value times the categories tested', () => {
    const baseline = [500, 300, 200, 0];
    const current = [40, 40, 10, 10];
    const r = categoryShift(baseline, current);
    const per = baseline.map((b, i) => (b + current[i]! > 0 ? fisherCategoryP(b, current[i]!, 1000, 100) : Infinity));
    assert.equal(r.tested, 4);
    assert.ok(Math.abs(r.pvalue - Math.min(1, 4 * Math.min(...per))) < 1e-15);
    assert.equal(r.category, per.indexOf(Math.min(...per)));
    assert.ok(Math.abs(r.statistic - 0.1) < 1e-12, 'largest share change: every category moved by 10 points');
  });

  it('leaves categories nobody reached out of the count, and says nothing without data', () => {
    assert.equal(categoryShift([10, 0, 10], [10, 0, 10]).tested, 2);
    assert.equal(categoryShift([10, 0, 10], [10, 0, 10]).pvalue, 1);
    assert.ok(Number.isNaN(categoryShift([10, 10], [0, 0]).pvalue));
    assert.throws(() => categoryShift([1, 2], [1]), /baseline has 2 bins but current has 1/);
  });

  it('is valid with 200 sparse categories: under no change, p < 0.01 in at most 1% of windows', () => {
    // A 200-category Zipf, baseline 20,000 rows, windows of 100: the expected counts are mostly below 1.
    const k = 200;
    const weights = Array.from({ length: k }, (_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const cumulative: number[] = [];
    weights.reduce((s, w) => {
      cumulative.push((s + w) / total);
      return s + w;
    }, 0);
    let state = 12345;
    const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const draw = (n: number) => {
      const counts = new Array<number>(k).fill(0);
      for (let i = 0; i < n; i++) {
        const u = random();
        let j = 0;
        while (cumulative[j]! < u && j < k - 1) j++;
        counts[j]!++;
      }
      return counts;
    };
    let rejections = 0;
    const windows = 400;
    for (let w = 0; w < windows; w++) if (categoryShift(draw(20_000), draw(100)).pvalue < 0.01) rejections++;
    assert.ok(rejections <= 8, `${rejections} of ${windows} windows rejected at 1%`);
  });
});
