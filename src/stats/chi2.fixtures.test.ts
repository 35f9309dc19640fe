import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { chi2 } from './chi2.js';

// The chi2 expectations of the real data sets in test/fixtures/ (written with scipy 1.10), computed
// here from the raw CSVs: baseline categories in sorted order plus the unseen bin (STATS.md, "Bins").

const fixtureUrl = (name: string): URL => new URL(`../../test/fixtures/${name}`, import.meta.url);

const Expected = z.object({
  features: z.record(
    z.string(),
    z.object({
      type: z.string(),
      categories: z.array(z.string()).optional(),
      chi2: z.object({ statistic: z.number(), pvalue: z.number(), dof: z.number() }).optional(),
    }),
  ),
});

/** One column of a CSV without quoted fields; empty cells (nulls) are left out. */
function readColumn(file: string, column: string): string[] {
  const [header = '', ...rows] = readFileSync(fixtureUrl(file), 'utf8').trim().split(/\r?\n/);
  const index = header.split(',').indexOf(column);
  assert.ok(index >= 0, `${file} has no column '${column}'`);
  return rows.map((row) => row.split(',')[index] ?? '').filter((value) => value !== '');
}

/** Counts per baseline category (sorted), then the unseen bin for current values the baseline lacks. */
function categoricalBins(baseline: readonly string[], current: readonly string[]) {
  const categories = [...new Set(baseline)].sort();
  const count = (values: readonly string[]): number[] => {
    const counts = new Array<number>(categories.length + 1).fill(0);
    for (const value of values) {
      const i = categories.indexOf(value);
      counts[i === -1 ? categories.length : i]! += 1;
    }
    return counts;
  };
  return { categories, bins: { baseline: count(baseline), current: count(current) } };
}

const cases = [
  { expected: 'seattle_expected.json', baseline: 'seattle_2012.csv', current: 'seattle_2015.csv', feature: 'weather' },
  {
    expected: 'synthetic_expected.json',
    baseline: 'synthetic_baseline.csv',
    current: 'synthetic_current.csv',
    feature: 'channel', // the current window has 'partner', which the baseline never had
  },
];

describe('chi2 on the real fixtures', () => {
  for (const c of cases) {
    it(`reproduces ${c.expected} ${c.feature}`, (t) => {
      const feature = Expected.parse(JSON.parse(readFileSync(fixtureUrl(c.expected), 'utf8'))).features[c.feature];
      assert.ok(feature?.chi2 && feature.categories, `${c.expected} has no chi2 for ${c.feature}`);
      const { categories, bins } = categoricalBins(readColumn(c.baseline, c.feature), readColumn(c.current, c.feature));
      assert.deepEqual(categories, feature.categories);

      const got = chi2.compute({ kind: 'categorical', bins });
      const want = feature.chi2;
      assert.equal(got.dof, want.dof);
      // STATS.md tolerances: 1e-9 for statistics, 1e-3 for an asymptotic p-value; we hold 1e-10.
      assert.ok(Math.abs(got.statistic - want.statistic) <= 1e-9 * Math.max(1, want.statistic));
      const pError = Math.abs(got.pvalue - want.pvalue) / want.pvalue;
      assert.ok(pError <= 1e-10, `p ${got.pvalue}, want ${want.pvalue}`);
      t.diagnostic(`statistic ${got.statistic} (want ${want.statistic}), p relative error ${pError.toExponential(2)}`);
    });
  }

  it('puts the synthetic current window’s new category in the unseen bin', () => {
    const { bins } = categoricalBins(readColumn('synthetic_baseline.csv', 'channel'), readColumn('synthetic_current.csv', 'channel'));
    assert.equal(bins.baseline.at(-1), 0);
    assert.equal(bins.current.at(-1), 279);
  });
});
