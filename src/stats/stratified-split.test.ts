import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { NumpyRandomState } from './numpy-random.js';
import { approximateMode, stratifiedShuffleSplit } from './stratified-split.js';

// scikit-learn 1.9.1's StratifiedShuffleSplit(n_splits=3, random_state=42) on small label vectors,
// and the ten folds NannyML's needs_calibration draws on the CBPE reference (first 20 test rows each),
// written by scripts/reference/gen_cbpe_fixtures.py.
const Details = z.object({
  splits: z.array(
    z.object({
      labels: z.array(z.number()),
      test_size: z.number(),
      seed: z.number(),
      splits: z.array(z.object({ train: z.array(z.number()), test: z.array(z.number()) })),
    }),
  ),
  calibration: z.object({ fold_tests_head: z.array(z.array(z.number())) }),
});
const details = Details.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/cbpe_nannyml_details.json', import.meta.url), 'utf8')));
const reference = z
  .object({ reference: z.object({ y_true: z.array(z.number()) }) })
  .parse(JSON.parse(readFileSync(new URL('../../test/fixtures/cbpe_case.json', import.meta.url), 'utf8'))).reference;

describe('stratifiedShuffleSplit (scikit-learn StratifiedShuffleSplit)', () => {
  for (const [i, c] of details.splits.entries()) {
    it(`case ${i}: ${c.labels.length} labels, test_size ${c.test_size}: the same indices in the same order`, () => {
      const got = stratifiedShuffleSplit(c.labels, c.splits.length, c.test_size, c.seed);
      assert.deepEqual(got, c.splits);
    });
  }

  it("draws NannyML's ten calibration folds on the CBPE reference (10,000 rows)", () => {
    const folds = stratifiedShuffleSplit(reference.y_true, 10, 0.1, 42);
    assert.deepEqual(
      folds.map((f) => f.test.slice(0, 20)),
      details.calibration.fold_tests_head,
    );
    for (const f of folds) {
      assert.equal(f.test.length, 1000);
      assert.equal(new Set([...f.train, ...f.test]).size, 10000);
    }
  });

  it('refuses a class of one row and a test part smaller than the classes', () => {
    assert.throws(() => stratifiedShuffleSplit([0, 0, 0, 1], 1, 0.5, 42), /fewer than 2 members/);
    assert.throws(() => stratifiedShuffleSplit([0, 0, 1, 1], 1, 0.1, 42), /fewer rows than the 2 classes/);
    assert.throws(() => stratifiedShuffleSplit([0, 0, 1, 1], 1, 1, 42), /test share/);
  });
});

describe('approximateMode (scikit-learn _approximate_mode)', () => {
  // The docstring's examples in scikit-learn's extmath.py (seeds 0 and 42).
  it("matches scikit-learn's documented examples", () => {
    assert.deepEqual(approximateMode([4, 2], 3, new NumpyRandomState(0)), [2, 1]);
    assert.deepEqual(approximateMode([5, 2], 4, new NumpyRandomState(0)), [3, 1]);
    assert.deepEqual(approximateMode([2, 2, 2, 1], 2, new NumpyRandomState(0)), [0, 1, 1, 0]);
    assert.deepEqual(approximateMode([2, 2, 2, 1], 2, new NumpyRandomState(42)), [1, 1, 0, 0]);
  });
});
