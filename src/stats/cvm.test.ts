import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { assertPValueClose, assertStatClose } from '../../test/helpers/tolerance.js';
import { CVM_MAX_EXACT_N, cramerVonMises2Samp, cvm } from './cvm.js';
import { cvmExactFrequencies } from './distributions/cvm-exact.js';
import { gcd } from './distributions/ks-exact.js';
import type { StatInput, TestResult } from './types.js';

// cvm_cases.json: the project's reference vectors, scipy 1.17.1 cramervonmises_2samp(method='auto').
const Fixture = z.object({
  cases: z.array(
    z.object({
      name: z.string(),
      a: z.array(z.number()),
      b: z.array(z.number()),
      statistic: z.number(),
      pvalue: z.number(),
      method: z.enum(['exact', 'asymptotic']),
    }),
  ),
});
const referenceCases = Fixture.parse(
  JSON.parse(readFileSync(new URL('../../test/fixtures/cvm_cases.json', import.meta.url), 'utf8')),
).cases;

/** The test helper sorts, so callers (and generated inputs) may pass values in any order. */
function cvmOf(a: readonly number[], b: readonly number[]): TestResult {
  return cramerVonMises2Samp(Float64Array.from(a).sort(), Float64Array.from(b).sort());
}

/** 4U by the definition, with midranks found by counting: O(N^2), independent of the merge pass. */
function naiveFourU(a: readonly number[], b: readonly number[]): number {
  const pooled = [...a, ...b];
  const midrank = (v: number): number => pooled.filter((w) => w < v).length + (pooled.filter((w) => w === v).length + 1) / 2;
  const sum = (xs: readonly number[]): number => [...xs].sort((x, y) => x - y).reduce((s, v, i) => s + 4 * (midrank(v) - (i + 1)) ** 2, 0);
  return a.length * sum(a) + b.length * sum(b);
}

/**
 * The exact p-value by walking all C(m + n, m) arrangements of distinct ranks. scipy counts the
 * arrangements with zeta' >= floor(zeta), zeta = L^2 (m+n) (6U - mn(4mn - 1)) / (6 m^2 n^2);
 * zeta' is an integer, so that is zeta' > zeta - 1, and zeta grows by (m + n) / gcd(m, n)^2 per
 * unit of U: U' > U - gcd^2 / (m + n). With ties U is not one of the attainable values and the
 * floor also takes in arrangements just below it.
 */
function bruteForcePValue(a: readonly number[], b: readonly number[]): number {
  const m = a.length;
  const n = b.length;
  const threshold = naiveFourU(a, b) * (m + n) - 4 * gcd(m, n) ** 2; // in units of 1 / (4 (m + n))
  let total = 0;
  let atLeast = 0;
  for (let mask = 0; mask < 1 << (m + n); mask++) {
    const ranksA: number[] = [];
    const ranksB: number[] = [];
    for (let bit = 0; bit < m + n; bit++) (mask & (1 << bit) ? ranksA : ranksB).push(bit + 1);
    if (ranksA.length !== m) continue;
    total++;
    if (naiveFourU(ranksA, ranksB) * (m + n) > threshold) atLeast++;
  }
  return atLeast / total;
}

describe('cramerVonMises2Samp', () => {
  it('matches every case of cvm_cases.json (scipy cramervonmises_2samp) within the STATS.md tolerances', () => {
    for (const c of referenceCases) {
      const got = cvmOf(c.a, c.b);
      const method = c.method === 'exact' ? 'exact' : 'asymp';
      assert.equal(got.method, method, `${c.name}: method`);
      assertStatClose(got.statistic, c.statistic, `${c.name}: statistic`);
      assertPValueClose(got.pvalue, c.pvalue, method, `${c.name}: p-value`);
    }
  });

  it('returns NaN when a sample is empty', () => {
    assert.deepEqual(cvmOf([], [1, 2]), { statistic: NaN, pvalue: NaN, method: 'exact' });
    assert.deepEqual(cvmOf([1], []), { statistic: NaN, pvalue: NaN, method: 'exact' });
    assert.deepEqual(cvmOf([], []), { statistic: NaN, pvalue: NaN, method: 'exact' });
  });

  it('switches to the asymptotic p-value above 20 values on a side', () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.equal(cvmOf(range(CVM_MAX_EXACT_N), range(CVM_MAX_EXACT_N)).method, 'exact');
    assert.equal(cvmOf(range(CVM_MAX_EXACT_N + 1), range(2)).method, 'asymp');
  });

  it('takes -0 and 0 as a tie, as scipy does', () => {
    assert.deepEqual(cvmOf([-0, 1], [0, 2, 3]), cvmOf([0, 1], [0, 2, 3]));
  });
});

// Small integers make ties, within and across the samples; doubles cover the rest.
const value = fc.oneof(fc.integer({ min: -4, max: 4 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
const sample = (maxLength: number) => fc.array(value, { minLength: 1, maxLength });

describe('the exact branch against brute force', () => {
  it('equals the count over all arrangements for tiny sizes, with and without ties', () => {
    const cases: [number[], number[]][] = [
      [
        [0.3, 1.2, 2.5],
        [0.1, 0.7, 1.9, 3.3],
      ],
      [
        [1, 1, 2],
        [1, 2, 2, 3],
      ],
      [
        [5, 5, 5],
        [5, 5, 5, 5],
      ],
      // zeta = 48.75 is not attainable and 48 is: the floor counts 14 of the 84 arrangements (p = 1/6), where U' >= U would count 10.
      [
        [1, 2, 2],
        [0, 0, 1, 1, 1, 3],
      ],
    ];
    for (const [a, b] of cases) {
      const got = cvmOf(a, b);
      assert.equal(got.pvalue, bruteForcePValue(a, b), `${a} | ${b}`);
    }
    assert.equal(cvmOf([1, 2, 2], [0, 0, 1, 1, 1, 3]).pvalue, 1 / 6);
  });

  it('equals the brute force for random tiny samples (sizes up to 5 x 6)', () => {
    const tiny = fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }), sample(6));
    fc.assert(
      fc.property(tiny, ([a, b]) => {
        const got = cvmOf(a, b);
        assert.ok(Math.abs(got.pvalue - bruteForcePValue(a, b)) <= 1e-15, `p ${got.pvalue}`);
        assertStatClose(
          got.statistic,
          naiveFourU(a, b) / 4 / (a.length * b.length * (a.length + b.length)) -
            (4 * a.length * b.length - 1) / (6 * (a.length + b.length)),
          'statistic',
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe('cvm properties', () => {
  it('is symmetric: cvm(a, b) equals cvm(b, a), in both branches', () => {
    fc.assert(
      fc.property(sample(30), sample(30), (a, b) => assert.deepEqual(cvmOf(a, b), cvmOf(b, a))),
      { numRuns: 50 },
    );
  });

  it('gives a statistic >= 0 and a p-value in [0, 1]', () => {
    fc.assert(
      fc.property(sample(40), sample(40), (a, b) => {
        const { statistic, pvalue } = cvmOf(a, b);
        assert.ok(statistic >= 0, `statistic ${statistic}`);
        assert.ok(pvalue >= 0 && pvalue <= 1, `p ${pvalue}`);
      }),
      { numRuns: 50 },
    );
  });

  it('without ties, never goes below the smallest statistic an arrangement can give', () => {
    const sizes = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }));
    const distinct = sizes.chain(([m, n]) =>
      fc.tuple(fc.constant(m), fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: m + n, maxLength: m + n })),
    );
    fc.assert(
      fc.property(distinct, ([m, values]) => {
        const a = values.slice(0, m);
        const b = values.slice(m);
        const n = b.length;
        const lcm = (m / gcd(m, n)) * n;
        const minimum = (cvmExactFrequencies(m, n).values[0]! * m * n) / ((m + n) ** 2 * lcm ** 2); // T = mn zeta / (N L)^2
        const { statistic } = cvmOf(a, b);
        assert.ok(statistic >= minimum - 1e-15, `${m} x ${n}: ${statistic} < ${minimum}`);
      }),
      { numRuns: 50 },
    );
  });

  it('gives statistic 0 and p-value 1 for a sample against itself, exact or asymptotic', () => {
    fc.assert(
      fc.property(sample(60), (a) => {
        const { statistic, pvalue } = cvmOf(a, a);
        assert.equal(statistic, 0);
        assert.equal(pvalue, 1);
      }),
      { numRuns: 50 },
    );
  });

  it('holds the same properties in large asymptotic windows, and a clear shift is found', () => {
    const base = pseudoRandom(5000, 1);
    const same = pseudoRandom(20000, 2);
    const shifted = same.map((v) => v + 0.3);
    const null_ = cvmOf(base, same);
    assert.equal(null_.method, 'asymp');
    assert.deepEqual(null_, cvmOf(same, base));
    assert.ok(null_.pvalue > 0.001, `p ${null_.pvalue}`);
    assert.ok(cvmOf(base, shifted).pvalue < 1e-6);
    assert.deepEqual(cvmOf(base, base), { statistic: 0, pvalue: 1, method: 'asymp' });
  });
});

describe('cvm (registry entry)', () => {
  const samples = { baseline: Float64Array.of(0.6407, 1.4762), current: Float64Array.of(-0.7412, -0.0255, 0.4296), baselineStd: 0.4 };
  const input: StatInput = { kind: 'numeric', bins: { baseline: [], current: [] }, samples };

  it('is declared as a p-value test on numeric features', () => {
    assert.equal(cvm.name, 'cvm');
    assert.deepEqual(cvm.appliesTo, ['numeric']);
    assert.equal(cvm.direction, 'pValueBelow');
    assert.equal(cvm.reported, true);
    assert.equal(cvm.evidence, undefined); // KS is the numeric evidence test
  });

  it('computes from the numeric samples', () => {
    const got = cvm.compute(input);
    assertStatClose(got.statistic, 0.43333333333333324, 'statistic');
    assert.equal(got.pvalue, 0.2); // 2 of the C(5, 2) = 10 arrangements
    assert.equal(got.method, 'exact');
  });

  it('throws a clear error without samples', () => {
    assert.throws(() => cvm.compute({ kind: 'numeric', bins: input.bins }), /cvm needs the numeric samples/);
  });
});

/** n values from a small linear congruential generator, with ties (two decimals). */
function pseudoRandom(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round((s / 2 ** 32) * 300) / 100;
  });
}
