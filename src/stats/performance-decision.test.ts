import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalUpperTail } from './normal.js';
import { summarisePerformance } from './performance.js';
import { DEFAULT_PERFORMANCE_DECISION, performanceDecision, resolvePerformanceDecision, skewedUpperTail } from './performance-decision.js';

/** A seeded binary data set: label 1 with probability `score`, and `wrong` of the labels flipped. */
function binary(n: number, seed: number, flip = 0): { labels: number[]; scores: number[] } {
  let state = seed >>> 0;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = next();
    const y = next() < s ? 1 : 0;
    scores.push(s);
    labels.push(next() < flip ? 1 - y : y);
  }
  return { labels, scores };
}

const summary = (n: number, seed: number, flip = 0) => summarisePerformance({ task: 'binary', ...binary(n, seed, flip) });

describe('performanceDecision', () => {
  const baseline = summary(20_000, 1);

  it('an undrifted window: no drift, every metric tested, each with its values and a reason', () => {
    const d = performanceDecision(baseline, summary(5000, 2));
    assert.equal(d.decided, true);
    assert.equal(d.drift, false);
    assert.equal(d.tested, 8);
    assert.equal(d.correction, 'holm');
    for (const m of d.metrics) {
      assert.equal(m.tested, true, m.reason);
      assert.equal(m.drifted, false);
      assert.ok(m.pvalue !== null && m.adjustedP !== null && m.adjustedP >= m.pvalue);
      assert.ok(m.interval && m.interval.level === 0.95);
      assert.ok(m.reason.startsWith(m.metric), m.reason);
    }
  });

  it('a 12-point accuracy drop at n = 5,000 is found, with the metrics that fell and why', () => {
    // Flipping 20% of the labels takes accuracy from ~0.75 to ~0.65.
    const d = performanceDecision(baseline, summary(5000, 3, 0.2));
    assert.equal(d.drift, true);
    const accuracy = d.metrics.find((m) => m.metric === 'accuracy')!;
    assert.equal(accuracy.drifted, true);
    assert.ok(accuracy.drop! > 0.08, `drop ${accuracy.drop}`);
    assert.match(
      accuracy.reason,
      /^accuracy fell from 0\.7\d* to 0\.6\d*: a drop of 0\.\d+, credibly more than the 0\.02 that matters \(p = .*, Holm-adjusted .* < 0\.01\)$/,
    );
    const logLoss = d.metrics.find((m) => m.metric === 'log_loss')!;
    assert.equal(logLoss.tolerance!.kind, 'relative');
    assert.ok(Math.abs(logLoss.minDrop! - 0.1 * logLoss.baseline!) < 1e-12);
    assert.match(d.reason, /^performance dropped: .*accuracy/);
  });

  it('a drop within the minimum is left alone even when it is certain', () => {
    // Flip 1.5% of the labels: accuracy falls ~0.8 points, certain at n = 200,000, but below 2 points.
    const big = summary(200_000, 4, 0.015);
    const d = performanceDecision(summary(200_000, 5), big, { minDrop: { log_loss: null, brier: null, recall: null, f1: null } });
    const accuracy = d.metrics.find((m) => m.metric === 'accuracy')!;
    assert.ok(accuracy.drop! > 0.003 && accuracy.drop! < 0.02, `drop ${accuracy.drop}`);
    assert.equal(accuracy.drifted, false);
    assert.match(accuracy.reason, /within the 0\.02 that matters/);
  });

  it('too few labelled rows: no decision, and the result says so', () => {
    const d = performanceDecision(baseline, summary(30, 6, 0.5));
    assert.equal(d.decided, false);
    assert.equal(d.drift, false);
    assert.equal(d.tested, 0);
    assert.equal(d.reason, 'only 30 labelled rows in the window, fewer than the 50 a decision needs: no decision');
    assert.ok(d.metrics.every((m) => !m.tested && m.reason === 'not tested: too few labelled rows in the window'));
  });

  it('a metric without enough rows of a class is not tested, and not counted in the correction', () => {
    // 60 rows with 3 positives: recall, AUC and balanced accuracy need 10 of each class.
    const labels = Array.from({ length: 60 }, (_, i) => (i < 3 ? 1 : 0));
    const scores = labels.map((l, i) => (l ? 0.7 : (i % 10) / 20));
    const d = performanceDecision(baseline, summarisePerformance({ task: 'binary', labels, scores }));
    const recall = d.metrics.find((m) => m.metric === 'recall')!;
    assert.equal(recall.tested, false);
    assert.equal(recall.reason, 'not tested: 3 positives in the window, fewer than the 10 recall needs');
    const auc = d.metrics.find((m) => m.metric === 'roc_auc')!;
    assert.equal(auc.tested, false);
    assert.equal(d.tested, d.metrics.filter((m) => m.tested).length);
    assert.ok(d.tested < 8);
  });

  it('a window of one class: ROC AUC is not tested, with the summary reason', () => {
    const ones = summarisePerformance({ task: 'binary', labels: new Array(80).fill(1), scores: new Array(80).fill(0.9) });
    const auc = performanceDecision(baseline, ones).metrics.find((m) => m.metric === 'roc_auc')!;
    assert.equal(auc.tested, false);
    assert.match(auc.reason, /not tested: the window has no roc_auc \(the labels hold only class 1/);
  });

  it('MAPE is tested only when asked', () => {
    const rows = (shift: number) => ({
      task: 'regression' as const,
      actual: Array.from({ length: 500 }, (_, i) => 10 + (i % 17)),
      predicted: Array.from({ length: 500 }, (_, i) => 10 + (i % 17) + (((i * 7) % 5) - 2) * shift),
    });
    const d = performanceDecision(summarisePerformance(rows(1)), summarisePerformance(rows(1)));
    const mape = d.metrics.find((m) => m.metric === 'mape')!;
    assert.equal(mape.tested, false);
    assert.match(mape.reason, /set minDrop\.mape to test it/);
    const asked = performanceDecision(summarisePerformance(rows(1)), summarisePerformance(rows(2)), { minDrop: { mape: 0.1 } });
    const tested = asked.metrics.find((m) => m.metric === 'mape')!;
    assert.equal(tested.tested, true);
    assert.equal(tested.drifted, true, tested.reason);
  });

  it('a loss that improved is no drop', () => {
    const better = summary(5000, 7);
    const d = performanceDecision(summary(5000, 8, 0.1), better);
    const logLoss = d.metrics.find((m) => m.metric === 'log_loss')!;
    assert.ok(logLoss.drop! < 0);
    assert.match(logLoss.reason, /^log_loss fell \(better\) from .*: no drop$/);
  });

  it('bad settings and mismatched summaries fail with a clear message', () => {
    assert.throws(() => resolvePerformanceDecision({ alpha: 0 }), /alpha must lie in \(0, 1\), got 0/);
    assert.throws(() => resolvePerformanceDecision({ minRows: 1 }), /minRows must be an integer of at least 2, got 1/);
    assert.throws(() => resolvePerformanceDecision({ minDrop: { acc: 0.1 } }), /unknown performance metric 'acc'; known: accuracy/);
    assert.throws(
      () => resolvePerformanceDecision({ minDrop: { accuracy: -1 } }),
      /minDrop.accuracy must be a number >= 0 or null, got -1/,
    );
    const regression = summarisePerformance({ task: 'regression', actual: [1, 2, 3], predicted: [1, 2, 3] });
    assert.throws(() => performanceDecision(baseline, regression), /the baseline is a binary summary but the window a regression one/);
    const other = summarisePerformance({ task: 'binary', ...binary(100, 9), threshold: 0.3 });
    assert.throws(() => performanceDecision(baseline, other), /threshold is 0.5 but the window's 0.3/);
  });

  it('the defaults live in one constant, and resolving nothing gives them', () => {
    assert.deepEqual(resolvePerformanceDecision(), DEFAULT_PERFORMANCE_DECISION);
    assert.equal(DEFAULT_PERFORMANCE_DECISION.minDrop.mape, null);
  });
});

describe('skewedUpperTail', () => {
  it('is the normal tail without skewness, and never below it', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (z, skew) => {
        assert.equal(skewedUpperTail(z, 0), normalUpperTail(z));
        const p = skewedUpperTail(z, skew);
        assert.ok(p >= normalUpperTail(z) && p <= 1);
      }),
    );
  });

  it('raises the tail for a right skew beyond z = 1: the one-term Edgeworth expansion', () => {
    const z = 3;
    const phi = Math.exp(-4.5) / Math.sqrt(2 * Math.PI);
    assert.ok(Math.abs(skewedUpperTail(z, 0.3) - (normalUpperTail(z) + (phi * 0.3 * 8) / 6)) < 1e-15);
  });
});

describe('properties of the decision', () => {
  it('the adjusted p-values are Holm over the tested p-values, and drifted means adjusted p < alpha', () => {
    const baseline = summary(10_000, 11);
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 3000 }), fc.integer(), fc.double({ min: 0, max: 0.3, noNaN: true }), (n, seed, flip) => {
        const d = performanceDecision(baseline, summary(n, seed, flip));
        const tested = d.metrics.filter((m) => m.tested);
        assert.equal(d.tested, tested.length);
        const sorted = [...tested].sort((a, b) => a.pvalue! - b.pvalue!);
        let running = 0;
        sorted.forEach((m, k) => {
          running = Math.max(running, Math.min(1, m.pvalue! * (tested.length - k)));
          assert.ok(Math.abs(m.adjustedP! - running) < 1e-12, `${m.metric}: ${m.adjustedP} vs ${running}`);
        });
        for (const m of d.metrics) assert.equal(m.drifted, m.tested && m.adjustedP! < d.alpha);
        assert.equal(
          d.drift,
          d.metrics.some((m) => m.drifted),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('a larger minimum drop never makes a metric more credible', () => {
    const baseline = summary(10_000, 12);
    const window = summary(2000, 13, 0.15);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }), (a, b) => {
        const [small, large] = a < b ? [a, b] : [b, a];
        const p = (m: number) =>
          performanceDecision(baseline, window, { minDrop: { accuracy: m } }).metrics.find((x) => x.metric === 'accuracy')!.pvalue!;
        assert.ok(p(small) <= p(large) + 1e-15);
      }),
      { numRuns: 30 },
    );
  });
});
