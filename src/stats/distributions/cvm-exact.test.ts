import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cvmExactFrequencies, cvmExactPValue } from './cvm-exact.js';
import { gcd } from './ks-exact.js';

/** Brute force: zeta = sum over the path's points of (i L/m - j L/n)^2, for every arrangement. */
function bruteForceFrequencies(m: number, n: number): Map<number, number> {
  const lcm = (m / gcd(m, n)) * n;
  const frequencies = new Map<number, number>();
  for (let mask = 0; mask < 1 << (m + n); mask++) {
    let i = 0;
    let j = 0;
    let zeta = 0;
    for (let bit = 0; bit < m + n; bit++) {
      if (mask & (1 << bit)) i++;
      else j++;
      zeta += ((i * lcm) / m - (j * lcm) / n) ** 2;
    }
    if (i === m) frequencies.set(zeta, (frequencies.get(zeta) ?? 0) + 1);
  }
  return frequencies;
}

describe('cvmExactFrequencies', () => {
  it('equals the brute-force table over every arrangement, sizes up to 5 x 6', () => {
    for (let m = 1; m <= 5; m++) {
      for (let n = 1; n <= 6; n++) {
        const { values, counts } = cvmExactFrequencies(m, n);
        const want = [...bruteForceFrequencies(m, n)].sort(([x], [y]) => x - y);
        assert.deepEqual(
          [...values].map((v, k) => [v, counts[k]]),
          want,
          `${m} x ${n}`,
        );
      }
    }
  });

  it('counts C(m + n, m) arrangements in all, the same for (m, n) and (n, m)', () => {
    const { counts } = cvmExactFrequencies(20, 20);
    assert.equal(
      counts.reduce((s, c) => s + c, 0),
      137846528820,
    );
    const a = cvmExactFrequencies(7, 13);
    const b = cvmExactFrequencies(13, 7);
    assert.deepEqual(a, b);
  });
});

describe('cvmExactPValue', () => {
  it('gives 1 at the minimum (and below it) and 1 / C(m + n, m) at the maximum', () => {
    // 2 x 3: U ranges over 25 (y x y x y) .. 36 (x x y y y, y y y x x); C(5, 2) = 10 arrangements.
    assert.equal(cvmExactPValue(4 * 25, 2, 3), 1);
    assert.equal(cvmExactPValue(0, 2, 3), 1);
    assert.equal(cvmExactPValue(4 * 26, 2, 3), 0.9);
    assert.equal(cvmExactPValue(4 * 36, 2, 3), 0.2);
    assert.equal(cvmExactPValue(4 * 37, 2, 3), 0);
  });

  it('refuses sizes whose arrangement count exceeds 2^53, and a U that is not a multiple of 1/4', () => {
    assert.throws(() => cvmExactPValue(4, 30, 30), /exceeds 2\^53/);
    assert.throws(() => cvmExactPValue(0.5, 2, 3), /4U must be an integer/);
  });
});
