import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckReport, FeatureReport, WindowedReport } from '../../contracts/report.js';
import { renderHtml } from './html.js';
import { renderReport } from './index.js';

// --- fake reports ------------------------------------------------------------------------------
// Shares come from real distributions: the baseline is binned at its own deciles (10% per bin,
// as driftwatch bins it), the current data is a shifted or rescaled normal over the same edges.

const DECILES = [-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816];

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26; plenty for a chart fixture.
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const DECISION: CheckReport['decision'] = {
  name: 'evidence-and-size',
  description:
    'a feature drifts when its test is significant after Holm correction over all features and its distance exceeds the threshold',
  thresholds: {
    ks: { direction: 'pValueBelow', value: 0.05 },
    chi2: { direction: 'pValueBelow', value: 0.05 },
    psi: { direction: 'distanceAbove', value: 0.2 },
    wasserstein_norm: { direction: 'distanceAbove', value: 0.1 },
  },
};

function side(rows: number, nulls = 0, mean?: number, std?: number): FeatureReport['baseline'] {
  return { rows, count: rows - nulls, nulls, nonFinite: 0, mean, std };
}

function psiOf(p: readonly number[], q: readonly number[]): number {
  return p.reduce((sum, pi, i) => {
    const a = pi || 1e-4;
    const b = q[i] || 1e-4;
    return sum + (b - a) * Math.log(b / a);
  }, 0);
}

/** A numeric feature whose current data is N(shift, scale^2) against a standard-normal baseline. */
function numeric(
  name: string,
  opts: { mean: number; std: number; shift?: number; scale?: number; severity: number; drift: boolean },
): FeatureReport {
  const { mean, std, shift = 0, scale = 1 } = opts;
  const edges = DECILES.map((z) => Number((mean + std * z).toPrecision(4)));
  const cdf = [0, ...DECILES.map((z) => normalCdf((z - shift) / scale)), 1];
  const current = cdf.slice(1).map((c, i) => c - (cdf[i] ?? 0));
  const baseline = current.map(() => 0.1);
  const psi = psiOf(baseline, current);
  const d = Math.max(...DECILES.map((z) => Math.abs(normalCdf(z) - normalCdf((z - shift) / scale))));
  const pvalue = opts.drift ? 7.3e-10 : 0.41;
  return {
    name,
    kind: 'numeric',
    drift: opts.drift,
    severity: opts.severity,
    stats: {
      psi,
      ks: { statistic: d, pvalue, method: 'asymp' },
      wasserstein: Math.abs(shift) * std,
      wasserstein_norm: Math.abs(shift),
      jensen_shannon: Math.sqrt(psi / 8),
      hellinger: Math.sqrt(psi / 9),
    },
    reasons: opts.drift
      ? [
          `ks p ${pvalue} < 0.05 (Holm) and psi ${psi.toFixed(3)} > 0.2`,
          ...(Math.abs(shift) > 0.1 ? [`wasserstein_norm ${Math.abs(shift)} > 0.1`] : []),
        ]
      : [`ks p ${pvalue} >= 0.05`],
    baseline: side(20000, 14, mean, std),
    current: side(5000, 2),
    bins: {
      labels: ['(-inf, e1]', ...edges.slice(1).map((e, i) => `(${edges[i]}, ${e}]`), `(${edges[edges.length - 1]}, +inf)`],
      edges,
      baseline,
      current,
    },
  };
}

/** A categorical feature with geometric baseline shares; `unseen` of the current rows are new values. */
function categorical(
  name: string,
  categories: string[],
  opts: { unseen?: number; tilt?: number; severity: number; drift: boolean },
): FeatureReport {
  const { unseen = 0, tilt = 0 } = opts;
  const weights = categories.map((_, i) => 0.7 ** i);
  const total = weights.reduce((a, b) => a + b, 0);
  const p = [...weights.map((w) => w / total), 0];
  const tilted = p.map((v, i) => v * (1 + tilt * (i % 2 === 0 ? 1 : -1)));
  const tiltedTotal = tilted.reduce((a, b) => a + b, 0);
  const q = tilted.map((v, i) => (i === p.length - 1 ? unseen : (v / tiltedTotal) * (1 - unseen)));
  const linf = Math.max(...p.map((v, i) => Math.abs(v - (q[i] ?? 0))));
  const pvalue = opts.drift ? 3.14e-9 : 0.016;
  return {
    name,
    kind: 'categorical',
    drift: opts.drift,
    severity: opts.severity,
    stats: {
      psi: psiOf(p, q),
      chi2: { statistic: opts.drift ? 812.4 : 21.3, pvalue, dof: categories.length },
      jensen_shannon: 0.15,
      hellinger: 0.11,
      linf,
    },
    reasons: opts.drift
      ? [`chi2 p 3.1e-9 < 0.05 (Holm) and ${(unseen * 100).toFixed(0)}% unseen categories`]
      : ['chi2 p 0.016 not significant after Holm correction'],
    baseline: side(20000),
    current: side(5000, 40),
    bins: { labels: [...categories, '(unseen)'], baseline: p, current: q },
  };
}

const AIRPORTS = [
  'SEA',
  'PDX',
  'SFO',
  'LAX',
  'DEN',
  'ORD',
  'ATL',
  'JFK',
  'BOS',
  'DFW',
  'PHX',
  'LAS',
  'SLC',
  'MSP',
  'DTW',
  'IAH',
  'MIA',
  'SAN',
  'ANC',
  'HNL',
];

function features(shift: number): FeatureReport[] {
  const drifted = shift >= 0.3;
  return [
    numeric('dep_delay', { mean: 12, std: 31, shift, severity: shift * 12, drift: drifted }),
    numeric('distance', { mean: 1100, std: 640, shift: shift / 10, severity: 0.2, drift: false }),
    numeric('<script>alert(1)</script>', { mean: 0.5, std: 0.2, scale: 1 + shift, severity: shift * 9, drift: drifted }),
    numeric('ünïcødé', { mean: 3.2e-5, std: 1.1e-5, shift: 0.05, severity: 0.9, drift: false }),
    categorical('origin', AIRPORTS, { unseen: shift / 4, tilt: shift / 2, severity: shift * 10, drift: drifted }),
    categorical('a"b', ['<img src=x onerror=alert(1)>', 'B & C', "it's"], { tilt: 0.05, severity: 0.5, drift: false }),
    categorical('select; drop', ['true', 'false'], { severity: 0, drift: false }),
  ];
}

function fakeCheckReport(): CheckReport {
  return {
    baseline: { name: 'flights-delay-model', rows: 20000, version: 'v3', source: 'flights_2012.parquet' },
    current: { name: 'serving log 2024-05-02', rows: 5000 },
    drift: true,
    features: features(0.4),
    schema: {
      missing: ['tail_number'],
      unexpected: ['debug_flag', '<b>x</b>'],
      anomalies: [
        {
          feature: 'dep_delay',
          kind: 'non_finite',
          message: '1.2% of rows are NaN or Infinity (baseline 0%)',
          share: 0.012,
          baselineShare: 0,
        },
        {
          feature: 'origin',
          kind: 'unseen_categories',
          message: '10% of rows hold airports the baseline never had',
          share: 0.1,
          examples: ['XXX', '<img src=x>'],
        },
      ],
    },
    decision: DECISION,
    generatedAt: '2024-05-02T06:00:00.000Z',
  };
}

function fakeWindowedReport(): WindowedReport {
  const shifts = [0, 0.02, 0, 0.05, 0.1, 0.2, 0.35, 0.45, 0.5];
  const windows = shifts.map((shift, i) => {
    const fs = features(shift);
    return {
      window: `2024-05-0${i + 1}`,
      rows: 4800 + i * 37,
      drift: fs.some((f) => f.drift),
      features: i === 2 ? fs.slice(0, 5) : fs,
      schema: { missing: [], unexpected: [], anomalies: [] },
    };
  });
  return {
    baseline: fakeCheckReport().baseline,
    current: { name: 'serving log, May', rows: windows.reduce((s, w) => s + w.rows, 0) },
    by: 'event_date',
    every: '1d',
    drift: true,
    windows,
    decision: DECISION,
    generatedAt: '2024-05-10T06:00:00.000Z',
  };
}

// --- helpers -------------------------------------------------------------------------------------

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : (haystack.match(needle) ?? []).length;
}

/** The feature names of the features table, in row order, as the page displays them (escaped). */
function tableOrder(html: string): string[] {
  const table = html.slice(html.indexOf('<table class="features">'), html.indexOf('</table>'));
  return [...table.matchAll(/<td class="name"><a [^>]*><bdi>(.*?)<\/bdi>/g)].map((m) => m[1] ?? '');
}

const EXTERNAL_REFERENCE = /(?:src|href|xlink:href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

// --- tests ---------------------------------------------------------------------------------------

test('one self-contained page: doctype, inline style, no scripts, no outside resources', () => {
  const html = renderHtml(fakeCheckReport());
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.equal(count(html, '<html'), 1);
  assert.equal(count(html, '</html>'), 1);
  assert.doesNotMatch(html, EXTERNAL_REFERENCE);
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\((?!#)/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('the features table lists the features worst first', () => {
  const html = renderHtml(fakeCheckReport());
  // Severities: dep_delay 4.8, origin 4, <script> 3.6, ünïcødé 0.9, a"b 0.5, distance 0.2, select; drop 0.
  assert.deepEqual(tableOrder(html), [
    'dep_delay',
    'origin',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    'ünïcødé',
    'a&quot;b',
    'distance',
    'select; drop',
  ]);
});

test('every text from the data is escaped', () => {
  const html = renderHtml(fakeCheckReport());
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.ok(!html.includes('<img src=x'));
  assert.ok(!html.includes('<b>x</b>'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('a&quot;b'));
  assert.ok(html.includes('B &amp; C'));
  assert.ok(html.includes('it&#39;s'));
  assert.ok(html.includes('ünïcødé'));
  assert.ok(html.includes('select; drop'));
  // Attribute values never end early: every quote inside one is escaped.
  assert.doesNotMatch(html, /aria-label="[^"]*<|title>[^<]*"[^<]*<\/title/);
});

test('replacement patterns in names stay literal ($& and friends)', () => {
  const report = fakeCheckReport();
  report.features = [categorical("cost $& $' $`", ['$&', '$1 $$'], { severity: 1, drift: true, unseen: 0.1 })];
  const html = renderHtml(report);
  assert.equal(count(html, 'cost $&amp; $&#39; $`'), 4); // table, drifted link, chart caption, aria-label
  assert.ok(html.includes('<title>$&amp;</title>$&amp;</text>'));
  assert.ok(html.includes('<title>$1 $$</title>$1 $$</text>'));
});

test('one distribution chart per feature, worst first, with legend and axis labels', () => {
  const report = fakeCheckReport();
  const html = renderHtml(report);
  assert.equal(count(html, '<svg'), report.features.length);
  assert.equal(count(html, '</svg>'), report.features.length);
  assert.equal(count(html, 'class="chart dist"'), report.features.length);
  const charts = [
    ...html.matchAll(/<figure class="chart-card[^"]*" id="feature-\d+">\s*<figcaption><span class="name"><bdi>(.*?)<\/bdi>/g),
  ].map((m) => m[1]);
  assert.deepEqual(charts, tableOrder(html));
  assert.equal(count(html, '>baseline</text>'), report.features.length);
  assert.equal(count(html, '>current</text>'), report.features.length);
  assert.equal(count(html, '>share of rows</text>'), report.features.length);
});

test('numeric charts put the bin edges on the x axis; categorical charts highlight the unseen bin', () => {
  const html = renderHtml(fakeCheckReport());
  const delay = html.slice(html.indexOf('id="feature-0"'), html.indexOf('id="feature-1"'));
  for (const edge of ['-27.73', '12', '51.73']) assert.ok(delay.includes(`>${edge}</text>`), edge);
  assert.equal(count(delay, 'class="bar-base"'), 10 + 1); // ten bins and the legend swatch
  const origin = html.slice(html.indexOf('id="feature-1"'), html.indexOf('id="feature-2"'));
  assert.ok(origin.includes('class="unseen-band"'));
  assert.ok(origin.includes('class="label unseen"'));
  // 20 airports fold into the 14 heaviest and one "others" row.
  assert.ok(origin.includes('(6 other categories)'));
});

test('schema findings and the decision rule are shown', () => {
  const html = renderHtml(fakeCheckReport());
  assert.ok(html.includes('<code><bdi>tail_number</bdi></code>'));
  assert.ok(html.includes('<code><bdi>&lt;b&gt;x&lt;/b&gt;</bdi></code>'));
  assert.ok(html.includes('10% of rows hold airports the baseline never had'));
  assert.ok(html.includes('<code>&lt;img src=x&gt;</code>'));
  assert.ok(html.includes('<strong>evidence-and-size</strong>'));
  assert.match(html, /<code>wasserstein_norm<\/code><\/td><td>value above<\/td><td class="num">0\.1<\/td>/);
  assert.match(html, /<code>ks<\/code><\/td><td>p-value below<\/td><td class="num">0\.05<\/td>/);
});

test('a windowed report: a heatmap over features x windows, then the windows, charts for drifted ones', () => {
  const report = fakeWindowedReport();
  const html = renderHtml(report);
  assert.doesNotMatch(html, EXTERNAL_REFERENCE);
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.equal(count(html, 'class="chart heatmap"'), 1);
  const drifted = report.windows.filter((w) => w.drift);
  assert.equal(drifted.length, 3);
  const chartsExpected = drifted.reduce((n, w) => n + w.features.length, 0);
  assert.equal(count(html, 'class="chart dist"'), chartsExpected);
  assert.equal(count(html, '<svg'), chartsExpected + 1);
  assert.equal(count(html, /<details class="window" id="window-\d+" open>/g), 3);
  assert.equal(count(html, /<details class="window"/g), report.windows.length);
  // One drift marker per window: triangles for drifted windows, circles for the others.
  const heatmap = html.slice(html.indexOf('class="chart heatmap"'), html.indexOf('</svg>', html.indexOf('class="chart heatmap"')));
  assert.equal(count(heatmap, /<a href="#window-\d+"><path class="marker-drift"/g), 3);
  assert.equal(count(heatmap, /<a href="#window-\d+"><circle class="marker-ok"/g), 6);
  // The window holding 5 features leaves two cells marked as not checked.
  assert.equal(count(heatmap, 'class="cell-missing"'), 2);
});

test('renderReport html is renderHtml', () => {
  const report = fakeCheckReport();
  assert.equal(renderReport(report, 'html'), renderHtml(report));
});

test('a feature without bins still gets its (empty) chart', () => {
  const report = fakeCheckReport();
  report.features = [{ ...report.features[0]!, bins: { labels: [], baseline: [], current: [] } }];
  const html = renderHtml(report);
  assert.equal(count(html, '<svg'), 1);
  assert.ok(html.includes('no bins to draw'));
});
