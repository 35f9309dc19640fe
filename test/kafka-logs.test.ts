// A topic's log changing under driftwatch, on the real broker: partitions added to it (while
// `serve` runs and while it is stopped), messages deleted before they were read (retention, here
// DeleteRecords, which moves the log start the same way), and the topic deleted and created again.
// In each case every event still on the log is stored once, and what was lost is logged and
// counted. Before: added partitions started at the log's end (their events skipped for good), a
// stored position that retention deleted sent kafkajs to the log's end (every message still there
// skipped), and a recreated topic's offsets below the old position were thrown away as "already
// stored"; none of it was said.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, fileClients, produce, testKafka, uniqueTopic } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';
import { samplesTable } from '../src/store/schema.js';
import { quoteIdent } from '../src/store/sql.js';

const tmp = tempDir('driftwatch-kafka-logs-');
const READ = 'read-token-kafka-logs-0123456789';
const kafka = testKafka();
const { admin, producer } = fileClients(kafka);
after(() => {
  tmp.cleanup();
});

/** Events `from` .. `from + n - 1`, all to `partition` when given. */
const events = (from: number, n: number, partition?: number) =>
  Array.from({ length: n }, (_, i) => ({ ...goodEvent(from + i), ...(partition !== undefined ? { partition } : {}) }));

async function setup(name: string, startFrom: 'earliest' | 'latest') {
  const topic = uniqueTopic(name);
  const store = `${tmp.dir}/${name}.duckdb`;
  const config = writeConfig(
    tmp.dir,
    {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      models: [
        {
          name,
          baseline: await testBaseline(tmp.dir, name),
          // A short look at the logs, so the test does not wait the default 10 s for each.
          source: { topics: [topic], groupId: `${name}-${topic}`, startFrom, sessionTimeout: '10s', metadataInterval: '1s' },
          event: { timestamp: 'ts' },
          window: '1h',
        },
      ],
    },
    `${name}.yaml`,
  );
  return { topic, store, config, name };
}

/** Produces with a new producer: kafkajs' producer silently drops messages to a partition its metadata does not know yet. */
async function produceFresh(topic: string, list: ReturnType<typeof events>): Promise<void> {
  const fresh = kafka.producer({ allowAutoTopicCreation: false });
  await fresh.connect();
  try {
    await produce(fresh, topic, list);
  } finally {
    await fresh.disconnect();
  }
}

const serveOf = (config: string) => ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `read:${READ}` });

/** The store's rows: how many, how many distinct ids, and the counters that matter here. */
async function stored(store: string, model: string) {
  return readStore(store, async (db) => {
    const rows = await db.row(`SELECT count(*)::INTEGER AS n, count(DISTINCT _id)::INTEGER AS ids FROM ${quoteIdent(samplesTable(model))}`);
    const counts = await db.rows(`SELECT counter, value::INTEGER AS value FROM ingest_counts WHERE model = ? ORDER BY 1`, [model]);
    return {
      n: Number(rows.n),
      ids: Number(rows.ids),
      counts: Object.fromEntries(counts.map((c) => [String(c.counter), Number(c.value)])),
    };
  });
}

/** Waits until the running service's `consumed` counter reaches `n` (read from /metrics). */
async function waitConsumed(serve: ServeProcess, model: string, n: number, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await (await fetch(`${serve.apiUrl()}/metrics`, { headers: { authorization: `Bearer ${READ}` } })).text();
    const found = new RegExp(`driftwatch_events_consumed_total\\{model="${model}"\\} (\\d+)`).exec(metrics);
    if (found && Number(found[1]) >= n) return metrics;
    if (Date.now() > deadline)
      throw new Error(`consumed ${found?.[1]} of ${n} within ${timeoutMs} ms:\n${serve.lines.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a topic whose log changes under driftwatch', { timeout: 240_000 }, () => {
  it('partitions added while serve runs, and while it is stopped, are read from their start, with a lag series each', async () => {
    const s = await setup('added', 'latest');
    await createTopic(admin, s.topic, 1);
    let serve = await serveOf(s.config);
    try {
      await produce(producer, s.topic, events(0, 500, 0));
      await waitConsumed(serve, s.name, 500);
      await admin.createPartitions({ topicPartitions: [{ topic: s.topic, count: 2 }] });
      await produceFresh(s.topic, events(500, 500, 1));
      // Written to partition 1 before kafkajs knew it: before, these were skipped for good (it started at the log's end).
      const metrics = await waitConsumed(serve, s.name, 1000, 60_000);
      assert.match(metrics, new RegExp(`driftwatch_consumer_lag\\{model="added",topic="${s.topic}",partition="1"\\} 0`));
      await serve.waitForLog(/is new to driftwatch in a topic it reads/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    // Stopped: a third partition is added and written to; the restart reads it from its start.
    await admin.createPartitions({ topicPartitions: [{ topic: s.topic, count: 3 }] });
    await produceFresh(s.topic, events(1000, 400, 2));
    serve = await serveOf(s.config);
    try {
      await waitConsumed(serve, s.name, 1400);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const found = await stored(s.store, s.name);
    assert.equal(found.n, 1400);
    assert.equal(found.ids, 1400, 'each event once');
  });

  it('messages deleted before they were read are counted as lost, and every message still on the log is stored', async () => {
    const s = await setup('retention', 'latest');
    await createTopic(admin, s.topic, 1);
    let serve = await serveOf(s.config);
    try {
      await produce(producer, s.topic, events(0, 2000, 0));
      await waitConsumed(serve, s.name, 2000);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    // While driftwatch is stopped: 2,000-5,999 written, then 2,000-2,999 deleted (the log now starts at 3,000).
    await produce(producer, s.topic, events(2000, 4000, 0));
    // kafkajs' admin finds the partition's leader only for topics it has metadata of.
    await admin.fetchTopicMetadata({ topics: [s.topic] });
    await admin.deleteTopicRecords({ topic: s.topic, partitions: [{ partition: 0, offset: '3000' }] });
    serve = await serveOf(s.config);
    try {
      const metrics = await waitConsumed(serve, s.name, 5000);
      assert.match(metrics, /driftwatch_kafka_messages_lost_total\{model="retention",reason="retention"\} 1000/);
      assert.match(metrics, /driftwatch_kafka_log_resets_total\{model="retention",reason="retention"\} 1/);
      await serve.waitForLog(/messages 2000-2999 \(1000\) were deleted by Kafka's retention before driftwatch read them/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const found = await stored(s.store, s.name);
    assert.deepEqual({ n: found.n, ids: found.ids }, { n: 5000, ids: 5000 });
    assert.equal(found.counts['lost:retention'], 1000);
    assert.equal(found.counts.consumed, 5000);
  });

  it('a topic deleted and created again under a running serve: the new log is read whole, and the reset said', async () => {
    const s = await setup('recreated', 'latest');
    await createTopic(admin, s.topic, 1);
    const serve = await serveOf(s.config);
    try {
      await produce(producer, s.topic, events(0, 2500, 0));
      await waitConsumed(serve, s.name, 2500);
      await admin.deleteTopics({ topics: [s.topic], timeout: 20_000 });
      await serve.waitForLog(new RegExp(`topic ${s.topic} was deleted`), 30_000);
      // driftwatch must not have created it again (kafkajs' admin and consumer would, by default).
      for (let i = 0; i < 20 && (await admin.listTopics()).includes(s.topic); i++) await new Promise((r) => setTimeout(r, 500));
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(!(await admin.listTopics()).includes(s.topic), 'the deleted topic stays deleted');
      await createTopic(admin, s.topic, 1);
      await produce(producer, s.topic, events(2500, 3000, 0));
      const metrics = await waitConsumed(serve, s.name, 5500, 90_000);
      assert.match(metrics, /driftwatch_kafka_log_resets_total\{model="recreated",reason="new_log"\} 1/);
      await serve.waitForLog(/a new log \(.*\): the topic was deleted and created again; reading the new log from its start, offset 0/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const found = await stored(s.store, s.name);
    assert.deepEqual({ n: found.n, ids: found.ids }, { n: 5500, ids: 5500 });
    assert.equal(found.counts['log_reset:new_log'], 1);
  });
});
