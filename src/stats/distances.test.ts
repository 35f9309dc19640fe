import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hellingerDistance } from './hellinger.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { lInfinityDistance } from './linf.js';
import { populationStabilityIndex, PSI_EPSILON } from './psi.js';
import { toShares } from './shares.js';
import { wasserstein1 } from './wasserstein.js';

/** Two count vectors over the same bins, at least one non-zero count on each side. */
const countPairs = fc
  .integer({ min: 1, max: 12 })
  .chain((k) => fc.tuple(fc.array(fc.nat(1000), { minLength: k, maxLength: k }), fc.array(fc.nat(1000), { minLength: k, maxLength: k })))
  .filter(([a, b]) => a.some((x) => x > 0) && b.some((x) => x > 0));

const sortedSample = fc
  .array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 })
  .map((xs) => Float64Array.from(xs).sort());

describe('binned distances', () => {
  it('PSI: hand-computed value, epsilon for empty bins, no renormalisation', () => {
    const p = [0.5, 0.5, 0];
    const q = [0.25, 0.5, 0.25];
    const want = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.25 - PSI_EPSILON) * Math.log(0.25 / PSI_EPSILON);
    assert.equal(populationStabilityIndex(p, q), want);
  });

  it('JS distance: disjoint supports give 1, identical give 0', () => {
    assert.equal(jensenShannonDistance([1, 0], [0, 1]), 1);
    assert.equal(jensenShannonDistance([0.3, 0.7], [0.3, 0.7]), 0);
  });

  it('Hellinger and L-infinity: disjoint supports give 1', () => {
    assert.equal(hellingerDistance([1, 0], [0, 1]), 1);
    assert.equal(lInfinityDistance([1, 0], [0, 1]), 1);
  });

  it('property: PSI >= 0, and 0 for identical inputs', () => {
    fc.assert(
      fc.property(countPairs, ([a, b]) => {
        const p = toShares(a);
        assert.ok(populationStabilityIndex(p, toShares(b)) >= 0);
        assert.equal(populationStabilityIndex(p, p), 0);
      }),
    );
  });

  it('property: JS, Hellinger and L-infinity lie in [0, 1], are symmetric, and 0 on identical inputs', () => {
    fc.assert(
      fc.property(countPairs, ([a, b]) => {
        const p = toShares(a);
        const q = toShares(b);
        for (const f of [jensenShannonDistance, hellingerDistance, lInfinityDistance]) {
          const d = f(p, q);
          assert.ok(d >= 0 && d <= 1 + 1e-15, `${f.name} = ${d}`);
          assert.ok(Math.abs(d - f(q, p)) <= 1e-12, `${f.name} symmetric`);
          assert.ok(f(p, p) <= 1e-7, `${f.name}(p, p) = ${f(p, p)}`);
        }
      }),
    );
  });
});

describe('wasserstein1', () => {
  it('matches hand-computed values (scipy: wasserstein_distance([0,1,3],[5,6,8]) = 5)', () => {
    assert.equal(wasserstein1(Float64Array.of(0, 1, 3), Float64Array.of(5, 6, 8)), 5);
    // scipy.stats.wasserstein_distance([0, 1], [0, 0, 1, 1, 1]) = 0.1
    assert.ok(Math.abs(wasserstein1(Float64Array.of(0, 1), Float64Array.of(0, 0, 1, 1, 1)) - 0.1) < 1e-15);
  });

  it('property: symmetric, >= 0, 0 for identical samples, equals the shift for a shifted copy', () => {
    fc.assert(
      fc.property(sortedSample, sortedSample, fc.double({ min: -100, max: 100, noNaN: true }), (a, b, shift) => {
        const d = wasserstein1(a, b);
        assert.ok(d >= 0);
        assert.ok(Math.abs(d - wasserstein1(b, a)) <= 1e-9 * Math.max(1, d));
        assert.equal(wasserstein1(a, a), 0);
        const moved = a.map((x) => x + shift);
        assert.ok(Math.abs(wasserstein1(a, moved) - Math.abs(shift)) <= 1e-6 * Math.max(1, Math.abs(shift)));
      }),
    );
  });
});
