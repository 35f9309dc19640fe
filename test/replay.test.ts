// `driftwatch replay`: backfills a range of a model's topics into the store beside the live
// consumer group; replaying twice stores each event once; the live group is left alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { runCli, tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-replay-');
const kafka = testKafka();
let admin: Admin;
let producer: Producer;
after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  tmp.cleanup();
});
before(async () => {
  admin = kafka.admin();
  producer = kafka.producer();
  await admin.connect();
  await producer.connect();
});

describe('replay', { timeout: 180_000 }, () => {
  it('backfills the history before the live consumer, idempotently, without touching the live group', async () => {
    const topic = uniqueTopic('replay');
    await createTopic(admin, topic, 3);
    await produce(
      producer,
      topic,
      Array.from({ length: 6000 }, (_, i) => goodEvent(i)),
    );
    const baseline = await testBaseline(tmp.dir);
    const store = `${tmp.dir}/replay.duckdb`;
    const groupId = `live-${topic}`;
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      models: [{ name: 'rp', baseline, source: { topics: [topic], groupId, startFrom: 'latest', sessionTimeout: '6s' } }],
    });
    // The live service starts at the end: it stores only what comes after it.
    const serve = await ServeProcess.start(config, 1);
    await new Promise((r) => setTimeout(r, 3000));
    await produce(
      producer,
      topic,
      Array.from({ length: 3000 }, (_, i) => goodEvent(6000 + i)),
    );
    await waitForGroupCaughtUp(admin, groupId, topic);
    assert.equal(await serve.stop(), 0);
    const count = () =>
      readStore(store, (db) =>
        db.row(
          `SELECT count(*)::INTEGER AS n, count(DISTINCT (_partition, _offset))::INTEGER AS d, count(DISTINCT _id)::INTEGER AS ids FROM samples_rp`,
        ),
      );
    assert.deepEqual(await count(), { n: 3000, d: 3000, ids: 3000 });
    const liveOffsets = await admin.fetchOffsets({ groupId, topics: [topic] });

    for (const round of [1, 2]) {
      const r = await runCli(['replay', '--config', config, '--model', 'rp', '--from', '0']);
      assert.equal(r.code, 0, r.stderr);
      // Everything before the live consumer's stored offsets: the 6000 it never saw and the 3000 it
      // stored, which are replaced, not added.
      assert.match(r.stderr, /replayed 9000 messages into samples_rp/);
      assert.deepEqual(await count(), { n: 9000, d: 9000, ids: 9000 }, `after replay ${round}: every event once`);
    }
    assert.deepEqual(await admin.fetchOffsets({ groupId, topics: [topic] }), liveOffsets, 'the live group is untouched');
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    assert.ok(!groups.some((g) => g.startsWith('driftwatch-replay-rp-')), 'the replay group is deleted');
    const counters = await readStore(store, (db) =>
      db.rows(`SELECT counter, value FROM ingest_counts WHERE model = 'rp' ORDER BY counter`),
    );
    const value = (c: string) => Number(counters.find((r) => r.counter === c)?.value);
    assert.equal(value('consumed'), 3000, 'live counters count live events only');
    assert.equal(value('replay:consumed'), 18000);

    // A bounded range: offsets [0, 100) of every partition, replayed into the same rows.
    const bounded = await runCli(['replay', '--config', config, '--model', 'rp', '--from', '0', '--to', '100']);
    assert.equal(bounded.code, 0, bounded.stderr);
    assert.match(bounded.stderr, /replayed 300 messages/);
    assert.deepEqual(await count(), { n: 9000, d: 9000, ids: 9000 });
  });

  it('refuses to run while the service holds the store, and explains', async () => {
    const baseline = await testBaseline(tmp.dir, 'locked');
    const topic = uniqueTopic('replay-lock');
    await createTopic(admin, topic, 1);
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: `${tmp.dir}/locked.duckdb` },
        models: [{ name: 'locked', baseline, source: { topics: [topic], sessionTimeout: '6s' } }],
      },
      'locked.yaml',
    );
    const serve = await ServeProcess.start(config, 1);
    try {
      const r = await runCli(['replay', '--config', config, '--model', 'locked', '--from', '0']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /the store '.*locked\.duckdb' is in use by another process \(is `driftwatch serve` running\?\)/);
      const unknown = await runCli(['replay', '--config', config, '--model', 'nope', '--from', '0']);
      assert.match(unknown.stderr, /unknown model 'nope'; the config has: locked/);
    } finally {
      await serve.stop();
    }
  });
});
