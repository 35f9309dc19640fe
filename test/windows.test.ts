// `driftwatch check --by COLUMN [--every PERIOD]`: one result per window of the current data,
// each the same as a check of that window's rows alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
after(tmp.cleanup);
const baseline = join(FIXTURES, 'seattle_2012.csv');

/** seattle_2015.csv with a date column (one row per day of 2015) and a season column. */
function datedCurrent() {
  const [header, ...rows] = readFileSync(join(FIXTURES, 'seattle_2015.csv'), 'utf8').trim().split('\n');
  const day = (i: number) => new Date(Date.UTC(2015, 0, 1 + i)).toISOString().slice(0, 10);
  const season = (i: number) => ['winter', 'spring', 'summer', 'autumn'][Math.floor(((i + 31) % 365) / 92)]!;
  const lines = rows.map((r, i) => `${day(i)},${season(i)},${r}`);
  return { header: `date,season,${header}`, lines, file: tmp.file('dated.csv', `date,season,${header}\n${lines.join('\n')}\n`) };
}

interface Window {
  window: string;
  rows: number;
  drift: boolean;
  features: { name: string; drift: boolean; stats: Record<string, unknown> }[];
  schema: { unexpected: string[] };
}

describe('check --by', () => {
  const current = datedCurrent();

  it('splits by a column value; each window equals a check of its rows alone', async () => {
    const r = await runCli(['check', '--baseline', baseline, '--current', current.file, '--by', 'season', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { drift: boolean; windows: Window[] };
    assert.deepEqual(
      report.windows.map((w) => w.window),
      ['autumn', 'spring', 'summer', 'winter'],
    );
    assert.equal(
      report.windows.reduce((n, w) => n + w.rows, 0),
      365,
    );
    assert.equal(
      report.drift,
      report.windows.some((w) => w.drift),
    );
    const summer = report.windows.find((w) => w.window === 'summer')!;
    assert.deepEqual(summer.schema.unexpected, [], 'the --by column is not an unexpected feature');
    const rows = current.lines.filter((l) => l.split(',')[1] === 'summer');
    assert.equal(summer.rows, rows.length);
    const alone = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      tmp.file('summer.csv', `${current.header}\n${rows.join('\n')}\n`),
      '--format',
      'json',
    ]);
    const aloneReport = JSON.parse(alone.stdout) as Window;
    assert.deepEqual(
      summer.features.map((f) => [f.name, f.stats, f.drift]),
      aloneReport.features.map((f) => [f.name, f.stats, f.drift]),
    );
  });

  it('splits a timestamp column into periods with --every', async () => {
    const r = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      current.file,
      '--by',
      'date',
      '--every',
      '7d',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { windows: Window[]; every: string };
    assert.equal(report.every, '7d');
    assert.ok(report.windows.length >= 52 && report.windows.length <= 54, `${report.windows.length} weekly windows`);
    assert.equal(
      report.windows.reduce((n, w) => n + w.rows, 0),
      365,
    );
    const starts = report.windows.map((w) => Date.parse(`${w.window}Z`));
    starts.slice(1).forEach((s, i) => assert.equal(s - starts[i]!, 7 * 86_400_000, 'consecutive weeks'));
  });

  it('splits into calendar months with --every 1mo', async () => {
    const r = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      current.file,
      '--by',
      'date',
      '--every',
      '1mo',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { windows: Window[] };
    assert.deepEqual(
      report.windows.map((w) => w.window),
      Array.from({ length: 12 }, (_, m) => `2015-${String(m + 1).padStart(2, '0')}-01T00:00:00`),
    );
    assert.deepEqual(
      report.windows.map((w) => w.rows),
      [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
    );
  });

  it('orders the windows of a numeric column as numbers, not as text', async () => {
    // The day of the year's week number, 1 to 53: as text, 10 would come before 2.
    const file = tmp.file(
      'weeks.csv',
      `week,${current.header}\n${current.lines.map((l, i) => `${Math.floor(i / 7) + 1},${l}`).join('\n')}\n`,
    );
    const r = await runCli(['check', '--baseline', baseline, '--current', file, '--by', 'week', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { windows: Window[] };
    assert.deepEqual(
      report.windows.map((w) => w.window),
      Array.from({ length: 53 }, (_, i) => String(i + 1)),
    );
  });

  it('renders windows as text and as one HTML page with a drift-over-time chart', async () => {
    const text = await runCli(['check', '--baseline', baseline, '--current', current.file, '--by', 'season', '--format', 'text']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /summer/);
    const html = await runCli(['check', '--baseline', baseline, '--current', current.file, '--by', 'season', '--format', 'html']);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, /^<!DOCTYPE html>/i);
    assert.doesNotMatch(html.stdout, /(src|href)="https?:/);
  });

  it('refuses --every without --by, a bad period, and an unknown column, naming each', async () => {
    const noBy = await runCli(['check', '--baseline', baseline, '--current', current.file, '--every', '1d']);
    assert.equal(noBy.code, 2);
    assert.match(noBy.stderr, /--every needs --by/);
    const badPeriod = await runCli(['check', '--baseline', baseline, '--current', current.file, '--by', 'date', '--every', 'weekly']);
    assert.equal(badPeriod.code, 2);
    assert.match(badPeriod.stderr, /--every must look like .*got 'weekly'/);
    const unknown = await runCli(['check', '--baseline', baseline, '--current', current.file, '--by', 'dat']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--by column 'dat' not found; the current data has: date, season/);
  });
});

describe('check --format html and --out', () => {
  it('writes one self-contained page with a chart per feature', async () => {
    const out = join(tmp.dir, 'report.html');
    const r = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      join(FIXTURES, 'seattle_2015.csv'),
      '--format',
      'html',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const page = readFileSync(out, 'utf8');
    assert.equal(page.match(/<svg/g)?.length, 5, 'one chart per feature');
    assert.doesNotMatch(page, /(src|href)="https?:|<script src|<link /);
  });

  it('--fail-on-drift exits 1 on drift and 0 without it', async () => {
    const drifted = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      join(FIXTURES, 'seattle_2015.csv'),
      '--format',
      'json',
      '--fail-on-drift',
    ]);
    assert.equal(drifted.code, 1);
    assert.equal(JSON.parse(drifted.stdout).drift, true);
    const same = await runCli(['check', '--baseline', baseline, '--current', baseline, '--format', 'json', '--fail-on-drift']);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(JSON.parse(same.stdout).drift, false);
  });
});
