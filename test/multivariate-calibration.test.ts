// A fast version of `npm run bench -- multivariate`: the same scenarios and the tests' defaults
// (bench/multivariate-sim.ts), with few checks and a fixed seed, so that a change that breaks the
// multivariate tests' power or calibration fails CI. The full tables are in docs/multivariate.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALPHA, ksFlags, runTask, SCENARIOS } from '../bench/multivariate-sim.js';
import { domainClassifierTest } from '../src/stats/domain-classifier.js';
import { ksTwoSample } from '../src/stats/ks.js';
import { mmdTest } from '../src/stats/mmd.js';
import type { MultivariateSample } from '../src/stats/multivariate-sample.js';
import { topFeatures } from './helpers/multivariate.js';

const sorted = (s: MultivariateSample, name: string) =>
  Float64Array.from(s.columns.find((c) => c.name === name)!.values as ArrayLike<number>).sort();

describe('multivariate calibration (fast)', { timeout: 60_000 }, () => {
  it('a correlation flip at 2,000 rows: the classifier flags it, naming x0 and x1; KS on every feature does not', () => {
    const flip = SCENARIOS['correlation flip'];
    const baseline = flip.draw(2000, 11, false);
    const window = flip.draw(2000, 12, true);
    const r = domainClassifierTest(baseline, window);
    assert.ok(r.pvalue < ALPHA, `classifier p ${r.pvalue}, AUC ${r.statistic}`);
    assert.deepEqual(topFeatures(r, 2), ['x0', 'x1']);
    for (const name of ['x0', 'x1']) {
      const ks = ksTwoSample(sorted(baseline, name), sorted(window, name));
      assert.ok(ks.pvalue > ALPHA, `KS on ${name}: p ${ks.pvalue} (its marginal did not move)`);
    }
    assert.equal(ksFlags(baseline, window), false, 'KS with Bonferroni over the 5 features');
  });

  it('undrifted data with a fixed seed are not flagged: the classifier on mixed columns, MMD on an embedding', () => {
    const mixed = SCENARIOS.mixed;
    const r = domainClassifierTest(mixed.draw(5000, 21, false), mixed.draw(2000, 22, false));
    assert.ok(r.pvalue >= ALPHA && Math.abs(r.statistic - 0.5) < 0.03, `classifier p ${r.pvalue}, AUC ${r.statistic}`);
    const embedding = SCENARIOS.embedding;
    const m = mmdTest(embedding.draw(5000, 23, false), embedding.draw(1000, 24, false));
    assert.ok(m.pvalue >= ALPHA, `mmd p ${m.pvalue}`);
  });

  it('a 0.1 SD mean shift of a 64-dimensional embedding at 1,000 rows: both tests flag it', () => {
    const shift = SCENARIOS['embedding shift'];
    const baseline = shift.draw(5000, 31, false);
    const window = shift.draw(1000, 32, true);
    assert.ok(mmdTest(baseline, window).pvalue < ALPHA);
    assert.ok(domainClassifierTest(baseline, window, { importanceRepeats: 0 }).pvalue < ALPHA);
  });

  it('false alarms over 200 undrifted checks of 200 rows stay within the bound of a 1% rate', () => {
    // The permutation p-values are exact: P(p < 0.01) <= 1 / 200 with 199 permutations. At a true
    // rate of 1%, 200 checks give 6 or more alarms with probability 0.017, at 0.5% with 0.0006;
    // an anti-conservative p-value of 3% (as the Mann-Whitney one, docs/multivariate.md) would
    // fail about half the time. MMD: 60 checks, 4 or more has probability 0.003 at 1%.
    const classifier = runTask({ id: 0, scenario: 'gaussian', n: 200, reps: 200, seed: 7, rules: ['classifier'] });
    const mmd = runTask({ id: 1, scenario: 'embedding', n: 200, reps: 60, seed: 8, rules: ['mmd'] });
    assert.ok(classifier.flagged.classifier! <= 5, `classifier: ${classifier.flagged.classifier} of 200`);
    assert.ok(mmd.flagged.mmd! <= 3, `mmd: ${mmd.flagged.mmd} of 60`);
  });
});
