// Labels that arrive later: from a real Kafka topic, stored exactly once through SIGKILLs of
// `serve` (one row per label message kept by the sampler, the counters exact), joined with the
// stored predictions by id at check time (labels that came before their predictions too); over
// HTTP, a client's resend counted once; offline, `check --labels` joins a label file by id; and
// bad input gives clear errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { keepSample } from '../src/ingest/sampler.js';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-labels-');
const kafka = testKafka();
let admin: Admin;
let producer: Producer;

before(async () => {
  admin = kafka.admin();
  producer = kafka.producer();
  await admin.connect();
  await producer.connect();
});
after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  tmp.cleanup();
});

const RATE = 0.5;
const PREDICTIONS = 2000;
const kept = (id: string) => keepSample(id, RATE);
const T = 1_700_000_000_000;

/** A label message of event `evt-i` (key: anything but the id, so the sampler cannot lean on it). */
const labelMessage = (id: string, y: number, at: number, partition: number) => ({
  key: `label-of-${id}`,
  value: JSON.stringify({ event: { id }, outcome: y, at }),
  partition,
});

describe('labels from a Kafka topic', { timeout: 300_000 }, () => {
  it('are stored exactly once through SIGKILLs, joined by id whenever they arrive; duplicates, corrections and unknown ids counted', async () => {
    const preds = uniqueTopic('labels-preds');
    const labelsTopic = uniqueTopic('labels-y');
    await createTopic(admin, preds, 3);
    await createTopic(admin, labelsTopic, 3);
    const baseline = await testBaseline(tmp.dir, 'labelled');
    const store = `${tmp.dir}/labels.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [
          {
            name: 'labelled',
            baseline,
            source: {
              topics: [preds],
              groupId: `p-${preds}`,
              startFrom: 'earliest',
              sessionTimeout: '6s',
              fetch: { storeInterval: '1ms' },
            },
            event: { timestamp: 'ts', prediction: 'prediction' },
            // By key: the key is the event id (no event.id), so a label's id reproduces the decision.
            sampling: { rate: RATE, by: 'key' },
            labels: { topics: [labelsTopic], id: 'event.id', label: 'outcome', timestamp: 'at' },
          },
        ],
      },
      'labels.yaml',
    );
    // Predictions 0..1899 first; 1900..1999 only after their labels (labels may come first).
    await produce(
      producer,
      preds,
      Array.from({ length: 1900 }, (_, i) => goodEvent(i)),
    );
    const labelled = [...Array.from({ length: 1500 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 1900 + i)];
    const messages = [
      ...labelled.map((i) => labelMessage(`evt-${i}`, i % 2, T + i, i % 3)),
      // A producer's retry: the same label again.
      ...Array.from({ length: 100 }, (_, i) => labelMessage(`evt-${i}`, i % 2, T + i, (i + 1) % 3)),
      // Corrections, later: the other label.
      ...Array.from({ length: 50 }, (_, i) => labelMessage(`evt-${100 + i}`, 1 - ((100 + i) % 2), T + 10_000_000 + i, i % 3)),
      // Ids no prediction has.
      ...Array.from({ length: 50 }, (_, i) => labelMessage(`ghost-${i}`, 1, T + i, i % 3)),
    ];
    const producing = (async () => {
      for (let i = 0; i < messages.length; i += 50) {
        await produce(producer, labelsTopic, messages.slice(i, i + 50));
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    for (let round = 0; round < 3; round++) {
      const serve = await ServeProcess.start(config, 1);
      await new Promise((r) => setTimeout(r, 500 + round * 400));
      await serve.kill();
    }
    await producing;
    await produce(
      producer,
      preds,
      Array.from({ length: 100 }, (_, i) => goodEvent(1900 + i)),
    );
    const serve = await ServeProcess.start(config, 1);
    await waitForGroupCaughtUp(admin, `p-${preds}`, preds, 120_000);
    await waitForGroupCaughtUp(admin, 'driftwatch-labelled-labels', labelsTopic, 120_000);
    assert.ok(serve.lines.some((l) => /"msg":"labels ingest started"/.test(l)));
    assert.equal(await serve.stop(), 0);

    const expectedRows = messages.filter((m) => kept(JSON.parse(m.value).event.id)).length;
    const found = await readStore(store, async (db) => ({
      rows: await db.row(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT (topic, "partition", "offset"))::INTEGER AS d,
           count(*) FILTER (WHERE topic <> ?)::INTEGER AS elsewhere FROM labels_labelled`,
        [labelsTopic],
      ),
      counters: Object.fromEntries(
        (await db.rows(`SELECT counter, value::INTEGER AS v FROM ingest_counts WHERE model = 'labelled'`)).map((r) => [r.counter, r.v]),
      ),
      corrected: (
        await db.rows(
          `SELECT id, label FROM labels_labelled WHERE id IN ('evt-100', 'evt-101', 'evt-102', 'evt-103')
           QUALIFY row_number() OVER (PARTITION BY id ORDER BY label_ts DESC, seq DESC) = 1 ORDER BY id`,
        )
      ).map((r) => `${r.id}=${r.label}`),
    }));
    assert.deepEqual(found.rows, { n: expectedRows, d: expectedRows, elsewhere: 0 }, 'every kept label message stored once, by its offset');
    assert.equal(found.counters['labels:consumed'], messages.length, 'each label message counted once through the kills');
    assert.equal(found.counters['labels:stored'], expectedRows);
    assert.equal(found.counters['labels:sampled_out'], messages.length - expectedRows, 'labels of sampled-out ids dropped, not unmatched');
    assert.equal(found.counters['labels:duplicate'], Array.from({ length: 100 }, (_, i) => `evt-${i}`).filter(kept).length);
    assert.equal(found.counters['labels:corrected'], Array.from({ length: 50 }, (_, i) => `evt-${100 + i}`).filter(kept).length);
    assert.equal(found.counters.consumed, PREDICTIONS, 'the prediction consumer is untouched by the labels');
    // The later label time won: evt-100 was labelled 0, then corrected to 1.
    const expectCorrected = ['evt-100', 'evt-101', 'evt-102', 'evt-103'].filter(kept).map((id) => `${id}=${1 - (Number(id.slice(4)) % 2)}`);
    assert.deepEqual(found.corrected, expectCorrected);

    // The check joins now: predictions kept, those with a label (1900..1999 came after theirs), unmatched ghosts.
    const r = await runCli(['check', '--config', config, '--model', 'labelled', '--window', 'events:100000']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { labels: Record<string, unknown> & { performance: Performance } };
    const predicted = Array.from({ length: PREDICTIONS }, (_, i) => `evt-${i}`).filter(kept);
    const withLabel = labelled.filter((i) => kept(`evt-${i}`));
    const { performance, ...coverage } = report.labels;
    assert.deepEqual(coverage, {
      predictions: predicted.length,
      labelled: withLabel.length,
      unlabelled: predicted.length - withLabel.length,
      coverage: withLabel.length / predicted.length,
      withoutId: 0,
      labelIds: withLabel.length + Array.from({ length: 50 }, (_, i) => `ghost-${i}`).filter(kept).length,
      unmatched: Array.from({ length: 50 }, (_, i) => `ghost-${i}`).filter(kept).length,
      sampledOut: messages.length - expectedRows,
    });
    // The realized performance of the joined pairs: prediction {fraud: (i % 100) / 100}, the current label (corrections won).
    const truth = (i: number) => (i >= 100 && i < 150 ? 1 - (i % 2) : i % 2);
    const right = withLabel.filter((i) => Number((i % 100) / 100 >= 0.5) === truth(i)).length;
    assert.equal(performance.task, 'binary');
    assert.equal(performance.rows, withLabel.length);
    assert.equal(performance.metrics.accuracy!.value, right / withLabel.length);
    assert.ok(performance.metrics.accuracy!.interval!.lower < right / withLabel.length);
  });
});

/** The part of a report's `labels.performance` the tests read. */
interface Performance {
  task: string;
  rows: number;
  metrics: Record<string, { value: number | null; interval: { lower: number; upper: number } | null }>;
}

describe('labels over HTTP', { timeout: 120_000 }, () => {
  const TOKENS = { ingest: 'ingest-token-labels-0123456789', read: 'read-token-labels-0123456789' };

  it('a resend is counted once (Idempotency-Key, or the same label again); the coverage route joins now; a bad body is a clear 400', async () => {
    const baseline = await testBaseline(tmp.dir, 'http-labelled');
    const store = `${tmp.dir}/http-labels.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        storage: { path: store, retention: '36500d' },
        models: [{ name: 'http-labelled', baseline, event: { timestamp: 'ts', id: 'id', prediction: 'prediction' }, labels: {} }],
      },
      'http-labels.yaml',
    );
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `ingest:${TOKENS.ingest},read:${TOKENS.read}` });
    try {
      const url = serve.apiUrl();
      const post = async (path: string, body: unknown, key?: string) => {
        const res = await fetch(`${url}/api/v1/models/http-labelled/${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKENS.ingest}`,
            'content-type': 'application/json',
            ...(key ? { 'idempotency-key': key } : {}),
          },
          body: JSON.stringify(body),
        });
        return {
          status: res.status,
          replayed: res.headers.get('idempotent-replayed'),
          body: (await res.json()) as Record<string, unknown>,
        };
      };
      const now = Date.now();
      const events = Array.from({ length: 200 }, (_, i) => ({ ...JSON.parse(goodEvent(i).value), id: `h${i}`, ts: now - 60_000 }));
      assert.equal((await post('events', events)).status, 200);
      const labels = Array.from({ length: 100 }, (_, i) => ({ id: `h${i}`, label: i % 2 }));
      const first = await post('labels', labels, 'batch-1');
      assert.deepEqual(first, {
        status: 200,
        replayed: null,
        body: { received: 100, stored: 100, sampledOut: 0, duplicates: 0, corrections: 0 },
      });
      const again = await post('labels', labels, 'batch-1');
      assert.equal(again.replayed, 'true');
      assert.deepEqual(again.body, first.body, 'the first answer, nothing stored');
      const noKey = await post('labels', labels.slice(0, 10));
      assert.deepEqual(noKey.body, { received: 10, stored: 0, sampledOut: 0, duplicates: 10, corrections: 0 }, 'the same labels again');
      const corrected = await post('labels', [
        { id: 'h0', label: 1, timestamp: new Date(now).toISOString() },
        { id: 'nobody', label: 1 },
      ]);
      assert.deepEqual(corrected.body, { received: 2, stored: 2, sampledOut: 0, duplicates: 0, corrections: 1 });

      const bad = await post('labels', [{ id: 'h1', label: { nested: true } }, { label: 1 }]);
      assert.equal(bad.status, 400);
      assert.equal(
        bad.body.message,
        'invalid body: [0].label: expected a label: a class (text or number), true/false, or a finite number; [1].id: expected the event id of a prediction: a non-empty text or a number',
      );
      const badTime = await post('labels', [
        { id: 'h1', label: 1 },
        { id: 'h2', label: 1, timestamp: 'soon' },
      ]);
      assert.equal(badTime.status, 400);
      assert.match(String(badTime.body.message), /\[1\]\.timestamp: expected an ISO 8601 time/);

      const coverage = await fetch(`${url}/api/v1/models/http-labelled/labels/coverage?window=1h`, {
        headers: { authorization: `Bearer ${TOKENS.read}` },
      });
      assert.equal(coverage.status, 200);
      const c = (await coverage.json()) as Record<string, unknown>;
      assert.equal(c.predictions, 200);
      assert.equal(c.labelled, 100);
      assert.equal(c.coverage, 0.5);
      assert.equal(c.unmatched, 1, "'nobody' has no prediction");
      assert.equal(c.sampledOut, 0);
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKENS.read}` } })).text();
      assert.match(metrics, /driftwatch_labels_stored_total\{model="http-labelled"\} 102/);
      assert.match(metrics, /driftwatch_labels_duplicate_total\{model="http-labelled"\} 10/);
      assert.match(metrics, /driftwatch_labels_corrected_total\{model="http-labelled"\} 1/);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const rows = await readStore(store, async (db) => Number((await db.row(`SELECT count(*) AS n FROM labels_http_labelled`)).n));
    assert.equal(rows, 102, 'the resends stored nothing');
  });
});

describe('check --labels (offline)', { timeout: 60_000 }, () => {
  it('joins a label file with the current file by id and reports the coverage; bad input is a clear error', async () => {
    const baseline = await testBaseline(tmp.dir, 'offline');
    const current = tmp.file(
      'current.csv',
      [
        'request_id,amount,age,score,channel,p',
        ...Array.from({ length: 300 }, (_, i) => `${i},${10 + (i % 50)},${20 + (i % 40)},0.${i % 10},app,0.${i % 9}`),
      ].join('\n'),
    );
    // Labels of ids 0..199 (given as text for half of them), 250 relabelled, and ids 1000..1009 that are not in the current file.
    const labelRows = [
      ...Array.from({ length: 200 }, (_, i) => `${i},${i % 2}`),
      '250,0',
      '250,1',
      ...Array.from({ length: 10 }, (_, i) => `${1000 + i},1`),
    ];
    const labels = tmp.file('labels.csv', ['request_id,outcome', ...labelRows].join('\n'));
    const r = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      current,
      '--labels',
      labels,
      '--id',
      'request_id',
      '--label',
      'outcome',
      '--prediction',
      'p',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      labels: Record<string, unknown> & { performance: Performance };
      schema: { unexpected: string[] };
    };
    const { performance, ...coverage } = report.labels;
    assert.deepEqual(coverage, {
      predictions: 300,
      labelled: 201,
      unlabelled: 99,
      coverage: 201 / 300,
      withoutId: 0,
      labelIds: 211,
      unmatched: 10,
      sampledOut: null,
      corrections: 1,
    });
    assert.deepEqual(report.schema.unexpected, [], 'the id and prediction columns are the join, not unexpected features');
    // p = 0.(i % 9) is class 1 from 0.5; id 250's last label (1) is the one joined.
    const right = Array.from({ length: 200 }, (_, i) => i).filter((i) => Number(i % 9 >= 5) === i % 2).length + 1;
    assert.equal(performance.task, 'binary');
    assert.equal(performance.rows, 201);
    assert.equal(performance.metrics.accuracy!.value, right / 201);

    const noId = await runCli(['check', '--baseline', baseline, '--current', current, '--labels', labels, '--id', 'event_id']);
    assert.equal(noId.code, 2);
    assert.match(noId.stderr, /--id: 'event_id' is not a column of the current file 'current\.csv'; its columns: request_id, amount/);
    const noLabel = await runCli(['check', '--baseline', baseline, '--current', current, '--labels', labels, '--id', 'request_id']);
    assert.equal(noLabel.code, 2);
    assert.match(noLabel.stderr, /--label: 'label' is not a column of the label file 'labels\.csv'; its columns: request_id, outcome/);
    const stray = await runCli(['check', '--baseline', baseline, '--current', current, '--id', 'request_id']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--id go with --labels FILE/);
    const noFile = await runCli([
      'check',
      '--baseline',
      baseline,
      '--current',
      current,
      '--labels',
      `${FIXTURES}/nope.csv`,
      '--id',
      'request_id',
    ]);
    assert.match(noFile.stderr, /--labels: data file not found/);
  });
});
