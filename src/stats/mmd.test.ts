import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { embedding as embeddingSample } from '../../test/helpers/multivariate.js';
import { assertStatClose } from '../../test/helpers/tolerance.js';
import { kernelMatrix, kthSmallest, medianSigma, mmd2FromKernel, mmdTest, pairDistances } from './mmd.js';
import type { MultivariateSample } from './multivariate-sample.js';

// The reference: test/fixtures/mmd_cases.json, written by scripts/reference/gen_mmd_fixtures.py
// (numpy transcription of Alibi Detect's sigma_median, GaussianRBF and mmd2_from_kernel_matrix).
const Case = z.object({
  name: z.string(),
  nx: z.number().int(),
  ny: z.number().int(),
  dim: z.number().int(),
  x: z.array(z.number().int()),
  y: z.array(z.number().int()),
  sigma_pooled: z.number(),
  sigma_baseline: z.number(),
  mmd2_pooled: z.number(),
  mmd2_baseline: z.number(),
});
const Fixture = z.object({ scale: z.number(), cases: z.array(Case) });
const fixture = Fixture.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/mmd_cases.json', import.meta.url), 'utf8')));

describe('MMD^2 and the median bandwidth match the Alibi Detect transcription', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const n = c.nx + c.ny;
      const x = Float64Array.from([...c.x, ...c.y], (v) => v / fixture.scale);
      const distances = pairDistances(x, n, c.dim);
      const inY = new Float64Array(n);
      const yRows = Int32Array.from({ length: c.ny }, (_, t) => c.nx + t);
      for (const t of yRows) inY[t] = 1;
      for (const [bandwidth, rows, sigmaWant, mmdWant] of [
        ['pooled', n, c.sigma_pooled, c.mmd2_pooled],
        ['baseline', c.nx, c.sigma_baseline, c.mmd2_baseline],
      ] as const) {
        const sigma = medianSigma(distances, n, rows);
        assert.equal(sigma, sigmaWant, `${bandwidth} sigma, bit for bit`);
        assertStatClose(mmd2FromKernel(kernelMatrix(distances, n, sigma), n, inY, yRows), mmdWant, `${bandwidth} MMD^2`);
      }
    });
  }
});

describe('mmdTest', () => {
  it('reports the fixture MMD^2 when the sides fit under the caps (equal sizes are not subsampled)', () => {
    const c = fixture.cases.find((k) => k.nx === k.ny && k.nx >= 50)!;
    const side = (ints: number[]): MultivariateSample => ({
      columns: [{ name: 'e', kind: 'embedding', dim: c.dim, values: Float64Array.from(ints, (v) => v / fixture.scale) }],
    });
    const r = mmdTest(side(c.x), side(c.y), { permutations: 19 });
    assert.equal(r.status, 'ok');
    assert.equal(r.sigma, c.sigma_pooled);
    assertStatClose(r.statistic, c.mmd2_pooled, 'MMD^2');
    const b = mmdTest(side(c.x), side(c.y), { permutations: 19, bandwidth: 'baseline' });
    assertStatClose(b.statistic, c.mmd2_baseline, 'MMD^2 with the baseline bandwidth');
  });

  it('is deterministic for a seed, and the permutation p-value is (1 + #{>=}) / (1 + B)', () => {
    const a = embeddingSample(120, 16, 1);
    const b = embeddingSample(120, 16, 2);
    const r1 = mmdTest(a, b, { seed: 5, permutations: 99 });
    const r2 = mmdTest(a, b, { seed: 5, permutations: 99 });
    assert.deepEqual(r1, r2);
    const count = r1.pvalue * 100 - 1; // #{permuted >= observed}
    assert.ok(Math.abs(count - Math.round(count)) < 1e-9 && count >= 0 && count <= 99, `p ${r1.pvalue}`);
    assert.ok(r1.pvalue > 0.01, `undrifted: p ${r1.pvalue}`);
  });

  it('finds a 0.1 SD mean shift in 64 dimensions at 1,000 rows a side, and not a null one', () => {
    const drifted = mmdTest(embeddingSample(1000, 64, 3), embeddingSample(1000, 64, 4, 0.1), { permutations: 99 });
    assert.ok(drifted.pvalue <= 0.01, `shifted: p ${drifted.pvalue}, MMD^2 ${drifted.statistic}`);
    const same = mmdTest(embeddingSample(300, 64, 5), embeddingSample(300, 64, 6), { permutations: 99 });
    assert.ok(same.pvalue > 0.05, `same: p ${same.pvalue}`);
  });

  it('balances the sides and caps the rows by the cost budget', () => {
    const r = mmdTest(embeddingSample(400, 1024, 7), embeddingSample(90, 1024, 8), { permutations: 9 });
    assert.equal(r.rows.usedPerSide, 90, 'the larger side is subsampled to the smaller');
    const capped = mmdTest(embeddingSample(900, 1024, 7), embeddingSample(900, 1024, 8), { permutations: 0 });
    // sqrt(2 x 1e9 / 1024) / 2 = 698 rows a side.
    assert.equal(capped.rows.usedPerSide, 698);
    assert.equal(capped.dim, 1024);
  });

  it('drops rows holding a non-finite number and counts them; too few rows is a clear result', () => {
    const a = embeddingSample(80, 4, 9);
    const values = a.columns[0]!.values as Float64Array;
    values[5] = NaN;
    values[4 * 10] = Infinity;
    const r = mmdTest(a, embeddingSample(80, 4, 10), { permutations: 9 });
    assert.equal(r.rows.droppedBaseline, 2);
    assert.equal(r.rows.usedPerSide, 78);
    const tiny = mmdTest(embeddingSample(10, 4, 1), embeddingSample(80, 4, 2));
    assert.equal(tiny.status, 'not-enough-rows');
    assert.ok(Number.isNaN(tiny.pvalue));
    assert.match(tiny.message!, /not enough rows: baseline 10 rows with finite values \(at least 50 a side/);
  });

  it('identical rows everywhere: sigma 0, MMD^2 0, p 1; a median of 0 falls back to the positive distances', () => {
    const constant = (rows: number): MultivariateSample => ({
      columns: [{ name: 'v', kind: 'numeric', values: new Float64Array(rows).fill(3) }],
    });
    const r = mmdTest(constant(60), constant(60));
    assert.deepEqual([r.statistic, r.pvalue, r.sigma], [0, 1, 0]);
    // 5 rows, 4 identical: 6 of the 10 pair distances are 0; the positive ones are all 4.
    const x = Float64Array.of(0, 0, 0, 0, 2);
    assert.equal(medianSigma(pairDistances(x, 5, 1), 5, 5), Math.sqrt(2));
  });

  it('kthSmallest selects what a sort would, ties included', () => {
    const random = (seed: number) => {
      let a = seed;
      return () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    };
    const r = random(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(r() * 60);
      const values = Float64Array.from({ length: n }, () => Math.floor(r() * 8));
      const k = Math.floor(r() * n);
      const want = Float64Array.from(values).sort()[k];
      assert.equal(kthSmallest(Float64Array.from(values), k), want, `n ${n}, k ${k}`);
    }
  });

  it('refuses categorical columns and bad options, naming them', () => {
    const cat: MultivariateSample = { columns: [{ name: 'origin', kind: 'categorical', values: ['ORD'] }] };
    assert.throws(() => mmdTest(cat, cat), /column 'origin' is categorical/);
    const a = embeddingSample(60, 2, 1);
    assert.throws(() => mmdTest(a, a, { bandwidth: 'median' as never }), /unknown bandwidth 'median'; known: pooled, baseline/);
    assert.throws(() => mmdTest(a, embeddingSample(60, 3, 1)), /embedding 'embedding' has dim 2 in the baseline but 3 in the window/);
  });
});
