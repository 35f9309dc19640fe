import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckReport, FeatureReport, WindowedReport } from '../../contracts/report.js';
import { displayWidth, terminalSafe } from '../terminal.js';
import { sortWorstFirst } from '../view.js';
import { renderText } from './text.js';
import { REPORT_FORMATS, renderReport } from './index.js';

// --- fake reports ------------------------------------------------------------------------------

const DECISION: CheckReport['decision'] = {
  name: 'evidence-and-size',
  description: 'drift when a test is significant after Holm correction and the distance exceeds its threshold',
  thresholds: {
    ks: { direction: 'pValueBelow', value: 0.05 },
    chi2: { direction: 'pValueBelow', value: 0.05 },
    psi: { direction: 'distanceAbove', value: 0.2 },
  },
};

function summary(rows: number, nulls = 0): FeatureReport['baseline'] {
  return { rows, count: rows - nulls, nulls, nonFinite: 0 };
}

function numeric(name: string, severity: number, drift: boolean, shift = 0): FeatureReport {
  const baseline = Array.from({ length: 10 }, () => 0.1);
  const current = baseline.map((p, i) => Math.max(0, p + (shift * (i - 4.5)) / 25));
  const total = current.reduce((a, b) => a + b, 0);
  const edges = [-1.28, -0.84, -0.52, -0.25, 0, 0.25, 0.52, 0.84, 1.28];
  return {
    name,
    kind: 'numeric',
    drift,
    severity,
    stats: {
      psi: 0.028 + shift,
      ks: { statistic: 0.076 + shift / 10, pvalue: drift ? 7.3e-10 : 0.41, method: 'asymp' },
      wasserstein: 3.1,
      wasserstein_norm: 0.08 + shift / 5,
      jensen_shannon: 0.07,
      hellinger: 0.05,
    },
    reasons: drift ? [`ks p 7.3e-10 < 0.05 and psi ${0.028 + shift} > 0.2`, 'wasserstein_norm above 0.1'] : ['ks p 0.41 >= 0.05'],
    baseline: summary(20000, 12),
    current: summary(5000, 3),
    bins: {
      labels: ['(-inf, -1.28]', ...edges.slice(1).map((e, i) => `(${edges[i]}, ${e}]`), '(1.28, +inf)'],
      edges,
      baseline,
      current: current.map((q) => q / total),
    },
  };
}

function categorical(name: string, severity: number, drift: boolean, categories: string[], unseen = 0): FeatureReport {
  const baseline = categories.map((_, i) => 2 ** -(i + 1));
  const sum = baseline.reduce((a, b) => a + b, 0);
  const p = [...baseline.map((v) => v / sum), 0];
  const q = p.map((v, i) => (i === p.length - 1 ? unseen : v * (1 - unseen)));
  return {
    name,
    kind: 'categorical',
    drift,
    severity,
    stats: {
      psi: 0.14,
      chi2: { statistic: 210.8, pvalue: drift ? 3.14e-9 : 0.016, dof: categories.length },
      jensen_shannon: 0.15,
      hellinger: 0.11,
      linf: 0.01,
    },
    reasons: drift ? [`unseen share ${unseen} and chi2 p 3.1e-9 < 0.05`] : ['chi2 p 0.016 but psi 0.14 <= 0.2'],
    baseline: summary(20000),
    current: summary(5000),
    bins: { labels: [...categories, '(unseen)'], baseline: p, current: q },
  };
}

/** A report with both kinds of feature, drift in some, hostile names, and schema findings. */
function fakeCheckReport(): CheckReport {
  return {
    baseline: { name: 'flights', rows: 20000, version: 'v3', source: 'flights_2012.parquet' },
    current: { name: 'window 2024-05-01', rows: 5000 },
    drift: true,
    features: [
      numeric('distance', 0.2, false),
      categorical('origin', 4.5, true, ['SEA', 'PDX', 'SFO', '<b>LAX</b>'], 0.12),
      numeric('<script>alert(1)</script>', 6, true, 0.3),
      categorical('a"b', 0.5, false, ['x', 'y']),
      numeric('ünïcødé', 1.5, false, 0.05),
      categorical('select; drop', 0, false, ['yes', 'no']),
      numeric('delay', 4.5, true, 0.2),
      numeric('到着遅延', 0.1, false),
    ],
    schema: {
      missing: ['tail_number'],
      unexpected: ['debug_flag'],
      anomalies: [
        { feature: 'delay', kind: 'non_finite', message: '1.2% of rows are NaN or Infinity (baseline 0%)', share: 0.012, baselineShare: 0 },
        {
          feature: 'origin',
          kind: 'unseen_categories',
          message: '12% of rows hold categories the baseline never had',
          share: 0.12,
          examples: ['XXX', '<img src=x>'],
        },
      ],
    },
    decision: DECISION,
    generatedAt: '2024-05-02T06:00:00.000Z',
  };
}

/** Three daily windows of the same features, the middle one drifted. */
function fakeWindowedReport(): WindowedReport {
  const full = fakeCheckReport();
  const calm = full.features.map((f) => ({ ...f, drift: false, severity: f.severity / 10 }));
  return {
    baseline: full.baseline,
    current: { name: 'flights may', rows: 15000 },
    by: 'day',
    every: '1d',
    drift: true,
    windows: [
      { window: '2024-05-01', rows: 5000, drift: false, features: calm, schema: { missing: [], unexpected: [], anomalies: [] } },
      { window: '2024-05-02', rows: 5000, drift: true, features: full.features, schema: full.schema },
      {
        window: '2024-05-03',
        rows: 5000,
        drift: false,
        features: calm.slice(0, 5),
        schema: { missing: [], unexpected: [], anomalies: [] },
      },
    ],
    decision: DECISION,
    generatedAt: '2024-05-04T06:00:00.000Z',
  };
}

const ANSI = /\u001b\[/;

function tableRows(output: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.startsWith('feature'));
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 2, end);
}

// --- tests -----------------------------------------------------------------------------------

test('the header names the baseline, both row counts and the verdict', () => {
  const out = renderText(fakeCheckReport());
  assert.match(out, /DRIFT \(3 of 8 features drifted\)/);
  assert.match(out, /flights v3 \(flights_2012\.parquet\), 20,000 rows/);
  assert.match(out, /current +window 2024-05-01, 5,000 rows/);
});

test('features are listed worst first, equal severities by name', () => {
  const names = tableRows(renderText(fakeCheckReport())).map((row) => row.split(/\s{2,}/)[0]);
  assert.deepEqual(names, ['<script>alert(1)</script>', 'delay', 'origin', 'ünïcødé', 'a"b', 'distance', '到着遅延', 'select; drop']);
});

test('columns line up, counting unicode by display width', () => {
  const rows = tableRows(renderText(fakeCheckReport()));
  // The "kind" column starts at the same display column in every row.
  const kindColumns = rows.map((row) => {
    const at = row.search(/ (numeric|categorical) /);
    return displayWidth(row.slice(0, at));
  });
  assert.equal(new Set(kindColumns).size, 1, rows.join('\n'));
});

test('numeric rows show ks, categorical rows chi2, with compact numbers', () => {
  const rows = tableRows(renderText(fakeCheckReport()));
  const delay = rows.find((r) => r.startsWith('delay')) ?? '';
  assert.match(delay, /ks 0\.096 +7\.3e-10 +0\.12 +-/);
  const origin = rows.find((r) => r.startsWith('origin')) ?? '';
  assert.match(origin, /chi2 210\.8 +3\.1e-9 +- +0\.01 /);
  assert.match(origin, /unseen share 0\.12/);
});

test('schema findings list missing, unexpected and every anomaly message', () => {
  const out = renderText(fakeCheckReport());
  assert.match(out, /missing +tail_number/);
  assert.match(out, /unexpected +debug_flag/);
  assert.match(out, /delay \[non_finite\]: 1\.2% of rows are NaN or Infinity/);
  assert.match(out, /origin \[unseen_categories\]: 12% of rows/);
});

test('no ANSI escapes without colour; red drift with colour', () => {
  assert.doesNotMatch(renderText(fakeCheckReport()), ANSI);
  assert.doesNotMatch(renderText(fakeWindowedReport(), { color: false }), ANSI);
  const coloured = renderText(fakeCheckReport(), { color: true });
  assert.match(coloured, /\u001b\[1;31mDRIFT\u001b\[0m/);
  assert.match(coloured, /\u001b\[1;31myes/);
});

test('control characters from the data cannot reach the terminal', () => {
  const report = fakeCheckReport();
  report.features[0] = { ...report.features[0]!, name: 'evil\u001b[2Jname\nnext' };
  const out = renderText(report);
  assert.doesNotMatch(out, ANSI);
  assert.match(out, /evil\\u\{1b\}\[2Jname\\nnext/);
  assert.equal(terminalSafe('a\u202eb'), 'a\\u{202e}b');
});

test('a windowed report lists every window, and the feature table of drifted windows only', () => {
  const out = renderText(fakeWindowedReport());
  assert.match(out, /DRIFT \(1 of 3 windows drifted\)/);
  assert.match(out, /by day every 1d/);
  assert.match(out, /2024-05-01 +5,000 +no\n/);
  assert.match(out, /2024-05-02 +5,000 +yes +<script>alert\(1\)<\/script>, delay, origin/);
  assert.match(out, /window 2024-05-02: DRIFT, 5,000 rows/);
  assert.doesNotMatch(out, /window 2024-05-01:/);
  assert.equal(out.match(/^ *feature +kind +drift/gm)?.length, 1);
});

test('sortWorstFirst does not reorder its input', () => {
  const features = fakeCheckReport().features;
  const before = features.map((f) => f.name);
  sortWorstFirst(features);
  assert.deepEqual(
    features.map((f) => f.name),
    before,
  );
});

test('renderReport: json is the report itself, unknown formats list the known ones', () => {
  const report = fakeCheckReport();
  const json = renderReport(report, 'json');
  assert.ok(json.endsWith('}\n'));
  assert.deepEqual(JSON.parse(json), report);
  assert.equal(renderReport(report, 'text'), renderText(report));
  assert.deepEqual([...REPORT_FORMATS], ['json', 'text', 'html']);
  assert.throws(() => renderReport(report, 'xml'), { message: "unknown format 'xml'; known: json, text, html" });
});

test('the labels section: coverage in one sentence, the realized performance with its intervals, in text and HTML', () => {
  const report: CheckReport = {
    ...fakeCheckReport(),
    labels: {
      predictions: 9120,
      labelled: 6014,
      unlabelled: 3106,
      coverage: 6014 / 9120,
      withoutId: 0,
      labelIds: 6230,
      unmatched: 216,
      sampledOut: 12,
      performance: {
        task: 'binary',
        taskFrom: 'inferred',
        level: 0.95,
        rows: 6014,
        skipped: { label: 0, prediction: 0 },
        metrics: {
          accuracy: { value: 0.91, interval: { lower: 0.9027, upper: 0.9169 }, method: 'wilson' },
          roc_auc: { value: null, interval: null, method: 'delong', reason: 'one class' },
        },
      },
    },
  };
  const text = renderText(report);
  assert.match(text, /labels: 6,014 of 9,120 predictions labelled \(65\.9%\); 216 labels match no prediction; 12 sampled out\n/);
  assert.match(
    text,
    /performance \(binary, 6,014 rows, 95% intervals\):\n {4}accuracy {11}0\.91 \[0\.9027, 0\.9169\]\n {4}roc_auc {12}- \(one class\)\n/,
  );
  const page = renderReport(report, 'html');
  assert.match(page, /<h2>Labels<\/h2>\n<p>6,014 of 9,120 predictions labelled/);
  assert.match(page, /<td class="name">accuracy<\/td><td class="num">0\.91<\/td><td class="num">\[0\.9027, 0\.9169\]<\/td>/);
  assert.doesNotMatch(renderText(fakeCheckReport()), /labels:/, 'no section without labels');
});

test('the performance decision per metric and the estimated performance, in text and HTML', () => {
  const metric = (name: string, baseline: number, window: number, drifted: boolean, tested = true) => ({
    metric: name,
    direction: 'higherIsBetter' as const,
    baseline,
    window,
    interval: { lower: window - 0.01, upper: window + 0.01, level: 0.95 },
    drop: baseline - window,
    tolerance: { kind: 'absolute' as const, value: 0.02 },
    minDrop: 0.02,
    tested,
    pvalue: tested ? (drifted ? 1e-9 : 0.4) : null,
    adjustedP: tested ? (drifted ? 2e-9 : 0.4) : null,
    drifted,
    reason: drifted ? `${name} fell` : 'not tested: no minimum drop',
  });
  const report: CheckReport = {
    ...fakeCheckReport(),
    labels: {
      predictions: 2000,
      labelled: 2000,
      unlabelled: 0,
      coverage: 1,
      withoutId: 0,
      labelIds: 2000,
      unmatched: 0,
      sampledOut: null,
      performance: {
        task: 'binary',
        taskFrom: 'inferred',
        level: 0.95,
        rows: 2000,
        skipped: { label: 0, prediction: 0 },
        metrics: {
          accuracy: { value: 0.7, interval: { lower: 0.69, upper: 0.71 }, method: 'wilson' },
          roc_auc: { value: 0.85, interval: { lower: 0.84, upper: 0.86 }, method: 'delong' },
        },
      },
      decision: {
        task: 'binary',
        decided: true,
        drift: true,
        reason: 'performance dropped: accuracy (Holm over 1 metrics, alpha 0.01)',
        labelled: { baseline: 4000, window: 2000 },
        alpha: 0.01,
        correction: 'holm',
        minRows: 50,
        tested: 1,
        metrics: [metric('accuracy', 0.8, 0.7, true), metric('roc_auc', 0.86, 0.85, false, false)],
      },
    },
    estimatedPerformance: {
      method: 'cbpe',
      rows: 2000,
      dropped: 3,
      threshold: 0.5,
      metrics: [{ metric: 'accuracy', estimate: 0.79, samplingError: 0.01, lower: 0.76, upper: 0.82, realized: 0.7 }],
    },
  };
  const text = renderText(report);
  assert.match(
    text,
    /accuracy {11}0\.7 \[0\.69, 0\.71\] baseline 0\.8 DROPPED\n {4}roc_auc {12}0\.85 \[0\.84, 0\.86\] baseline 0\.86 not tested\n/,
  );
  assert.match(text, /decision: performance dropped: accuracy \(Holm over 1 metrics, alpha 0\.01\)\n/);
  assert.match(
    text,
    /estimated performance: estimated by CBPE from 2,000 scores, 3 without a score \(threshold 0\.5\); a leading indicator, not alerted on\n {4}accuracy {11}0\.79 \[0\.76, 0\.82\] realized 0\.7\n/,
  );
  const page = renderReport(report, 'html');
  assert.match(page, /<td class="num">0\.8<\/td><td>DROPPED<\/td>/);
  assert.match(page, /<h2>Estimated performance<\/h2>/);
  assert.match(
    page,
    /<td class="name">accuracy<\/td><td class="num">0\.79<\/td><td class="num">\[0\.76, 0\.82\]<\/td><td class="num">0\.7<\/td>/,
  );
  assert.doesNotMatch(renderText(fakeCheckReport()), /estimated performance/, 'no section without an estimate');
});
