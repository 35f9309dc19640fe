// Fake alert notifications for the tests of the alert email (src/render/mail/), of the chat and paging
// messages (Teams, PagerDuty, Opsgenie) and of the channels that send them to real receivers.
import type { Alert, Notification } from '../../src/contracts/alert.js';
import type { FeatureReport } from '../../src/contracts/report.js';

export function numericFeature(name: string, severity: number, shift: number): FeatureReport {
  const edges = [10, 20, 35, 50, 80, 120, 200, 400, 1000];
  const baseline = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
  const current = baseline.map((b, i) => Math.max(0, b + (i < 5 ? -shift : shift)));
  const total = current.reduce((s, x) => s + x, 0);
  return {
    name,
    kind: 'numeric',
    drift: true,
    stats: {
      psi: 0.42,
      ks: { statistic: 0.21, pvalue: 3.1e-12, method: 'asymp' },
      wasserstein_norm: 0.38,
      jensen_shannon: 0.19,
    },
    reasons: ['drift: PSI 0.42 > 0.1 and ks p = 3.1e-12 < 0.00333 (alpha 0.01 / 3 features)'],
    severity,
    baseline: { rows: 20000, count: 20000, nulls: 0, nonFinite: 0, min: 0.5, max: 3000, mean: 130, std: 210 },
    current: { rows: 12345, count: 12300, nulls: 45, nonFinite: 0, min: 0.4, max: 5200, mean: 190, std: 320 },
    bins: {
      labels: [
        '(-inf, 10]',
        '(10, 20]',
        '(20, 35]',
        '(35, 50]',
        '(50, 80]',
        '(80, 120]',
        '(120, 200]',
        '(200, 400]',
        '(400, 1000]',
        '(1000, +inf)',
      ],
      edges,
      baseline,
      current: current.map((x) => x / total),
    },
  };
}

export function categoricalFeature(name: string): FeatureReport {
  return {
    name,
    kind: 'categorical',
    drift: true,
    stats: { psi: 0.31, chi2: { statistic: 412.5, pvalue: 1e-80, dof: 6 }, jensen_shannon: 0.14, linf: 0.09 },
    reasons: ['drift: PSI 0.31 > 0.1 and chi2 p = 1e-80 < 0.00333 (alpha 0.01 / 3 features)'],
    severity: 1.24,
    baseline: { rows: 20000, count: 20000, nulls: 0, nonFinite: 0 },
    current: { rows: 12345, count: 12345, nulls: 0, nonFinite: 0 },
    bins: {
      labels: ['US', 'GB', 'DE', 'FR', 'NL', '(other)', '(unseen)'],
      baseline: [0.4, 0.2, 0.15, 0.1, 0.08, 0.07, 0],
      current: [0.31, 0.22, 0.16, 0.1, 0.09, 0.071, 0.049],
    },
  };
}

export function driftAlert(feature: string, severity: Alert['severity'], summary: string): Alert {
  return {
    fingerprint: `fp-${feature}`,
    labels: { model: 'fraud', feature, kind: 'drift' },
    status: 'firing',
    severity,
    summary,
    stats: { psi: 0.42, ks: { statistic: 0.21, pvalue: 3.1e-12 } },
    startsAt: '2024-05-01T11:00:05.000Z',
  };
}

/** A firing notification: two critical drifted features, one warning, a schema alert and schema findings. */
export function fakeNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'dlv-0001',
    version: 1,
    status: 'firing',
    model: 'fraud',
    alerts: [
      driftAlert('<b>x</b>', 'warning', 'PSI 0.18 > 0.1 and ks p = 2e-5 < 0.00333'),
      driftAlert('merchant_country', 'critical', 'PSI 0.31 > 0.1 and chi2 p = 1e-80 < 0.00333'),
      driftAlert('amount', 'critical', 'PSI 0.42 > 0.1 and ks p = 3.1e-12 < 0.00333'),
      {
        fingerprint: 'fp-schema-age',
        labels: { model: 'fraud', feature: 'age', kind: 'schema' },
        status: 'firing',
        severity: 'warning',
        summary: 'null share 12% (baseline 0.5%)',
        startsAt: '2024-05-01T11:00:05.000Z',
      },
    ],
    window: { start: '2024-05-01T10:00:00.000Z', end: '2024-05-01T11:00:00.000Z', rows: 12345 },
    reportId: 'rep-2024-05-01T11-fraud',
    dashboardUrl: 'https://driftwatch.example.com/models/fraud?report=rep-2024-05-01T11-fraud',
    features: [numericFeature('<b>x</b>', 1.1, 0.02), categoricalFeature('merchant_country'), numericFeature('amount', 1.3, 0.06)],
    schema: {
      missing: ['device_id'],
      unexpected: ['colour'],
      anomalies: [
        { feature: 'age', kind: 'null_share', message: 'null share 12% vs 0.5% in the baseline', share: 0.12, baselineShare: 0.005 },
        {
          feature: 'merchant_country',
          kind: 'unseen_categories',
          message: '3 categories not in the baseline',
          share: 0.049,
          examples: ['XK', 'ZZ', '<script>'],
        },
      ],
    },
    createdAt: '2024-05-01T11:00:07.000Z',
    ...overrides,
  };
}

/** An alert about the whole model (feature `*`): a failing check, too few rows, an ingest problem. */
export function modelAlert(kind: Alert['labels']['kind'], severity: Alert['severity']): Alert {
  return { ...driftAlert('*', severity, `${kind} alert`), fingerprint: `fp-${kind}`, labels: { model: 'fraud', feature: '*', kind } };
}

/** The alert as the check that resolved it reports it. */
export function resolvedAlert(alert: Alert): Alert {
  return { ...alert, status: 'resolved', endsAt: '2024-05-01T12:00:00.000Z' };
}
