// The schema findings' messages say what is true of the values (issue 14, item 7): how many of
// the window's values, which type they have and which the baseline had, with an example.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CategoricalFeatureProfile, NumericFeatureProfile } from '../contracts/profile.js';
import { featureAnomalies } from './schema.js';

const numeric: NumericFeatureProfile = {
  name: 'car_value',
  dtype: 'DOUBLE',
  kind: 'numeric',
  rows: 1000,
  count: 1000,
  nulls: 0,
  nullShare: 0,
  nonFinite: 0,
  min: 0,
  max: 100,
  mean: 50,
  std: 10,
  quantiles: { probs: [], values: [] },
  bins: { edges: [50], counts: [500, 500], shares: [0.5, 0.5] },
  sample: { seed: 1, complete: true, values: [1, 2] },
};

const flag: CategoricalFeatureProfile = {
  name: 'is_new',
  dtype: 'BOOLEAN',
  kind: 'categorical',
  rows: 1000,
  count: 1000,
  nulls: 0,
  nullShare: 0,
  cardinality: 2,
  categories: [
    { value: 'false', count: 600 },
    { value: 'true', count: 400 },
  ],
  other: { categories: 0, count: 0 },
};

const summary = (rows: number) => ({ rows, count: rows, nulls: 0, nonFinite: 0, min: 1, max: 99 });

describe('schema finding messages', () => {
  it('a numeric feature: "1 of 3,338 values (0.03%) is not a number", with the example, no column types', () => {
    const [finding] = featureAnomalies({
      baseline: numeric,
      current: summary(3338),
      currentDtype: 'DOUBLE',
      typeMismatches: 1,
      mismatchExamples: ['"abc"'],
    });
    assert.ok(finding);
    assert.equal(finding.kind, 'type_mismatch');
    assert.equal(finding.message, 'car_value: 1 of 3,338 values (0.0300%) is not a number: "abc"');
  });

  it('a numeric feature, several: "are not numbers" with up to three examples', () => {
    const [finding] = featureAnomalies({
      baseline: numeric,
      current: summary(200),
      currentDtype: 'VARCHAR',
      typeMismatches: 20,
      mismatchExamples: ['"forty"', 'true'],
    });
    assert.equal(finding?.message, 'car_value: 20 of 200 values (10.0%) are not numbers: "forty", true');
  });

  it("a file's raw text is quoted in the message (the examples stay as the cells had them)", () => {
    const [finding] = featureAnomalies({
      baseline: numeric,
      current: summary(50),
      currentDtype: 'VARCHAR',
      typeMismatches: 8,
      mismatchExamples: ['forty'],
    });
    assert.equal(finding?.message, 'car_value: 8 of 50 values (16.0%) are not numbers: "forty"');
    assert.deepEqual(finding?.examples, ['forty']);
  });

  it('a categorical feature says which type the values have and which the baseline had', () => {
    const [finding] = featureAnomalies({
      baseline: flag,
      current: summary(400),
      currentDtype: 'VARCHAR',
      typeMismatches: 4,
      mismatchExamples: ['"yes"'],
    });
    assert.equal(finding?.message, 'is_new: 4 of 400 values (1.00%) are text where the baseline had booleans: "yes"');
  });

  it('a categorical column of numbers where the baseline had text', () => {
    const [finding] = featureAnomalies({
      baseline: { ...flag, name: 'zip', dtype: 'VARCHAR' },
      current: summary(400),
      currentDtype: 'BIGINT',
    });
    assert.equal(finding?.message, 'zip: the column holds numbers (BIGINT) where the baseline had text (VARCHAR)');
  });
});

describe('schema finding minimums (issue 14, item 6)', () => {
  const unseenIn = (rows: number, unseen: number) =>
    featureAnomalies(
      { baseline: { ...flag, dtype: 'VARCHAR' }, current: summary(rows), currentDtype: 'VARCHAR', unseen, unseenExamples: ['x'] },
      { minUnseenShare: 0.005, minTypeMismatchShare: 0.001 },
    )[0];

  it('one unseen value in 3,338 is listed, not alerting; 1% alerts', () => {
    assert.deepEqual(
      [unseenIn(3338, 1)?.kind, unseenIn(3338, 1)?.alerting, unseenIn(3338, 1)?.minShare],
      ['unseen_categories', false, 0.005],
    );
    assert.equal(unseenIn(1000, 10)?.alerting, true);
  });

  it('findings past their tolerance alert (null share, all null)', () => {
    const [finding] = featureAnomalies({
      baseline: numeric,
      current: { rows: 10, count: 0, nulls: 10, nonFinite: 0 },
      currentDtype: 'DOUBLE',
    });
    assert.deepEqual([finding?.kind, finding?.alerting], ['all_null', true]);
  });
});
