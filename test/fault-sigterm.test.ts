// SIGTERM at the worst moments: during a long check (scheduled, or asked for through the API)
// and during a batch. The service exits 0, nothing is half-written (no report without its alert
// state and outbox rows, no leftover window table; per partition, exactly the rows below the
// stored next offset), and a restart carries on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { BROKER, createTopic, produce, testKafka, uniqueTopic, waitForGroupCaughtUp, waitForGroupCommitted } from './helpers/kafka.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { assertStoredOnce, readStore, ServeProcess, writeConfig } from './helpers/service.js';
import { Database } from '../src/store/database.js';

const tmp = tempDir('driftwatch-fault-sigterm-');
const ADMIN_TOKEN = 'admin-token-fault-sigterm-0123456789';
const kafka = testKafka();
let admin: Admin;
let producer: Producer;
let baseline: string;

before(async () => {
  admin = kafka.admin();
  producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  baseline = await testBaseline(tmp.dir, 'fault-term');
});
after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A store whose model has `rows` drifted samples in the last hour: the table is made by the
 * ingest's own writer (a few real rows), then filled in SQL, which is much faster than decoding.
 */
async function bigWindowStore(path: string, model: string, rows: number): Promise<void> {
  await storeEvents(path, model, baseline, csvEvents('synthetic_current.csv').slice(0, 10), Date.now() - 60_000);
  const db = await Database.open(path);
  try {
    await db.run(`INSERT INTO samples_${model.replaceAll('-', '_')} BY NAME
      SELECT 40 + (i % 997) * 0.37 AS amount, 18 + (i % 61) AS age, ((i * 7) % 1000) / 1000 AS score,
             ['app', 'store', 'web', 'kiosk'][1 + i % 4] AS channel,
             (now()::TIMESTAMP - INTERVAL 30 MINUTE) + to_microseconds(i % 1000000) AS _ts,
             'big' AS _topic, 0 AS _partition, i + 100 AS _offset, 'big-' || i AS _id
      FROM range(${rows}) t(i)`);
  } finally {
    db.close();
  }
}

/** What a stop must leave consistent after checks: reports whole, each with its alert state and outbox rows. */
async function checkTables(path: string) {
  return readStore(path, async (db) => ({
    reports: (await db.rows(`SELECT id, status, "rows", report FROM reports ORDER BY finished_at`)).map((r) => ({
      id: String(r.id),
      status: String(r.status),
      rows: Number(r.rows),
      parsed: JSON.parse(String(r.report)) as { id: string; features: unknown[] },
    })),
    alerts: (await db.rows(`SELECT last_report FROM alert_state`)).map((r) => String(r.last_report)),
    outbox: Number((await db.row(`SELECT count(*) AS n FROM outbox`)).n),
    windowTables: (await db.rows(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'window_%'`)).map((r) =>
      String(r.table_name),
    ),
  }));
}

function assertConsistent(state: Awaited<ReturnType<typeof checkTables>>, rows: number): void {
  assert.deepEqual(state.windowTables, [], 'no window table left behind');
  for (const r of state.reports) {
    assert.equal(r.parsed.id, r.id, 'the stored JSON is the whole report');
    assert.equal(r.rows, rows);
    assert.equal(r.status, 'drift');
    assert.ok(r.parsed.features.length === 4);
  }
  // The first drift report fires alerts (same transaction as the report) and queues one notification.
  const ids = new Set(state.reports.map((r) => r.id));
  assert.ok(
    state.alerts.every((id) => ids.has(id)),
    'alert state points at stored reports only',
  );
  assert.equal(
    state.alerts.length > 0,
    state.reports.length > 0,
    'a stored drift report has its alert state, and no alert state without a report',
  );
  assert.equal(state.outbox, state.reports.length > 0 ? 1 : 0, 'one queued notification for the firing group, none without a report');
}

describe('SIGTERM during work', { timeout: 300_000 }, () => {
  // The API test's check must outlast the HTTP server's 5 s grace on stop (8M rows: 6-14 s here),
  // the case where the store used to be closed under the running check and the process hung.
  const BIG = Number(process.env.FAULT_CHECK_ROWS ?? 8_000_000);
  const ROWS = 3_000_000;

  it('SIGTERM during a check asked for through the API: exit 0, the check completes or leaves nothing; a restart checks again', async () => {
    const store = `${tmp.dir}/check-api.duckdb`;
    await bigWindowStore(store, 'fault-term', BIG);
    const topic = uniqueTopic('fault-term-check');
    await createTopic(admin, topic, 1);
    const hook = 'http://127.0.0.1:9/unused';
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        alerts: {
          channels: [{ name: 'hook', type: 'webhook', url: hook, secret: 'fault-term-secret-0123456789' }],
          routes: [{ channels: ['hook'] }],
          initialBackoff: '1h',
        },
        models: [{ name: 'fault-term', baseline, window: '24h', source: { topics: [topic], sessionTimeout: '6s' } }],
      },
      'check-api.yaml',
    );
    const env = { DRIFTWATCH_API_TOKENS: `admin:${ADMIN_TOKEN}` };
    const serve = await ServeProcess.start(config, 1, env);
    const started = Date.now();
    const response = fetch(`${serve.apiUrl()}/api/v1/models/fault-term/checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (e: unknown) => ({ status: 0, body: String(e) }),
    );
    await sleep(400);
    assert.equal(await serve.stop(), 0, `exit 0 after SIGTERM during a check:\n${serve.lines.slice(-10).join('\n')}`);
    const stoppedAfter = (Date.now() - started) / 1000;
    const answer = await response;
    const done = serve.lines.find((l) => /"check done"/.test(l));
    process.stderr.write(
      `# API check: SIGTERM 0.4 s in; stopped after ${stoppedAfter.toFixed(1)} s; HTTP ${answer.status}; ${done ? `check took ${JSON.parse(done).rows} rows` : 'no check done'}\n`,
    );
    const state = await checkTables(store);
    process.stderr.write(
      `# the check took ${state.reports.map((r) => (r.parsed as unknown as { timing: { seconds: number } }).timing.seconds).join(', ')} s\n`,
    );
    assertConsistent(state, BIG + 10);
    // The stop waits for the check in hand: the report was stored (and answered when the client still listened).
    assert.equal(state.reports.length, 1, 'the check in flight finished before the store closed');

    const again = await ServeProcess.start(config, 1, env);
    try {
      const r = await fetch(`${again.apiUrl()}/api/v1/models/fault-term/checks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.ok(r.status === 200 || r.status === 201, `${r.status}`);
    } finally {
      assert.equal(await again.stop(), 0);
    }
    const after = await checkTables(store);
    assertConsistent(after, BIG + 10);
    assert.equal(after.reports.length, 2);
  });

  it('SIGTERM during a scheduled check: exit 0 once the check is stored; nothing half-written', async () => {
    const store = `${tmp.dir}/check-cron.duckdb`;
    await bigWindowStore(store, 'fault-term', ROWS);
    const topic = uniqueTopic('fault-term-cron');
    await createTopic(admin, topic, 1);
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        alerts: {
          channels: [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/unused', secret: 'fault-term-secret-0123456789' }],
          routes: [{ channels: ['hook'] }],
          initialBackoff: '1h',
        },
        models: [
          {
            name: 'fault-term',
            baseline,
            window: '24h',
            schedule: { cron: '*/5 * * * * *' },
            source: { topics: [topic], sessionTimeout: '6s' },
          },
        ],
      },
      'check-cron.yaml',
    );
    const serve = await ServeProcess.start(config, 1);
    // The cron fires at every 5th second: SIGTERM 0.4 s after the next one, while the check runs.
    const next = Math.ceil((Date.now() + 200) / 5000) * 5000;
    await sleep(next + 400 - Date.now());
    const signalled = Date.now();
    assert.equal(await serve.stop(), 0);
    const done = serve.lines.filter((l) => /"check done"/.test(l));
    const stopping = serve.lines.findIndex((l) => /"msg":"stopping/.test(l));
    const doneAfterStop = serve.lines.findIndex((l, i) => i > stopping && /"check done"/.test(l));
    process.stderr.write(
      `# scheduled check: stop took ${((Date.now() - signalled) / 1000).toFixed(1)} s; checks done ${done.length}, one finished after SIGTERM: ${doneAfterStop > 0}\n`,
    );
    assert.ok(doneAfterStop > 0, `the check in flight at SIGTERM finished before exit:\n${serve.lines.slice(-8).join('\n')}`);
    const state = await checkTables(store);
    assertConsistent(state, ROWS + 10);
    assert.equal(state.reports.length, done.length, 'every check logged as done is stored, and no other');
  });

  it('SIGTERM during batches, three times: per partition, exactly the rows below the stored next offset; the last run stores everything once', async () => {
    const topic = uniqueTopic('fault-term-batch');
    await createTopic(admin, topic, 3);
    const total = 300_000;
    await produce(
      producer,
      topic,
      Array.from({ length: total }, (_, i) => goodEvent(i)),
    );
    const store = `${tmp.dir}/batch.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: store, retention: '36500d' },
        models: [
          {
            name: 'batch',
            baseline,
            source: { topics: [topic], groupId: `batch-${topic}`, startFrom: 'earliest', sessionTimeout: '6s' },
            event: { timestamp: 'ts' },
          },
        ],
      },
      'batch.yaml',
    );
    const perPartition = () =>
      readStore(store, async (db) =>
        db.rows(`
      SELECT o."partition" AS p, o.next_offset AS next,
             (SELECT count(*) FROM samples_batch s WHERE s._partition = o."partition") AS n,
             (SELECT count(*) FROM samples_batch s WHERE s._partition = o."partition" AND s._offset < o.next_offset) AS below,
             (SELECT count(DISTINCT _offset) FROM samples_batch s WHERE s._partition = o."partition") AS distinct_offsets
      FROM offsets o WHERE o.model = 'batch' ORDER BY 1`),
      );
    let before = 0;
    const midStream: boolean[] = [];
    // Each SIGTERM comes a little after the run's first stored chunk (its Kafka commit follows the
    // store's), so it lands mid-stream however long the start-up took.
    for (const delay of [0, 200, 500]) {
      const serve = await ServeProcess.start(config, 1);
      await waitForGroupCommitted(admin, `batch-${topic}`, topic, before);
      await sleep(delay);
      assert.equal(await serve.stop(), 0, 'exit 0 after SIGTERM mid-batch');
      const rows = await perPartition();
      let stored = 0;
      for (const r of rows) {
        const [next, n, below, distinct] = [Number(r.next), Number(r.n), Number(r.below), Number(r.distinct_offsets)];
        assert.equal(n, next, `partition ${r.p}: rows == next_offset (offsets start at 0)`);
        assert.equal(below, next, `partition ${r.p}: every row is below next_offset`);
        assert.equal(distinct, n, `partition ${r.p}: no offset twice`);
        stored += n;
      }
      process.stderr.write(
        `# SIGTERM ${delay} ms after the run's first commit: ${stored} of ${total} stored, per partition ${rows.map((r) => `${r.p}:${r.next}`).join(' ')}\n`,
      );
      assert.ok(stored >= before, 'a restart resumes, it does not lose');
      midStream.push(stored > before && stored < total);
      before = stored;
    }
    assert.ok(midStream.every(Boolean), `each SIGTERM came mid-stream (some stored, not all): ${midStream}`);
    const last = await ServeProcess.start(config, 1);
    await waitForGroupCaughtUp(admin, `batch-${topic}`, topic, 120_000);
    assert.equal(await last.stop(), 0);
    await assertStoredOnce(store, 'batch', total);
  });
});
