import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePredictionText, readPrediction } from './prediction.js';

describe('readPrediction', () => {
  it('reads a number as a number, anything else present as a mismatch, null as missing', () => {
    assert.deepEqual(readPrediction(0.73, 'number'), { value: 0.73, top: null, mismatch: false });
    assert.deepEqual(readPrediction('0.73', 'number'), { value: null, top: null, mismatch: true });
    assert.deepEqual(readPrediction({ p: 0.7 }, 'number'), { value: null, top: null, mismatch: true });
    assert.deepEqual(readPrediction(null, 'number'), { value: null, top: null, mismatch: false });
    assert.deepEqual(readPrediction(undefined, 'class'), { value: null, top: null, mismatch: false });
  });

  it('reads a class as DuckDB casts a column to text: strings, booleans, finite numbers', () => {
    assert.equal(readPrediction('cat', 'class').value, 'cat');
    assert.equal(readPrediction(true, 'class').value, 'true');
    assert.equal(readPrediction(1, 'class').value, '1');
    assert.equal(readPrediction([1], 'class').mismatch, true);
    assert.equal(readPrediction({ a: 1 }, 'class').mismatch, true);
  });

  it('reads class probabilities as the argmax class (first on a tie) and its probability', () => {
    assert.deepEqual(readPrediction({ cat: 0.2, dog: 0.7, owl: 0.1 }, 'probabilities'), { value: 'dog', top: 0.7, mismatch: false });
    assert.deepEqual(readPrediction({ b: 0.5, a: 0.5 }, 'probabilities'), { value: 'b', top: 0.5, mismatch: false });
    // A CSV cell holds the object as JSON text.
    assert.deepEqual(readPrediction('{"no": 0.1, "yes": 0.9}', 'probabilities'), { value: 'yes', top: 0.9, mismatch: false });
    for (const bad of [{}, { a: 'x' }, [0.2, 0.8], 0.4, 'yes', '{not json'])
      assert.equal(readPrediction(bad, 'probabilities').mismatch, true, JSON.stringify(bad));
  });

  it('parses stored JSON text, keeping text that is not JSON', () => {
    assert.equal(parsePredictionText('0.5'), 0.5);
    assert.equal(parsePredictionText('"cat"'), 'cat');
    assert.equal(parsePredictionText('null'), null);
    assert.equal(parsePredictionText(null), null);
    assert.equal(parsePredictionText('NaN'), 'NaN');
    assert.deepEqual(parsePredictionText('{"a":1}'), { a: 1 });
  });
});
