// Delivery faults inside a running `driftwatch serve` (real time, real SMTP and HTTP receivers):
// SMTP down for a long stretch, then up: the email arrives once. Short back-offs make 30 s of real
// time the same number of tries (about 10) as some 50 minutes with the default back-off. Webhooks that keep
// failing: one recovers after three 503s and is delivered once; one answering 500 and one refusing
// connections are recorded dead after maxAttempts, visible in the API and the metrics.
// (test/delivery.test.ts drives the Deliverer with a simulated clock; this one runs the service.)
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backoffMs } from '../src/alerts/delivery.js';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { BROKER, createTopic, testKafka, uniqueTopic } from './helpers/kafka.js';
import { Inbox, WebhookReceiver } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-fault-delivery-');
const ADMIN = 'admin-token-fault-delivery-0123456789';
const SECRET = 'fault-delivery-secret-0123456789';
let baseline: string;
let topic: string;

before(async () => {
  baseline = await testBaseline(tmp.dir, 'fault-delivery');
  topic = uniqueTopic('fault-delivery');
  const admin = testKafka().admin();
  await admin.connect();
  await createTopic(admin, topic, 1);
  await admin.disconnect();
});
after(() => tmp.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A port nothing listens on, which stays free while the test keeps it closed: picked below
 * Linux's ephemeral range (32768-60999), because a port the OS hands out and takes back can be
 * given to any outgoing connection (a Kafka client's, say) during the 30 s outage.
 */
async function closedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found in 20000-32000');
}

/** A store with a drifted window, and a serve config around it with these channels and retry settings. */
async function setup(
  name: string,
  channels: { name: string }[],
  retry: Record<string, unknown>,
): Promise<{ store: string; config: string }> {
  const store = `${tmp.dir}/${name}.duckdb`;
  await storeEvents(store, 'fault-delivery', baseline, csvEvents('synthetic_current.csv'), Date.now() - 1000);
  const config = writeConfig(
    tmp.dir,
    {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      alerts: { channels, routes: [{ channels: channels.map((c) => c.name) }], ...retry },
      models: [{ name: 'fault-delivery', baseline, window: 'events:3000', source: { topics: [topic], sessionTimeout: '6s' } }],
    },
    `${name}.yaml`,
  );
  return { store, config };
}

/** Runs the model's check now through the API: one drift notification per channel lands in the outbox. */
async function checkNow(serve: ServeProcess): Promise<void> {
  const r = await fetch(`${serve.apiUrl()}/api/v1/models/fault-delivery/checks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.ok(r.status === 200 || r.status === 201, `${r.status} ${await r.text()}`);
}

const outboxRows = (store: string) =>
  readStore(store, async (db) =>
    (await db.rows(`SELECT channel, status, attempts, last_error FROM outbox ORDER BY channel`)).map((r) => ({
      channel: String(r.channel),
      status: String(r.status),
      attempts: Number(r.attempts),
      lastError: r.last_error === null ? null : String(r.last_error),
    })),
  );

describe('delivery faults in the running service', { timeout: 240_000 }, () => {
  it('SMTP down for 30 s of real time (as many tries as ~50 min of default back-off), then up: the email arrives once', async () => {
    const port = await closedPort();
    const retry = { initialBackoff: '500ms', maxBackoff: '4s', maxAttempts: 30 };
    const { store, config } = await setup(
      'smtp-down',
      [
        { name: 'mail', type: 'email', smtpUrl: `smtp://127.0.0.1:${port}`, from: 'dw@test.local', to: ['ds@test.local'] } as {
          name: string;
        },
      ],
      retry,
    );
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `admin:${ADMIN}` });
    let inbox: Inbox | undefined;
    const OUTAGE_MS = 30_000;
    try {
      const down = Date.now();
      await checkNow(serve);
      await sleep(OUTAGE_MS - (Date.now() - down));
      const failedTries = serve.lines.filter((l) => /delivery failed; will retry/.test(l)).length;
      assert.equal(serve.child.exitCode, null, 'the service runs through the outage');
      inbox = await new Inbox(port).start();
      const outage = (Date.now() - down) / 1000;
      await inbox.waitFor(1, 20_000);
      const arrivedAfter = (Date.now() - down) / 1000;
      await sleep(3000);
      assert.equal(inbox.messages.length, 1, 'exactly once');
      assert.match(inbox.messages[0]!.subject ?? '', /^\[driftwatch\] FIRING fault-delivery: /);
      // The same tries with the default back-off (5 s doubling, at most 15 min) would span this long.
      let defaultSpan = 0;
      for (let n = 1; n <= failedTries; n++) defaultSpan += backoffMs(n, 5_000, 900_000);
      process.stderr.write(
        `# SMTP outage ${outage.toFixed(1)} s real: ${failedTries} failed tries (back-off 0.5 s doubling to 4 s), delivered ${arrivedAfter.toFixed(1)} s after the check; with the default back-off those tries span ${(defaultSpan / 60_000).toFixed(1)} min\n`,
      );
      assert.ok(failedTries >= 6, `several retries during the outage, got ${failedTries}`);
    } finally {
      assert.equal(await serve.stop(), 0);
      await inbox?.stop();
    }
    const [row] = await outboxRows(store);
    assert.equal(row!.status, 'delivered');
    assert.equal(
      row!.attempts,
      serve.lines.filter((l) => /delivery failed; will retry/.test(l)).length + 1,
      'every try counted: the failures and the one that went through',
    );
  });

  it('webhooks failing: 503 x3 then 200 is delivered once; 500 forever and a refused connection end dead after maxAttempts', async () => {
    const flaky = await new WebhookReceiver([503, 503, 503]).start();
    const broken = await new WebhookReceiver(Array.from({ length: 100 }, () => 500)).start();
    const refused = `http://127.0.0.1:${await closedPort()}/hook`;
    const channels = [
      { name: 'flaky', type: 'webhook', url: flaky.url, secret: SECRET },
      { name: 'broken', type: 'webhook', url: broken.url, secret: SECRET },
      { name: 'refused', type: 'webhook', url: refused, secret: SECRET },
    ];
    const { store, config } = await setup('hooks', channels, { initialBackoff: '500ms', maxBackoff: '2s', maxAttempts: 5 });
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `admin:${ADMIN}` });
    const started = Date.now();
    try {
      await checkNow(serve);
      await serve.waitForLog(/"msg":"delivery dead"/, 60_000, 2);
      await serve.waitForLog(/"msg":"delivered"/, 10_000, 1);
      const took = (Date.now() - started) / 1000;
      await sleep(3000);
      assert.deepEqual(
        flaky.requests.map((r) => r.status),
        [503, 503, 503, 200],
        'retried, then delivered once',
      );
      assert.equal(new Set(flaky.requests.map((r) => r.headers['x-driftwatch-delivery'])).size, 1, 'one delivery id across the retries');
      assert.equal(broken.requests.length, 5, 'maxAttempts tries, then no more');

      const dead = (await (
        await fetch(`${serve.apiUrl()}/api/v1/outbox?status=dead`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json()) as { total: number; items: { channel: string; attempts: number; lastError: string }[] };
      assert.equal(dead.total, 2);
      assert.deepEqual(dead.items.map((i) => [i.channel, i.attempts]).sort(), [
        ['broken', 5],
        ['refused', 5],
      ]);
      const metrics = await (await fetch(`${serve.apiUrl()}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      assert.match(metrics, /^driftwatch_outbox_dead(\{[^}]*\})? 2$/m, 'the dead deliveries are a metric');
      process.stderr.write(`# webhooks: flaky delivered on try 4, two dead after 5 tries each, all settled within ${took.toFixed(1)} s\n`);
    } finally {
      assert.equal(await serve.stop(), 0);
      await flaky.stop();
      await broken.stop();
    }
    const rows = await outboxRows(store);
    assert.deepEqual(
      rows.map((r) => [r.channel, r.status, r.attempts]),
      [
        ['broken', 'dead', 5],
        ['flaky', 'delivered', 4],
        ['refused', 'dead', 5],
      ],
    );
    assert.match(rows[0]!.lastError ?? '', /500/);
    assert.match(rows[2]!.lastError ?? '', /ECONNREFUSED|fetch failed|connect/i);
  });
});
