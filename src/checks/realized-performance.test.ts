import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferTask, realizedPerformance } from './realized-performance.js';

const pairs = (rows: [unknown, unknown][]) =>
  rows.map(([p, l]) => ({ prediction: p === null ? null : JSON.stringify(p), label: JSON.stringify(l) }));

describe('realized performance of labelled pairs', () => {
  it('reads the task from the pairs: 0/1 labels with scores are binary, numbers regression, the rest multi-class', () => {
    assert.equal(inferTask([0, 1, true], [0.2, { fraud: 0.9 }, 1]), 'binary');
    assert.equal(inferTask([3.5, 1], [2, 7.25]), 'regression');
    assert.equal(inferTask(['cat', 'dog'], ['cat', { cat: 0.2, dog: 0.8 }]), 'multiclass');
    assert.equal(inferTask([0, 1], [0.5, 1.5]), 'regression', 'a score above 1 is not a probability');
  });

  it('a binary score in an object of one number; accuracy with its Wilson interval; pairs without a prediction left out', () => {
    const p = realizedPerformance(
      pairs([
        [{ fraud: 0.9 }, 1],
        [{ fraud: 0.2 }, 0],
        [{ fraud: 0.7 }, 0],
        [{ fraud: 0.4 }, 1],
        [0.95, true],
        [null, 1],
      ]),
    );
    assert.ok(p);
    assert.equal(p.task, 'binary');
    assert.equal(p.taskFrom, 'inferred');
    assert.equal(p.rows, 5);
    assert.equal(p.metrics.accuracy?.value, 3 / 5);
    assert.equal(p.metrics.accuracy?.method, 'wilson');
    const interval = p.metrics.accuracy?.interval;
    assert.ok(interval && interval.lower < 0.6 && interval.upper > 0.6);
    assert.equal(p.positives, 3);
  });

  it('multi-class probabilities give the likeliest class and the probability metrics; a configured task is used as given', () => {
    const p = realizedPerformance(
      pairs([
        [{ a: 0.7, b: 0.2, c: 0.1 }, 'a'],
        [{ a: 0.1, b: 0.8, c: 0.1 }, 'b'],
        [{ a: 0.3, b: 0.3, c: 0.4 }, 'a'],
      ]),
    );
    assert.equal(p?.task, 'multiclass');
    assert.equal(p?.metrics.accuracy?.value, 2 / 3);
    assert.equal(typeof p?.metrics.log_loss?.value, 'number');
    const regression = realizedPerformance(
      pairs([
        [1, 0],
        [2, 1],
      ]),
      'regression',
    );
    assert.equal(regression?.taskFrom, 'config');
    assert.equal(regression?.metrics.mae?.value, 1);
  });

  it('nothing to say without a stored prediction', () => {
    assert.equal(realizedPerformance(pairs([[null, 1]])), undefined);
  });
});
