import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NumpyRandomState } from './numpy-random.js';

// Values printed by numpy 2.4.6: np.random.RandomState(seed).bytes(...) read as little-endian
// uint32 (the generator's raw outputs) and .permutation(n).
describe('NumpyRandomState (numpy legacy RandomState)', () => {
  it('gives the same raw 32-bit outputs as numpy for seed 42', () => {
    const rng = new NumpyRandomState(42);
    assert.deepEqual(
      Array.from({ length: 5 }, () => rng.nextUint32()),
      [1608637542, 3421126067, 4083286876, 787846414, 3143890026],
    );
  });

  it('permutes as numpy does, across a state refill (624 outputs)', () => {
    assert.deepEqual([...new NumpyRandomState(42).permutation(10)], [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    const p = new NumpyRandomState(0).permutation(1000);
    assert.deepEqual([...p.subarray(0, 8)], [993, 859, 298, 553, 672, 971, 27, 231]);
    assert.deepEqual([...p.subarray(992)], [359, 707, 763, 835, 192, 629, 559, 684]);
    assert.deepEqual([...new NumpyRandomState(1).permutation(70000).subarray(0, 6)], [6670, 49567, 50796, 22310, 54037, 6869]);
  });

  it('continues the same stream after a permutation, and takes the largest seed', () => {
    const rng = new NumpyRandomState(4294967295);
    assert.deepEqual([...rng.permutation(5)], [4, 1, 0, 2, 3]);
    assert.deepEqual([rng.nextUint32(), rng.nextUint32()], [3388880820, 2260532800]);
  });

  it('shuffles a copy for permuted() and draws without replacement as choice(replace=False)', () => {
    const rng = new NumpyRandomState(42);
    const values = [5, 6, 7, 8];
    assert.deepEqual(rng.permuted(values), [6, 8, 5, 7]);
    assert.deepEqual(values, [5, 6, 7, 8]);
    assert.deepEqual(rng.choiceWithoutReplacement([0, 1], 1), [1]);
    assert.throws(() => rng.choiceWithoutReplacement([0], 2), /without replacement/);
  });

  it('refuses seeds numpy refuses', () => {
    assert.throws(() => new NumpyRandomState(-1), /seed/);
    assert.throws(() => new NumpyRandomState(2 ** 32), /seed/);
    assert.throws(() => new NumpyRandomState(1.5), /seed/);
  });
});
