// Kafka ingest against the real broker: exactly the sampled events stored, once each, whatever
// happens to the process; bad messages quarantined; two models in one process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { keepSample } from '../src/ingest/sampler.js';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-ingest-');
const kafka = testKafka();
let admin: Admin;
let producer: Producer;
let baseline: string;

before(async () => {
  admin = kafka.admin();
  producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  baseline = await testBaseline(tmp.dir);
});
after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  tmp.cleanup();
});

function model(name: string, topics: string[], extra: Record<string, unknown> = {}) {
  return { name, baseline, source: { topics, groupId: `${name}-${topics[0]}`, startFrom: 'earliest' }, event: { timestamp: 'ts', prediction: 'prediction' }, ...extra };
}

type Row = { topic: string; partition: number; offset: bigint; id: string };

async function storedRows(store: string, table: string): Promise<Row[]> {
  return readStore(store, async (db) =>
    (await db.rows(`SELECT _topic, _partition, _offset, _id FROM ${table} ORDER BY _partition, _offset`)).map((r) => ({
      topic: String(r._topic), partition: Number(r._partition), offset: BigInt(r._offset as bigint), id: String(r._id),
    })));
}

const keyOf = (r: Row) => `${r.topic}/${r.partition}/${r.offset}`;

describe('kafka ingest', { timeout: 300_000 }, () => {
  it('100,000 events on 3 partitions: all stored at rate 1.0, exactly the hashed 10% at rate 0.1', async () => {
    const topic = uniqueTopic('ingest-100k');
    await createTopic(admin, topic, 3);
    const events = Array.from({ length: 100_000 }, (_, i) => goodEvent(i));
    await produce(producer, topic, events);
    const store = `${tmp.dir}/sampling.duckdb`;
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store },
      models: [model('full', [topic]), model('tenth', [topic], { sampling: { rate: 0.1, by: 'key' } })],
    }, 'sampling.yaml');
    const serve = await ServeProcess.start(config, 2);
    await waitForGroupCaughtUp(admin, `full-${topic}`, topic, 120_000);
    await waitForGroupCaughtUp(admin, `tenth-${topic}`, topic, 120_000);
    assert.equal(await serve.stop(), 0, 'SIGTERM exits 0');

    const full = await storedRows(store, 'samples_full');
    assert.equal(full.length, 100_000);
    assert.equal(new Set(full.map(keyOf)).size, 100_000, 'no (topic, partition, offset) twice');
    assert.deepEqual(new Set(full.map((r) => r.partition)), new Set([0, 1, 2]));
    assert.equal(new Set(full.map((r) => r.id)).size, 100_000, 'every produced key once');

    const tenth = await storedRows(store, 'samples_tenth');
    const expected = full.filter((r) => keepSample(r.id, 0.1)).map(keyOf).sort();
    assert.deepEqual(tenth.map(keyOf).sort(), expected, 'exactly the events whose key hashes below 0.1');
    assert.ok(expected.length > 9000 && expected.length < 11000, `about 10%: ${expected.length}`);

    const counts = await readStore(store, async (db) => db.rows(`SELECT model, counter, value FROM ingest_counts ORDER BY model, counter`));
    const count = (m: string, c: string) => Number(counts.find((r) => r.model === m && r.counter === c)?.value ?? 0);
    assert.equal(count('full', 'consumed'), 100_000);
    assert.equal(count('full', 'stored'), 100_000);
    assert.equal(count('tenth', 'consumed'), 100_000);
    assert.equal(count('tenth', 'sampled'), expected.length);
  });
});
