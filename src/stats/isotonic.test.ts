import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { fitIsotonic, poolAdjacentViolators, predictIsotonic, predictIsotonicOne } from './isotonic.js';

// scikit-learn 1.9.1 IsotonicRegression(out_of_bounds='clip') fitted on the CBPE reference (scores,
// labels): its knots and predictions on a grid, written by scripts/reference/gen_cbpe_fixtures.py.
const Isotonic = z.object({
  isotonic: z.object({
    x_thresholds: z.array(z.number()),
    y_thresholds: z.array(z.number()),
    at: z.array(z.number()),
    predicted: z.array(z.number()),
  }),
});
const sklearn = Isotonic.parse(
  JSON.parse(readFileSync(new URL('../../test/fixtures/cbpe_nannyml_details.json', import.meta.url), 'utf8')),
).isotonic;
const reference = z
  .object({ reference: z.object({ y_true: z.array(z.number()), y_score: z.array(z.number()) }) })
  .parse(JSON.parse(readFileSync(new URL('../../test/fixtures/cbpe_case.json', import.meta.url), 'utf8'))).reference;

const close = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) <= 1e-12, `${what}: got ${got}, want ${want} (|diff| ${Math.abs(got - want)})`);

describe('fitIsotonic (scikit-learn IsotonicRegression, clip)', () => {
  it("has scikit-learn's knots and predictions on the CBPE reference (10,000 rows)", () => {
    const fit = fitIsotonic(reference.y_score, reference.y_true);
    assert.deepEqual(fit.x, sklearn.x_thresholds);
    assert.equal(fit.y.length, sklearn.y_thresholds.length);
    fit.y.forEach((y, i) => close(y, sklearn.y_thresholds[i]!, `knot ${i}`));
    const predicted = predictIsotonic(fit, sklearn.at);
    sklearn.predicted.forEach((want, i) => close(predicted[i]!, want, `predict(${sklearn.at[i]})`));
  });

  it('pools violators into weighted means and averages tied x', () => {
    const values = Float64Array.from([1, 3, 2, 4, 0]);
    poolAdjacentViolators(values, Float64Array.from([1, 1, 1, 1, 1]));
    // 3, 2, 4, 0 violate in turn: one block of mean 2.25.
    assert.deepEqual([...values], [1, 2.25, 2.25, 2.25, 2.25]);
    // x = 1 twice (y 0 and 1) is one point of weight 2 at 0.5; everything pools to 0.5, and only the
    // ends of the flat run stay knots.
    const fit = fitIsotonic([1, 1, 2, 3], [0, 1, 1, 0]);
    assert.deepEqual(fit, { x: [1, 3], y: [0.5, 0.5] });
    assert.equal(predictIsotonicOne(fit, 2.5), 0.5);
  });

  it('clips outside the fitted range and interpolates linearly inside', () => {
    const fit = fitIsotonic([0, 1, 2], [0, 0.5, 1]);
    assert.equal(predictIsotonicOne(fit, -3), 0);
    assert.equal(predictIsotonicOne(fit, 7), 1);
    assert.equal(predictIsotonicOne(fit, 1.5), 0.75);
    assert.equal(predictIsotonicOne(fitIsotonic([3], [1]), 0), 1);
  });

  // Scores on a 0.001 grid (with ties): x values closer than 1e-15 are merged into one point and then
  // predicted by interpolation at its first x, which breaks the mean identity (as in scikit-learn).
  it('always gives a non-decreasing fit whose mean is the mean of y', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 1000 }).map((i) => i / 1000),
            fc.integer({ min: 0, max: 1 }),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        (points) => {
          const x = points.map((p) => p[0]);
          const y = points.map((p) => p[1]);
          const fit = fitIsotonic(x, y);
          for (let i = 1; i < fit.y.length; i++) assert.ok(fit.y[i]! >= fit.y[i - 1]! - 1e-12);
          const predicted = predictIsotonic(fit, x);
          const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
          assert.ok(Math.abs(mean(predicted) - mean(y)) <= 1e-9);
        },
      ),
    );
  });

  it('refuses empty, mismatched and non-finite input', () => {
    assert.throws(() => fitIsotonic([], []), /at least one point/);
    assert.throws(() => fitIsotonic([1, 2], [1]), /2 values and y 1/);
    assert.throws(() => fitIsotonic([1, Number.NaN], [0, 1]), /point 1 is not finite/);
  });
});
