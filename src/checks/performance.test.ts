import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PerformanceProfile } from '../contracts/profile.js';
import { fitCbpe } from '../stats/cbpe.js';
import { summarisePerformance } from '../stats/performance.js';
import { estimatedPerformance, scoresOf, windowPerformance } from './performance.js';

/** Binary rows: label i % 2, a score that is right (on the side of the label) on `right` of every 10 rows. */
function rows(n: number, right: number, threshold = 0.5) {
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const scores = labels.map((y, i) => {
    const sure = 0.1 + (i % 7) / 20; // 0.1 .. 0.4 away from the threshold
    return i % 10 < right === (y === 1) ? threshold + sure * (1 - threshold) : threshold - sure * threshold;
  });
  return { labels, scores };
}
const pairs = (r: ReturnType<typeof rows>) => r.labels.map((y, i) => ({ prediction: String(r.scores[i]), label: String(y) }));

function profile(threshold = 0.5): PerformanceProfile {
  const r = rows(4000, 8, threshold);
  return {
    label: 'label',
    task: 'binary',
    threshold,
    rows: 4000,
    summary: summarisePerformance({ task: 'binary', ...r, threshold }),
    cbpe: fitCbpe({ ...r, threshold }),
  };
}

describe('windowPerformance', () => {
  it('decides against the baseline summary: a 20-point accuracy drop drifts, the same accuracy does not', () => {
    const dropped = windowPerformance(pairs(rows(1000, 6)), undefined, profile());
    assert.equal(dropped.performance?.metrics.accuracy?.value, 0.6);
    assert.equal(dropped.decision?.drift, true);
    assert.ok(dropped.decision?.metrics.find((m) => m.metric === 'accuracy')?.drifted);
    const same = windowPerformance(pairs(rows(1000, 8)), undefined, profile());
    assert.equal(same.decision?.decided, true);
    assert.equal(same.decision?.drift, false, same.decision?.reason);
  });

  it("cuts a score at the baseline's threshold, so that the decision compares", () => {
    const r = rows(1000, 8, 0.3);
    const w = windowPerformance(pairs(r), undefined, profile(0.3));
    assert.equal(w.performance?.threshold, 0.3);
    assert.equal(w.performance?.metrics.accuracy?.value, 0.8, 'at 0.5 these scores would be cut elsewhere');
    assert.equal(w.decision?.drift, false);
  });

  it('no baseline summary: the realized performance only; no stored prediction: nothing', () => {
    const w = windowPerformance(pairs(rows(100, 8)), undefined, undefined);
    assert.ok(w.performance);
    assert.equal(w.decision, undefined);
    assert.deepEqual(windowPerformance([{ prediction: null, label: '1' }], undefined, profile()), {});
  });

  it('another task than the baseline: no decision (precision and recall would not compare)', () => {
    const w = windowPerformance(pairs(rows(100, 8)), 'regression', profile());
    assert.equal(w.performance?.task, 'regression');
    assert.equal(w.decision, undefined);
  });
});

describe('estimatedPerformance', () => {
  it('estimates every CBPE metric with its band, beside the realized value where labels gave one', () => {
    const p = profile();
    const r = rows(1000, 8);
    const realized = windowPerformance(pairs(r), undefined, p).performance;
    const e = estimatedPerformance(p.cbpe!, Float64Array.from(r.scores), realized);
    assert.equal(e.rows, 1000);
    assert.deepEqual(
      e.metrics.map((m) => m.metric),
      ['roc_auc', 'f1', 'precision', 'recall', 'specificity', 'accuracy'],
    );
    const accuracy = e.metrics.find((m) => m.metric === 'accuracy')!;
    assert.equal(accuracy.realized, 0.8);
    assert.ok(accuracy.lower! <= 0.8 && 0.8 <= accuracy.upper!, JSON.stringify(accuracy));
    assert.equal(e.metrics.find((m) => m.metric === 'specificity')!.realized, undefined, 'no realized specificity in the report');
    const unlabelled = estimatedPerformance(p.cbpe!, Float64Array.from(r.scores));
    assert.equal(unlabelled.metrics[0]!.realized, undefined);
  });

  it('scoresOf: a number or an object holding one number; anything else is NaN (left out and counted)', () => {
    assert.deepEqual([...scoresOf([0.4, { fraud: 0.7 }, 'x', null, { a: 0.1, b: 0.9 }])], [0.4, 0.7, NaN, NaN, NaN]);
    const e = estimatedPerformance(profile().cbpe!, scoresOf([0.9, 0.1, null]));
    assert.deepEqual([e.rows, e.dropped], [2, 1]);
  });
});
