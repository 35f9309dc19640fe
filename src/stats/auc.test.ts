import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mannWhitneyGreaterPValue, rankAuc } from './auc.js';

// References: scipy 1.16.3, `mannwhitneyu(pos, neg, alternative='greater', method='asymptotic')`
// (tie and continuity corrections), computed once by hand in a venv; the AUC is U / (n1 n0).
describe('rankAuc and the Mann-Whitney p-value', () => {
  it('matches scipy with ties across the groups', () => {
    const pos = [0.35, 0.8, 0.8, 0.2, 0.9];
    const neg = [0.1, 0.4, 0.8, 0.2, 0.2, 0.05];
    const r = rankAuc(Float64Array.from([...pos, ...neg]), Uint8Array.from([...pos.map(() => 1), ...neg.map(() => 0)]));
    assert.equal(r.u, 24);
    assert.equal(r.auc, 24 / 30);
    assert.ok(Math.abs(mannWhitneyGreaterPValue(r) - 0.05695157229426534) < 1e-3 * 0.057);
  });

  it('matches scipy without ties, and an empty group gives NaN', () => {
    const r = rankAuc(Float64Array.of(3, 1, 4, 2), Uint8Array.of(1, 0, 1, 0));
    assert.equal(r.auc, 1);
    assert.ok(Math.abs(mannWhitneyGreaterPValue(r) - 0.1226390584033864) < 1e-3 * 0.1226);
    assert.ok(Number.isNaN(rankAuc(Float64Array.of(1, 2), Uint8Array.of(1, 1)).auc));
  });
});
