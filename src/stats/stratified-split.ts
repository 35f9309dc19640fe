/**
 * scikit-learn's `StratifiedShuffleSplit(n_splits, test_size, random_state)` with a float
 * test_size and an integer seed, index for index: NannyML draws its ten calibration folds with
 * it (`needs_calibration`, random_state=42), so driftwatch decides "calibrate or not" on the
 * same rows. Randomness comes from the numpy port in numpy-random.ts, in scikit-learn's order of
 * draws; pinned against scikit-learn 1.9.1 in stratified-split.test.ts.
 */
import { NumpyRandomState } from './numpy-random.js';

/** One split: row positions of the training and the test part, in scikit-learn's order. */
export interface Split {
  train: number[];
  test: number[];
}

/**
 * scikit-learn's `_approximate_mode`: how many of `draws` to take from each class, the floors of
 * the proportional shares plus one more for the largest remainders; a tie between remainders is
 * broken by `rng.choice`, which draws even when every tied class gets one.
 */
export function approximateMode(classCounts: readonly number[], draws: number, rng: NumpyRandomState): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  const continuous = classCounts.map((c) => (c / total) * draws);
  const floored = continuous.map(Math.floor);
  let needToAdd = draws - floored.reduce((a, b) => a + b, 0);
  if (needToAdd > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const tied = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(tied.length, needToAdd);
      for (const i of rng.choiceWithoutReplacement(tied, addNow)) floored[i]! += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}

/**
 * The splits of `StratifiedShuffleSplit(n_splits=splits, test_size=testShare, random_state=seed)`
 * over `labels` (any values compared as numbers; classes in ascending order as np.unique sorts them).
 */
export function stratifiedShuffleSplit(labels: readonly number[], splits: number, testShare: number, seed: number): Split[] {
  const n = labels.length;
  if (!(testShare > 0 && testShare < 1)) throw new RangeError(`test share must be in (0, 1), got ${testShare}`);
  // _validate_shuffle_split: ceil of the test share (in float64, as Python computes it), the rest trains.
  const nTest = Math.ceil(testShare * n);
  const nTrain = n - nTest;
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const classIndices = classes.map((c) => labels.flatMap((label, i) => (label === c ? [i] : [])));
  const classCounts = classIndices.map((members) => members.length);
  const fewest = classes.filter((_, k) => classCounts[k]! < 2);
  if (fewest.length > 0) throw new RangeError(`classes with fewer than 2 members cannot be stratified: ${fewest.join(', ')}`);
  if (nTrain < classes.length || nTest < classes.length)
    throw new RangeError(`${n} rows split ${nTrain}/${nTest} leave a part with fewer rows than the ${classes.length} classes`);
  const rng = new NumpyRandomState(seed);
  const out: Split[] = [];
  for (let s = 0; s < splits; s++) {
    const trainCounts = approximateMode(classCounts, nTrain, rng);
    const testCounts = approximateMode(
      classCounts.map((c, k) => c - trainCounts[k]!),
      nTest,
      rng,
    );
    const train: number[] = [];
    const test: number[] = [];
    classIndices.forEach((members, k) => {
      const permutation = rng.permutation(members.length);
      // A loop, not push(...): a class of a million rows would overflow the call stack.
      const nTrainK = trainCounts[k]!;
      const end = nTrainK + testCounts[k]!;
      for (let j = 0; j < end; j++) (j < nTrainK ? train : test).push(members[permutation[j]!]!);
    });
    out.push({ train: rng.permuted(train), test: rng.permuted(test) });
  }
  return out;
}
