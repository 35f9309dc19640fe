// A fast version of `npm run bench -- performance`: the same simulation (summarisePerformance and
// performanceDecision on seeded labelled windows), with fewer checks and the synthetic models only,
// so that a change that breaks the calibration of the performance decision fails CI. The full
// tables are in docs/performance.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upperBound95 } from '../bench/calibration-sim.js';
import { type PerformanceTally, type Scenario, simulatePerformance, syntheticScenarios } from '../bench/performance-calibration-sim.js';
import { PERFORMANCE_METRICS } from '../src/stats/performance.js';

const scenarios = syntheticScenarios();
const scenario = (name: string): Scenario => scenarios.find((s) => s.name === name)!;

/** Undrifted batches: small windows, where the normal approximations are at their roughest. */
const NULL_BATCHES = [
  { name: 'logistic', n: 50, checks: 1500 },
  { name: 'logistic, 10% positives', n: 200, checks: 800 },
  { name: 'multi-class softmax', n: 200, checks: 300 },
  { name: 'regression, t5 noise', n: 50, checks: 1500 },
];

const total = (tallies: readonly PerformanceTally[]) => ({
  alarms: tallies.reduce((s, t) => s + t.alarms, 0),
  checks: tallies.reduce((s, t) => s + t.checks, 0),
});

describe('performance calibration (fast)', { timeout: 60_000 }, () => {
  it('undrifted windows: false alarms at most 1% per check (upper 95% bound), where a naive rule fails the same bound', () => {
    const tallies = NULL_BATCHES.map(({ name, n, checks }) => simulatePerformance({ scenario: scenario(name), n, checks, seed: 100 + n }));
    const { alarms, checks } = total(tallies);
    const bound = upperBound95(alarms, checks);
    assert.ok(bound <= 0.01, `${alarms} false alarms in ${checks} checks: upper 95% bound ${bound}`);
    // The same windows with a rule that ignores what matters and what the correction is for (every
    // metric at p < 0.05 of any drop): the bound above would catch it.
    const naive = Object.fromEntries(PERFORMANCE_METRICS.map((m) => [m.name, 0]));
    const loose = NULL_BATCHES.map(({ name, n, checks }) =>
      simulatePerformance({
        scenario: scenario(name),
        n,
        checks: Math.ceil(checks / 5),
        seed: 100 + n,
        settings: { alpha: 0.4, minDrop: naive },
      }),
    );
    const wrong = total(loose);
    assert.ok(wrong.alarms / wrong.checks > 0.05, `the naive rule raised ${wrong.alarms} alarms in ${wrong.checks} checks`);
  });

  it('a real drop is found: accuracy down 5 points at n = 5,000, errors 25% larger at n = 1,000', () => {
    const accuracy = simulatePerformance({ scenario: scenario('logistic'), n: 5000, checks: 20, seed: 2, drop: 'accuracy -5 points' });
    assert.ok(accuracy.alarms >= 18, `accuracy -5 points at n = 5,000: ${accuracy.alarms} of 20`);
    assert.ok((accuracy.flagged.accuracy ?? 0) >= 15, `accuracy itself flagged in ${accuracy.flagged.accuracy ?? 0} of 20`);
    const errors = simulatePerformance({ scenario: scenario('regression, t5 noise'), n: 1000, checks: 20, seed: 3, drop: 'errors x1.25' });
    assert.ok(errors.alarms >= 18, `errors x1.25 at n = 1,000: ${errors.alarms} of 20`);
  });

  it('a real but harmless 1-point accuracy drop in windows of 100,000 is left alone', () => {
    const harmless = simulatePerformance({
      scenario: scenario('logistic'),
      n: 100_000,
      checks: 6,
      seed: 4,
      drop: 'accuracy -1 point (harmless)',
    });
    assert.equal(harmless.alarms, 0, JSON.stringify(harmless.flagged));
    // ... while a rule without a minimum drop flags it every time.
    const naive = simulatePerformance({
      scenario: scenario('logistic'),
      n: 100_000,
      checks: 3,
      seed: 4,
      drop: 'accuracy -1 point (harmless)',
      settings: { minDrop: { accuracy: 0 } },
    });
    assert.equal(naive.alarms, 3);
  });
});
