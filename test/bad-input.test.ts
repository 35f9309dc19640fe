// Bad input gets a clear message and exit code 2 (never a stack trace); schema problems in the
// current data are findings in the report (exit 0, or 1 with --fail-on-schema), not errors.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
after(tmp.cleanup);
const baseline = join(FIXTURES, 'synthetic_baseline.csv');

function assertCleanError(result: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  assert.equal(result.code, 2, `exit code 2 expected, got ${result.code}: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '');
}

describe('bad input: errors with exit code 2', () => {
  it('a missing file names the file', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', join(tmp.dir, 'nope.csv')]);
    assertCleanError(r, /data file not found: '.*nope\.csv'/);
  });

  it('a missing baseline profile names the file', async () => {
    const r = await runCli(['check', '--baseline', join(tmp.dir, 'missing-profile.parquet'), '--current', baseline]);
    assertCleanError(r, /not found: '.*missing-profile\.parquet'/);
  });

  it('an empty file says it is empty', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', tmp.file('empty.csv', '')]);
    assertCleanError(r, /data file is empty: '.*empty\.csv'/);
  });

  it('a header-only file says it has no rows', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', tmp.file('header.csv', 'amount,age,score,channel\n')]);
    assertCleanError(r, /no rows|cannot read/);
  });

  it('an unknown format lists the known ones', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', tmp.file('data.xlsx', 'a,b\n1,2\n')]);
    assertCleanError(r, /unknown data format of '.*data\.xlsx'.*known: \.csv/);
  });

  it('a corrupt profile names the file and the problem', async () => {
    const bad = tmp.file('bad-profile.json', '{"schemaVersion": 1, "model": "m"}');
    const r = await runCli(['check', '--baseline', bad, '--current', baseline]);
    assertCleanError(r, /baseline profile '.*bad-profile\.json' is invalid: version/);
  });

  it('a profile that is not JSON names the file', async () => {
    const bad = tmp.file('truncated.json', '{"schemaVersion": 1, "model": ');
    const r = await runCli(['check', '--baseline', bad, '--current', baseline]);
    assertCleanError(r, /truncated\.json/);
  });

  it('an unknown option is an error, exit 2', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', baseline, '--formt', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--formt'/);
  });

  it('an unknown --format lists the choices', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', baseline, '--format', 'xml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /json, text, html|"json", "text", "html"/);
  });

  it('an unknown --features column lists the columns', async () => {
    const r = await runCli([
      'baseline',
      'create',
      '--data',
      baseline,
      '--name',
      'm',
      '--features',
      'amount,nope',
      '--out',
      join(tmp.dir, 'p.json'),
    ]);
    assertCleanError(r, /unknown column 'nope'; the data has: amount, age, score, channel/);
  });

  it('--bins 1 is refused with the reason', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', baseline, '--bins', '1']);
    assertCleanError(r, /--bins must be a whole number >= 2/);
  });
});

describe('bad input: schema findings, not crashes', () => {
  const check = async (current: string, extra: string[] = []) => {
    const r = await runCli(['check', '--baseline', baseline, '--current', current, '--format', 'json', ...extra]);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    return { ...r, report: r.code === 2 ? undefined : JSON.parse(r.stdout) };
  };

  it('a feature absent from the current data is reported missing (exit 0; 1 with --fail-on-schema)', async () => {
    const current = tmp.file('no-age.csv', 'amount,score,channel\n10,0.5,app\n20,0.4,web\n');
    const r = await check(current);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.report.schema.missing, ['age']);
    assert.ok(!r.report.features.some((f: { name: string }) => f.name === 'age'));
    const strict = await check(current, ['--fail-on-schema']);
    assert.equal(strict.code, 1);
  });

  it('new columns are reported unexpected', async () => {
    const r = await check(tmp.file('extra.csv', 'amount,age,score,channel,surprise\n10,30,0.5,app,x\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.report.schema.unexpected, ['surprise']);
  });

  it('strings in a numeric column are a type mismatch with examples; the numbers are still compared', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${10 + i},${i % 7 === 0 ? 'forty' : 30 + i},0.5,app`).join('\n');
    const r = await check(tmp.file('types.csv', `amount,age,score,channel\n${rows}\n`));
    assert.equal(r.code, 0, r.stderr);
    const mismatch = r.report.schema.anomalies.find((a: { kind: string }) => a.kind === 'type_mismatch');
    assert.ok(mismatch, JSON.stringify(r.report.schema));
    assert.equal(mismatch.feature, 'age');
    assert.deepEqual(mismatch.examples, ['forty']);
    const age = r.report.features.find((f: { name: string }) => f.name === 'age');
    assert.equal(age.current.count, 42);
  });

  it('an all-null column is a finding, and its statistics are not invented', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${10 + i},,0.5,app`).join('\n');
    const r = await check(tmp.file('nulls.csv', `amount,age,score,channel\n${rows}\n`));
    assert.equal(r.code, 0, r.stderr);
    const finding = r.report.schema.anomalies.find((a: { feature: string }) => a.feature === 'age');
    assert.equal(finding.kind, 'all_null');
    const age = r.report.features.find((f: { name: string }) => f.name === 'age');
    assert.equal(age.drift, false);
    assert.match(age.reasons.join(' '), /not enough finite values/);
  });

  it('a constant column compares without dividing by zero', async () => {
    const constant = tmp.file('constant.csv', `v,c\n${Array.from({ length: 30 }, () => '5,a').join('\n')}\n`);
    const shifted = tmp.file('shifted.csv', `v,c\n${Array.from({ length: 30 }, () => '6,a').join('\n')}\n`);
    const r = await runCli(['check', '--baseline', constant, '--current', shifted, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout).features.find((f: { name: string }) => f.name === 'v');
    assert.equal(v.stats.wasserstein, 1);
    assert.equal(v.stats.wasserstein_norm, 1 / 0.001);
    assert.equal(v.stats.ks.statistic, 1);
    assert.equal(v.drift, true);
  });

  it('feature names with spaces, quotes, unicode and SQL keywords work everywhere', async () => {
    const names = ['my feature', 'it\'s "quoted"', 'température €', 'select', 'drop table x; --'];
    const header = names.map((n) => `"${n.replaceAll('"', '""')}"`).join(',');
    const body = (shift: number) => Array.from({ length: 40 }, (_, i) => [i + shift, i * 2, i % 5, `cat${i % 3}`, i].join(',')).join('\n');
    const base = tmp.file('weird-base.csv', `${header}\n${body(0)}\n`);
    const cur = tmp.file('weird-cur.csv', `${header}\n${body(3)}\n`);
    const profile = join(tmp.dir, 'weird.json');
    const created = await runCli(['baseline', 'create', '--data', base, '--name', 'weird', '--out', profile]);
    assert.equal(created.code, 0, created.stderr);
    for (const baselineArg of [base, profile]) {
      for (const format of ['json', 'text', 'html']) {
        const r = await runCli(['check', '--baseline', baselineArg, '--current', cur, '--format', format]);
        assert.equal(r.code, 0, r.stderr);
        if (format === 'json')
          assert.deepEqual(
            JSON.parse(r.stdout).features.map((f: { name: string }) => f.name),
            names,
          );
      }
    }
  });
});
