import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalUpperTail } from './normal.js';

describe('normal', () => {
  it('normalUpperTail is the standard normal upper tail on both sides of 0 (scipy.stats.norm.sf)', () => {
    assert.ok(Math.abs(normalUpperTail(1.959963984540054) - 0.025) < 1e-13);
    assert.ok(Math.abs(normalUpperTail(-1) - 0.8413447460685429) < 1e-13);
    assert.equal(normalUpperTail(0), 0.5);
    assert.equal(normalUpperTail(Infinity), 0);
    assert.equal(normalUpperTail(-Infinity), 1);
  });
});
