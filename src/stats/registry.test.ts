// One parametrised test over the whole registry (STYLE.md rule 1): every statistic is declared
// completely, computes what its declaration says on real inputs of each kind it applies to, and
// the roles the decision reads are consistent. A new statistic is checked here without a line
// of test code; its own file's tests pin its values against the reference vectors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortedBinCounts } from './sorted.js';
import { embedding, tabular } from '../../test/helpers/multivariate.js';
import {
  computeAll,
  EFFECT_STATISTICS,
  EVIDENCE_STATISTICS,
  evidenceFor,
  getMultivariateTest,
  getStatistic,
  MULTIVARIATE_TESTS,
  STATISTICS,
  statisticsFor,
} from './index.js';
import type { MultivariateKind, MultivariateSample } from './multivariate-sample.js';
import type { StatInput, StatValue } from './types.js';

/** A numeric input: two sorted normal-ish samples over the baseline's decile edges. */
function numericInput(shift: number): StatInput {
  const draw = (n: number, seed: number, mu: number) => {
    let s = seed;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    return Float64Array.from({ length: n }, () => mu + Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next())).sort();
  };
  const baseline = draw(2000, 1, 0);
  const current = draw(500, 2, shift);
  const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => baseline[Math.floor((k / 10) * (baseline.length - 1))]!);
  return {
    kind: 'numeric',
    bins: { baseline: sortedBinCounts(baseline, edges), current: sortedBinCounts(current, edges) },
    samples: { baseline, current, baselineStd: 1 },
  };
}

/** A categorical input: three categories and the unseen bin. */
function categoricalInput(moved: boolean): StatInput {
  return { kind: 'categorical', bins: { baseline: [500, 300, 200, 0], current: moved ? [200, 150, 100, 50] : [250, 150, 100, 0] } };
}

/** The input of a kind, undrifted or moved. */
const inputOf = (kind: 'numeric' | 'categorical', moved: boolean): StatInput =>
  kind === 'numeric' ? numericInput(moved ? 1 : 0) : categoricalInput(moved);
const isTest = (v: StatValue): v is Exclude<StatValue, number> => typeof v === 'object' && v !== null;

describe('the statistic registry', () => {
  it('names are unique, and a lookup of an unknown one lists the known ones', () => {
    assert.equal(new Set(STATISTICS.map((s) => s.name)).size, STATISTICS.length);
    assert.throws(() => getStatistic('pis'), /unknown statistic 'pis'; known: psi, ks/);
  });

  for (const stat of STATISTICS) {
    describe(stat.name, () => {
      it('is declared completely', () => {
        assert.match(stat.name, /^[a-z][a-z0-9_]*$/);
        assert.ok(stat.label.length > 0 && stat.label.length <= 12, `label '${stat.label}'`);
        assert.ok(stat.description.length > 10);
        assert.ok(stat.appliesTo.length > 0);
        assert.ok(['pValueBelow', 'distanceAbove'].includes(stat.direction));
        if (stat.evidence) assert.equal(stat.direction, 'pValueBelow', 'an evidence test has a p-value');
        if (stat.effect) assert.ok(stat.effect.text.length > 0);
      });

      for (const kind of stat.appliesTo) {
        it(`computes on ${kind} inputs: a test gives a p-value in [0, 1], a distance a finite number >= 0, and a change moves it the right way`, () => {
          const same = stat.compute(inputOf(kind, false));
          const moved = stat.compute(inputOf(kind, true));
          if (stat.direction === 'pValueBelow') {
            assert.ok(isTest(same) && isTest(moved), 'a test returns {statistic, pvalue}');
            for (const r of [same, moved]) assert.ok(r.pvalue >= 0 && r.pvalue <= 1, `p = ${r.pvalue}`);
            assert.ok(moved.pvalue < same.pvalue, `a moved input gives a smaller p: ${moved.pvalue} vs ${same.pvalue}`);
          } else {
            const a = typeof same === 'number' ? same : same.statistic;
            const b = typeof moved === 'number' ? moved : moved.statistic;
            assert.ok(Number.isFinite(a) && a >= 0 && Number.isFinite(b) && b >= 0, `${a}, ${b}`);
            assert.ok(b > a, `a moved input gives a larger distance: ${b} vs ${a}`);
          }
        });
      }

      if (stat.effect?.noiseFloor) {
        it('its noise floor is positive and shrinks as the window grows', () => {
          const input = inputOf(stat.appliesTo[0]!, false);
          const context = { counts: input.bins, ...(input.samples ? { baseline: { sorted: input.samples.baseline, std: 1 } } : {}) };
          const small = stat.effect!.noiseFloor!(context, 50);
          const large = stat.effect!.noiseFloor!(context, 5000);
          assert.ok(small > large && large > 0, `${small} at n = 50, ${large} at n = 5000`);
        });
      }
    });
  }

  it('each kind has exactly one evidence test, and the reported statistics are what computeAll returns', () => {
    for (const kind of ['numeric', 'categorical'] as const) {
      assert.equal(EVIDENCE_STATISTICS.filter((s) => s.appliesTo.includes(kind)).length, 1, kind);
      assert.ok(evidenceFor(kind));
      assert.deepEqual(
        Object.keys(computeAll(inputOf(kind, false))),
        statisticsFor(kind).map((s) => s.name),
      );
    }
  });

  it('the size statistics the decision defaults to are registered effects', () => {
    const defaults = EFFECT_STATISTICS.filter((s) => s.effect.defaultMinimum !== null).map((s) => s.name);
    assert.deepEqual(defaults, ['wasserstein_norm', 'linf', 'unseen_share']);
  });
});

/** Two sides of one kind of column: the same distribution, or the window moved. */
function multivariateSides(kind: MultivariateKind, moved: boolean, rows = 400): [MultivariateSample, MultivariateSample] {
  if (kind === 'embedding') return [embedding(rows, 8, 1), embedding(rows, 8, 2, moved ? 0.5 : 0)];
  if (kind === 'numeric') return [tabular({ rows, p: 3 }, 1), tabular({ rows, p: 3, shift: moved ? 0.5 : 0 }, 2)];
  const only = (s: MultivariateSample): MultivariateSample => ({ columns: s.columns.filter((c) => c.kind === 'categorical') });
  return [
    only(tabular({ rows, p: 2, categorical: true }, 1)),
    only(tabular({ rows, p: 2, categorical: true, shareB: moved ? 0.6 : 0.3 }, 2)),
  ];
}

describe('the multivariate test registry', () => {
  it('names are unique, and a lookup of an unknown one lists the known ones', () => {
    assert.equal(new Set(MULTIVARIATE_TESTS.map((t) => t.name)).size, MULTIVARIATE_TESTS.length);
    assert.throws(() => getMultivariateTest('mdd'), /unknown multivariate test 'mdd'; known: domain_classifier, mmd/);
  });

  for (const test of MULTIVARIATE_TESTS) {
    describe(test.name, () => {
      it('is declared completely', () => {
        assert.match(test.name, /^[a-z][a-z0-9_]*$/);
        assert.ok(test.label.length > 0 && test.label.length <= 12, `label '${test.label}'`);
        assert.ok(test.description.length > 10 && test.statisticText.length > 5);
        assert.equal(test.direction, 'pValueBelow');
        assert.ok(test.defaultThreshold > 0 && test.defaultThreshold < 0.5);
        assert.ok(test.appliesTo.length > 0);
        const defaults = test.defaults as { permutations?: number };
        // The rule is p < threshold and the smallest p-value is 1 / (B + 1): the default B must be able to reach it.
        assert.ok(defaults.permutations !== undefined && 1 / (defaults.permutations + 1) < test.defaultThreshold);
      });

      for (const kind of test.appliesTo) {
        it(`on ${kind} columns: a p-value in [0, 1], smaller when the window moved; too few rows is a result, not a throw`, () => {
          const same = test.compute(...multivariateSides(kind, false));
          const moved = test.compute(...multivariateSides(kind, true));
          for (const r of [same, moved]) {
            assert.equal(r.status, 'ok');
            assert.ok(r.pvalue > 0 && r.pvalue <= 1, `p = ${r.pvalue}`);
          }
          assert.ok(moved.pvalue < same.pvalue, `moved p ${moved.pvalue} vs same ${same.pvalue}`);
          assert.ok(moved.pvalue < test.defaultThreshold, `moved p ${moved.pvalue}`);
          const tiny = test.compute(...multivariateSides(kind, false, 10));
          assert.equal(tiny.status, 'not-enough-rows');
          assert.match(tiny.message ?? '', /not enough rows/);
        });
      }

      for (const kind of (['numeric', 'categorical', 'embedding'] as const).filter((k) => !test.appliesTo.includes(k))) {
        it(`refuses ${kind} columns with an error naming the column`, () => {
          assert.throws(() => test.compute(...multivariateSides(kind, false)), /column '[^']+'/);
        });
      }
    });
  }
});
