import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { besselK, cvmAsymptoticPValue, cvmLimitCdf } from './cvm-asymptotic.js';

const relativeError = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

describe('besselK', () => {
  it('matches K_1/4 from mpmath 1.3.0 (40 digits) on both sides of the switch at x = 2', () => {
    const cases: [number, number][] = [
      [0.001, 11.756476271934458643],
      [0.3, 1.4480426307073702366],
      [1.5, 0.21735815698180042599],
      [1.999, 0.11552069632197500189],
      [2.001, 0.11523604570347139937],
      [4, 0.011238375536958103839],
      [30, 2.1346641833090354838e-14],
      [300, 3.7240821157308347265e-132],
    ];
    for (const [x, want] of cases) assert.ok(relativeError(besselK(0.25, x), want) <= 5e-15, `K_1/4(${x}) = ${besselK(0.25, x)}`);
  });

  it('equals the closed form sqrt(pi / (2x)) e^-x at nu = 1/2, and is even in nu', () => {
    for (const x of [1e-6, 0.01, 0.5, 1, 1.9999, 2, 3, 10, 100, 700]) {
      const want = Math.sqrt(Math.PI / (2 * x)) * Math.exp(-x);
      assert.ok(relativeError(besselK(0.5, x), want) <= 3e-14, `K_1/2(${x}) = ${besselK(0.5, x)}`);
      assert.equal(besselK(-0.25, x), besselK(0.25, x));
    }
  });

  it('rejects an order outside 0 < |nu| <= 1/2, where the method is not set up', () => {
    assert.throws(() => besselK(0, 1), /0 < \|nu\| <= 1\/2/);
    assert.throws(() => besselK(0.75, 1), /0 < \|nu\| <= 1\/2/);
  });
});

describe('cvmLimitCdf', () => {
  it('matches the full series (mpmath, 40 digits) up to the truncation scipy applies', () => {
    const cases: [number, number][] = [
      [0.02, 0.0030006143016018782322],
      [0.1, 0.41512656159320508784],
      [0.5, 0.96016678243439240522],
      [1, 0.99753954781986603613],
      [2, 0.99998721926382721833],
    ];
    for (const [x, want] of cases) assert.ok(Math.abs(cvmLimitCdf(x) - want) <= 1e-12, `V(${x}) = ${cvmLimitCdf(x)}`);
  });

  it('gives the published quantiles of the limiting distribution (Anderson and Darling 1952)', () => {
    const quantiles: [number, number][] = [
      [0.3473, 0.9],
      [0.46136, 0.95],
      [0.74346, 0.99],
      [1.16786, 0.999],
    ];
    for (const [x, level] of quantiles) assert.ok(Math.abs(cvmLimitCdf(x) - level) <= 1e-5, `V(${x}) = ${cvmLimitCdf(x)}`);
  });
});

describe('cvmAsymptoticPValue', () => {
  it('is 1 below the normalised statistic 0.003, as scipy returns it', () => {
    assert.equal(cvmAsymptoticPValue(0, 30, 50), 1);
    assert.equal(cvmAsymptoticPValue(0.002, 1000, 1000), 1); // tn = 0.0019
    assert.ok(cvmAsymptoticPValue(0.005, 1000, 1000) < 1); // tn = 0.0049
  });

  it('stays in [0, 1] from tiny to extreme statistics', () => {
    for (const t of [0, 0.02, 0.1, 0.5, 1, 3, 10, 100, 3000]) {
      const p = cvmAsymptoticPValue(t, 10000, 100000);
      assert.ok(p >= 0 && p <= 1, `p(${t}) = ${p}`);
    }
  });

  it('is symmetric in the two sample sizes', () => {
    for (const t of [0.05, 0.3, 1.2]) assert.equal(cvmAsymptoticPValue(t, 21, 400), cvmAsymptoticPValue(t, 400, 21));
  });
});
