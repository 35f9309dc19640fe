import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notification } from '../contracts/alert.js';
import { createLogger } from '../log.js';
import { due, enqueue, markRetry, markSuperseded, outboxLock, retryingAlertNotifications } from '../store/outbox.js';
import { Store } from '../store/store.js';
import { Deliverer } from './delivery.js';
import { type Channel, DeliveryError } from './types.js';

const notification = (id: string) => ({ id }) as unknown as Notification;
const SETTINGS = { maxAttempts: 5, initialBackoff: 1000, maxBackoff: 1000 };

/** A channel that fails (false) or succeeds (true) in turn, a success only once `held` resolves. */
function holdingChannel(replies: boolean[], held: Promise<void>): Channel {
  return {
    name: 'hook',
    type: 'webhook',
    async send() {
      if (replies.shift() === false) throw new DeliveryError("channel 'hook': HTTP 503 Service Unavailable (retriable)", true);
      await held;
    },
  };
}
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

const row = async (store: Store, id: string) => {
  const r = await store.db.row(`SELECT status, attempts, last_error, claimed_at FROM outbox WHERE id = ?`, [id]);
  return {
    status: String(r.status),
    attempts: Number(r.attempts),
    lastError: r.last_error === null ? null : String(r.last_error),
    claimed: r.claimed_at !== null,
  };
};

describe('Deliverer: an attempt is counted before its send (issue 15, HTTP 10)', () => {
  it('counts each attempt while it is made, and a dead entry says it gave up, not that it will retry', async () => {
    const store = await Store.open(':memory:');
    try {
      await enqueue(store.db, { id: 'n1', channel: 'hook', model: 'm', kind: 'alert', payload: notification('n1') }, 0);
      const during: Awaited<ReturnType<typeof row>>[] = [];
      const channel: Channel = {
        name: 'hook',
        type: 'webhook',
        async send() {
          during.push(await row(store, 'n1'));
          throw new DeliveryError("channel 'hook': HTTP 503 Service Unavailable (retriable)", true);
        },
      };
      const settings = { maxAttempts: 2, initialBackoff: 1000, maxBackoff: 1000 };
      const deliverer = new Deliverer(store.db, new Map([['hook', channel]]), settings, createLogger('silent'));
      assert.deepEqual(await deliverer.deliverDue(0), { delivered: 0, retried: 1, dead: 0 });
      assert.deepEqual(await deliverer.deliverDue(10_000), { delivered: 0, retried: 0, dead: 1 });
      assert.deepEqual(
        during.map((r) => [r.attempts, r.claimed]),
        [
          [1, true],
          [2, true],
        ],
        'while sending, the row has counted the attempt and is marked in flight: a kill mid-send leaves it counted',
      );
      const dead = await row(store, 'n1');
      assert.deepEqual([dead.status, dead.attempts, dead.claimed], ['dead', 2, false]);
      assert.doesNotMatch(dead.lastError ?? '', /will retry/);
      assert.match(dead.lastError ?? '', /HTTP 503 .*; gave up after 2 attempts \(alerts\.maxAttempts\)$/);
    } finally {
      store.close();
    }
  });

  it('an attempt a kill interrupted is counted: the next process tries again, or gives up saying so', async () => {
    const store = await Store.open(':memory:');
    try {
      for (const id of ['again', 'last'])
        await enqueue(store.db, { id, channel: 'hook', model: 'm', kind: 'alert', payload: notification(id) }, 0);
      // A process that sent and was killed before it learnt the outcome: its sends never return.
      const killed = new Deliverer(
        store.db,
        new Map([['hook', { name: 'hook', type: 'webhook', send: () => new Promise<void>(() => {}) } satisfies Channel]]),
        { maxAttempts: 2, initialBackoff: 1000, maxBackoff: 1000 },
        createLogger('silent'),
      );
      void killed.deliverDue(0);
      while (!(await row(store, 'again')).claimed) await new Promise((r) => setTimeout(r, 10));
      await store.db.run(`UPDATE outbox SET attempts = 2, claimed_at = TIMESTAMP '1970-01-01 00:00:00' WHERE id = 'last'`);
      const sent: string[] = [];
      const restarted = new Deliverer(
        store.db,
        new Map([['hook', scriptedChannel([true], sent)]]),
        { maxAttempts: 2, initialBackoff: 1000, maxBackoff: 1000 },
        createLogger('silent'),
      );
      assert.deepEqual(await restarted.deliverDue(5), { delivered: 1, retried: 0, dead: 1 });
      assert.deepEqual(sent, ['again']);
      assert.deepEqual((await row(store, 'again')).attempts, 2, 'the interrupted attempt and this one');
      const last = await row(store, 'last');
      assert.equal(last.status, 'dead');
      assert.match(
        last.lastError ?? '',
        /interrupted \(the process stopped while sending\); gave up after 2 attempts \(alerts\.maxAttempts\)$/,
      );
    } finally {
      store.close();
    }
  });

  it('a delivery in flight is never superseded', async () => {
    const store = await Store.open(':memory:');
    try {
      await enqueue(store.db, { id: 'old', channel: 'hook', model: 'm', kind: 'alert', payload: notification('old') }, 0);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const deliverer = new Deliverer(store.db, new Map([['hook', holdingChannel([false], held)]]), SETTINGS, createLogger('silent'));
      assert.deepEqual(await deliverer.deliverDue(0), { delivered: 0, retried: 1, dead: 0 });
      assert.deepEqual(
        (await retryingAlertNotifications(store.db, 'm', 'hook')).map((w) => w.id),
        ['old'],
        'waiting for its retry: supersedable',
      );
      const pass = deliverer.deliverDue(1000);
      while (!(await row(store, 'old')).claimed) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(
        await retryingAlertNotifications(store.db, 'm', 'hook'),
        [],
        'in flight (its receiver has not answered yet): not supersedable',
      );
      await markSuperseded(store.db, ['old'], 'new');
      release();
      assert.deepEqual(await pass, { delivered: 1, retried: 0, dead: 0 });
      assert.deepEqual(await row(store, 'old'), { status: 'delivered', attempts: 2, lastError: null, claimed: false });
    } finally {
      store.close();
    }
  });

  it("a delivery pass never updates a row a check's transaction supersedes: its claim waits for the outbox lock", async () => {
    const store = await Store.open(':memory:');
    const check = await store.db.connect();
    try {
      await enqueue(store.db, { id: 'old', channel: 'hook', model: 'm', kind: 'alert', payload: notification('old') }, 0);
      const sent: string[] = [];
      const deliverer = new Deliverer(
        store.db,
        new Map([['hook', scriptedChannel([false, true], sent)]]),
        SETTINGS,
        createLogger('silent'),
      );
      assert.deepEqual(await deliverer.deliverDue(0), { delivered: 0, retried: 1, dead: 0 });
      let pass: Promise<unknown> | undefined;
      // A check's transaction, as alerts/pipeline.ts runs it; the retry falls due in the middle of it.
      await outboxLock(check).run(() =>
        check.transaction(async () => {
          const waiting = await retryingAlertNotifications(check, 'm', 'hook');
          pass = deliverer.deliverDue(1000);
          await new Promise((r) => setTimeout(r, 100));
          await markSuperseded(
            check,
            waiting.map((w) => w.id),
            'new',
          );
          await enqueue(check, { id: 'new', channel: 'hook', model: 'm', kind: 'alert', payload: notification('new') }, 1000);
        }),
      );
      assert.deepEqual(
        await pass,
        { delivered: 0, retried: 0, dead: 0 },
        'the pass found the entry superseded when its claim got the lock',
      );
      assert.deepEqual(sent, ['old'], 'the superseded entry is not sent again');
      assert.deepEqual((await row(store, 'old')).status, 'superseded');
    } finally {
      check.close();
      store.close();
    }
  });
});
