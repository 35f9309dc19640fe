import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { binCounts, binIndex, distinctEdges, edgeProbabilities, quantileSorted } from './bins.js';
import { sortedBinCounts } from './sorted.js';

describe('bins', () => {
  it('edge probabilities are k/B as numpy.arange(1, B) / B', () => {
    assert.deepEqual(edgeProbabilities(10), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    assert.equal(edgeProbabilities(10)[2], 3 / 10);
  });

  it('type-7 quantiles equal numpy, to the last bit (np.quantile of seattle precipitation gives 2.6499999999999915)', () => {
    assert.equal(quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5), 2.5);
    // numpy's _lerp: a + (b - a) * t below t = 0.5, b - (b - a) * (1 - t) from there on.
    const t = 4 * 0.7 - 2;
    assert.equal(quantileSorted([0, 1, 2.3, 2.7, 3], 0.7), 2.7 - (2.7 - 2.3) * (1 - t));
    assert.equal(quantileSorted([0, 1, 2.3, 2.7, 3], 0.55), 2.3 + (2.7 - 2.3) * (4 * 0.55 - 2));
  });

  it('bins are right-closed: a value on an edge falls in the bin the edge closes', () => {
    const edges = [1, 2];
    assert.deepEqual(
      [0, 1, 1.5, 2, 3].map((x) => binIndex(edges, x)),
      [0, 0, 1, 1, 2],
    );
  });

  it('repeated edges are dropped', () => {
    assert.deepEqual(distinctEdges([0, 0, 0, 1, 2.5, 2.5]), [0, 1, 2.5]);
  });

  it('property: counting sorted values by binary search equals counting one by one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 300 }),
        fc.uniqueArray(fc.integer({ min: -20, max: 20 }), { maxLength: 9 }),
        (values, rawEdges) => {
          const edges = [...rawEdges].sort((a, b) => a - b);
          const sorted = Float64Array.from(values).sort();
          assert.deepEqual(sortedBinCounts(sorted, edges), binCounts(edges, values));
        },
      ),
    );
  });
});
