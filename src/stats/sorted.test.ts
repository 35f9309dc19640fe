import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipEqual } from './sorted.js';

describe('skipEqual', () => {
  it('returns the end of the run of ties at i, as a linear scan does, for runs of every length', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const values = Float64Array.from({ length: 1 + Math.floor(random() * 3000) }, () => Math.floor(random() * (1 + trial * 3))).sort();
      for (let i = 0; i <= values.length; i += 1 + Math.floor(random() * 7)) {
        const x = i < values.length ? values[i]! : 0;
        let linear = i;
        while (linear < values.length && values[linear] === x) linear++;
        assert.equal(skipEqual(values, i, x), linear, `trial ${trial}, i ${i}`);
      }
    }
  });

  it('is i itself when the value there is another, and -0 ties with 0', () => {
    assert.equal(skipEqual(Float64Array.of(1, 2, 2, 3), 1, 1), 1);
    assert.equal(skipEqual(Float64Array.of(-0, 0, 0, 1), 0, 0), 3);
  });
});
