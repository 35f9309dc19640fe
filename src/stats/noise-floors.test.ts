import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linfNoise } from './linf.js';
import { wassersteinNoise } from './wasserstein.js';

describe('noise floors of the size statistics', () => {
  it('wasserstein_norm: sqrt(2/pi) * integral sqrt(F(1-F)) / sqrt(n_eff) / std (uniform: the integral is pi/8)', () => {
    const m = 100_000;
    const sorted = Float64Array.from({ length: m }, (_, i) => (i + 0.5) / m);
    const n = 400;
    const want = (Math.sqrt(2 / Math.PI) * (Math.PI / 8)) / Math.sqrt((n * m) / (n + m)) / Math.sqrt(1 / 12);
    assert.ok(Math.abs(wassersteinNoise(sorted, Math.sqrt(1 / 12), n) - want) < 1e-4 * want);
    assert.ok(Number.isNaN(wassersteinNoise(Float64Array.of(1), 1, 10)));
  });

  it('linf: the largest per-category standard deviation of a share change', () => {
    assert.ok(Math.abs(linfNoise([500, 300, 200], 100) - Math.sqrt(0.25 * (1 / 1000 + 1 / 100))) < 1e-15);
  });
});
