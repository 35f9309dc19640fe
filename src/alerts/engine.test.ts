import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsFromReport, checkFailingAlert, clearanceFromReport, evaluate, evaluatedKinds, fingerprint, shouldNotify } from './engine.js';
import type { AlertKind, FoundAlert, GroupNotice, StoredAlert } from '../contracts/alert.js';
import { summarisePerformance } from '../stats/performance.js';
import { performanceDecision } from '../stats/performance-decision.js';

const HOUR = 3_600_000;
const drift = (feature: string, severity: 'warning' | 'critical' = 'warning'): FoundAlert => ({
  labels: { model: 'm', feature, kind: 'drift' },
  severity,
  summary: `${feature} drifted`,
});
const ALL = ['drift', 'schema', 'insufficient-data'] as const;

/** Runs checks in sequence through `evaluate`, carrying the state as the store would. */
function run(steps: { at: number; found: FoundAlert[]; kinds?: readonly AlertKind[] }[], repeat = 4 * HOUR) {
  let stored: StoredAlert[] = [];
  let notice: GroupNotice | null = null;
  return steps.map(({ at, found, kinds = ALL }) => {
    const e = evaluate(stored, found, kinds, notice, repeat, at);
    const byFp = new Map(stored.map((a) => [a.fingerprint, a]));
    for (const a of e.changed) byFp.set(a.fingerprint, a);
    stored = [...byFp.values()];
    if (e.notice) notice = e.notice;
    return {
      sent: e.notice !== null,
      firing: e.firing.map((a) => a.labels.feature).sort(),
      resolved: e.resolved.map((a) => a.labels.feature),
    };
  });
}

describe('alert engine', () => {
  it('fingerprints depend on the labels only, not their order', () => {
    assert.equal(
      fingerprint({ model: 'm', feature: 'a', kind: 'drift' }),
      fingerprint({ kind: 'drift', feature: 'a', model: 'm' } as never),
    );
    assert.notEqual(fingerprint({ model: 'm', feature: 'a', kind: 'drift' }), fingerprint({ model: 'm', feature: 'a', kind: 'schema' }));
  });

  it('fires once, stays quiet within the repeat interval, repeats after it, resolves once', () => {
    const steps = run([
      { at: 0, found: [drift('a'), drift('b')] },
      { at: 1 * HOUR, found: [drift('a'), drift('b')] },
      { at: 5 * HOUR, found: [drift('a'), drift('b')] },
      { at: 6 * HOUR, found: [] },
      { at: 7 * HOUR, found: [] },
    ]);
    assert.deepEqual(
      steps.map((s) => s.sent),
      [true, false, true, true, false],
    );
    assert.deepEqual(steps[3]!.resolved.sort(), ['a', 'b']);
    assert.deepEqual(steps[4]!.firing, []);
  });

  it('a new feature or an escalation is sent at once; a resolved one too', () => {
    const steps = run([
      { at: 0, found: [drift('a')] },
      { at: HOUR, found: [drift('a'), drift('b')] },
      { at: 2 * HOUR, found: [drift('a', 'critical'), drift('b')] },
      { at: 3 * HOUR, found: [drift('a', 'critical')] },
    ]);
    assert.deepEqual(
      steps.map((s) => s.sent),
      [true, true, true, true],
    );
    assert.deepEqual(steps[3]!.resolved, ['b']);
  });

  it('an insufficient window neither resolves nor re-fires drift alerts', () => {
    const insufficient: FoundAlert = {
      labels: { model: 'm', feature: '*', kind: 'insufficient-data' },
      severity: 'warning',
      summary: 'too few rows',
    };
    const steps = run([
      { at: 0, found: [drift('a')] },
      { at: HOUR, found: [insufficient], kinds: ['insufficient-data'] },
      { at: 2 * HOUR, found: [drift('a')] },
    ]);
    assert.deepEqual(steps[1]!.firing, ['*', 'a'], 'drift stays firing; insufficient data fires');
    assert.deepEqual(steps[1]!.resolved, []);
    assert.deepEqual(steps[2]!.resolved, ['*'], 'enough rows again: insufficient data resolves');
    assert.deepEqual(steps[2]!.firing, ['a']);
  });

  it('shouldNotify is a pure function of its inputs', () => {
    const last = { notifiedAt: 0, firing: ['x:warning'] };
    assert.equal(shouldNotify(null, [], 0, HOUR, 0), false);
    assert.equal(shouldNotify(null, ['x:warning'], 0, HOUR, 0), true);
    assert.equal(shouldNotify(last, ['x:warning'], 0, HOUR, HOUR - 1), false);
    assert.equal(shouldNotify(last, ['x:warning'], 0, HOUR, HOUR), true);
    assert.equal(shouldNotify(last, ['x:critical'], 0, HOUR, 1), true);
    assert.equal(shouldNotify(last, [], 1, HOUR, 1), true);
  });
});

describe('check-failing (issue 15)', () => {
  const failures = (count: number) => ({ model: 'm', count, since: 0, last: count * HOUR, error: 'IO Error: Corrupt database file' });

  it('fires from `after` failures in a row, naming the count, the start and the error', () => {
    assert.deepEqual(checkFailingAlert(failures(2), 3), []);
    const [alert] = checkFailingAlert(failures(3), 3);
    assert.deepEqual(alert?.labels, { model: 'm', feature: '*', kind: 'check-failing' });
    assert.equal(alert?.severity, 'critical');
    assert.equal(alert?.summary, '3 checks in a row failed since 1970-01-01T00:00:00.000Z: IO Error: Corrupt database file');
  });

  it('keeps the firing drift alerts as they were, is sent once per repeat interval, and resolves at the next check', () => {
    const steps = run([
      { at: 0, found: [drift('age')] },
      // Failed checks speak only of check-failing: the drift alert is held, not resolved.
      { at: HOUR, found: checkFailingAlert(failures(3), 3), kinds: ['check-failing'] },
      { at: 2 * HOUR, found: checkFailingAlert(failures(4), 3), kinds: ['check-failing'] },
      // A check that succeeds speaks of every kind: check-failing is gone from what it found.
      { at: 3 * HOUR, found: [drift('age')], kinds: [...ALL, 'check-failing'] },
    ]);
    assert.deepEqual(
      steps.map((s) => [s.sent, s.firing, s.resolved]),
      [
        [true, ['age'], []],
        [true, ['*', 'age'], []],
        [false, ['*', 'age'], []],
        [true, ['age'], ['*']],
      ],
    );
  });
});

describe('alerts from a report', () => {
  const report = (ingest: { consumed: number; rejected: number }, status: 'ok' | 'insufficient_data' = 'ok') =>
    ({
      model: 'm',
      status,
      features: [],
      schema: { missing: [], unexpected: [], anomalies: [] },
      window: { spec: '1h', start: '', end: '', rows: status === 'ok' ? 500 : 3, minRows: 100 },
      ingest: { totals: {}, consumed: ingest.consumed, rejected: ingest.rejected, rejectedByReason: { malformed_json: ingest.rejected } },
    }) as unknown as Parameters<typeof alertsFromReport>[0];

  it('raises an ingest alert when too many messages since the last check could not be used', () => {
    assert.deepEqual(alertsFromReport(report({ consumed: 1000, rejected: 5 }), { criticalPsi: 0.25 }), [], 'under the minimum count');
    assert.deepEqual(alertsFromReport(report({ consumed: 100_000, rejected: 50 }), { criticalPsi: 0.25 }), [], 'under 1%');
    const [alert] = alertsFromReport(report({ consumed: 1000, rejected: 50 }), { criticalPsi: 0.25 });
    assert.deepEqual(alert!.labels, { model: 'm', feature: '*', kind: 'ingest' });
    assert.equal(alert!.severity, 'warning');
    assert.match(alert!.summary, /50 of 1000 messages .* \(50 malformed_json\)/);
    assert.equal(alertsFromReport(report({ consumed: 1000, rejected: 200 }), { criticalPsi: 0.25 })[0]!.severity, 'critical');
    const kinds = alertsFromReport(report({ consumed: 1000, rejected: 50 }, 'insufficient_data'), { criticalPsi: 0.25 }).map(
      (a) => a.labels.kind,
    );
    assert.deepEqual(kinds, ['ingest', 'insufficient-data']);
  });
});

describe('severity flapping (issue 14)', () => {
  it('a severity that flips around criticalPsi notifies when it escalates, not when it falls back', () => {
    const steps = run([
      { at: 0, found: [drift('a', 'warning')] },
      { at: 60_000, found: [drift('a', 'critical')] },
      { at: 120_000, found: [drift('a', 'warning')] },
      { at: 180_000, found: [drift('a', 'critical')] },
      { at: 240_000, found: [drift('a', 'warning')] },
      { at: 300_000, found: [drift('a', 'critical')] },
    ]);
    assert.deepEqual(
      steps.map((s) => s.sent),
      [true, true, false, false, false, false],
      'one FIRING, one escalation; falling back and rising again to the severity already sent is no news',
    );
  });

  it('shouldNotify: a lower severity than the one last sent is not news', () => {
    const last = { notifiedAt: 0, firing: ['x:critical'] };
    assert.equal(shouldNotify(last, ['x:warning'], 0, HOUR, 1), false);
    assert.equal(shouldNotify(last, ['x:critical'], 0, HOUR, 1), false);
    assert.equal(shouldNotify({ notifiedAt: 0, firing: ['x:warning'] }, ['x:critical'], 0, HOUR, 1), true);
  });

  it('has hysteresis: a critical drift alert stays critical until PSI falls below criticalPsiClear', () => {
    const rules = { criticalPsi: 0.25 };
    const withPsi = (psi: number) =>
      ({
        model: 'm',
        status: 'drift',
        features: [{ name: 'a', drift: true, stats: { psi }, reasons: [`PSI ${psi}`] }],
        schema: { missing: [], unexpected: [], anomalies: [] },
        window: { spec: '1h', start: '', end: '', rows: 500, minRows: 100 },
        ingest: { totals: {}, consumed: 0, rejected: 0, rejectedByReason: {} },
      }) as unknown as Parameters<typeof alertsFromReport>[0];
    const labels = { model: 'm', feature: 'a', kind: 'drift' as const };
    const critical: StoredAlert = {
      labels,
      severity: 'critical',
      summary: '',
      fingerprint: fingerprint(labels),
      startsAt: 0,
      endsAt: null,
    };
    assert.equal(alertsFromReport(withPsi(0.24), rules)[0]!.severity, 'warning', 'not critical yet');
    assert.equal(alertsFromReport(withPsi(0.26), rules)[0]!.severity, 'critical');
    assert.equal(alertsFromReport(withPsi(0.24), rules, [critical])[0]!.severity, 'critical', 'stays critical just under criticalPsi');
    assert.equal(alertsFromReport(withPsi(0.19), rules, [critical])[0]!.severity, 'warning', 'under 0.8 × criticalPsi: warning');
    assert.equal(alertsFromReport(withPsi(0.22), { ...rules, criticalPsiClear: 0.23 }, [critical])[0]!.severity, 'warning');
  });
});

describe('schema findings below their minimum share (issue 14)', () => {
  const withAnomaly = (alerting: boolean | undefined) =>
    ({
      model: 'm',
      status: 'ok',
      features: [],
      schema: {
        missing: [],
        unexpected: [],
        anomalies: [
          {
            feature: 'country',
            kind: 'unseen_categories',
            share: 1 / 3338,
            message: 'country: 1 unseen',
            ...(alerting === undefined ? {} : { alerting }),
          },
        ],
      },
      window: { spec: '1h', start: '', end: '', rows: 3338, minRows: 100 },
      ingest: { totals: {}, consumed: 0, rejected: 0, rejectedByReason: {} },
    }) as unknown as Parameters<typeof alertsFromReport>[0];

  it('a finding the report marks as not alerting is listed, not alerted; older reports without the mark alert as before', () => {
    const rules = { criticalPsi: 0.25 };
    assert.deepEqual(alertsFromReport(withAnomaly(false), rules), []);
    assert.equal(alertsFromReport(withAnomaly(true), rules).length, 1);
    assert.equal(alertsFromReport(withAnomaly(undefined), rules).length, 1);
  });
});

describe('prediction drift alerts (issue 17)', () => {
  const rules = { criticalPsi: 0.25 };
  const withPrediction = (prediction: Record<string, unknown>) =>
    ({
      model: 'm',
      status: 'drift',
      features: [{ name: 'a', drift: false, stats: { psi: 0.01 }, reasons: ['no drift'] }],
      schema: { missing: [], unexpected: [], anomalies: [] },
      prediction: { column: 'pred', kind: 'score', source: 'events', anomalies: [], ...prediction },
      window: { spec: '1h', start: '', end: '', rows: 500, minRows: 100 },
      ingest: { totals: {}, consumed: 0, rejected: 0, rejectedByReason: {} },
    }) as unknown as Parameters<typeof alertsFromReport>[0];
  const drifted = withPrediction({
    drift: true,
    status: 'drift',
    outputs: [{ name: 'pred', drift: true, severity: 1.2, stats: { psi: 0.4 }, reasons: ['drift: wasserstein_norm 0.6 >= 0.1'] }],
  });

  it('raises one prediction_drift alert on the prediction column, critical from criticalPsi as drift', () => {
    const found = alertsFromReport(drifted, rules);
    assert.deepEqual(
      found.map((a) => [a.labels, a.severity, a.summary]),
      [[{ model: 'm', feature: 'pred', kind: 'prediction_drift' }, 'critical', 'prediction pred: drift: wasserstein_norm 0.6 >= 0.1']],
    );
    assert.deepEqual(found[0]!.stats, { psi: 0.4 });
  });

  it('resolves with the sentence of the check that no longer finds it, and is held while a window has no predictions', () => {
    const [alert] = alertsFromReport(drifted, rules);
    const stored: StoredAlert = { ...alert!, fingerprint: fingerprint(alert!.labels), startsAt: 0, endsAt: null };
    const clean = withPrediction({
      drift: false,
      status: 'no_drift',
      outputs: [{ name: 'pred', drift: false, severity: 0.01, stats: { psi: 0.01 }, reasons: ['no drift: wasserstein_norm 0.01 < 0.1'] }],
    });
    const resolved = evaluate(
      [stored],
      alertsFromReport(clean, rules),
      evaluatedKinds(clean),
      null,
      HOUR,
      HOUR,
      clearanceFromReport(clean),
    );
    assert.deepEqual(
      resolved.resolved.map((a) => a.summary),
      ['prediction pred: no drift: wasserstein_norm 0.01 < 0.1'],
    );
    const absent = withPrediction({ drift: false, status: 'absent', message: 'no predictions', outputs: [] });
    assert.equal(evaluatedKinds(absent).includes('prediction_drift'), false);
    const held = evaluate([stored], alertsFromReport(absent, rules), evaluatedKinds(absent), null, HOUR, HOUR, clearanceFromReport(absent));
    assert.deepEqual(held.resolved, [], 'a window without predictions says nothing of prediction drift');
    assert.deepEqual(
      held.held.map((a) => a.labels.kind),
      ['prediction_drift'],
    );
  });
});

describe('performance_drop alerts (issue 17)', () => {
  const rules = { criticalPsi: 0.25 };
  /** Binary rows: label i % 2, a confident score that is right on `right` of every 10 rows. */
  const summary = (n: number, right: number) => {
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const scores = labels.map((y, i) => (i % 10 < right === (y === 1) ? 0.8 : 0.2));
    return summarisePerformance({ task: 'binary', labels, scores });
  };
  const baseline = summary(4000, 8);
  const withDecision = (window: ReturnType<typeof summary>) =>
    ({
      model: 'm',
      status: 'ok',
      features: [],
      schema: { missing: [], unexpected: [], anomalies: [] },
      labels: { decision: performanceDecision(baseline, window) },
      window: { spec: '1h', start: '', end: '', rows: window.rows, minRows: 10 },
      ingest: { totals: {}, consumed: 0, rejected: 0, rejectedByReason: {} },
    }) as unknown as Parameters<typeof alertsFromReport>[0];

  it('one alert per model with the dropped metrics; critical beyond twice the minimum drop', () => {
    const found = alertsFromReport(withDecision(summary(1000, 6)), rules);
    assert.deepEqual(
      found.map((a) => [a.labels, a.severity]),
      [[{ model: 'm', feature: '*', kind: 'performance_drop' }, 'critical']],
    );
    assert.match(found[0]!.summary, /accuracy fell from 0\.8 to 0\.6: a drop of 0\.2, credibly more than the 0\.02 that matters/);
    assert.equal(found[0]!.stats!.accuracy, 0.6);
    assert.ok(Math.abs((found[0]!.stats!.accuracy_drop as number) - 0.2) < 1e-12);
    assert.deepEqual(alertsFromReport(withDecision(summary(1000, 8)), rules), [], 'no drop, no alert');
  });

  it('resolves when a later decided window shows no drop; held while a window is undecided', () => {
    const [alert] = alertsFromReport(withDecision(summary(1000, 6)), rules);
    const stored: StoredAlert = { ...alert!, fingerprint: fingerprint(alert!.labels), startsAt: 0, endsAt: null };
    const small = withDecision(summary(20, 8));
    assert.equal(evaluatedKinds(small).includes('performance_drop'), false, 'too few labelled rows: no decision');
    const held = evaluate([stored], alertsFromReport(small, rules), evaluatedKinds(small), null, HOUR, HOUR, clearanceFromReport(small));
    assert.deepEqual(
      held.held.map((a) => a.labels.kind),
      ['performance_drop'],
    );
    const clean = withDecision(summary(1000, 8));
    const resolved = evaluate(
      [stored],
      alertsFromReport(clean, rules),
      evaluatedKinds(clean),
      null,
      HOUR,
      HOUR,
      clearanceFromReport(clean),
    );
    assert.equal(resolved.resolved.length, 1);
    assert.match(resolved.resolved[0]!.summary, /^no credible drop larger than the minimum in \d+ metrics tested/);
  });
});
