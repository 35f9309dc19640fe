// Performance in checks and alerts (issue 17, parts 3 and 4) through the built CLI and `serve`:
// offline, `check --labels --prediction` against a profile made with `--prediction --label` runs
// the performance decision (a labelled file 10 points of accuracy worse is flagged and exits 1
// with --fail-on-performance; an undrifted one is not) and reports the CBPE estimate beside the
// realized values; live, predictions and labels on real Kafka topics with a drop raise one
// `performance_drop` alert, delivered to a webhook.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CheckReport } from '../src/contracts/report.js';
import { runCli, tempDir } from './helpers/cli.js';
import { BROKER, createTopic, fileClients, produce, testKafka, uniqueTopic } from './helpers/kafka.js';
import { mulberry32, normal } from './helpers/random.js';
import { WebhookReceiver } from './helpers/receivers.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-performance-live-');

interface Row {
  id: string;
  x: number;
  score: number;
  label: number;
}

/** A calibrated binary model: x ~ N(0, 1), score = sigmoid(2x), label ~ Bernoulli(score); `flip` turns labels of a share of rows. */
function rows(n: number, seed: number, flip = 0, prefix = 'r'): Row[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = normal(random);
    const score = 1 / (1 + Math.exp(-2 * x));
    let label = random() < score ? 1 : 0;
    if (random() < flip) label = 1 - label;
    return { id: `${prefix}${i}`, x, score: Math.round(score * 1e6) / 1e6, label };
  });
}

const csv = (data: Row[], columns: (keyof Row)[]) =>
  `${columns.join(',')}\n${data.map((r) => columns.map((c) => r[c]).join(',')).join('\n')}\n`;
const accuracyOf = (data: Row[]) => data.filter((r) => (r.score >= 0.5 ? 1 : 0) === r.label).length / data.length;

let profile: string;
before(async () => {
  const validation = tmp.file('validation.csv', csv(rows(4000, 1), ['x', 'score', 'label']));
  profile = join(tmp.dir, 'model.json');
  const r = await runCli([
    'baseline',
    'create',
    '--data',
    validation,
    '--name',
    'perf',
    '--out',
    profile,
    '--prediction',
    'score',
    '--label',
    'label',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /CBPE fitted/);
});
after(() => tmp.cleanup());

describe('performance decision and estimate, offline', { timeout: 120_000 }, () => {
  async function check(name: string, data: Row[], ...extra: string[]) {
    const current = tmp.file(`${name}.csv`, csv(data, ['id', 'x', 'score']));
    const labels = tmp.file(`${name}-labels.csv`, csv(data, ['id', 'label']));
    const args = ['check', '--baseline', profile, '--current', current, '--labels', labels, '--id', 'id', '--prediction', 'score'];
    const r = await runCli([...args, '--format', 'json', ...extra]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const text = await runCli(args);
    assert.equal(text.code, 0, text.stderr);
    return { code: r.code, report: CheckReport.parse(JSON.parse(r.stdout)), text: text.stdout };
  }

  it('flags a labelled file 10 points of accuracy worse, exits 1 with --fail-on-performance; the estimate stays at the scores', async () => {
    const undrifted = rows(2000, 2);
    const dropped = rows(2000, 3, 0.17);
    const drop = accuracyOf(undrifted) - accuracyOf(dropped);
    assert.ok(drop > 0.08 && drop < 0.13, `the fixture drops accuracy by about 10 points (${drop})`);
    const { code, report, text } = await check('dropped', dropped, '--fail-on-performance');
    assert.equal(code, 1, 'a credible drop exits 1 with --fail-on-performance');
    const decision = report.labels?.decision;
    assert.ok(decision, 'the report carries the decision');
    assert.equal(decision.decided, true);
    assert.equal(decision.drift, true);
    const accuracy = decision.metrics.find((m) => m.metric === 'accuracy')!;
    assert.equal(accuracy.drifted, true, accuracy.reason);
    assert.ok(accuracy.adjustedP! < 0.01 && accuracy.drop! > 0.08, JSON.stringify(accuracy));
    assert.equal(accuracy.minDrop, 0.02);
    assert.ok(accuracy.interval && accuracy.interval.upper < accuracy.baseline!);
    assert.match(text, /decision: performance dropped: .*accuracy/);
    assert.match(text, /accuracy .*DROPPED/);
    // The scores did not change: CBPE still estimates the baseline's accuracy (it cannot see concept drift).
    const estimated = report.estimatedPerformance!.metrics.find((m) => m.metric === 'accuracy')!;
    assert.ok(estimated.estimate! > accuracy.window! + 0.05, JSON.stringify(estimated));
    const plain = await runCli(['check', '--baseline', profile, '--current', join(tmp.dir, 'dropped.csv')]);
    assert.equal(plain.code, 0, 'without --fail-on-performance the exit code is unchanged');
  });

  it('an undrifted labelled file: no drop; the estimate is close to the realized value, inside its band', async () => {
    const { code, report, text } = await check('same', rows(2000, 4), '--fail-on-performance');
    assert.equal(code, 0);
    const decision = report.labels!.decision!;
    assert.equal(decision.decided, true);
    assert.equal(decision.drift, false, decision.reason);
    assert.ok(decision.tested >= 5, `metrics tested: ${decision.tested}`);
    const estimated = report.estimatedPerformance!;
    assert.equal(estimated.rows, 2000);
    for (const metric of ['accuracy', 'roc_auc', 'f1', 'precision', 'recall']) {
      const m = estimated.metrics.find((e) => e.metric === metric)!;
      const realized = report.labels!.performance!.metrics[metric]!.value!;
      assert.equal(m.realized, realized);
      assert.ok(m.lower! <= realized && realized <= m.upper!, `${metric}: realized ${realized} in [${m.lower}, ${m.upper}]`);
      assert.ok(Math.abs(m.estimate! - realized) < 0.03, `${metric}: estimate ${m.estimate}, realized ${realized}`);
    }
    assert.match(text, /estimated performance: estimated by CBPE from 2,000 scores/);
  });

  it('below the minimum labelled rows: decided false, with the reason', async () => {
    const data = rows(40, 5);
    const { report } = await check('small', data);
    const decision = report.labels!.decision!;
    assert.equal(decision.decided, false);
    assert.match(decision.reason, /only 40 labelled rows .* fewer than the 50/);
    // The estimate needs no labels: a check without --labels reports it from the file's scores.
    const current = join(tmp.dir, 'small.csv');
    const r = await runCli(['check', '--baseline', profile, '--current', current, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const plain = CheckReport.parse(JSON.parse(r.stdout));
    assert.equal(plain.labels, undefined);
    assert.equal(plain.estimatedPerformance?.rows, 40);
  });
});

describe('performance_drop in serve', { timeout: 240_000 }, () => {
  const hook = new WebhookReceiver();
  const kafka = testKafka();
  const { admin, producer } = fileClients(kafka);
  const ADMIN = 'admin-token-performance-0123456789';
  const EVENTS = 1500;
  before(async () => {
    await hook.start();
    await Promise.all([admin.connect(), producer.connect()]);
  });
  after(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await hook.stop();
  });

  it('predictions and late labels with a drop raise one performance_drop alert, delivered to a webhook once', async () => {
    const preds = uniqueTopic('perf-preds');
    const labelsTopic = uniqueTopic('perf-labels');
    await createTopic(admin, preds, 3);
    await createTopic(admin, labelsTopic, 3);
    const data = rows(EVENTS, 11, 0.2, 'evt-');
    const now = Date.now();
    await produce(
      producer,
      preds,
      data.map((r, i) => ({ key: r.id, value: JSON.stringify({ features: { x: r.x }, prediction: r.score, ts: now - 60_000 + i }) })),
    );
    await produce(
      producer,
      labelsTopic,
      data.map((r, i) => ({ key: `label-${r.id}`, value: JSON.stringify({ event: { id: r.id }, outcome: r.label, at: now + i }) })),
    );
    const model = 'perf-live';
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: join(tmp.dir, 'live.duckdb'), retention: '36500d' },
        alerts: {
          channels: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'performance-secret-0123456789abcdef' }],
          routes: [{ channels: ['hook'], models: [model] }],
        },
        models: [
          {
            name: model,
            baseline: profile,
            window: `events:${EVENTS}`,
            source: { topics: [preds], groupId: `perf-${preds}`, startFrom: 'earliest', sessionTimeout: '10s' },
            event: { timestamp: 'ts', prediction: 'prediction' },
            labels: { topics: [labelsTopic], id: 'event.id', label: 'outcome', timestamp: 'at' },
          },
        ],
      },
      'performance.yaml',
    );
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `admin:${ADMIN}` });
    try {
      const base = serve.apiUrl();
      const auth = { authorization: `Bearer ${ADMIN}` };
      const deadline = Date.now() + 90_000;
      for (;;) {
        const body = (await (await fetch(`${base}/api/v1/models/${model}`, { headers: auth })).json()) as {
          counters?: Record<string, number>;
        };
        if ((body.counters?.consumed ?? 0) >= EVENTS && (body.counters?.['labels:stored'] ?? 0) >= EVENTS) break;
        assert.ok(Date.now() < deadline, JSON.stringify(body.counters));
        await new Promise((r) => setTimeout(r, 250));
      }
      const check = async () => {
        const r = await fetch(`${base}/api/v1/models/${model}/checks`, { method: 'POST', headers: auth });
        assert.ok(r.status === 200 || r.status === 201, `${r.status} ${await r.clone().text()}`);
        return CheckReport.parse(await r.json());
      };
      const report = await check();
      assert.equal(report.labels?.labelled, EVENTS);
      assert.equal(report.labels?.decision?.drift, true, report.labels?.decision?.reason);
      assert.ok(report.labels?.decision?.metrics.find((m) => m.metric === 'accuracy')?.drifted);
      assert.equal(report.estimatedPerformance?.rows, EVENTS, 'the estimate reads every stored score');
      const until = Date.now() + 30_000;
      while (hook.delivered().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      const firing = () =>
        hook
          .delivered()
          .map(
            (d) => JSON.parse(d.body) as { status: string; alerts: { kind: string; feature: string; status: string; summary: string }[] },
          )
          .filter((p) => p.alerts.some((a) => a.kind === 'performance_drop' && a.status === 'firing'));
      assert.equal(firing().length, 1, 'the webhook got the notification');
      const [payload] = firing();
      assert.deepEqual(
        payload!.alerts.map((a) => [a.kind, a.feature]),
        [['performance_drop', '*']],
        'one alert per model; the features and the scores did not move',
      );
      assert.match(
        payload!.alerts[0]!.summary,
        /accuracy fell from 0\.\d+ to 0\.\d+: a drop of 0\.\d+, credibly more than the 0\.02 that matters/,
      );
      // The estimate as a gauge, from the newest stored report.
      const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
      const gauge = metrics.match(/^driftwatch_estimated_performance\{model="perf-live",metric="accuracy"\} ([\d.]+)$/m);
      const estimatedAccuracy = report.estimatedPerformance!.metrics.find((m) => m.metric === 'accuracy')!.estimate!;
      assert.ok(
        gauge && Math.abs(Number(gauge[1]) - estimatedAccuracy) < 1e-9,
        metrics
          .split('\n')
          .filter((l) => /estimated/.test(l))
          .join('\n'),
      );
      // The same drop at the next check keeps the alert firing: no second notification.
      await check();
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(firing().length, 1, 'delivered once');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });
});
