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
  return {
    name,
    baseline,
    source: { topics, groupId: `${name}-${topics[0]}`, startFrom: 'earliest', sessionTimeout: '6s' },
    event: { timestamp: 'ts', prediction: 'prediction' },
    ...extra,
  };
}

type Row = { topic: string; partition: number; offset: bigint; id: string };

async function storedRows(store: string, table: string): Promise<Row[]> {
  return readStore(store, async (db) =>
    (await db.rows(`SELECT _topic, _partition, _offset, _id FROM ${table} ORDER BY _partition, _offset`)).map((r) => ({
      topic: String(r._topic),
      partition: Number(r._partition),
      offset: BigInt(r._offset as bigint),
      id: String(r._id),
    })),
  );
}

const keyOf = (r: Row) => `${r.topic}/${r.partition}/${r.offset}`;

describe('kafka ingest', { timeout: 300_000 }, () => {
  it('100,000 events on 3 partitions: all stored at rate 1.0, exactly the hashed 10% at rate 0.1', async () => {
    const topic = uniqueTopic('ingest-100k');
    await createTopic(admin, topic, 3);
    const events = Array.from({ length: 100_000 }, (_, i) => goodEvent(i));
    await produce(producer, topic, events);
    const store = `${tmp.dir}/sampling.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [model('full', [topic]), model('tenth', [topic], { sampling: { rate: 0.1, by: 'key' } })],
      },
      'sampling.yaml',
    );
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
    const expected = full
      .filter((r) => keepSample(r.id, 0.1))
      .map(keyOf)
      .sort();
    assert.deepEqual(tenth.map(keyOf).sort(), expected, 'exactly the events whose key hashes below 0.1');
    assert.ok(expected.length > 9000 && expected.length < 11000, `about 10%: ${expected.length}`);

    const counts = await readStore(store, async (db) => db.rows(`SELECT model, counter, value FROM ingest_counts ORDER BY model, counter`));
    const count = (m: string, c: string) => Number(counts.find((r) => r.model === m && r.counter === c)?.value ?? 0);
    assert.equal(count('full', 'consumed'), 100_000);
    assert.equal(count('full', 'stored'), 100_000);
    assert.equal(count('tenth', 'consumed'), 100_000);
    assert.equal(count('tenth', 'sampled'), expected.length);
  });

  it('SIGKILL mid-stream, three times, then restart: no event missing, none stored twice', async () => {
    const topic = uniqueTopic('ingest-kill');
    await createTopic(admin, topic, 3);
    const store = `${tmp.dir}/kill.duckdb`;
    const config = writeConfig(
      tmp.dir,
      { kafka: { brokers: [BROKER] }, storage: { path: store, retention: '36500d' }, models: [model('killed', [topic])] },
      'kill.yaml',
    );
    const total = 60_000;
    // The producer keeps sending while the service is killed and restarted.
    const producing = (async () => {
      for (let i = 0; i < total; i += 1000) {
        await produce(
          producer,
          topic,
          Array.from({ length: 1000 }, (_, j) => goodEvent(i + j)),
        );
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    for (let round = 0; round < 3; round++) {
      const serve = await ServeProcess.start(config, 1);
      await new Promise((r) => setTimeout(r, 400 + round * 300));
      await serve.kill();
    }
    await producing;
    const serve = await ServeProcess.start(config, 1);
    await waitForGroupCaughtUp(admin, `killed-${topic}`, topic, 120_000);
    assert.equal(await serve.stop(), 0);
    const rows = await storedRows(store, 'samples_killed');
    assert.equal(new Set(rows.map(keyOf)).size, rows.length, 'no event stored twice');
    assert.equal(rows.length, total, `no event missing; the last run logged:\n${serve.lines.slice(-15).join('\n')}`);
    assert.equal(new Set(rows.map((r) => r.id)).size, total);
    const consumed = await readStore(store, async (db) =>
      Number((await db.row(`SELECT value FROM ingest_counts WHERE model = 'killed' AND counter = 'consumed'`)).value),
    );
    assert.equal(consumed, total, 'the consumed counter counted each event once');
  });

  it('SIGTERM mid-stream finishes the batch in hand and exits 0; a restart resumes exactly', async () => {
    const topic = uniqueTopic('ingest-term');
    await createTopic(admin, topic, 3);
    await produce(
      producer,
      topic,
      Array.from({ length: 100_000 }, (_, i) => goodEvent(i)),
    );
    const store = `${tmp.dir}/term.duckdb`;
    const config = writeConfig(
      tmp.dir,
      { kafka: { brokers: [BROKER] }, storage: { path: store, retention: '36500d' }, models: [model('term', [topic])] },
      'term.yaml',
    );
    const first = await ServeProcess.start(config, 1);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(await first.stop(), 0, 'exit 0 after SIGTERM');
    const partial = await readStore(store, async (db) => ({
      rows: Number((await db.row(`SELECT count(*) AS n FROM samples_term`)).n),
      offsets: Number((await db.row(`SELECT coalesce(sum(next_offset), 0) AS n FROM offsets WHERE model = 'term'`)).n),
    }));
    assert.equal(partial.rows, partial.offsets, 'the stored offsets cover exactly the stored rows (nothing half-written)');
    process.stderr.write(`# SIGTERM after ${partial.rows} of 100,000 events\n`);
    const second = await ServeProcess.start(config, 1);
    await waitForGroupCaughtUp(admin, `term-${topic}`, topic, 120_000);
    assert.equal(await second.stop(), 0);
    const rows = await storedRows(store, 'samples_term');
    assert.equal(rows.length, 100_000);
    assert.equal(new Set(rows.map(keyOf)).size, 100_000);
  });

  it('bad messages are counted and quarantined with reasons; the good ones are all stored', async () => {
    const topic = uniqueTopic('ingest-bad');
    await createTopic(admin, topic, 1);
    const features = (f: Record<string, unknown>) =>
      JSON.stringify({ features: { amount: 10, age: 30, score: 0.5, channel: 'app', ...f }, ts: 1_700_000_000_000 });
    const bad = [
      { key: 'bad-json', value: '{"features": {"amount": 1,' },
      { key: 'array', value: '[1, 2, 3]' },
      { key: 'string', value: '"hello"' },
      { key: 'too-large', value: JSON.stringify({ features: { amount: 1, pad: 'x'.repeat(20_000) } }) },
      { key: 'wrong-type', value: features({ age: 'forty' }) },
      { key: 'missing', value: JSON.stringify({ features: { amount: 10, score: 0.5, channel: 'web' }, ts: '2023-11-14T22:13:20Z' }) },
      // JSON has no Infinity, but 1e999 parses to it: a number the model's logger may well write.
      { key: 'infinite', value: features({ amount: 'INF' }).replace('"INF"', '1e999') },
      {
        key: 'proto',
        value:
          '{"features": {"__proto__": {"polluted": 1}, "constructor": 5, "amount": 3, "age": 40, "score": 0.1, "channel": "store"}, "ts": 1700000000}',
      },
    ];
    const good = Array.from({ length: 500 }, (_, i) => goodEvent(i));
    const mixed = [...good.slice(0, 250), ...bad, ...good.slice(250)];
    await produce(producer, topic, mixed);
    await producer.send({ topic, messages: [{ key: 'tombstone', value: null }] });
    const store = `${tmp.dir}/bad.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [
          {
            ...model('bad', [topic]),
            source: { topics: [topic], groupId: `bad-${topic}`, startFrom: 'earliest', maxMessageBytes: 10_000, sessionTimeout: '6s' },
          },
        ],
      },
      'bad.yaml',
    );
    const serve = await ServeProcess.start(config, 1);
    await waitForGroupCaughtUp(admin, `bad-${topic}`, topic, 60_000);
    assert.equal(await serve.stop(), 0);

    const counts = await readStore(store, async (db) =>
      Object.fromEntries(
        (await db.rows(`SELECT counter, value FROM ingest_counts WHERE model = 'bad'`)).map((r) => [r.counter, Number(r.value)]),
      ),
    );
    assert.equal(counts.consumed, mixed.length + 1, JSON.stringify(counts));
    assert.equal(counts['rejected:malformed_json'], 1, JSON.stringify(counts));
    assert.equal(counts['rejected:not_an_object'], 2);
    assert.equal(counts['rejected:too_large'], 1);
    assert.equal(counts['rejected:empty_payload'], 1);
    assert.equal(counts['problem:wrong_type'], 1);
    assert.equal(counts['problem:missing_feature'], 1);
    assert.equal(counts['problem:non_finite'], 1);
    // The decodable ones are stored (with their problems noted in _errors): 500 good + 4.
    assert.equal(counts.stored, 504);

    const rows = await readStore(store, (db) => db.rows(`SELECT _id, age, amount, _errors, _extra FROM samples_bad`));
    const byId = new Map(rows.map((r) => [String(r._id), r]));
    for (const e of good) assert.ok(byId.has(e.key), `good event ${e.key} stored`);
    assert.equal(byId.get('wrong-type')!.age, null);
    assert.deepEqual(JSON.parse(String(byId.get('wrong-type')!._errors)), { age: { reason: 'wrong_type', value: '"forty"' } });
    assert.equal(byId.get('infinite')!.amount, Infinity);
    // An own "__proto__" key survives as data (JSON.parse on both sides: a literal would set the prototype).
    assert.deepEqual(JSON.parse(String(byId.get('proto')!._extra)), JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 5}'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');

    const quarantined = await readStore(store, (db) =>
      db.rows(`SELECT reason, "offset", payload FROM quarantine WHERE model = 'bad' ORDER BY "offset"`),
    );
    assert.deepEqual(
      quarantined.map((q) => q.reason),
      ['malformed_json', 'not_an_object', 'not_an_object', 'too_large', 'wrong_type', 'missing_feature', 'non_finite', 'empty_payload'],
    );
    assert.equal(quarantined[0]!.payload, '{"features": {"amount": 1,');
  });

  it('two models on two topics in one process', async () => {
    const [ta, tb] = [uniqueTopic('two-a'), uniqueTopic('two-b')];
    await createTopic(admin, ta, 2);
    await createTopic(admin, tb, 3);
    await produce(
      producer,
      ta,
      Array.from({ length: 3000 }, (_, i) => goodEvent(i)),
    );
    await produce(
      producer,
      tb,
      Array.from({ length: 5000 }, (_, i) => goodEvent(10_000 + i)),
    );
    const store = `${tmp.dir}/two.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [model('model-a', [ta]), model('model.b', [tb])],
      },
      'two.yaml',
    );
    const serve = await ServeProcess.start(config, 2);
    await waitForGroupCaughtUp(admin, `model-a-${ta}`, ta);
    await waitForGroupCaughtUp(admin, `model.b-${tb}`, tb);
    assert.equal(await serve.stop(), 0);
    const a = await storedRows(store, 'samples_model_a');
    const b = await storedRows(store, 'samples_model_b');
    assert.equal(a.length, 3000);
    assert.equal(b.length, 5000);
    assert.ok(a.every((r) => r.topic === ta) && b.every((r) => r.topic === tb));
  });
});
