// Prediction drift in the running service (issue 17, part 1): `serve` reads a model's events from
// a real Kafka topic on localhost:9092, stores each event's `event.prediction`, and a check whose
// window's predictions moved away from the baseline's (while the features did not) raises a
// `prediction_drift` alert, delivered to a real HTTP webhook receiver, signed. A second model on
// the same topic whose config has no `event.prediction` says once, in the log and in /readyz
// notes, that its baseline's prediction is not compared; its report says so too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../src/alerts/channels/webhook/webhook.js';
import { runCli, tempDir } from './helpers/cli.js';
import { goodEvent } from './helpers/events.js';
import { BROKER, createTopic, fileClients, produce, testKafka, uniqueTopic } from './helpers/kafka.js';
import { WebhookReceiver } from './helpers/receivers.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-prediction-serve-');
const hook = new WebhookReceiver();
const kafka = testKafka();
const { admin, producer } = fileClients(kafka);
const SECRET = 'prediction-secret-0123456789abcdef';
const ADMIN = 'admin-token-prediction-0123456789';
const READ = 'read-token-prediction-0123456789ab';
const EVENTS = 1500;

/** The model's fraud score on row i of the baseline: spread over [0, 1). */
const baselineScore = (i: number) => ((i * 37) % 100) / 100;
/** ... and in the window: the same features, but every score in the upper half. */
const shiftedScore = (i: number) => 0.5 + ((i * 37) % 50) / 100;

/** The events of goodEvent (the test model's features), with `prediction.fraud` set by `score`. */
function event(i: number, score: (i: number) => number) {
  const e = goodEvent(i);
  const body = JSON.parse(e.value) as { features: Record<string, unknown>; prediction: unknown; ts: number };
  return { key: e.key, value: JSON.stringify({ ...body, prediction: { fraud: score(i) }, ts: Date.now() - 60_000 + (i % 1000) }) };
}

let baseline: string;
before(async () => {
  await hook.start();
  await Promise.all([admin.connect(), producer.connect()]);
  // The baseline: goodEvent's features on rows 0..3999, with the model's score beside them.
  const lines = ['amount,age,score,channel,fraud'];
  for (let i = 0; i < 4000; i++) {
    const f = (JSON.parse(goodEvent(i).value) as { features: Record<string, unknown> }).features;
    lines.push(`${f.amount},${f.age},${f.score},${f.channel},${baselineScore(i)}`);
  }
  const data = tmp.file('baseline.csv', `${lines.join('\n')}\n`);
  baseline = join(tmp.dir, 'baseline.json');
  const r = await runCli(['baseline', 'create', '--data', data, '--name', 'pred-live', '--out', baseline, '--prediction', 'fraud']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await hook.stop();
  tmp.cleanup();
});

describe('prediction drift in serve', { timeout: 180_000 }, () => {
  it('a shift of the logged predictions raises prediction_drift, delivered to a webhook; a model without event.prediction says so', async () => {
    const topic = uniqueTopic('prediction-live');
    await createTopic(admin, topic, 3);
    await produce(
      producer,
      topic,
      Array.from({ length: EVENTS }, (_, i) => event(10_000 + i, shiftedScore)),
    );
    const source = { topics: [topic], startFrom: 'earliest', sessionTimeout: '10s' };
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: join(tmp.dir, 'store.duckdb'), retention: '36500d' },
        alerts: {
          channels: [{ name: 'hook', type: 'webhook', url: hook.url, secret: SECRET }],
          routes: [{ channels: ['hook'], models: ['pred-live'] }],
        },
        models: [
          {
            name: 'pred-live',
            baseline,
            window: `events:${EVENTS}`,
            source: { ...source, groupId: `pred-live-${topic}` },
            event: { timestamp: 'ts', prediction: 'prediction.fraud' },
          },
          {
            name: 'pred-unmapped',
            baseline,
            window: `events:${EVENTS}`,
            source: { ...source, groupId: `pred-unmapped-${topic}` },
            event: { timestamp: 'ts' },
          },
        ],
      },
      'prediction.yaml',
    );
    const serve = await ServeProcess.start(config, 2, { DRIFTWATCH_API_TOKENS: `admin:${ADMIN},read:${READ}` });
    try {
      const base = serve.apiUrl();
      const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${READ}` } });
      const check = async (model: string) => {
        const r = await fetch(`${base}/api/v1/models/${model}/checks`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
        assert.ok(r.status === 200 || r.status === 201, `${r.status} ${await r.clone().text()}`);
        return (await r.json()) as {
          status: string;
          window: { rows: number };
          features: { name: string; drift: boolean }[];
          prediction?: { status: string; source: string; message?: string; outputs: { name: string; drift: boolean; reasons: string[] }[] };
        };
      };
      // Every event stored by both models before the checks.
      for (const model of ['pred-live', 'pred-unmapped']) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const body = (await (await get(`/api/v1/models/${model}`)).json()) as { counters?: Record<string, number> };
          if ((body.counters?.consumed ?? 0) >= EVENTS) break;
          assert.ok(Date.now() < deadline, `${model}: ${JSON.stringify(body.counters)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }

      const report = await check('pred-live');
      assert.equal(report.window.rows, EVENTS);
      assert.deepEqual(
        report.features.filter((f) => f.drift).map((f) => f.name),
        [],
        'the features did not move',
      );
      assert.equal(report.status, 'drift');
      assert.equal(report.prediction?.status, 'drift');
      assert.equal(report.prediction?.source, 'events');
      assert.equal(report.prediction?.outputs[0]?.name, 'fraud');

      const deadline = Date.now() + 30_000;
      while (hook.delivered().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const [delivered] = hook.delivered();
      assert.ok(delivered, 'the webhook got the notification');
      assert.ok(verifySignature(SECRET, String(delivered.headers['x-driftwatch-signature']), delivered.body), 'signed');
      const payload = JSON.parse(delivered.body) as {
        status: string;
        model: string;
        alerts: { kind: string; feature: string; summary: string; stats: Record<string, unknown> }[];
      };
      assert.equal(payload.status, 'firing');
      assert.equal(payload.model, 'pred-live');
      assert.deepEqual(
        payload.alerts.map((a) => [a.kind, a.feature]),
        [['prediction_drift', 'fraud']],
      );
      assert.match(payload.alerts[0]!.summary, /^prediction fraud: drift: /);
      assert.ok(typeof payload.alerts[0]!.stats.psi === 'number', 'the statistics ride along');

      // The model whose config stores no prediction: said in the log once, in /readyz notes, in its report.
      assert.equal(
        serve.lines.filter((l) => /pred-unmapped: the baseline has a prediction 'fraud' but the config has no event\.prediction/.test(l))
          .length,
        1,
      );
      const ready = (await (await get('/readyz')).json()) as { status: string; notes?: string[] };
      assert.equal(ready.status, 'ready', 'a note never makes the service not ready');
      assert.ok(
        ready.notes?.some((n) => /pred-unmapped: .*no event\.prediction/.test(n)),
        JSON.stringify(ready),
      );
      const unmapped = await check('pred-unmapped');
      assert.equal(unmapped.prediction?.status, 'absent');
      assert.match(unmapped.prediction?.message ?? '', /config has no event\.prediction/);
      assert.equal(unmapped.status, 'ok');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });
});
