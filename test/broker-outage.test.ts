// The broker stopped for 20 s and restarted during consumption: the service reconnects by itself
// and nothing is lost or stored twice. Uses a broker of its own, so other tests keep theirs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { brokerScript, createTopic, endOffsets, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { assertStoredOnce, readStore, ServeProcess, writeConfig } from './helpers/service.js';

const PORT = process.env.OUTAGE_KAFKA_PORT ?? '39092';
const BROKER_ENV = { KAFKA_PORT: PORT, KAFKA_CONTROLLER_PORT: String(Number(PORT) + 1) };
const BROKER = `localhost:${PORT}`;
const READ = 'read-token-broker-outage-0123456789';
const tmp = tempDir('driftwatch-outage-');

before(async () => {
  await brokerScript('start', BROKER_ENV);
});
after(async () => {
  await brokerScript('stop', BROKER_ENV, ['--wipe']).catch(() => {});
  tmp.cleanup();
});

describe('broker outage', { timeout: 300_000 }, () => {
  it('a 20 s broker outage mid-stream: the service reconnects by itself; nothing lost, nothing twice', async () => {
    const t0 = Date.now();
    const step = (what: string) => process.stderr.write(`# outage test +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}\n`);
    const topic = uniqueTopic('outage');
    const kafka = testKafka(BROKER);
    let admin = kafka.admin();
    let producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    await createTopic(admin, topic, 3);
    await produce(
      producer,
      topic,
      Array.from({ length: 150_000 }, (_, i) => goodEvent(i)),
    );
    const baseline = await testBaseline(tmp.dir);
    const store = `${tmp.dir}/outage.duckdb`;
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      models: [
        {
          name: 'outage',
          baseline,
          source: { topics: [topic], groupId: `outage-${topic}`, startFrom: 'earliest', sessionTimeout: '10s', metadataInterval: '2s' },
        },
      ],
    });
    step('produced 150,000');
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `read:${READ}` });
    const readyz = async () => {
      const response = await fetch(`${serve.apiUrl()}/readyz`, { headers: { authorization: `Bearer ${READ}` } });
      return { code: response.status, reasons: ((await response.json()) as { reasons?: string[] }).reasons ?? [] };
    };
    step('service started');
    await producer.disconnect();
    await admin.disconnect();
    // Mid-stream: the service is still working through the 150,000 events.
    await new Promise((r) => setTimeout(r, 700));
    step('stopping the broker');
    await brokerScript('stop', BROKER_ENV);
    await new Promise((r) => setTimeout(r, 10_000));
    // Before: ready, with the lag of the last stored batch, as if all were well.
    const during = await readyz();
    assert.equal(during.code, 503, JSON.stringify(during));
    assert.ok(
      during.reasons.some((r) => r.startsWith('model outage: the broker does not answer')),
      JSON.stringify(during),
    );
    await new Promise((r) => setTimeout(r, 10_000));
    assert.equal(serve.child.exitCode, null, 'the service is still running after 20 s without a broker');
    await brokerScript('start', BROKER_ENV);
    step('broker restarted');

    admin = kafka.admin();
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    await produce(
      producer,
      topic,
      Array.from({ length: 20_000 }, (_, i) => goodEvent(150_000 + i)),
    );
    step('produced 20,000 more');
    await waitForGroupCaughtUp(admin, `outage-${topic}`, topic, 120_000);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await readyz()).code, 200, 'ready again once the broker answers');
    step('caught up again');
    await producer.disconnect();
    await admin.disconnect();
    assert.equal(await serve.stop(), 0);

    const disconnectTimedOut = serve.lines.filter((l) => /Kafka disconnect did not finish/.test(l)).length;
    step(`stopped${disconnectTimedOut ? ' (after the disconnect time-out)' : ''}`);
    // Every event before and after the outage, none twice.
    await assertStoredOnce(store, 'outage', 170_000);
  });

  it('a 60 s outage while the consumer is idle: after the broker is back, new events are stored within a minute, with no restart by hand', async () => {
    const topic = uniqueTopic('idle-outage');
    const kafka = testKafka(BROKER);
    const admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 3);
    await admin.disconnect();
    const store = `${tmp.dir}/idle.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [
          {
            name: 'idle',
            baseline: await testBaseline(tmp.dir, 'idle'),
            source: { topics: [topic], groupId: `idle-${topic}`, startFrom: 'earliest', sessionTimeout: '10s', metadataInterval: '2s' },
          },
        ],
      },
      'idle.yaml',
    );
    const serve = await ServeProcess.start(config, 1);
    let inLog = 0;
    try {
      // Idle: heartbeats and empty fetches only, then no broker for a minute (the red team's crash came 1 s in).
      await new Promise((r) => setTimeout(r, 3000));
      await brokerScript('stop', BROKER_ENV);
      await new Promise((r) => setTimeout(r, 60_000));
      assert.equal(serve.child.exitCode, null, 'the service is still running');
      await brokerScript('start', BROKER_ENV);
      const back = Date.now();
      const producer = kafka.producer();
      await producer.connect();
      await produce(
        producer,
        topic,
        Array.from({ length: 5000 }, (_, i) => goodEvent(i)),
      );
      await producer.disconnect();
      const watcher = kafka.admin();
      await watcher.connect();
      try {
        await waitForGroupCaughtUp(watcher, `idle-${topic}`, topic, 60_000);
        // kafkajs' producer, just after the broker's restart, may write a retried batch twice: the log, not the 5,000 sent, is what must be stored once.
        inLog = [...(await endOffsets(watcher, topic)).values()].reduce((a, b) => a + Number(b), 0);
      } finally {
        await watcher.disconnect();
      }
      process.stderr.write(
        `# idle outage: caught up ${((Date.now() - back) / 1000).toFixed(1)} s after the broker was back; kafkajs crashes seen: ${serve.lines.filter((l) => /kafkajs gave it up/.test(l)).length}\n`,
      );
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    await assertStoredOnce(store, 'idle', inLog);
    const ids = await readStore(store, (db) => db.row(`SELECT count(DISTINCT _id)::INTEGER AS n FROM samples_idle`));
    assert.equal(ids.n, 5000, 'every event sent is stored');
  });
});
