import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { ks, ksPValue, ksStatistic, ksTwoSample } from './ks.js';
import type { StatInput, TestResult } from './types.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));

const Method = z.enum(['exact', 'asymp']);
const SampleCase = z.object({
  name: z.string(),
  a: z.array(z.number()),
  b: z.array(z.number()),
  statistic: z.number(),
  pvalue: z.number(),
  method: Method,
});
const SizesCase = z.object({
  name: z.string(),
  n1: z.number(),
  n2: z.number(),
  statistic: z.number(),
  pvalue: z.number(),
  method: Method,
});
// ks_cases.json: the project's reference vectors; ks_extra_cases.json: ours, from
// scripts/reference/gen_ks_fixtures.py. Both scipy 1.10.1 ks_2samp(method='auto').
const referenceCases = z.object({ cases: z.array(SampleCase) }).parse(fixture('ks_cases.json')).cases;
const extra = z.object({ samples: z.array(SampleCase), sizes: z.array(SizesCase) }).parse(fixture('ks_extra_cases.json'));

/** The test helper sorts, so callers (and generated inputs) may pass values in any order. */
function ksOf(a: readonly number[], b: readonly number[]): TestResult {
  return ksTwoSample(Float64Array.from(a).sort(), Float64Array.from(b).sort());
}

/** STATS.md tolerances: statistics 1e-9; p-values 1e-6 relative when exact, 1e-3 when asymptotic. */
function assertMatches(got: TestResult, want: z.infer<typeof SizesCase>): void {
  const { name } = want;
  const statisticError = Math.abs(got.statistic - want.statistic);
  assert.ok(statisticError <= 1e-9 * Math.max(1, Math.abs(want.statistic)), `${name} statistic ${got.statistic}`);
  const relative = want.method === 'exact' ? 1e-6 : 1e-3;
  const pError = Math.abs(got.pvalue - want.pvalue);
  assert.ok(pError <= relative * want.pvalue + 1e-12, `${name} p ${got.pvalue} vs ${want.pvalue}`);
  assert.equal(got.method, want.method, `${name} method`);
}

describe('ksTwoSample', () => {
  it('matches every case of ks_cases.json (scipy ks_2samp)', () => {
    for (const c of referenceCases) {
      assertMatches(ksOf(c.a, c.b), { ...c, n1: c.a.length, n2: c.b.length });
    }
  });

  it('matches the extra sample cases: ties, d = 0, d = 1, one value a side', () => {
    for (const c of extra.samples) {
      assertMatches(ksOf(c.a, c.b), { ...c, n1: c.a.length, n2: c.b.length });
    }
  });

  it('matches the p-values by size: 10000 x 7, 9999 x 10000, half-to-even rounding, n > 1e6', () => {
    for (const c of extra.sizes) assertMatches(ksPValue(c.n1, c.n2, c.statistic), c);
  });

  it('returns NaN when a sample is empty', () => {
    assert.deepEqual(ksOf([], [1, 2]), { statistic: NaN, pvalue: NaN, method: 'exact' });
    assert.deepEqual(ksOf([1], []), { statistic: NaN, pvalue: NaN, method: 'exact' });
  });

  it('switches to the asymptotic p-value above 10000 values on a side', () => {
    assert.equal(ksPValue(10000, 10000, 0.02).method, 'exact');
    assert.equal(ksPValue(10001, 5, 0.02).method, 'asymp');
  });
});

describe('ksStatistic', () => {
  it('evaluates the ECDFs after every tied value is consumed', () => {
    // At 1: 2/3 - 1/3; at 2: 1 - 1. Stopping inside the tie at 1 would give 2/3 or 1/3 - 0.
    assert.equal(ksStatistic(Float64Array.of(1, 1, 2), Float64Array.of(1, 2, 2)), 1 / 3);
    assert.equal(ksStatistic(Float64Array.of(0, 0, 0), Float64Array.of(0, 0)), 0);
    assert.equal(ksStatistic(Float64Array.of(-0), Float64Array.of(0)), 0);
    assert.equal(ksStatistic(Float64Array.of(1, 2), Float64Array.of(3, 4, 5)), 1);
  });
});

// Small integers make ties, within and across the samples; doubles cover the rest.
const value = fc.oneof(fc.integer({ min: -4, max: 4 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
const sample = fc.array(value, { minLength: 1, maxLength: 60 });

describe('ks properties', () => {
  it('is symmetric: ks(a, b) equals ks(b, a)', () => {
    fc.assert(fc.property(sample, sample, (a, b) => assert.deepEqual(ksOf(a, b), ksOf(b, a))));
  });

  it('does not depend on the order of the input values', () => {
    const withShuffle = sample.chain((a) => fc.tuple(fc.constant(a), fc.shuffledSubarray(a, { minLength: a.length, maxLength: a.length })));
    fc.assert(
      fc.property(withShuffle, sample, ([a, shuffled], b) => {
        assert.deepEqual(ksOf(shuffled, [...b].reverse()), ksOf(a, b));
      }),
    );
  });

  it('gives a statistic and a p-value in [0, 1]', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const { statistic, pvalue } = ksOf(a, b);
        assert.ok(statistic >= 0 && statistic <= 1, `statistic ${statistic}`);
        assert.ok(pvalue >= 0 && pvalue <= 1, `p ${pvalue}`);
      }),
    );
  });

  it('gives statistic 0 and p-value 1 for a sample against itself', () => {
    fc.assert(fc.property(sample, (a) => assert.deepEqual(ksOf(a, a), { statistic: 0, pvalue: 1, method: 'exact' })));
  });

  it('holds the same properties in the asymptotic branch (more than 10000 values)', () => {
    const sizes = fc.tuple(fc.integer({ min: 10001, max: 15000 }), fc.integer({ min: 1, max: 3000 }));
    fc.assert(
      fc.property(sizes, fc.integer(), ([na, nb], seed) => {
        const a = pseudoRandom(na, seed);
        const b = pseudoRandom(nb, seed + 1);
        const ab = ksOf(a, b);
        assert.equal(ab.method, 'asymp');
        assert.deepEqual(ab, ksOf(b, a));
        assert.ok(ab.pvalue >= 0 && ab.pvalue <= 1 && ab.statistic >= 0 && ab.statistic <= 1);
        assert.deepEqual(ksOf(a, a), { statistic: 0, pvalue: 1, method: 'asymp' });
      }),
      { numRuns: 10 },
    );
  });
});

describe('ks (registry entry)', () => {
  const samples = { baseline: Float64Array.of(1, 2, 3), current: Float64Array.of(4, 5), baselineStd: 0.8 };
  const input: StatInput = { kind: 'numeric', bins: { baseline: [], current: [] }, samples };

  it('is declared as a p-value test on numeric features', () => {
    assert.equal(ks.name, 'ks');
    assert.deepEqual(ks.appliesTo, ['numeric']);
    assert.equal(ks.direction, 'pValueBelow');
    assert.equal(ks.evidence?.ruleText, 'KS for numeric features');
  });

  it('computes from the numeric samples', () => {
    const got = ks.compute(input);
    assert.equal(got.statistic, 1);
    assert.ok(Math.abs(got.pvalue - 0.2) < 1e-15); // 2 of the C(5, 2) = 10 arrangements
    assert.equal(got.method, 'exact');
  });

  it('throws a clear error without samples', () => {
    assert.throws(() => ks.compute({ kind: 'numeric', bins: input.bins }), /ks needs the numeric samples/);
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
