import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DECISION, resolveDecision } from '../config/decision.js';
import { type DecisionInput, decide, describeDecision } from './decision.js';
import { ksCritical } from '../stats/ks.js';

/** A numeric feature as the decision sees it: a KS result, a Wasserstein shift, n current values. */
function numeric(p: number, shift: number, n = 1000, baseline = 10_000): DecisionInput {
  return {
    kind: 'numeric',
    stats: { psi: 0.01, ks: { statistic: 0.05, pvalue: p, method: 'exact' }, wasserstein_norm: shift },
    counts: { baseline: [baseline / 2, baseline / 2], current: [n / 2, n / 2] },
    sampleSizes: { baseline, current: n },
  };
}

/** A categorical feature from counts (the last bin is unseen). */
function categorical(baseline: number[], current: number[], labels = ['a', 'b', 'c', '(unseen)']): DecisionInput {
  const share = (xs: number[]) => xs.map((x) => x / xs.reduce((s, v) => s + v, 0));
  const linf = Math.max(...share(baseline).map((b, i) => Math.abs(b - share(current)[i]!)));
  return { kind: 'categorical', stats: { psi: 0, linf }, counts: { baseline, current }, labels };
}

describe('calibrated decision', () => {
  it('needs both evidence after the correction and a large enough change', () => {
    const [both, smallButReal, largeButNoise] = decide([numeric(1e-9, 0.3), numeric(1e-12, 0.03), numeric(0.2, 0.5)]);
    assert.equal(both!.drift, true);
    assert.match(
      both!.reasons[0]!,
      /^drift: wasserstein_norm 0\.3 >= 0\.1 and KS D 0\.05 \(critical ≈ [\d.]+ at n = 1,000\); p = 1\.0e-9 < 0\.005 after Holm over 3 features$/,
    );
    assert.equal(smallButReal!.drift, false);
    assert.match(smallButReal!.reasons[0]!, /^no drift: wasserstein_norm 0\.03 < 0\.1, too small to matter, though real/);
    assert.equal(largeButNoise!.drift, false);
    assert.match(largeButNoise!.reasons[0]!, /not credible: .* p = 0\.2 >= 0\.01 after Holm over 3 features/);
    assert.ok(both!.severity >= 1 && smallButReal!.severity < 1 && largeButNoise!.severity < 1);
  });

  it('states the numbers behind each decision', () => {
    const [d] = decide([numeric(1e-9, 0.3, 420), numeric(0.5, 0)]);
    assert.deepEqual(
      { ...d!.detail, test: { ...d!.detail.test!, critical: 0 } },
      {
        status: 'drift',
        n: 420,
        baselineN: 10_000,
        test: { name: 'ks', statistic: 0.05, critical: 0, pvalue: 1e-9, adjustedP: 2e-9, level: 0.005, features: 2, correction: 'holm' },
        effect: { name: 'wasserstein_norm', value: 0.3, threshold: 0.1, minimum: 0.1, large: true },
        sentence: d!.reasons[0],
      },
    );
    assert.ok(Math.abs(d!.detail.test!.critical - ksCritical(0.005, 10_000, 420)) < 1e-15);
  });

  it('raises the size threshold to the noise floor in small windows', () => {
    const sorted = Float64Array.from({ length: 10_000 }, (_, i) => (i + 0.5) / 10_000); // uniform on [0, 1]
    const withSample = (n: number, shift: number): DecisionInput => ({
      ...numeric(1e-9, shift, n),
      baseline: { sorted, std: Math.sqrt(1 / 12) },
    });
    const [small, large] = decide([withSample(50, 0.3), withSample(5000, 0.3)]);
    assert.ok(small!.detail.effect!.threshold > 0.3, `threshold at n = 50: ${small!.detail.effect!.threshold}`);
    assert.equal(small!.drift, false);
    assert.match(small!.reasons[0]!, /wasserstein_norm 0\.3 < 0\.\d+ \(the noise floor at n = 50; minimum 0\.1\)/);
    assert.equal(large!.detail.effect!.threshold, 0.1);
    assert.equal(large!.drift, true);
  });

  it('Holm finds what Bonferroni misses; Benjamini-Hochberg more still', () => {
    const drifted = (ps: number[], correction: string) =>
      decide(
        ps.map((p) => numeric(p, 1)),
        resolveDecision({ correction }),
      ).map((d) => d.drift);
    assert.deepEqual(drifted([0.001, 0.004, 0.02], 'bonferroni'), [true, false, false]);
    assert.deepEqual(drifted([0.001, 0.004, 0.02], 'holm'), [true, true, false]);
    assert.deepEqual(drifted([0.001, 0.006, 0.009], 'holm'), [true, false, false]);
    assert.deepEqual(drifted([0.001, 0.006, 0.009], 'bh'), [true, true, true]);
  });

  it('says when Holm stopped at a feature before this one', () => {
    const [, second] = decide([numeric(0.004, 1), numeric(0.0045, 1), numeric(0.5, 1)], resolveDecision({ alpha: 0.01 }));
    // 0.004 * 3 = 0.012 >= 0.01: Holm stops at the first step, so 0.0045 < 0.01 / 2 is not enough.
    assert.equal(second!.drift, false);
    assert.match(second!.reasons[0]!, /p = 0\.0045 < 0\.005 but Holm stopped earlier \(adjusted p = 0\.012 >= 0\.01\)/);
  });

  it('calls a feature below minRows insufficient data and leaves it out of the correction', () => {
    const [few, none, enough] = decide([numeric(1e-9, 1, 12), numeric(NaN, NaN, 0), numeric(1e-9, 1, 500)]);
    assert.equal(few!.detail.status, 'insufficient_data');
    assert.equal(few!.drift, false);
    assert.match(few!.reasons[0]!, /^insufficient data: not enough finite values to compare \(12 < 30 at minRows\)$/);
    assert.match(none!.reasons[0]!, /not enough finite values/);
    assert.equal(enough!.detail.test!.features, 1, 'only the feature with enough rows is counted');
    assert.equal(decide([numeric(1e-9, 1, 12)], resolveDecision({ minRows: 10 }))[0]!.drift, true);
  });

  it('names the category whose share moved, and flags a new category by its share', () => {
    const [moved] = decide([categorical([5000, 3000, 2000, 0], [300, 500, 200, 0])]);
    assert.equal(moved!.drift, true);
    assert.equal(moved!.detail.test!.category, 'b');
    assert.match(
      moved!.reasons[0]!,
      /^drift: linf 0\.2 >= 0\.05 and 'b' 30\.0% -> 50\.0% \(≈ [\d.]+ points needed at n = 1,000; Fisher, 3 categories\); p = /,
    );
    const [unseen] = decide([categorical([5000, 3000, 2000, 0], [490, 294, 196, 20])]);
    assert.equal(unseen!.drift, true);
    assert.equal(unseen!.detail.effect!.name, 'unseen_share');
    assert.equal(unseen!.detail.test!.category, '(unseen)');
  });

  it('takes minimum effects per statistic: null removes a default, any reached one is enough', () => {
    const settings = resolveDecision({ minEffect: { wasserstein_norm: null, psi: 0.005 } });
    assert.deepEqual(settings.minEffect, { linf: 0.05, unseen_share: 0.01, psi: 0.005 });
    assert.equal(decide([numeric(1e-9, 0)], settings)[0]!.drift, true, 'psi 0.01 >= 0.005');
    assert.throws(() => resolveDecision({ minEffect: { pis: 0.1 } }), /unknown effect statistic 'pis'; known: psi, ks, wasserstein_norm/);
    assert.throws(
      () => resolveDecision({ correction: 'hochberg' }),
      /unknown correction 'hochberg'; known: bonferroni, holm, benjamini-hochberg/,
    );
    assert.throws(() => resolveDecision({ alpha: 5 }), /alpha must lie in \(0, 1\)/);
  });

  it("describes the rule with its settings, compatible with the first rule's shape", () => {
    const rule = describeDecision();
    assert.equal(rule.name, 'calibrated-evidence-and-size');
    assert.deepEqual(rule.thresholds.ks, { direction: 'pValueBelow', value: DEFAULT_DECISION.alpha });
    assert.deepEqual(rule.thresholds.wasserstein_norm, { direction: 'distanceAbove', value: 0.1 });
    assert.equal(rule.correction, 'holm');
    assert.equal(rule.minRows, 30);
  });
});
