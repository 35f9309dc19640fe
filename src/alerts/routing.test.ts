import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveReport } from '../contracts/report.js';
import { AlertsConfig } from '../config/schema.js';
import { evaluate, fingerprint } from './engine.js';
import type { FoundAlert } from '../contracts/alert.js';
import { buildNotifications } from './routing.js';

const alerts = AlertsConfig.parse({
  channels: [
    { name: 'pager', type: 'webhook', url: 'http://127.0.0.1:1/p', secret: '0123456789abcdef0123' },
    { name: 'team', type: 'webhook', url: 'http://127.0.0.1:1/t', format: 'slack' },
  ],
  routes: [
    { severities: ['critical'], channels: ['pager'] },
    { models: ['m'], channels: ['team'] },
  ],
});
const report = {
  id: 'r1',
  model: 'm',
  features: [],
  schema: { missing: [], unexpected: [], anomalies: [] },
  window: { start: 'a', end: 'b', rows: 10 },
} as unknown as LiveReport;
const found = (feature: string, severity: 'warning' | 'critical'): FoundAlert => ({
  labels: { model: 'm', feature, kind: 'drift' },
  severity,
  summary: feature,
});

describe('routing', () => {
  it('one notification per channel, with the alerts its routes take', () => {
    const e = evaluate([], [found('a', 'critical'), found('b', 'warning')], ['drift'], null, 1000, 0);
    const out = buildNotifications(e, report, alerts, 0);
    assert.deepEqual(
      out.map((o) => [o.channel, o.notification.alerts.map((a) => a.labels.feature)]),
      [
        ['pager', ['a']],
        ['team', ['a', 'b']],
      ],
    );
    assert.notEqual(out[0]!.notification.id, out[1]!.notification.id, 'a delivery id per channel');
  });

  it('silenced alerts are left out of messages; a channel left with none gets nothing', () => {
    const e = evaluate([], [found('a', 'critical'), found('b', 'warning')], ['drift'], null, 1000, 0);
    const silenced = new Set([fingerprint({ model: 'm', feature: 'a', kind: 'drift' })]);
    const out = buildNotifications(e, report, alerts, 0, silenced);
    assert.deepEqual(
      out.map((o) => [o.channel, o.notification.alerts.map((a) => a.labels.feature)]),
      [['team', ['b']]],
    );
  });
});
