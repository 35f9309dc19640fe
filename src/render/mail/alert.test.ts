import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoricalFeature, driftAlert, fakeNotification, numericFeature } from '../../../test/helpers/notifications.js';
import type { Alert, Notification } from '../../contracts/alert.js';
import type { FeatureReport } from '../../contracts/report.js';
import { emailSubject, fillTemplate, loadEmailTemplates, renderEmail } from './alert.js';

describe('renderEmail of a firing notification', () => {
  const rendered = renderEmail(fakeNotification());

  it('draws the bar charts as table rows, one per bin, with (unseen) highlighted', () => {
    const { html } = rendered;
    const baselineBars = html.match(/bgcolor="#0072b2"/g)?.length ?? 0;
    // 10 + 10 numeric bins and 6 categorical bins with a baseline share (the unseen bin has none).
    assert.equal(baselineBars, 26);
    const currentBars = html.match(/bgcolor="#e69f00"/g)?.length ?? 0;
    assert.ok(currentBars >= 26, `current bars: ${currentBars}`);
    for (const label of ['(-inf, 10]', '(1000, +inf)', 'US', '(other)', '(unseen)']) assert.ok(html.includes(label), `chart row ${label}`);
    assert.match(html, /<tr bgcolor="#fff1d6"[^>]*>\s*<td[^>]*>\(unseen\)<\/td>/);
    assert.ok(html.includes('0% &rarr;'), 'shares are shown as numbers next to the bars');
  });

  it('shows statistics, the summary line, schema findings and the dashboard link', () => {
    const { html } = rendered;
    for (const text of [
      'psi',
      'ks',
      'chi2',
      'wasserstein_norm',
      'jensen_shannon',
      'linf',
      '3.1e-12',
      'PSI 0.31 &gt; 0.1 and chi2 p = 1e-80',
    ]) {
      assert.ok(html.includes(text), `HTML shows ${text}`);
    }
    for (const text of [
      'Missing columns',
      'device_id',
      'Unexpected columns',
      'colour',
      'null_share',
      'unseen_categories',
      '&lt;script&gt;',
    ]) {
      assert.ok(html.includes(text), `schema finding ${text}`);
    }
    assert.ok(html.includes('href="https://driftwatch.example.com/models/fraud?report=rep-2024-05-01T11-fraud"'));
    assert.ok(html.includes('2024-05-01 10:00 – 11:00 UTC'));
    assert.ok(html.includes('12,345'));
  });

  it('has a plain-text part with the same content and no markup', () => {
    const { text } = rendered;
    assert.ok(text, 'text part present');
    for (const name of [
      'amount',
      'merchant_country',
      '<b>x</b>',
      'device_id',
      'colour',
      'null_share',
      'https://driftwatch.example.com/models/fraud',
    ]) {
      assert.ok(text.includes(name), `text shows ${name}`);
    }
    assert.match(text, /FEATURES\n\s+feature\s+kind\s+drift\s+psi/);
    assert.ok(text.includes('(unseen) 0% -> 4.9%'), 'largest changes line');
    assert.ok(!text.includes('<td'), 'no HTML in the text part');
  });
});

describe('emailSubject', () => {
  const alert = (feature: string, kind: Alert['labels']['kind'], status: Alert['status'] = 'firing'): Alert => ({
    fingerprint: `fp-${feature}-${kind}`,
    labels: { model: 'fraud', feature, kind },
    status,
    severity: 'warning',
    summary: '',
    startsAt: '2024-05-01T11:00:00Z',
    ...(status === 'resolved' ? { endsAt: '2024-05-01T12:00:00Z' } : {}),
  });
  const subjectOf = (alerts: Alert[], status: Notification['status'] = 'firing') =>
    emailSubject(fakeNotification({ status, alerts, features: [] }));

  it('lists up to three drifted features, then an ellipsis', () => {
    assert.equal(subjectOf(['a', 'b', 'c', 'd'].map((f) => alert(f, 'drift'))), '[driftwatch] FIRING fraud: 4 drifted (a, b, c, …)');
    assert.equal(subjectOf([alert('a', 'drift')]), '[driftwatch] FIRING fraud: 1 drifted (a)');
  });

  it('counts only firing drift alerts, and names what resolved', () => {
    assert.equal(
      subjectOf([alert('a', 'drift'), alert('b', 'drift', 'resolved'), alert('age', 'schema')]),
      '[driftwatch] FIRING fraud: new: 1 drifted (a); 1 resolved (b)',
    );
  });

  it('uses the kind when no feature drifted', () => {
    assert.equal(subjectOf([alert('*', 'insufficient-data')]), '[driftwatch] FIRING fraud: insufficient data');
    assert.equal(subjectOf([alert('age', 'schema'), alert('colour', 'schema')]), '[driftwatch] FIRING fraud: schema (age, colour)');
  });

  it('counts resolved alerts', () => {
    assert.equal(
      subjectOf([alert('amount', 'drift', 'resolved'), alert('age', 'drift', 'resolved')], 'resolved'),
      '[driftwatch] RESOLVED fraud: 2 resolved (age, amount)',
    );
  });

  it('keeps a feature name with a line break on one line', () => {
    assert.equal(subjectOf([alert('a\r\nBcc: x@y.z', 'drift')]), '[driftwatch] FIRING fraud: 1 drifted (a Bcc: x@y.z)');
  });
});

describe('renderEmail', () => {
  it('inserts data once: a feature named like a placeholder stays text', () => {
    const n = fakeNotification();
    n.features[0]!.name = '{{model}}';
    const { html, text } = renderEmail(n);
    assert.ok(html.includes('{{model}}'));
    assert.ok(text.includes('{{model}}'));
  });

  it('says which placeholders exist when a template names an unknown one', () => {
    assert.throws(() => fillTemplate('{{nope}}', { model: 'x' }), /unknown template placeholder \{\{nope\}\}; known: model/);
  });

  it('renders a resolved notification in green without a severity badge', () => {
    const n = fakeNotification({
      status: 'resolved',
      alerts: [{ ...driftAlert('amount', 'critical', 'PSI 0.02 <= 0.1'), status: 'resolved', endsAt: '2024-05-01T12:00:05Z' }],
      features: [{ ...numericFeature('amount', 0.02, 0.001), drift: false }],
      schema: { missing: [], unexpected: [], anomalies: [] },
    });
    const { subject, html } = renderEmail(n);
    assert.equal(subject, '[driftwatch] RESOLVED fraud: 1 resolved (amount)');
    assert.ok(html.includes('#1d6b48'));
    assert.ok(!html.includes('Schema findings'));
  });

  it('keeps a chart of many categories short: the largest ones, the rest folded, (unseen) kept', () => {
    const labels = [...Array.from({ length: 40 }, (_, i) => `cat${i}`), '(unseen)'];
    // cat0 is the largest, then cat1, ...; shares do not need to sum to 1 for the chart.
    const shares = [...Array.from({ length: 40 }, (_, i) => (40 - i) / 1000), 0];
    const feature: FeatureReport = {
      ...categoricalFeature('city'),
      bins: { labels, baseline: shares, current: [...shares.slice(0, 40), 0.03] },
    };
    const { html } = renderEmail(fakeNotification({ features: [feature], schema: { missing: [], unexpected: [], anomalies: [] } }));
    assert.equal(html.match(/bgcolor="#e69f00"/g)?.length, 20, 'at most 20 rows');
    assert.ok(html.includes('>cat17<') && !html.includes('>cat18<'), 'the 18 largest categories');
    assert.ok(html.includes('22 other categories'));
    assert.ok(html.includes('>(unseen)<'));
  });

  it('links the dashboard only over http(s)', () => {
    const { html } = renderEmail(fakeNotification({ dashboardUrl: 'javascript:alert(1)' }));
    assert.ok(!html.includes('javascript:'));
  });
});

describe('loadEmailTemplates', () => {
  it('reads the bundled templates from alerts/templates/ at the package root', () => {
    const templates = loadEmailTemplates();
    assert.match(templates.html, /\{\{features\}\}/);
    assert.match(templates.text, /\{\{features\}\}/);
  });
});
