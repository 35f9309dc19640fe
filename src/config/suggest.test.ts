import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestName, editDistance } from './suggest.js';

describe('closestName', () => {
  it('suggests the known name a typo is close to, and nothing for a word that is not one', () => {
    assert.equal(editDistance('featurePath', 'featuresPath'), 1);
    assert.equal(closestName('featurePath', ['featuresPath', 'features', 'timestamp']), 'featuresPath');
    assert.equal(closestName('requireTls', ['requireTLS', 'rejectUnauthorized']), 'requireTLS');
    assert.equal(closestName('shedule', ['schedule', 'report']), 'schedule');
    assert.equal(closestName('pis', ['psi', 'ks', 'linf']), 'psi');
    assert.equal(closestName('tiemout', ['timeout', 'format']), 'timeout');
    assert.equal(closestName('colour', ['name', 'baseline', 'source']), undefined);
    assert.equal(closestName('x'.repeat(100_000), ['x']), undefined);
  });
});
