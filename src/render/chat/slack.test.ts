import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert, Notification } from '../../contracts/alert.js';
import type { FeatureReport } from '../../contracts/report.js';
import { slackMessage } from './slack.js';

function alert(feature: string, severity: Alert['severity'] = 'critical'): Alert {
  return {
    fingerprint: `fp-${feature}`,
    labels: { model: 'fraud', feature, kind: 'drift' },
    status: 'firing',
    severity,
    summary: `PSI 0.31 > 0.1 and ks p = 2e-9 < 0.01`,
    stats: { psi: 0.31, ks: { statistic: 0.2, pvalue: 2e-9 }, wasserstein_norm: 0.4 },
    startsAt: '2024-05-01T11:00:05.000Z',
  };
}

function fakeNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'dlv-42',
    version: 1,
    status: 'firing',
    model: 'fraud',
    alerts: [alert('amount'), alert('merchant_country', 'warning')],
    window: { start: '2024-05-01T10:00:00.000Z', end: '2024-05-01T11:00:00.000Z', rows: 12345 },
    reportId: 'rep-1',
    dashboardUrl: 'https://driftwatch.example.com/models/fraud',
    features: [],
    schema: { missing: [], unexpected: [], anomalies: [] },
    createdAt: '2024-05-01T11:00:07.000Z',
    ...overrides,
  };
}

const sectionTexts = (message: ReturnType<typeof slackMessage>) =>
  message.blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));

describe('slackMessage', () => {
  it('has a header, a section per alert and a dashboard button', () => {
    const message = slackMessage(fakeNotification({ alerts: [alert('amount'), alert('<!channel> & co', 'warning')] }));
    assert.equal(message.text, 'FIRING fraud: 2 drifted (amount, &lt;!channel&gt; &amp; co)');
    assert.deepEqual(message.blocks[0], { type: 'header', text: { type: 'plain_text', text: 'FIRING: fraud' } });
    const texts = sectionTexts(message);
    assert.equal(texts.length, 2);
    assert.match(texts[0] ?? '', /^\*amount\* · drift · _critical_\nPSI 0.31 &gt; 0.1 and ks p = 2e-9 &lt; 0.01\n`/);
    assert.match(texts[0] ?? '', /psi 0\.31 · ks 0\.2 \(p 2e-9\) · wasserstein_norm 0\.4/);
    assert.ok(texts[1]?.includes('*&lt;!channel&gt; &amp; co*'), 'mentions and links are escaped');
    assert.deepEqual(message.blocks.at(-1), {
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Open dashboard' }, url: 'https://driftwatch.example.com/models/fraud' },
      ],
    });
  });

  it('says RESOLVED and leaves the button out without a dashboard', () => {
    const resolved: Alert = { ...alert('amount'), status: 'resolved', endsAt: '2024-05-01T12:00:00Z' };
    const message = slackMessage(fakeNotification({ status: 'resolved', alerts: [resolved], dashboardUrl: null }));
    assert.deepEqual(message.blocks[0], { type: 'header', text: { type: 'plain_text', text: 'RESOLVED: fraud' } });
    assert.ok(!message.blocks.some((b) => b.type === 'actions'));
    assert.equal(message.text, 'RESOLVED fraud: 1 resolved (amount)');
  });

  it('links the dashboard only over http(s)', () => {
    const message = slackMessage(fakeNotification({ dashboardUrl: 'javascript:alert(1)' }));
    assert.ok(!message.blocks.some((b) => b.type === 'actions'));
  });

  it('stays within Slack limits with many alerts', () => {
    const message = slackMessage(fakeNotification({ alerts: Array.from({ length: 60 }, (_, i) => alert(`f${i}`)) }));
    assert.ok(message.blocks.length <= 50);
    assert.ok(JSON.stringify(message.blocks).includes('…and 40 more alerts'));
  });

  it("shows the test the feature's decision used, as the check report does, when the notification carries the feature", () => {
    const country: FeatureReport = {
      name: 'merchant_country',
      kind: 'categorical',
      drift: true,
      stats: { psi: 0.31, chi2: { statistic: 412.5, pvalue: 1e-80, dof: 6 }, jensen_shannon: 0.14, linf: 0.09 },
      reasons: ['drift'],
      decision: {
        status: 'drift',
        n: 12345,
        baselineN: 20000,
        test: {
          name: 'category_shift',
          statistic: 0.09,
          critical: 0.02,
          pvalue: 4e-12,
          adjustedP: 8e-12,
          level: 0.005,
          features: 2,
          correction: 'holm',
        },
        effect: { name: 'unseen_share', value: 0.049, threshold: 0.01, minimum: 0.01, large: true },
        sentence: 'drift',
      },
      severity: 1.2,
      baseline: { rows: 20000, count: 20000, nulls: 0, nonFinite: 0 },
      current: { rows: 12345, count: 12345, nulls: 0, nonFinite: 0 },
      bins: { labels: ['US', '(unseen)'], baseline: [1, 0], current: [0.95, 0.05] },
    };
    const firing = { ...alert('merchant_country'), stats: country.stats };
    const [line] = sectionTexts(slackMessage(fakeNotification({ alerts: [firing], features: [country] })));
    assert.match(line ?? '', /`psi 0\.31 · shift 0\.09 \(p 4e-12\) · unseen 0\.049`/);
    assert.ok(!line?.includes('chi2'), line);
  });
});
