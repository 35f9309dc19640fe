// The reference vectors of shared/reference (computed with scipy 1.10), checked through the CLI
// exactly as a user runs it: `driftwatch check --format json` and `driftwatch baseline create`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';
import { assertPValueClose, assertStatClose } from './helpers/tolerance.js';

interface ExpectedNumeric {
  type: 'numeric';
  bin_edges: number[];
  baseline_proportions: number[];
  current_proportions: number[];
  psi: number;
  ks: { statistic: number; pvalue: number; method: 'exact' | 'asymp' };
  wasserstein: number;
  wasserstein_norm: number;
  jensen_shannon: number;
  hellinger: number;
}
interface ExpectedCategorical {
  type: 'categorical';
  categories: string[];
  unseen_share: number;
  psi: number;
  chi2: { statistic: number; pvalue: number; dof: number };
  jensen_shannon: number;
  hellinger: number;
  linf: number;
}
interface Expected {
  baseline: string;
  current: string;
  baseline_rows: number;
  current_rows: number;
  features: Record<string, ExpectedNumeric | ExpectedCategorical>;
}

interface ReportFeature {
  name: string;
  kind: string;
  drift: boolean;
  stats: Record<string, number | { statistic: number; pvalue: number; dof?: number; method?: string }>;
  bins: { labels: string[]; edges?: number[]; baseline: number[]; current: number[] };
}

const tmp = tempDir();
after(tmp.cleanup);

function parseReport(stdout: string) {
  return JSON.parse(stdout) as {
    baseline: { rows: number };
    current: { rows: number };
    drift: boolean;
    features: ReportFeature[];
    schema: unknown;
  };
}

function assertArrayClose(got: number[] | undefined, want: number[], what: string) {
  assert.ok(got, `${what}: missing`);
  assert.equal(got.length, want.length, `${what}: length ${got.length}, want ${want.length}`);
  want.forEach((w, i) => assertStatClose(got[i], w, `${what}[${i}]`));
}

function assertMatches(feature: ReportFeature, want: ExpectedNumeric | ExpectedCategorical, where: string) {
  const at = `${where} ${feature.name}`;
  assert.equal(feature.kind, want.type, `${at}: kind`);
  assertStatClose(feature.stats.psi, want.psi, `${at} psi`);
  assertStatClose(feature.stats.jensen_shannon, want.jensen_shannon, `${at} jensen_shannon`);
  assertStatClose(feature.stats.hellinger, want.hellinger, `${at} hellinger`);
  if (want.type === 'numeric') {
    assertArrayClose(feature.bins.edges, want.bin_edges, `${at} bin edges`);
    assertArrayClose(feature.bins.baseline, want.baseline_proportions, `${at} baseline shares`);
    assertArrayClose(feature.bins.current, want.current_proportions, `${at} current shares`);
    const ks = feature.stats.ks as { statistic: number; pvalue: number; method: string };
    assertStatClose(ks.statistic, want.ks.statistic, `${at} ks statistic`);
    assertPValueClose(ks.pvalue, want.ks.pvalue, want.ks.method, `${at} ks pvalue`);
    assert.equal(ks.method, want.ks.method, `${at} ks method`);
    assertStatClose(feature.stats.wasserstein, want.wasserstein, `${at} wasserstein`);
    assertStatClose(feature.stats.wasserstein_norm, want.wasserstein_norm, `${at} wasserstein_norm`);
  } else {
    assert.deepEqual(feature.bins.labels.slice(0, want.categories.length), want.categories, `${at} categories`);
    assertStatClose(feature.bins.current.at(-1), want.unseen_share, `${at} unseen share`);
    const chi2 = feature.stats.chi2 as { statistic: number; pvalue: number; dof: number };
    assertStatClose(chi2.statistic, want.chi2.statistic, `${at} chi2 statistic`);
    assertPValueClose(chi2.pvalue, want.chi2.pvalue, 'asymp', `${at} chi2 pvalue`);
    assert.equal(chi2.dof, want.chi2.dof, `${at} chi2 dof`);
    assertStatClose(feature.stats.linf, want.linf, `${at} linf`);
  }
}

for (const name of ['synthetic', 'seattle']) {
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}_expected.json`), 'utf8')) as Expected;
  const baselineFile = join(FIXTURES, expected.baseline);
  const currentFile = join(FIXTURES, expected.current);

  describe(`reference: ${name}`, () => {
    const checkAll = (report: ReturnType<typeof parseReport>, where: string) => {
      assert.equal(report.baseline.rows, expected.baseline_rows);
      assert.equal(report.current.rows, expected.current_rows);
      const names = report.features.map((f) => f.name).sort();
      assert.deepEqual(names, Object.keys(expected.features).sort());
      for (const feature of report.features) assertMatches(feature, expected.features[feature.name]!, where);
    };

    it('matches scipy with the data file as baseline', async () => {
      const result = await runCli(['check', '--baseline', baselineFile, '--current', currentFile, '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      checkAll(parseReport(result.stdout), 'data-file baseline');
    });

    it('matches scipy through a stored profile (baseline create, then check)', async () => {
      const profile = join(tmp.dir, `${name}.json`);
      const created = await runCli(['baseline', 'create', '--data', baselineFile, '--name', name, '--out', profile]);
      assert.equal(created.code, 0, created.stderr);
      const result = await runCli(['check', '--baseline', profile, '--current', currentFile, '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      checkAll(parseReport(result.stdout), 'profile baseline');
    });
  });
}

describe('reference: ks_cases.json through the CLI', () => {
  const { cases } = JSON.parse(readFileSync(join(FIXTURES, 'ks_cases.json'), 'utf8')) as {
    cases: { name: string; a: number[]; b: number[]; statistic: number; pvalue: number; method: 'exact' | 'asymp' }[];
  };
  for (const c of cases) {
    it(c.name, async () => {
      // repr-exact numbers: JSON numbers round-trip through String(), as DuckDB's CSV reader parses them.
      const a = tmp.file(`${c.name}_a.csv`, `x\n${c.a.map(String).join('\n')}\n`);
      const b = tmp.file(`${c.name}_b.csv`, `x\n${c.b.map(String).join('\n')}\n`);
      const result = await runCli(['check', '--baseline', a, '--current', b, '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const [feature] = parseReport(result.stdout).features;
      const ks = feature?.stats.ks as { statistic: number; pvalue: number; method: string };
      assertStatClose(ks.statistic, c.statistic, `${c.name} statistic`);
      assertPValueClose(ks.pvalue, c.pvalue, c.method, `${c.name} pvalue`);
      assert.equal(ks.method, c.method);
    });
  }
});
