import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { patchKafkajsIdleLoop } from './kafka-client.js';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests(this: Queue): void };
};

/** A request queue's state as kafkajs keeps it, with no request waiting and no throttle. */
const idleQueue = (): Queue => ({ pending: [], throttledUntil: -1, throttleCheckTimeoutId: null, checkPendingRequests() {} });

describe("kafkajs' request queue, patched", () => {
  it('arms no timer when nothing waits and nothing is throttled (kafkajs 2.2.4 re-armed one every millisecond)', () => {
    patchKafkajsIdleLoop();
    const queue = idleQueue();
    RequestQueue.prototype.scheduleCheckPendingRequests.call(queue);
    assert.equal(queue.throttleCheckTimeoutId, null);
  });

  it('still checks again when a request waits, or a throttle is to be waited out', () => {
    patchKafkajsIdleLoop();
    for (const queue of [
      { ...idleQueue(), pending: [{}] },
      { ...idleQueue(), throttledUntil: Date.now() + 60_000 },
    ]) {
      RequestQueue.prototype.scheduleCheckPendingRequests.call(queue);
      assert.notEqual(queue.throttleCheckTimeoutId, null);
      clearTimeout(queue.throttleCheckTimeoutId!);
    }
  });
});
