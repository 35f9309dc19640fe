// A low-rate stream with small producer batches (one event per send): the consumer waits for
// source.fetch.minBytes or maxWait per fetch and stores a caught-up partition at most every
// storeInterval, so a quiet stream costs a few transactions, not one per event; and each event is
// still stored within about maxWait + storeInterval (the bound here is that plus a generous margin).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, fileClients, groupCommitted, testKafka, uniqueTopic } from './helpers/kafka.js';
import { assertStoredOnce, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-ingest-pace-');
const kafka = testKafka();
const { admin, producer } = fileClients(kafka);
after(() => {
  tmp.cleanup();
});

const STORE_INTERVAL_MS = 3000;
const MAX_WAIT_MS = 500;
/** Scheduling, the broker and a loaded 2-core machine: slack on top of maxWait + storeInterval. */
const MARGIN_MS = 5000;

describe('a low-rate stream', { timeout: 120_000 }, () => {
  it('is stored in a few transactions (at most one per storeInterval), each event within maxWait + storeInterval', async () => {
    const topic = uniqueTopic('pace');
    const group = `pace-${topic}`;
    const store = `${tmp.dir}/pace.duckdb`;
    await createTopic(admin, topic, 1);
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      models: [
        {
          name: 'pace',
          baseline: await testBaseline(tmp.dir, 'pace'),
          source: {
            topics: [topic],
            groupId: group,
            startFrom: 'earliest',
            sessionTimeout: '10s',
            fetch: { minBytes: 65_536, maxWait: `${MAX_WAIT_MS}ms`, storeInterval: `${STORE_INTERVAL_MS}ms` },
          },
          event: { timestamp: 'ts' },
        },
      ],
    });
    const serve = await ServeProcess.start(config, 1);
    const send = (i: number) => producer.send({ topic, acks: -1, messages: [goodEvent(i)] });
    try {
      // One event first, so that the group has joined before the timed stream starts.
      await send(0);
      for (const deadline = Date.now() + 60_000; (await groupCommitted(admin, group, topic)) < 1; ) {
        assert.ok(Date.now() < deadline, 'the first event was never stored');
        await new Promise((r) => setTimeout(r, 100));
      }
      // 10 events a second for 9 s, one per send; the group's commit (it follows each store
      // transaction) is polled every 100 ms meanwhile.
      const sentAt: number[] = [];
      const commits: { at: number; offset: number }[] = [];
      let polling = true;
      const poller = (async () => {
        let last = 1;
        while (polling) {
          const offset = await groupCommitted(admin, group, topic);
          if (offset !== last) commits.push({ at: Date.now(), offset });
          last = offset;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const total = 90;
      for (let i = 1; i <= total; i++) {
        sentAt[i] = Date.now();
        await send(i);
        await new Promise((r) => setTimeout(r, 100));
      }
      const lastSent = Date.now();
      while (commits.at(-1)?.offset !== total + 1 && Date.now() - lastSent < 30_000) await new Promise((r) => setTimeout(r, 100));
      polling = false;
      await poller;
      assert.equal(commits.at(-1)?.offset, total + 1, `every event stored: ${JSON.stringify(commits)}`);
      // Each event (offset i) is stored by the first commit past it.
      const bound = MAX_WAIT_MS + STORE_INTERVAL_MS + MARGIN_MS;
      for (let i = 1; i <= total; i++) {
        const stored = commits.find((c) => c.offset > i)!;
        assert.ok(stored.at - sentAt[i]! <= bound, `event ${i} stored ${stored.at - sentAt[i]!} ms after it was sent (bound ${bound} ms)`);
      }
      // A fetch every maxWait stored at once would be ~20 commits over these ~10 s; paced, about 4.
      const span = (commits.at(-1)!.at - sentAt[1]!) / STORE_INTERVAL_MS;
      assert.ok(commits.length <= Math.ceil(span) + 1, `${commits.length} store transactions over ${span.toFixed(1)} intervals`);
      assert.ok(commits.length >= 2, `the stream was stored as it came, not at the end: ${JSON.stringify(commits)}`);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    await assertStoredOnce(store, 'pace', 91);
  });
});
