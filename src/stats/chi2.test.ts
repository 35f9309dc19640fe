import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { chi2, chi2Homogeneity } from './chi2.js';
import { chi2LogSf } from './distributions/chi2.js';

// scipy.stats.chi2_contingency(correction=False) on the table without its all-zero columns, and
// the exact statistic and ln p from rational arithmetic and mpmath;
// from scripts/reference/gen_chi2_fixtures.py.
const Fixture = z.object({
  tables: z.array(
    z.object({
      name: z.string(),
      baseline: z.array(z.number()),
      current: z.array(z.number()),
      statistic: z.number(),
      pvalue: z.number(),
      dof: z.number(),
      exactStatistic: z.number(),
      logp: z.number(),
    }),
  ),
});
const tables = Fixture.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/chi2_cases.json', import.meta.url), 'utf8'))).tables;

const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** STATS.md: statistics within 1e-9 relative (absolute below 1). */
function statisticWithin(got: number, want: number): boolean {
  return Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));
}

function relativeError(got: number, want: number): number {
  return got === want ? 0 : Math.abs(got - want) / Math.abs(want);
}

describe('chi2Homogeneity against scipy', () => {
  it('reproduces statistic, dof and p-value of chi2_contingency(correction=False)', (t) => {
    let worstStatistic = 0;
    let worstP = 0;
    for (const c of tables) {
      const got = chi2Homogeneity(c.baseline, c.current);
      assert.equal(got.dof, c.dof, `${c.name}: dof`);
      assert.ok(statisticWithin(got.statistic, c.statistic), `${c.name}: statistic ${got.statistic}, want ${c.statistic}`);
      worstStatistic = Math.max(worstStatistic, Math.abs(got.statistic - c.statistic) / Math.max(1, c.statistic));
      if (c.pvalue < SMALLEST_NORMAL) continue; // compared in log space below
      // STATS.md allows 1e-3 for an asymptotic p-value; the p-value of the same statistic can do better.
      const error = relativeError(got.pvalue, c.pvalue);
      assert.ok(error <= 1e-10, `${c.name}: p ${got.pvalue}, want ${c.pvalue}`);
      worstP = Math.max(worstP, error);
    }
    t.diagnostic(
      `${tables.length} tables; worst relative error against scipy: ` +
        `statistic ${worstStatistic.toExponential(2)}, p-value ${worstP.toExponential(2)}`,
    );
  });

  it('is closer to the exact statistic than 1e-13 (scipy subtracts O - E and can lose digits)', () => {
    for (const c of tables) {
      const got = chi2Homogeneity(c.baseline, c.current).statistic;
      assert.ok(Math.abs(got - c.exactStatistic) <= 1e-13 * Math.max(1, c.exactStatistic), `${c.name}: ${got}, exact ${c.exactStatistic}`);
    }
  });

  it('gives ln p where p is below the smallest double (statistics up to 3e6)', () => {
    const huge = tables.filter((c) => c.pvalue < SMALLEST_NORMAL);
    assert.ok(huge.length >= 3, 'the fixture should hold tables whose p-value underflows');
    for (const c of tables) {
      const got = chi2Homogeneity(c.baseline, c.current);
      const logp = chi2LogSf(got.statistic, c.dof);
      assert.ok(Math.abs(logp - c.logp) <= 1e-13 + 4e-15 * Math.abs(c.logp), `${c.name}: ln p ${logp}, want ${c.logp}`);
      // scipy gives 0 below ~1e-308; driftwatch keeps the subnormal p = exp(ln p), or 0 below 5e-324.
      if (c.pvalue === 0) assert.ok(got.pvalue <= 1e-300 && Math.abs(got.pvalue - Math.exp(c.logp)) <= 1e-323);
    }
  });

  it('covers zero columns, the unseen bin and dof from 1 to 1000', () => {
    const names = tables.map((c) => c.name);
    for (const name of ['zero_columns', 'unseen_bin', 'p_near_1e-300', 'stat_20000']) assert.ok(names.includes(name));
    assert.deepEqual([Math.min(...tables.map((c) => c.dof)), Math.max(...tables.map((c) => c.dof))], [1, 1000]);
  });
});

describe('chi2Homogeneity', () => {
  it('leaves out columns that are zero in both rows', () => {
    const withZeros = chi2Homogeneity([0, 30, 0, 12, 7, 0], [0, 25, 0, 20, 2, 0]);
    assert.deepEqual(withZeros, chi2Homogeneity([30, 12, 7], [25, 20, 2]));
    assert.equal(withZeros.dof, 2);
  });

  it('counts the unseen bin only when a current value fell in it', () => {
    assert.equal(chi2Homogeneity([50, 50, 0], [45, 55, 0]).dof, 1);
    assert.equal(chi2Homogeneity([50, 50, 0], [45, 54, 1]).dof, 2);
  });

  it('applies no continuity correction on 2 x 2 tables', () => {
    // (ad - bc)^2 N / (row and column products) = (6 - 56)^2 * 20 / (10 * 10 * 11 * 9) = 5.0505...
    const got = chi2Homogeneity([3, 7], [8, 2]);
    assert.ok(Math.abs(got.statistic - 500 / 99) <= 1e-14);
  });

  it('reports statistic 0, p-value 1 for a table without evidence', () => {
    const none = { statistic: 0, pvalue: 1 };
    assert.deepEqual(chi2Homogeneity([], []), { ...none, dof: 0 });
    assert.deepEqual(chi2Homogeneity([0, 0], [0, 0]), { ...none, dof: 0 });
    assert.deepEqual(chi2Homogeneity([10, 0], [4, 0]), { ...none, dof: 0 }, 'one category');
    assert.deepEqual(chi2Homogeneity([10, 5, 0], [0, 0, 0]), { ...none, dof: 1 }, 'empty current window');
    assert.deepEqual(chi2Homogeneity([0, 0, 0], [3, 0, 9]), { ...none, dof: 1 }, 'empty baseline');
  });

  it('rejects bins of different lengths and negative or non-finite counts', () => {
    assert.throws(() => chi2Homogeneity([1, 2], [1, 2, 3]), /baseline has 2 bins but current has 3/);
    assert.throws(() => chi2Homogeneity([1, -2], [1, 2]), /finite and >= 0/);
    assert.throws(() => chi2Homogeneity([1, 2], [NaN, 2]), /finite and >= 0/);
  });
});

/** Columns of a 2 x K table with small and large counts and many zeros. */
const table = fc.array(
  fc.tuple(
    fc.oneof(fc.constant(0), fc.nat({ max: 50 }), fc.nat({ max: 1_000_000 })),
    fc.oneof(fc.constant(0), fc.nat({ max: 50 }), fc.nat({ max: 1_000_000 })),
  ),
  { maxLength: 40 },
);

describe('chi2Homogeneity properties', () => {
  it('has a p-value in [0, 1] and a statistic >= 0', () => {
    fc.assert(
      fc.property(table, (columns) => {
        const r = chi2Homogeneity(
          columns.map(([b]) => b),
          columns.map(([, c]) => c),
        );
        return r.pvalue >= 0 && r.pvalue <= 1 && r.statistic >= 0 && Number.isFinite(r.statistic);
      }),
    );
  });

  it('is symmetric in swapping the two rows (bit for bit)', () => {
    fc.assert(
      fc.property(table, (columns) => {
        const baseline = columns.map(([b]) => b);
        const current = columns.map(([, c]) => c);
        assert.deepEqual(chi2Homogeneity(current, baseline), chi2Homogeneity(baseline, current));
      }),
    );
  });

  it('gives statistic 0 and p-value 1 for proportional rows', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 10_000 }), { maxLength: 30 }), fc.integer({ min: 1, max: 50 }), (row, k) => {
        const r = chi2Homogeneity(
          row,
          row.map((v) => v * k),
        );
        return r.statistic === 0 && r.pvalue === 1;
      }),
    );
  });
});

describe('chi2 statistic declaration', () => {
  it('is a categorical p-value test at 0.05', () => {
    assert.equal(chi2.name, 'chi2');
    assert.deepEqual(chi2.appliesTo, ['categorical']);
    assert.equal(chi2.direction, 'pValueBelow');
    assert.equal(chi2.reported, true);
  });

  it('computes on the bins of the input', () => {
    const bins = { baseline: [30, 10], current: [10, 30] };
    assert.deepEqual(chi2.compute({ kind: 'categorical', bins }), chi2Homogeneity(bins.baseline, bins.current));
    assert.equal(chi2.compute({ kind: 'categorical', bins }).statistic, 20);
  });
});
