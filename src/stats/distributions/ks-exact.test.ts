import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { gcd, ksExactTwoSided, probOutsideBand, probOutsideSquare, roundHalfEven } from './ks-exact.js';

// scipy 1.10.1 ks_2samp p-values by sample sizes and statistic; from
// scripts/reference/gen_ks_fixtures.py.
const Fixture = z.object({
  sizes: z.array(
    z.object({
      name: z.string(),
      n1: z.number(),
      n2: z.number(),
      statistic: z.number(),
      pvalue: z.number(),
      method: z.enum(['exact', 'asymp']),
    }),
  ),
});
const exactCases = Fixture.parse(
  JSON.parse(readFileSync(new URL('../../../test/fixtures/ks_extra_cases.json', import.meta.url), 'utf8')),
).sizes.filter((c) => c.method === 'exact');

/**
 * Brute force: P(D >= d) for every attainable d, by walking all C(m+n, n) arrangements of the
 * pooled sample. Returns [h, count of arrangements with lattice statistic >= h] over the lcm grid.
 */
function bruteForceTail(m: number, n: number): { lcm: number; total: number; atLeast: Map<number, number> } {
  const lcm = (m / gcd(m, n)) * n;
  const counts = new Map<number, number>();
  let total = 0;
  for (let mask = 0; mask < 1 << (m + n); mask++) {
    if (popcount(mask) !== n) continue;
    total++;
    let i = 0;
    let j = 0;
    let h = 0;
    for (let bit = 0; bit < m + n; bit++) {
      if (mask & (1 << bit)) j++;
      else i++;
      // |i/m - j/n| on the lcm grid, in integers.
      h = Math.max(h, Math.abs(i * (lcm / m) - j * (lcm / n)));
    }
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  const atLeast = new Map<number, number>();
  for (let h = lcm; h >= 0; h--) atLeast.set(h, (atLeast.get(h + 1) ?? 0) + (counts.get(h) ?? 0));
  return { lcm, total, atLeast };
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

describe('ksExactTwoSided', () => {
  it('matches scipy ks_2samp exact p-values to 1e-9 relative (n up to 10000, ties, d = 1)', (t) => {
    assert.ok(exactCases.length >= 10);
    for (const c of exactCases) {
      const got = ksExactTwoSided(c.n1, c.n2, c.statistic);
      assert.equal(got.ok, true, c.name);
      assert.equal(got.statistic, c.statistic, `${c.name} statistic`);
      const error = Math.abs(got.pvalue - c.pvalue);
      assert.ok(error <= 1e-9 * c.pvalue + 1e-300, `${c.name}: ${got.pvalue} vs scipy ${c.pvalue}`);
    }
    t.diagnostic(`${exactCases.length} cases`);
  });

  it('equals the brute-force count over every arrangement, for every attainable d', () => {
    for (const [m, n] of [
      [1, 1],
      [1, 5],
      [2, 3],
      [3, 3],
      [4, 6],
      [5, 5],
      [3, 9],
      [6, 8],
      [7, 7],
      [2, 12],
    ] as const) {
      const { lcm, total, atLeast } = bruteForceTail(m, n);
      for (const [h, count] of atLeast) {
        if (h === 0 || count === 0) continue;
        const want = count / total;
        const got = ksExactTwoSided(m, n, h / lcm).pvalue;
        assert.ok(Math.abs(got - want) <= 1e-13 * want, `m=${m} n=${n} h=${h}: ${got} vs ${want}`);
      }
    }
  });

  it('snaps d to the lcm lattice and reports that value (as scipy does)', () => {
    const d = 7 / 10 - 2 / 5; // 3/10 in exact arithmetic, 0.29999999999999993 in floating point
    assert.notEqual(d, 3 / 10);
    assert.equal(ksExactTwoSided(10, 5, d).statistic, 3 / 10);
    assert.equal(ksExactTwoSided(10, 10, d).statistic, 3 / 10);
  });

  it('is 1 at d = 0 and is symmetric in the two sizes', () => {
    assert.deepEqual(ksExactTwoSided(40, 60, 0), { statistic: 0, pvalue: 1, ok: true });
    const size = fc.integer({ min: 1, max: 300 });
    const d = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(size, size, d, (m, n, x) => {
        assert.deepEqual(ksExactTwoSided(m, n, x), ksExactTwoSided(n, m, x));
      }),
      { numRuns: 200 },
    );
  });

  it('the square formula and the band walk agree when the sizes are equal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, frac) => {
        const h = Math.max(1, Math.round(frac * n));
        const square = probOutsideSquare(n, h);
        const band = probOutsideBand(n, n, h);
        assert.ok(Math.abs(square - band) <= 1e-11 * band + 1e-300, `n=${n} h=${h}: ${square} vs ${band}`);
      }),
      { numRuns: 300 },
    );
  });

  it('is fast at the largest exact sizes, even for a large d', (t) => {
    const timings: string[] = [];
    for (const [n1, n2] of [
      [10000, 9999],
      [10000, 3000],
      [10000, 10000],
    ] as const) {
      for (const d of [0.016, 0.1, 0.4, 1]) {
        const started = performance.now();
        const { pvalue } = ksExactTwoSided(n1, n2, d);
        const ms = performance.now() - started;
        timings.push(`${n1} x ${n2} d=${d}: ${ms.toFixed(1)} ms (p=${pvalue.toExponential(3)})`);
        assert.ok(ms < 2000, timings.at(-1));
      }
    }
    for (const line of timings) t.diagnostic(line);
  });
});

describe('roundHalfEven / gcd', () => {
  it('round halves to even as numpy does', () => {
    assert.equal(roundHalfEven(10000.5), 10000);
    assert.equal(roundHalfEven(10001.5), 10002);
    assert.equal(roundHalfEven(2.4999999999), 2);
    assert.equal(roundHalfEven(2.5000000001), 3);
    assert.equal(roundHalfEven(7), 7);
  });

  it('gcd', () => {
    assert.equal(gcd(6000, 4000), 2000);
    assert.equal(gcd(9999, 10000), 1);
    assert.equal(gcd(7, 7), 7);
  });
});
