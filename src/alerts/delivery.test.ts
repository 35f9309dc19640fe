import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notification } from '../contracts/alert.js';
import { createLogger } from '../log.js';
import { due, enqueue, markRetry } from '../store/outbox.js';
import { Store } from '../store/store.js';
import { Deliverer } from './delivery.js';
import { type Channel, DeliveryError } from './types.js';

const notification = (id: string) => ({ id }) as unknown as Notification;
const DAY = 86_400_000;

/** A webhook-like channel answering with `replies` in turn (true: delivered; false: a retriable 503). */
function scriptedChannel(replies: boolean[], sent: string[]): Channel {
  return {
    name: 'hook',
    type: 'webhook',
    async send(n) {
      sent.push(n.id);
      if (replies.shift() === false) throw new DeliveryError("channel 'hook': HTTP 503 Service Unavailable (retriable)", true);
    },
  };
}

describe('due: the outbox entries to try now (issue 15, HTTP 1)', () => {
  it('goes by the waits this process measured, and by stored instants only for the others', async () => {
    const store = await Store.open(':memory:');
    try {
      const now = 10 * DAY;
      const add = async (id: string, attempts: number, nextAt: number) => {
        await enqueue(store.db, { id, channel: 'hook', model: 'm', kind: 'alert', payload: notification(id) }, now);
        if (attempts > 0) await markRetry(store.db, id, attempts, nextAt, 'HTTP 503');
      };
      await add('fresh', 0, 0);
      await add('past', 1, now - 1);
      await add('ahead', 1, now + 60_000);
      await add('far-ahead', 1, now + DAY);
      await add('measured-over', 1, now + 60_000);
      await add('measured-waiting', 1, now - 1);
      const ids = async (at: number) =>
        (await due(store.db, at, { ready: ['measured-over'], waiting: ['measured-waiting'], maxWaitMs: 15 * 60_000 }))
          .map((e) => e.id)
          .sort();
      assert.deepEqual(await ids(now), ['far-ahead', 'fresh', 'measured-over', 'past']);
      // The wall clock stepped back a day: a never-tried entry is still due, and a stored instant
      // further ahead than any back-off is due rather than held for a day.
      assert.deepEqual(await ids(now - DAY), ['ahead', 'far-ahead', 'fresh', 'measured-over', 'past']);
    } finally {
      store.close();
    }
  });
});

describe('Deliverer: a retry waits a duration', () => {
  it('is tried again after its back-off, measured on its clock, not at the stored instant', async () => {
    const store = await Store.open(':memory:');
    try {
      await enqueue(store.db, { id: 'n1', channel: 'hook', model: 'm', kind: 'alert', payload: notification('n1') }, 0);
      const sent: string[] = [];
      const settings = { maxAttempts: 3, initialBackoff: 1000, maxBackoff: 1000 };
      const deliverer = new Deliverer(
        store.db,
        new Map([['hook', scriptedChannel([false, true], sent)]]),
        settings,
        createLogger('silent'),
      );
      assert.deepEqual(await deliverer.deliverDue(0), { delivered: 0, retried: 1, dead: 0 });
      assert.deepEqual(await deliverer.deliverDue(999), { delivered: 0, retried: 0, dead: 0 }, 'not before its back-off');
      assert.deepEqual(await deliverer.deliverDue(1000), { delivered: 1, retried: 0, dead: 0 });
      assert.deepEqual(sent, ['n1', 'n1']);
    } finally {
      store.close();
    }
  });
});
