// Faults at start-up: the DuckDB file already held by another process is a clear error (exit 2,
// the file and the holder named, no stack trace); a model whose baseline file is corrupt or
// missing is reported broken (log, /readyz, model API) while the other model ingests and checks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { runCli, tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp } from './helpers/kafka.js';
import { assertStoredOnce, readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-fault-startup-');
const ADMIN_TOKEN = 'admin-token-fault-startup-0123456789';
const kafka = testKafka();
let admin: Admin;
let producer: Producer;
let baseline: string;

before(async () => {
  admin = kafka.admin();
  producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  baseline = await testBaseline(tmp.dir, 'fault-good');
});
after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  tmp.cleanup();
});

function assertCleanError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('faults at start-up', { timeout: 180_000 }, () => {
  it('the DuckDB file held by a running serve: a second serve and `check --config` exit 2, naming the file and the holder', async () => {
    const topic = uniqueTopic('fault-lock');
    await createTopic(admin, topic, 1);
    const store = `${tmp.dir}/locked.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store },
        models: [{ name: 'locked', baseline, source: { topics: [topic], sessionTimeout: '6s' }, window: 'events:100' }],
      },
      'locked.yaml',
    );
    const serve = await ServeProcess.start(config, 1);
    try {
      const second = await runCli(['serve', '--config', config]);
      const message = /the store '.*locked\.duckdb' is in use by another process \(is `driftwatch serve` running\?\)/;
      assertCleanError(second, message);
      // DuckDB's own first line says which process holds the lock.
      assert.match(second.stderr, new RegExp(`PID ${serve.child.pid}\\b`), second.stderr);
      assert.equal(second.stderr.trim().split('\n').length, 1, `one line, no log noise: ${second.stderr}`);
      const check = await runCli(['check', '--config', config, '--model', 'locked']);
      assertCleanError(check, message);
      assert.equal(check.stdout, '');
      assert.equal(serve.child.exitCode, null, 'the running service is not disturbed');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it('one model with a corrupt baseline, one with a missing one, one fine: the fine one ingests and checks; the others are reported broken', async () => {
    const topic = uniqueTopic('fault-baseline');
    await createTopic(admin, topic, 2);
    await produce(
      producer,
      topic,
      Array.from({ length: 2000 }, (_, i) => goodEvent(i)),
    );
    const corrupt = tmp.file('corrupt-baseline.json', '{"schemaVersion": 1, "model": "broken", "features": [');
    const missing = `${tmp.dir}/no-such-baseline.json`;
    const store = `${tmp.dir}/baselines.duckdb`;
    const model = (name: string, path: string) => ({
      name,
      baseline: path,
      window: 'events:1000',
      minRows: 100,
      source: { topics: [topic], groupId: `${name}-${topic}`, startFrom: 'earliest', sessionTimeout: '6s' },
      event: { timestamp: 'ts', prediction: 'prediction' },
    });
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [model('broken', corrupt), model('good', baseline), model('absent', missing)],
      },
      'baselines.yaml',
    );
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `admin:${ADMIN_TOKEN}` });
    try {
      const errors = serve.lines
        .filter((l) => /model not started/.test(l))
        .map((l) => JSON.parse(l) as { level: number; model: string; err: string });
      assert.deepEqual(errors.map((e) => e.model).sort(), ['absent', 'broken']);
      const broken = errors.find((e) => e.model === 'broken')!;
      assert.equal(broken.level, 50, 'logged at error level');
      assert.match(broken.err, /baseline profile '.*corrupt-baseline\.json' is not valid JSON/);
      assert.match(errors.find((e) => e.model === 'absent')!.err, /cannot read baseline profile '.*no-such-baseline\.json'.*ENOENT/);

      await waitForGroupCaughtUp(admin, `good-${topic}`, topic, 60_000);
      const base = serve.apiUrl();
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const check = await fetch(`${base}/api/v1/models/good/checks`, { method: 'POST', headers: auth });
      assert.ok(check.status === 200 || check.status === 201, `${check.status} ${await check.clone().text()}`);
      const report = (await check.json()) as { status: string; window: { rows: number } };
      assert.equal(report.window.rows, 1000, 'the good model checks its window');
      assert.notEqual(report.status, 'insufficient_data');

      const ready = await fetch(`${base}/readyz`, { headers: auth });
      assert.equal(ready.status, 503, 'not ready while a configured model is broken');
      const readiness = (await ready.json()) as { reasons: string[] };
      assert.ok(
        readiness.reasons.some((r) => /^model broken: not started: baseline profile '.*corrupt-baseline\.json' is not valid JSON/.test(r)),
        JSON.stringify(readiness),
      );
      assert.ok(
        readiness.reasons.some((r) => /^model absent: not started: cannot read baseline profile/.test(r)),
        JSON.stringify(readiness),
      );
      assert.ok(!readiness.reasons.some((r) => /model good/.test(r)), JSON.stringify(readiness));

      const models = (await (await fetch(`${base}/api/v1/models`, { headers: auth })).json()) as {
        items: { name: string; status: string; error: string | null }[];
      };
      assert.deepEqual(
        models.items.map((m) => [m.name, m.status]),
        [
          ['broken', 'failed'],
          ['good', 'running'],
          ['absent', 'failed'],
        ],
      );
      assert.match(models.items[0]!.error ?? '', /corrupt-baseline\.json/);
      const refused = await fetch(`${base}/api/v1/models/broken/checks`, { method: 'POST', headers: auth });
      assert.ok(refused.status >= 400 && refused.status < 500, `a check of the broken model is refused, not a 500: ${refused.status}`);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    await assertStoredOnce(store, 'good', 2000);
    const reports = await readStore(store, (db) => db.rows(`SELECT model FROM reports`));
    assert.deepEqual(
      reports.map((r) => r.model),
      ['good'],
    );
  });

  it('a config that is invalid in itself still stops start-up (exit 2, the path named)', async () => {
    const config = tmp.file(
      'invalid.yaml',
      `storage: { path: ${tmp.dir}/invalid.duckdb }\nmodels:\n  - name: m\n    baseline: ${baseline}\n    source: { topics: [] }\n    minRows: -5\n`,
    );
    const r = await runCli(['serve', '--config', config]);
    assertCleanError(r, /minRows/);
  });

  it('every configured baseline broken: serve refuses to start, naming each model and file', async () => {
    const corrupt = tmp.file('only-corrupt.json', 'not json at all');
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: `${tmp.dir}/none.duckdb` },
        models: [{ name: 'only', baseline: corrupt, source: { topics: ['unused'], sessionTimeout: '6s' } }],
      },
      'none.yaml',
    );
    const r = await runCli(['serve', '--config', config], { env: { DRIFTWATCH_LOG_LEVEL: 'silent' } });
    assertCleanError(r, /no model could start: only: baseline profile '.*only-corrupt\.json' is not valid JSON/);
  });
});
