import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockStep } from '../clock.js';
import { createLogger } from '../log.js';
import { CLOCK_STEP_TOLERANCE_MS, Scheduler, slotDecision } from './scheduler.js';

const DAY = 86_400_000;

describe('clockStep (issue 15, HTTP 1)', () => {
  it('is the wall clock move minus the monotonic move', () => {
    assert.equal(clockStep({ wall: 10_000, mono: 0 }, { wall: 11_000, mono: 1_000 }), 0, 'both moved a second: no step');
    assert.equal(clockStep({ wall: 10_000, mono: 0 }, { wall: 11_000 - DAY, mono: 1_000 }), -DAY, 'back a day');
    assert.equal(clockStep({ wall: 10_000, mono: 0 }, { wall: 10_000 + DAY, mono: 0 }), DAY, 'forward a day');
    // A beat delayed by a blocked event loop is late on both clocks: not a step.
    assert.ok(Math.abs(clockStep({ wall: 0, mono: 0 }, { wall: 30_000, mono: 30_000 })) <= CLOCK_STEP_TOLERANCE_MS);
  });
});

describe('slotDecision', () => {
  it('waits before the time, runs at it, and runs once (late) after it', () => {
    assert.deepEqual(slotDecision(5_000, 4_999), { run: false });
    assert.deepEqual(slotDecision(5_000, 5_000), { run: true, lateMs: 0 });
    assert.deepEqual(slotDecision(5_000, 5_000 + DAY), { run: true, lateMs: DAY });
  });
});

describe('Scheduler', () => {
  it('runs an every-second job on its times and stops', async () => {
    const scheduler = new Scheduler(createLogger('silent'));
    const runs: number[] = [];
    scheduler.add('tick', '* * * * * *', 'UTC', async () => void runs.push(Date.now()));
    await new Promise((r) => setTimeout(r, 2_600));
    await scheduler.stop();
    const seen = runs.length;
    assert.ok(seen >= 2 && seen <= 3, `runs in 2.6 s: ${seen}`);
    for (const at of runs) assert.ok(at % 1000 < 900, `on a whole second: ${new Date(at).toISOString()}`);
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal(runs.length, seen, 'no run after stop');
  });
});
