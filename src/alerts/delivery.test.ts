import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notification } from '../contracts/alert.js';
import { createLogger } from '../log.js';
import { enqueue } from '../store/outbox.js';
import { Store } from '../store/store.js';
import { Deliverer } from './delivery.js';
import { type Channel, DeliveryError } from './types.js';

const notification = { id: 'n1' } as unknown as Notification;
const settings = { maxAttempts: 2, initialBackoff: 1000, maxBackoff: 1000 };

/** A channel that fails retriably, and reads the outbox row while it is "sending". */
function failingChannel(store: Store, seen: number[]): Channel {
  return {
    name: 'hook',
    type: 'webhook',
    async send() {
      const { attempts } = await store.db.row(`SELECT attempts FROM outbox WHERE id = 'n1'`);
      seen.push(Number(attempts));
      throw new DeliveryError("channel 'hook': HTTP 503 Service Unavailable (retriable)", true);
    },
  };
}

describe('Deliverer (issue 15: SIGKILL during delivery)', () => {
  it('counts an attempt before sending, and a dead entry says it gave up, not that it will retry', async () => {
    const store = await Store.open(':memory:');
    try {
      await enqueue(store.db, { id: 'n1', channel: 'hook', model: 'm', kind: 'alert', payload: notification }, 0);
      const seen: number[] = [];
      const deliverer = new Deliverer(store.db, new Map([['hook', failingChannel(store, seen)]]), settings, createLogger('silent'));
      assert.deepEqual(await deliverer.deliverDue(0), { delivered: 0, retried: 1, dead: 0 });
      assert.deepEqual(await deliverer.deliverDue(10_000), { delivered: 0, retried: 0, dead: 1 });
      assert.deepEqual(seen, [1, 2], 'the row counted each attempt while it was being made: a kill mid-send still counts it');
      const row = await store.db.row(`SELECT status, attempts, last_error FROM outbox WHERE id = 'n1'`);
      assert.equal(row.status, 'dead');
      assert.equal(Number(row.attempts), 2);
      assert.doesNotMatch(String(row.last_error), /will retry/);
      assert.match(String(row.last_error), /HTTP 503 .*gave up after 2 attempts \(alerts\.maxAttempts\)$/);
    } finally {
      store.close();
    }
  });
});
