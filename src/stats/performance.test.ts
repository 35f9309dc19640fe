import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { normalUpperQuantilePrecise, normalUpperTail } from './normal.js';
import {
  accuracy,
  binaryCounts,
  confusionMatrix,
  delongAuc,
  getPerformanceMetric,
  metricsFor,
  PERFORMANCE_METRICS,
  type PerformanceRows,
  type PerformanceSummary,
  perClass,
  rocAuc,
  summarisePerformance,
  wilsonInterval,
} from './performance.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));

interface Case {
  name: string;
  kind: 'binary' | 'multiclass' | 'regression';
  threshold?: number;
  y_true: unknown[];
  y_score?: number[];
  y_pred?: unknown[];
  probabilities?: Record<string, number>[];
  classes?: string[];
  se?: Record<string, number>;
  se_mean?: Record<string, number>;
  delong?: { auc: number; s10: number; s01: number; variance: number };
  rmse_interval?: [number, number];
  [metric: string]: unknown;
}

function rowsOf(c: Case): PerformanceRows {
  if (c.kind === 'binary')
    return { task: 'binary', labels: c.y_true, scores: c.y_score!, ...(c.threshold !== undefined ? { threshold: c.threshold } : {}) };
  if (c.kind === 'multiclass') {
    return {
      task: 'multiclass',
      labels: c.y_true,
      predicted: c.y_pred!,
      ...(c.probabilities ? { probabilities: c.probabilities } : {}),
      ...(c.classes ? { classes: c.classes } : {}),
    };
  }
  return { task: 'regression', actual: c.y_true, predicted: c.y_pred! };
}

/** STATS.md: statistics within 1e-9 relative (absolute below 1). */
function close(got: number | null | undefined, want: number, what: string, tolerance = 1e-9): void {
  assert.ok(typeof got === 'number', `${what}: got ${got}, want ${want}`);
  assert.ok(Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

const standardError = (s: PerformanceSummary, metric: string) =>
  Math.sqrt(s.metrics[metric]!.variance.reduce((v, t) => v + t.perRow / t.rows, 0));

const metricNames = new Set<string>(PERFORMANCE_METRICS.map((m) => m.name));
const reference: Case[] = fixture('performance_cases.json').cases;
const extra = fixture('performance_extra_cases.json');

describe('performance metrics match scikit-learn (STATS.md tolerance)', () => {
  for (const c of [...reference, ...(extra.cases as Case[])]) {
    it(c.name, () => {
      const summary = summarisePerformance(rowsOf(c));
      const expected = Object.entries(c).filter(([k]) => metricNames.has(k));
      assert.ok(expected.length > 0, 'the case names at least one metric');
      for (const [metric, want] of expected) {
        const got = summary.metrics[metric];
        assert.ok(got, `${metric} is in the summary`);
        if (want === null) {
          assert.equal(got.value, null, `${metric} is undefined here`);
          assert.ok(got.reason, `${metric} says why it is undefined`);
        } else close(got.value, want as number, metric);
      }
    });
  }
});

describe('standard errors and intervals match independent references', () => {
  for (const c of extra.cases as Case[]) {
    const checks = [c.se, c.se_mean, c.delong, c.rmse_interval].filter(Boolean);
    if (checks.length === 0) continue;
    it(c.name, () => {
      const summary = summarisePerformance(rowsOf(c));
      // Influence-based SEs come from central differences of scikit-learn's metric: ~1e-8 relative.
      for (const [metric, want] of Object.entries(c.se ?? {})) close(standardError(summary, metric), want, `SE of ${metric}`, 1e-6);
      for (const [metric, want] of Object.entries(c.se_mean ?? {})) {
        close(standardError(summary, metric), want, `SE of ${metric}`);
        const m = summary.metrics[metric]!;
        close(m.interval!.upper, m.value! + extra.z95 * want, `upper end of ${metric}`);
      }
      if (c.delong) {
        const d = delongAuc(c.y_true as number[], c.y_score!)!;
        close(d.auc, c.delong.auc, 'AUC (kernel)');
        close(d.s10, c.delong.s10, 'DeLong S10');
        close(d.s01, c.delong.s01, 'DeLong S01');
        close(d.variance, c.delong.variance, 'DeLong variance');
        close(standardError(summary, 'roc_auc'), Math.sqrt(c.delong.variance), 'SE of roc_auc');
      }
      if (c.rmse_interval) {
        close(summary.metrics.rmse!.interval!.lower, c.rmse_interval[0], 'RMSE interval, lower');
        close(summary.metrics.rmse!.interval!.upper, c.rmse_interval[1], 'RMSE interval, upper');
      }
    });
  }

  it('Wilson intervals as scipy.stats.binomtest(...).proportion_ci(method="wilson")', () => {
    for (const w of extra.wilson as { x: number; n: number; level: number; lower: number; upper: number }[]) {
      const got = wilsonInterval(w.x, w.n, w.level);
      close(got.lower, w.lower, `Wilson lower of ${w.x}/${w.n} at ${w.level}`);
      close(got.upper, w.upper, `Wilson upper of ${w.x}/${w.n} at ${w.level}`);
    }
  });

  it('normal tails as scipy.stats.norm.sf and norm.isf', () => {
    for (const { z, p } of extra.normal.sf as { z: number; p: number }[]) {
      assert.ok(Math.abs(normalUpperTail(z) - p) <= 1e-12 * p, `sf(${z}) = ${normalUpperTail(z)}, want ${p}`);
    }
    for (const { p, z } of extra.normal.isf as { p: number; z: number }[]) close(normalUpperQuantilePrecise(p), z, `isf(${p})`, 1e-12);
  });
});

describe('edge cases give clear results', () => {
  it('an empty window: every metric null, with a reason', () => {
    for (const rows of [
      { task: 'binary', labels: [], scores: [] },
      { task: 'multiclass', labels: [], predicted: [] },
      { task: 'regression', actual: [], predicted: [] },
    ] as PerformanceRows[]) {
      const s = summarisePerformance(rows);
      assert.equal(s.labelled, 0);
      assert.deepEqual(
        Object.keys(s.metrics),
        metricsFor(rows.task).map((m) => m.name),
      );
      for (const m of Object.values(s.metrics)) {
        assert.equal(m.value, null);
        assert.equal(m.reason, 'no labelled rows');
      }
    }
  });

  it('a window of one class: ROC AUC null with a reason; the rest defined', () => {
    const s = summarisePerformance({ task: 'binary', labels: [1, 1, 1, 1], scores: [0.9, 0.2, 0.6, 0.7] });
    assert.equal(s.metrics.roc_auc!.value, null);
    assert.match(s.metrics.roc_auc!.reason!, /only class 1: ROC AUC is undefined/);
    assert.equal(s.metrics.accuracy!.value, 0.75);
    assert.equal(s.metrics.recall!.value, 0.75);
  });

  it('zero division gives 0 as scikit-learn, said in the reason, with no interval', () => {
    const s = summarisePerformance({ task: 'binary', labels: [0, 0, 1, 0], scores: [0.1, 0.2, 0.3, 0.4] });
    assert.equal(s.metrics.precision!.value, 0);
    assert.equal(s.metrics.precision!.interval, null);
    assert.match(s.metrics.precision!.reason!, /zero_division/);
    const none = summarisePerformance({ task: 'binary', labels: [0, 0, 0], scores: [0.1, 0.2, 0.3] });
    assert.equal(none.metrics.recall!.value, 0);
    assert.equal(none.metrics.f1!.value, 0);
    assert.match(none.metrics.f1!.reason!, /zero_division/);
  });

  it('rows without a usable label or score are skipped and counted', () => {
    const s = summarisePerformance({
      task: 'binary',
      labels: [1, 0, null, 2, 'yes', true, false, 1],
      scores: [0.8, 0.1, 0.5, 0.5, 0.5, 0.9, Number.NaN, 1.5],
    });
    assert.deepEqual(s.skipped, { label: 3, prediction: 2 });
    assert.equal(s.labelled, 3);
    assert.equal(s.metrics.accuracy!.value, 1);
  });

  it('labels outside the known classes are counted, and count against accuracy', () => {
    const s = summarisePerformance({
      task: 'multiclass',
      labels: ['a', 'b', 'zz', 'a'],
      predicted: ['a', 'b', 'a', 'a'],
      classes: ['a', 'b'],
    });
    assert.deepEqual(s.unknownLabels, { zz: 1 });
    assert.deepEqual(s.classes, ['a', 'b']);
    assert.equal(s.metrics.accuracy!.value, 0.75);
    const probs = summarisePerformance({
      task: 'multiclass',
      labels: ['a', 'b', 'zz'],
      predicted: ['a', 'b', 'a'],
      classes: ['a', 'b'],
      probabilities: [
        { a: 0.9, b: 0.1 },
        { a: 0.2, b: 0.8 },
        { a: 0.6, b: 0.4 },
      ],
    });
    assert.equal(probs.metrics.log_loss!.value, null);
    assert.match(probs.metrics.log_loss!.reason!, /outside the probability classes \(zz\)/);
  });

  it('R² of constant actual values follows force_finite, and says so', () => {
    const s = summarisePerformance({ task: 'regression', actual: [2, 2, 2], predicted: [2, 3, 2] });
    assert.equal(s.metrics.r2!.value, 0);
    assert.match(s.metrics.r2!.reason!, /constant/);
    assert.equal(summarisePerformance({ task: 'regression', actual: [2], predicted: [3] }).metrics.r2!.value, null);
  });

  it('bad input names what is wrong', () => {
    assert.throws(
      () => summarisePerformance({ task: 'binary', labels: [1, 0], scores: [0.5] }),
      /labels and scores must have the same length, got 2 and 1/,
    );
    assert.throws(
      () => summarisePerformance({ task: 'binary', labels: [], scores: [] }, { level: 95 }),
      /confidence level must lie in \(0, 1\), got 95/,
    );
    assert.throws(
      () => summarisePerformance({ task: 'ranking' } as unknown as PerformanceRows),
      /unknown task 'ranking'; known: binary, multiclass, regression/,
    );
    assert.throws(() => getPerformanceMetric('acc'), /unknown performance metric 'acc'; known: accuracy, balanced_accuracy/);
  });

  it('the plain helpers agree with the summary', () => {
    const labels = [0, 1, 1, 0, 1];
    const predicted = [0, 1, 0, 1, 1];
    assert.deepEqual(binaryCounts(labels, predicted), { tp: 2, fp: 1, tn: 1, fn: 1 });
    assert.deepEqual(confusionMatrix(labels, predicted, 2), [
      [1, 1],
      [1, 2],
    ]);
    assert.equal(accuracy(labels, predicted), 0.6);
    assert.deepEqual(
      perClass([
        [1, 1],
        [1, 2],
      ]).support,
      [2, 3],
    );
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
    assert.equal(rocAuc([1, 1], [0.1, 0.4]), null);
  });
});

describe('properties', () => {
  const binaryRows = fc
    .array(fc.tuple(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 2, maxLength: 80 })
    .map((rows) => ({ labels: rows.map((r) => r[0]), scores: rows.map((r) => r[1]) }));

  it('every interval contains its point estimate, at any level', () => {
    fc.assert(
      fc.property(binaryRows, fc.double({ min: 0.5, max: 0.999, noNaN: true }), ({ labels, scores }, level) => {
        const s = summarisePerformance({ task: 'binary', labels, scores }, { level });
        for (const [name, m] of Object.entries(s.metrics)) {
          if (m.value === null || m.interval === null) continue;
          assert.ok(
            m.interval.lower <= m.value + 1e-12 && m.value <= m.interval.upper + 1e-12,
            `${name}: ${m.value} in ${JSON.stringify(m.interval)}`,
          );
        }
      }),
    );
  });

  it('a summary does not depend on the order of the rows', () => {
    const withPermutation = binaryRows.chain((r) =>
      fc.tuple(fc.constant(r), fc.shuffledSubarray([...r.labels.keys()], { minLength: r.labels.length, maxLength: r.labels.length })),
    );
    fc.assert(
      fc.property(withPermutation, ([{ labels, scores }, order]) => {
        const a = summarisePerformance({ task: 'binary', labels, scores });
        const b = summarisePerformance({ task: 'binary', labels: order.map((i) => labels[i]), scores: order.map((i) => scores[i]) });
        for (const name of Object.keys(a.metrics)) {
          const x = a.metrics[name]!;
          const y = b.metrics[name]!;
          assert.equal(x.value === null, y.value === null);
          if (x.value !== null) assert.ok(Math.abs(x.value - y.value!) <= 1e-12, `${name}: ${x.value} vs ${y.value}`);
        }
      }),
    );
  });

  it('a higher level gives a wider interval', () => {
    fc.assert(
      fc.property(binaryRows, ({ labels, scores }) => {
        const narrow = summarisePerformance({ task: 'binary', labels, scores }, { level: 0.8 });
        const wide = summarisePerformance({ task: 'binary', labels, scores }, { level: 0.99 });
        for (const name of Object.keys(narrow.metrics)) {
          const a = narrow.metrics[name]!.interval;
          const b = wide.metrics[name]!.interval;
          if (a && b) assert.ok(b.lower <= a.lower + 1e-12 && a.upper <= b.upper + 1e-12, name);
        }
      }),
    );
  });

  it('AUC is 1 - AUC of the flipped labels or of the negated scores, and unchanged by doubling the scores', () => {
    fc.assert(
      fc.property(binaryRows, ({ labels, scores }) => {
        const auc = rocAuc(labels, scores);
        fc.pre(auc !== null);
        const flipped = labels.map((l) => 1 - l);
        close(rocAuc(flipped, scores), 1 - auc!, 'flipped');
        // Maps that are exact in floating point, so no two scores become tied.
        const negated = scores.map((s) => -s);
        close(rocAuc(labels, negated), 1 - auc!, 'negated');
        const doubled = scores.map((s) => 2 * s);
        close(rocAuc(labels, doubled), auc!, 'doubled');
      }),
    );
  });

  it('a multi-class summary of two classes agrees with the binary one where they share a metric', () => {
    fc.assert(
      fc.property(binaryRows, ({ labels, scores }) => {
        const binary = summarisePerformance({ task: 'binary', labels, scores });
        const multi = summarisePerformance({
          task: 'multiclass',
          labels,
          predicted: scores.map((s) => (s >= 0.5 ? 1 : 0)),
          probabilities: scores.map((s) => ({ 0: 1 - s, 1: s })),
          classes: [0, 1],
        });
        for (const name of ['accuracy', 'balanced_accuracy', 'log_loss', 'brier']) {
          const b = binary.metrics[name]!.value;
          const m = multi.metrics[name]!.value;
          if (b !== null) close(m, b, name, 1e-12);
        }
      }),
    );
  });
});
