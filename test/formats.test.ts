// The same data as CSV, Parquet, NDJSON and JSON gives the same profile and the same check;
// a sampled profile is reproducible from its seed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../src/store/database.js';
import { quoteLiteral } from '../src/store/sql.js';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
after(tmp.cleanup);
const csv = join(FIXTURES, 'synthetic_baseline.csv');
const current = join(FIXTURES, 'synthetic_current.csv');
const files: Record<string, string> = {};

before(async () => {
  const db = await Database.open();
  try {
    await db.run(`CREATE TABLE t AS SELECT * FROM read_csv(${quoteLiteral(csv)})`);
    for (const [format, ext, options] of [
      ['parquet', 'parquet', 'FORMAT parquet'],
      ['ndjson', 'ndjson', 'FORMAT json'],
      ['json', 'json', 'FORMAT json, ARRAY true'],
    ] as const) {
      files[format] = join(tmp.dir, `baseline.${ext}`);
      await db.run(`COPY t TO ${quoteLiteral(files[format])} (${options})`);
    }
  } finally {
    db.close();
  }
});

async function profile(data: string, name: string, extra: string[] = []) {
  const out = join(tmp.dir, `${name}.json`);
  const r = await runCli(['baseline', 'create', '--data', data, '--name', name, '--out', out, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return {
    path: out,
    json: JSON.parse(readFileSync(out, 'utf8')) as {
      features: { name: string; kind: string; sample?: { values: number[]; complete: boolean } }[];
    },
  };
}

describe('data formats', () => {
  it('CSV, Parquet, NDJSON and JSON give the same features and statistics', async () => {
    const reference = await runCli(['check', '--baseline', csv, '--current', current, '--format', 'json']);
    const want = JSON.parse(reference.stdout).features.map((f: { name: string; stats: unknown }) => [f.name, f.stats]);
    for (const format of ['parquet', 'ndjson', 'json']) {
      const r = await runCli(['check', '--baseline', files[format]!, '--current', current, '--format', 'json']);
      assert.equal(r.code, 0, `${format}: ${r.stderr}`);
      const got = JSON.parse(r.stdout).features.map((f: { name: string; stats: unknown }) => [f.name, f.stats]);
      assert.deepEqual(got, want, format);
      const p = await profile(files[format]!, `from-${format}`);
      assert.deepEqual(
        p.json.features.map((f) => [f.name, f.kind]),
        [
          ['amount', 'numeric'],
          ['age', 'numeric'],
          ['score', 'numeric'],
          ['channel', 'categorical'],
        ],
      );
    }
  });
});

describe('sampled profiles', () => {
  it('keep --sample-size sorted values, the same for the same seed, another for another seed', async () => {
    const a = await profile(csv, 'sample-a', ['--sample-size', '500', '--seed', '7']);
    const b = await profile(csv, 'sample-b', ['--sample-size', '500', '--seed', '7']);
    const c = await profile(csv, 'sample-c', ['--sample-size', '500', '--seed', '8']);
    const values = (p: typeof a) => p.json.features[0]!.sample!.values;
    assert.equal(values(a).length, 500);
    assert.equal(a.json.features[0]!.sample!.complete, false);
    assert.deepEqual(
      values(a),
      [...values(a)].sort((x, y) => x - y),
      'sorted',
    );
    assert.deepEqual(values(a), values(b), 'same seed, same sample');
    assert.notDeepEqual(values(a), values(c), 'another seed, another sample');
  });

  it('a column with fewer distinct values than the sample is held as exact counts: KS, CvM and W1 as against the data file', async () => {
    // age has 62 distinct values in 4,000 rows: before, a profile held a 500-value sample of it, and its KS moved with the seed.
    const sampled = await profile(csv, 'exact', ['--sample-size', '500']);
    const age = sampled.json.features.find((f) => f.name === 'age')!;
    assert.equal(age.sample!.values.length, 62);
    assert.equal(age.sample!.complete, true);
    const check = async (baseline: string) => {
      const r = await runCli(['check', '--baseline', baseline, '--current', current, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).features as { name: string; stats: Record<string, unknown>; decision: { baselineValues?: string } }[];
    };
    const [fromProfile, fromFile] = [await check(sampled.path), await check(csv)];
    const byName = (list: typeof fromFile, name: string) => list.find((f) => f.name === name)!;
    assert.deepEqual(byName(fromProfile, 'age').stats, byName(fromFile, 'age').stats, 'the same statistics as the data file');
    assert.equal(byName(fromProfile, 'age').decision.baselineValues, 'exact_counts');
    assert.equal(byName(fromProfile, 'amount').decision.baselineValues, 'sample', 'amount has 2,928 distinct values: a sample');
    assert.equal(byName(fromFile, 'age').decision.baselineValues, 'all');
  });

  it('a sampled profile still checks: KS on the sample, bins and PSI from the whole column', async () => {
    const sampled = await profile(csv, 'sampled', ['--sample-size', '1000']);
    const r = await runCli(['check', '--baseline', sampled.path, '--current', current, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const amount = JSON.parse(r.stdout).features.find((f: { name: string }) => f.name === 'amount');
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'synthetic_expected.json'), 'utf8')).features.amount;
    assert.ok(Math.abs(amount.stats.psi - expected.psi) < 1e-12, 'PSI uses the stored bin counts of the whole column');
    assert.ok(Math.abs(amount.stats.ks.statistic - expected.ks.statistic) < 0.05, 'KS on a 1,000-value sample is close');
  });
});
