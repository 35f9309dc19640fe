import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resumeMessage, resumePoint } from './log-position.js';

describe('resumePoint', () => {
  it('resumes at the stored position while the log holds it (its end included)', () => {
    assert.deepEqual(resumePoint(2000n, { low: 0n, high: 5000n }), { kind: 'stored' });
    assert.deepEqual(resumePoint(5000n, { low: 0n, high: 5000n }), { kind: 'stored' });
    assert.deepEqual(resumePoint(2000n, { low: 2000n, high: 2000n }), { kind: 'stored' });
  });

  it('counts the messages retention deleted unread, and resumes at the log start', () => {
    assert.deepEqual(resumePoint(2000n, { low: 3000n, high: 6000n }), { kind: 'retention', from: 3000n, lost: 1000n });
  });

  it('calls a log that ends before the stored position, whose start went back, or whose topic came back, a new log', () => {
    assert.equal(resumePoint(2500n, { low: 0n, high: 1000n }).kind, 'new_log');
    assert.equal(resumePoint(2500n, { low: 0n, high: 3000n }, { low: 100n, high: 2500n }).kind, 'new_log');
    assert.equal(resumePoint(2500n, { low: 0n, high: 9000n }, undefined, true).kind, 'new_log');
    // A log start that moved on is retention's doing, not a new log.
    assert.equal(resumePoint(2500n, { low: 200n, high: 3000n }, { low: 100n, high: 2500n }).kind, 'stored');
  });

  it('says which offsets were lost, and where reading goes on', () => {
    assert.equal(
      resumeMessage('t/0', 2000n, { kind: 'retention', from: 3000n, lost: 1000n }),
      "t/0: messages 2000-2999 (1000) were deleted by Kafka's retention before driftwatch read them: counted as lost; reading on from the log start, offset 3000",
    );
    assert.match(
      resumeMessage('t/0', 2500n, resumePoint(2500n, { low: 0n, high: 1000n }) as never),
      /new log \(its log ends at offset 1000, before the stored position 2500\)/,
    );
  });
});
