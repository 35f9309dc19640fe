import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelConfig, readsKafka } from '../config/schema.js';
import { CRASH_RETRY, consumerConfig, KafkaIngest, missingTopicsMessage, predictionSink } from './kafka-source.js';

/** A model on one topic, as the config file would give it after parsing. */
function model(source: Record<string, unknown> = {}) {
  const parsed = ModelConfig.parse({ name: 'm', baseline: 'b.json', source: { topics: ['t'], ...source } });
  assert.ok(readsKafka(parsed));
  return parsed;
}

describe('consumerConfig', () => {
  it('passes the fetch defaults to kafkajs: 64 KiB or 1 s per fetch; a caught-up partition stored every 5 s', () => {
    const m = model();
    const config = consumerConfig(m);
    assert.equal(config.minBytes, 65_536);
    assert.equal(config.maxWaitTimeInMs, 1000);
    assert.equal(m.source.fetch.storeInterval, 5000);
    assert.equal(config.allowAutoTopicCreation, false, 'driftwatch never creates topics');
    assert.equal(config.groupId, 'driftwatch-m');
  });

  it("passes the model's source.fetch settings", () => {
    const m = model({ fetch: { minBytes: 1, maxWait: '250ms', storeInterval: '2s' } });
    const config = consumerConfig(m);
    assert.equal(config.minBytes, 1);
    assert.equal(config.maxWaitTimeInMs, 250);
    assert.equal(m.source.fetch.storeInterval, 2000);
  });

  it('refuses a maxWait over 10 s, a storeInterval over 60 s, and unknown keys, naming the path', () => {
    for (const [fetch, path] of [
      [{ maxWait: '11s' }, 'maxWait'],
      [{ storeInterval: '2m' }, 'storeInterval'],
      [{ minWait: '1s' }, 'fetch'],
    ] as const) {
      const result = ModelConfig.safeParse({ name: 'm', baseline: 'b.json', source: { topics: ['t'], fetch } });
      assert.equal(result.success, false, JSON.stringify(fetch));
      assert.ok(
        result.error!.issues.some((i) => i.path.join('.').includes(path)),
        JSON.stringify(result.error!.issues),
      );
    }
  });
});

describe('missingTopicsMessage', () => {
  it('names the topics and the cause', () => {
    assert.match(missingTopicsMessage(['preds']), /^topic preds does not exist on the broker yet; driftwatch does not create topics;/);
    assert.match(missingTopicsMessage(['a', 'b']), /^topics a, b do not exist on the broker yet;/);
  });
});

describe('a consumer kafkajs gave up (issue 15: broker outage while idle)', () => {
  /** A kafkajs stand-in: a consumer whose CRASH event the test fires, and an admin that lists the topic. */
  function fakeKafka() {
    const listeners = new Map<string, (e: { payload: { error: Error; restart: boolean } }) => void>();
    const calls = { connect: 0, run: 0, disconnect: 0 };
    const consumer = {
      events: { CONNECT: 'connect', DISCONNECT: 'disconnect', CRASH: 'crash', GROUP_JOIN: 'join' },
      on: (event: string, fn: (e: { payload: { error: Error; restart: boolean } }) => void) => listeners.set(event, fn),
      connect: async () => {
        calls.connect++;
      },
      subscribe: async () => {},
      run: async () => {
        calls.run++;
      },
      disconnect: async () => {
        calls.disconnect++;
      },
    };
    const admin = { connect: async () => {}, disconnect: async () => {}, listTopics: async () => ['t'] };
    const kafka = { consumer: () => consumer, admin: () => admin } as unknown as import('kafkajs').Kafka;
    const crash = (restart: boolean) =>
      listeners.get('crash')!({ payload: { error: new Error('Failed to find group coordinator'), restart } });
    return { kafka, calls, crash };
  }

  it('is started again after a back-off, and readiness knows meanwhile; a crash kafkajs restarts itself is left to it', async () => {
    const { kafka, calls, crash } = fakeKafka();
    const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet } as unknown as import('../log.js').Logger;
    const ingest = new KafkaIngest(
      kafka,
      model(),
      predictionSink({} as never, model().sampling, { write: async () => {} }),
      new Map(),
      'store-id',
      quiet,
    );
    await ingest.start();
    assert.equal(calls.run, 1);
    crash(true);
    await new Promise((r) => setTimeout(r, CRASH_RETRY.initialMs + 500));
    assert.equal(calls.run, 1, 'kafkajs restarts a retriable crash itself');
    crash(false);
    assert.match(ingest.getStatus().crashed ?? '', /group coordinator/, 'readiness names the crash');
    await new Promise((r) => setTimeout(r, CRASH_RETRY.initialMs + 500));
    assert.equal(calls.run, 2, 'started again');
    assert.equal(ingest.getStatus().restarts, 1);
    assert.equal(ingest.getStatus().crashed, undefined);
    await ingest.stop(1000);
  });
});
