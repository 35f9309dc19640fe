// A model whose topic does not exist yet when `serve` starts (the usual order: driftwatch first,
// the model's first event later). The service waits for the topic without creating it (the
// shared broker has auto.create.topics.enable on, so a consumer that let it would create it),
// names the topic and the cause in the log and on /readyz, counts the wait in /metrics, skips the
// scheduled checks instead of alerting "insufficient data", and consumes once the topic appears.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, fileClients, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { WebhookReceiver } from './helpers/receivers.js';
import { assertStoredOnce, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-topic-missing-');
const READ = 'read-token-topic-missing-0123456789';
const kafka = testKafka();
const hook = new WebhookReceiver();
const { admin, producer } = fileClients(kafka);

before(async () => {
  await hook.start();
});
after(async () => {
  await hook.stop();
  tmp.cleanup();
});

async function readyz(
  url: string,
): Promise<{ code: number; body: { status: string; reasons: string[]; waitingForTopic?: Record<string, string[]> } }> {
  // The reasons need a read token (without one, /readyz says only ready or not).
  const response = await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${READ}` } });
  return { code: response.status, body: (await response.json()) as never };
}

describe('a topic that does not exist yet', { timeout: 120_000 }, () => {
  it('waits for it (named in the log, /readyz and /metrics), skips scheduled checks, then stores its events once it exists', async () => {
    const topic = uniqueTopic('not-yet');
    const group = `not-yet-${topic}`;
    const store = `${tmp.dir}/not-yet.duckdb`;
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      alerts: {
        channels: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'topic-missing-secret-0123456789' }],
        routes: [{ channels: ['hook'] }],
      },
      models: [
        {
          name: 'not-yet',
          baseline: await testBaseline(tmp.dir, 'not-yet'),
          source: { topics: [topic], groupId: group, startFrom: 'earliest', sessionTimeout: '10s' },
          event: { timestamp: 'ts' },
          window: '1h',
          schedule: { cron: '*/2 * * * * *' },
        },
      ],
    });
    const serve = await ServeProcess.start(config, 0, { DRIFTWATCH_API_TOKENS: `read:${READ}` });
    try {
      const url = serve.apiUrl();
      const cause = `topic ${topic} does not exist on the broker yet; driftwatch does not create topics`;
      await serve.waitForLog(new RegExp(`not consuming yet: ${cause}`), 30_000);
      const waiting = await readyz(url);
      assert.equal(waiting.code, 503);
      assert.deepEqual(waiting.body.waitingForTopic, { 'not-yet': [topic] });
      assert.ok(
        waiting.body.reasons.some((r) => r.startsWith('model not-yet: waiting_for_topic:') && r.includes(cause)),
        JSON.stringify(waiting.body),
      );
      // Two scheduled checks come and go without a report or an alert.
      await serve.waitForLog(new RegExp(`scheduled check skipped: the model is not consuming yet: ${cause}`), 30_000, 2);
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${READ}` } })).text();
      assert.match(metrics, new RegExp(`driftwatch_kafka_topic_missing\\{model="not-yet",topic="${topic}"\\} 1`));
      assert.match(metrics, /driftwatch_checks_skipped_total\{model="not-yet",reason="waiting_for_topic"\} [1-9]/);
      assert.equal(serve.lines.filter((l) => /"msg":"check done"/.test(l)).length, 0, 'no check ran');
      assert.equal(hook.requests.length, 0, `no notification while waiting: ${hook.requests.map((r) => r.body).join('\n')}`);

      // driftwatch did not create the topic behind the test's back: this creates it.
      assert.equal(
        await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }),
        true,
        'the topic did not exist yet',
      );
      await produce(
        producer,
        topic,
        Array.from({ length: 300 }, (_, i) => goodEvent(i)),
      );
      await serve.waitForLog(/"msg":"model ingest started"/, 30_000);
      await waitForGroupCaughtUp(admin, group, topic, 60_000);
      const ready = await readyz(url);
      assert.equal(ready.code, 200, JSON.stringify(ready.body));
      assert.equal(ready.body.waitingForTopic, undefined);
      await serve.waitForLog(/"msg":"check done"/, 30_000);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    await assertStoredOnce(store, 'not-yet', 300);
  });
});
