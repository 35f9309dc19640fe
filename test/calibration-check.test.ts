// The calibrated decision through the CLI, as a user runs it: `driftwatch check --by COLUMN` on
// a file of many undrifted windows raises drift in about 1% of them at most, and on drifted
// windows it finds the drifted features and names them (and only them).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runCli, tempDir } from './helpers/cli.js';
import { mulberry32, normal } from './helpers/random.js';

const tmp = tempDir('driftwatch-calibration-');
after(tmp.cleanup);

/** Seeded draws (test/helpers/random.ts), so the files, and so the outcome, are the same every run. */
function rng(seed: number) {
  const next = mulberry32(seed);
  const pick = (shares: number[]) => {
    let u = next();
    for (let i = 0; i < shares.length; i++) if ((u -= shares[i]!) < 0) return i;
    return shares.length - 1;
  };
  return { next, normal: () => normal(next), pick };
}

const zipf = (k: number) => {
  const w = Array.from({ length: k }, (_, i) => 1 / (i + 1));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
};
const CATEGORIES = { colour: [0.5, 0.3, 0.2], plan: [0.35, 0.25, 0.2, 0.12, 0.08], city: zipf(60), flag: [0.9, 0.1] };
const HEADER = ['amount', 'age', 'score', 'visits', 'latency', 'ratio', ...Object.keys(CATEGORIES)];

/** One row; `drift` moves amount by 0.3 SD and the share of plan 'p0' up 15 points. */
function row(r: ReturnType<typeof rng>, drift = false): string {
  const plan = drift ? [0.5, ...CATEGORIES.plan.slice(1).map((s) => (s * 0.5) / 0.65)] : CATEGORIES.plan;
  return [
    (50 + 10 * r.normal() + (drift ? 3 : 0)).toFixed(3),
    Math.floor(18 + 60 * r.next()),
    r.next().toFixed(4),
    Math.floor(-Math.log(1 - r.next()) * 3),
    Math.exp(r.normal()).toFixed(4),
    (r.normal() * 0.1).toFixed(5),
    `c${r.pick(CATEGORIES.colour)}`,
    `p${r.pick(plan)}`,
    `city${r.pick(CATEGORIES.city)}`,
    r.pick(CATEGORIES.flag) ? 'yes' : 'no',
  ].join(',');
}

function file(name: string, rows: number, seed: number, window?: (i: number) => { id: string; drift: boolean }): string {
  const r = rng(seed);
  const lines = [window ? `window,${HEADER.join(',')}` : HEADER.join(',')];
  for (let i = 0; i < rows; i++) {
    if (!window) lines.push(row(r));
    else {
      const w = window(i);
      lines.push(`${w.id},${row(r, w.drift)}`);
    }
  }
  return tmp.file(name, `${lines.join('\n')}\n`);
}

interface Window {
  window: string;
  drift: boolean;
  status: string;
  features: { name: string; drift: boolean; reasons: string[] }[];
}

describe('calibrated decisions through `driftwatch check --by`', { timeout: 120_000 }, () => {
  const baseline = file('baseline.csv', 20_000, 1);

  it('raises drift in at most ~1% of 300 undrifted windows of 200 rows (10 features each)', async () => {
    const current = file('undrifted.csv', 300 * 200, 2, (i) => ({ id: `w${String(Math.floor(i / 200)).padStart(3, '0')}`, drift: false }));
    const r = await runCli(['check', '--baseline', baseline, '--current', current, '--by', 'window', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const windows = (JSON.parse(r.stdout) as { windows: Window[] }).windows;
    assert.equal(windows.length, 300);
    const alarms = windows.filter((w) => w.drift);
    assert.ok(alarms.length <= 3, `drift in ${alarms.length} of 300 undrifted windows: ${alarms.map((w) => w.window).join(', ')}`);
    assert.ok(windows.every((w) => w.status === (w.drift ? 'drift' : 'ok')));
  });

  it('finds and names the drifted features in every drifted window of 2,000 rows, and nothing else', async () => {
    const current = file('drifted.csv', 10 * 2000, 3, (i) => ({ id: `d${Math.floor(i / 2000)}`, drift: true }));
    const r = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      current,
      '--by',
      'window',
      '--format',
      'json',
      '--fail-on-drift',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const windows = (JSON.parse(r.stdout) as { windows: Window[] }).windows;
    assert.equal(windows.length, 10);
    for (const w of windows) {
      assert.deepEqual(
        w.features
          .filter((f) => f.drift)
          .map((f) => f.name)
          .sort(),
        ['amount', 'plan'],
        `window ${w.window}`,
      );
      const plan = w.features.find((f) => f.name === 'plan')!;
      assert.match(plan.reasons[0]!, /^drift: linf 0\.1\d* >= 0\.05 and 'p0' 3\d\.\d% -> [45]\d\.\d% .*after Holm over 10 features$/);
    }
  });

  it('says "insufficient data" below --min-rows, and takes --alpha, --correction and --min-effect', async () => {
    const small = file('small.csv', 20, 4);
    const r = await runCli(['check', '--baseline', baseline, '--current', small, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'insufficient_data');
    assert.ok(report.features.every((f: { reasons: string[] }) => /^insufficient data/.test(f.reasons[0]!)));
    const tuned = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      small,
      '--format',
      'json',
      '--min-rows',
      '10',
      '--alpha',
      '0.05',
      '--correction',
      'bh',
      '--min-effect',
      'psi=0.2',
      '--min-effect',
      'linf=none',
    ]);
    assert.equal(tuned.code, 0, tuned.stderr);
    const rule = JSON.parse(tuned.stdout).decision;
    assert.deepEqual(
      [rule.alpha, rule.correction, rule.minRows, rule.minEffect],
      [0.05, 'benjamini-hochberg', 10, { wasserstein_norm: 0.1, unseen_share: 0.01, psi: 0.2 }],
    );
    const bad = await runCli(['check', '--baseline', baseline, '--current', small, '--min-effect', 'pis=0.1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown effect statistic 'pis'; known: psi, ks, wasserstein_norm/);
  });
});
