// The outbox survives outages and crashes: SMTP down then up -> the email arrives once; a webhook
// answering 503, 503, 200 -> delivered once with one delivery id; a process that dies between
// storing and sending -> delivered after restart.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createChannels } from '../src/alerts/channels/index.js';
import { Deliverer } from '../src/alerts/delivery.js';
import { outboxCounts } from '../src/store/outbox.js';
import { readProfile } from '../src/baseline/profile.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { checkModel } from '../src/alerts/pipeline.js';
import { Store } from '../src/store/store.js';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { BROKER, createTopic, testKafka, uniqueTopic } from './helpers/kafka.js';
import { Inbox, WebhookReceiver } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const SECRET = 'delivery-secret-0123456789';
const tmp = tempDir('driftwatch-delivery-');
const logger = createLogger('silent');
let baseline: string;
before(async () => {
  baseline = await testBaseline(tmp.dir, 'delivered');
});
after(() => tmp.cleanup());

function configFile(name: string, channels: unknown[], extra: Record<string, unknown> = {}) {
  return writeConfig(
    tmp.dir,
    {
      kafka: { brokers: [BROKER] },
      storage: { path: `${tmp.dir}/${name}.duckdb`, retention: '36500d' },
      alerts: {
        channels,
        routes: [{ channels: channels.map((c) => (c as { name: string }).name) }],
        initialBackoff: '1s',
        maxBackoff: '5s',
        maxAttempts: 10,
      },
      models: [{ name: 'delivered', baseline, source: { topics: ['unused'] }, ...extra }],
    },
    `${name}.yaml`,
  );
}

/** Stores a drifted window and runs one check with alerts: the outbox then holds one notification per channel. */
async function queueDriftNotification(configPath: string): Promise<Store> {
  const config = loadConfig(configPath);
  await storeEvents(config.storage.path, 'delivered', baseline, csvEvents('synthetic_current.csv'), Date.now() - 1000);
  const store = await Store.open(config.storage.path);
  const result = await checkModel(store.db, config.models[0]!, readProfile(baseline), config.alerts, {
    window: { kind: 'events', count: 3000 },
    notify: true,
  });
  assert.equal(result.queued.length, config.alerts.channels.length);
  return store;
}

/** A drift notification queued for an email channel whose SMTP port nothing listens on (yet). */
async function smtpDownWithDrift(name: string) {
  const probe = await new Inbox().start();
  const port = probe.port;
  await probe.stop();
  const cfgPath = configFile(name, [
    { name: 'mail', type: 'email', smtpUrl: `smtp://127.0.0.1:${port}`, from: 'dw@test.local', to: ['ds@test.local'] },
  ]);
  const store = await queueDriftNotification(cfgPath);
  const config = loadConfig(cfgPath);
  return { port, store, config, channels: createChannels(config.alerts) };
}

describe('delivery through outages', { timeout: 180_000 }, () => {
  it('SMTP down, then up: the email arrives once', async () => {
    const { port, store, config, channels } = await smtpDownWithDrift('smtp-down');
    try {
      const deliverer = new Deliverer(store.db, channels, config.alerts, logger);
      let now = Date.now();
      assert.deepEqual(await deliverer.deliverDue(now), { delivered: 0, retried: 1, dead: 0 }, 'SMTP down: kept for a retry');
      now += 1_000;
      assert.deepEqual(await deliverer.deliverDue(now), { delivered: 0, retried: 1, dead: 0 });
      assert.deepEqual(await deliverer.deliverDue(now + 100), { delivered: 0, retried: 0, dead: 0 }, 'not due before its back-off');
      const inbox = await new Inbox(port).start();
      try {
        now += 10_000;
        assert.deepEqual(await deliverer.deliverDue(now), { delivered: 1, retried: 0, dead: 0 });
        assert.deepEqual(await deliverer.deliverDue(now + 60_000), { delivered: 0, retried: 0, dead: 0 });
        const mails = await inbox.waitFor(1);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(mails.length, 1, 'exactly once');
        assert.match(mails[0]!.subject ?? '', /^\[driftwatch\] FIRING delivered: /);
        assert.deepEqual(await outboxCounts(store.db), { pending: 0, delivered: 1, dead: 0, superseded: 0 });
      } finally {
        await inbox.stop();
      }
    } finally {
      for (const c of channels.values()) await c.close?.();
      store.close();
    }
  });

  it('SMTP down while the state changes: a newer notification replaces the queued one, the inbox ends on the newest state', async () => {
    const { port, store, config, channels } = await smtpDownWithDrift('smtp-stale');
    try {
      const deliverer = new Deliverer(store.db, channels, config.alerts, logger);
      let now = Date.now();
      assert.deepEqual(await deliverer.deliverDue(now), { delivered: 0, retried: 1, dead: 0 }, 'SMTP down');
      // The drift goes away while SMTP is still down: the next check resolves it.
      store.close();
      await storeEvents(config.storage.path, 'delivered', baseline, csvEvents('synthetic_baseline.csv'), Date.now() + 45_000, 100_000);
      const reopened = await Store.open(config.storage.path);
      try {
        const resolved = await checkModel(reopened.db, config.models[0]!, readProfile(baseline), config.alerts, {
          window: { kind: 'events', count: 4000 },
          notify: true,
          now: Date.now() + 50_000,
        });
        assert.equal(resolved.report.status, 'ok');
        assert.equal(resolved.queued.length, 1);
        const inbox = await new Inbox(port).start();
        try {
          const again = new Deliverer(reopened.db, channels, config.alerts, logger);
          now += 120_000;
          assert.deepEqual(await again.deliverDue(now), { delivered: 1, retried: 0, dead: 0 }, 'one delivery: the newest');
          assert.deepEqual(await again.deliverDue(now + 3_600_000), { delivered: 0, retried: 0, dead: 0 }, 'the older one is never sent');
          const mails = await inbox.waitFor(1);
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(mails.length, 1);
          assert.match(mails[0]!.subject ?? '', /^\[driftwatch\] RESOLVED delivered: /, 'the inbox ends on the newest state');
          assert.deepEqual(await outboxCounts(reopened.db), { pending: 0, delivered: 1, dead: 0, superseded: 1 });
          const [old] = await reopened.db.rows(`SELECT superseded_by FROM outbox WHERE status = 'superseded'`);
          assert.equal(old!.superseded_by, resolved.queued[0]!.notification.id);
          assert.equal(resolved.queued[0]!.notification.supersedes?.length, 1);
        } finally {
          await inbox.stop();
        }
      } finally {
        reopened.close();
      }
    } finally {
      for (const c of channels.values()) await c.close?.();
    }
  });

  it('a webhook receiver that never answers holds only its own channel: the email goes out at once', async () => {
    const inbox = await new Inbox().start();
    // Accepts the request and never answers.
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', () => resolve()));
    const port = (hanging.address() as AddressInfo).port;
    const cfgPath = configFile('hanging', [
      { name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: SECRET, timeout: '10s' },
      { name: 'mail', type: 'email', smtpUrl: inbox.url, from: 'dw@test.local', to: ['ds@test.local'] },
    ]);
    const store = await queueDriftNotification(cfgPath);
    const config = loadConfig(cfgPath);
    const channels = createChannels(config.alerts);
    try {
      // The webhook's notification is the older one, so a pass in order would try it first.
      await store.db.run(`UPDATE outbox SET created_at = created_at - INTERVAL 1 MINUTE WHERE channel = 'hook'`);
      const started = Date.now();
      const pass = new Deliverer(store.db, channels, config.alerts, logger).deliverDue(Date.now());
      await inbox.waitFor(1, 5000);
      const mailAfter = Date.now() - started;
      assert.ok(mailAfter < 5000, `the email arrived after ${mailAfter} ms, not behind the webhook's 10 s timeout`);
      assert.deepEqual(await pass, { delivered: 1, retried: 1, dead: 0 }, 'the webhook timed out and waits for a retry');
    } finally {
      for (const c of channels.values()) await c.close?.();
      store.close();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
      await inbox.stop();
    }
  });

  it('webhook answering 503, 503, then 200: delivered once, the same delivery id on every try', async () => {
    const hook = await new WebhookReceiver([503, 503]).start();
    const cfgPath = configFile('hook-503', [{ name: 'hook', type: 'webhook', url: hook.url, secret: SECRET }]);
    const store = await queueDriftNotification(cfgPath);
    const config = loadConfig(cfgPath);
    try {
      const deliverer = new Deliverer(store.db, createChannels(config.alerts), config.alerts, logger);
      let now = Date.now();
      for (let i = 0; i < 6; i++, now += 60_000) await deliverer.deliverDue(now);
      assert.deepEqual(
        hook.requests.map((r) => r.status),
        [503, 503, 200],
      );
      const ids = new Set(hook.requests.map((r) => r.headers['x-driftwatch-delivery']));
      assert.equal(ids.size, 1, 'one delivery id across the retries');
      assert.deepEqual(await outboxCounts(store.db), { pending: 0, delivered: 1, dead: 0, superseded: 0 });
      const [row] = await store.db.rows(`SELECT attempts FROM outbox`);
      assert.equal(row!.attempts, 3);
    } finally {
      store.close();
      await hook.stop();
    }
  });

  it('a 4xx is permanent: the notification is kept as dead, not retried', async () => {
    const hook = await new WebhookReceiver([410]).start();
    const cfgPath = configFile('hook-410', [{ name: 'hook', type: 'webhook', url: hook.url, secret: SECRET }]);
    const store = await queueDriftNotification(cfgPath);
    const config = loadConfig(cfgPath);
    try {
      const deliverer = new Deliverer(store.db, createChannels(config.alerts), config.alerts, logger);
      assert.deepEqual(await deliverer.deliverDue(Date.now()), { delivered: 0, retried: 0, dead: 1 });
      assert.deepEqual(await deliverer.deliverDue(Date.now() + 3_600_000), { delivered: 0, retried: 0, dead: 0 });
      assert.equal(hook.requests.length, 1);
      const [row] = await store.db.rows(`SELECT status, last_error FROM outbox`);
      assert.equal(row!.status, 'dead');
      assert.match(String(row!.last_error), /410/);
    } finally {
      store.close();
      await hook.stop();
    }
  });

  it('stored but never sent (the process died): the restarted service delivers it', async () => {
    const inbox = await new Inbox().start();
    const hook = await new WebhookReceiver().start();
    const topic = uniqueTopic('delivery-restart');
    const admin = testKafka().admin();
    await admin.connect();
    await createTopic(admin, topic, 1);
    await admin.disconnect();
    const cfgPath = configFile('restart', [
      { name: 'mail', type: 'email', smtpUrl: inbox.url, from: 'dw@test.local', to: ['ds@test.local'] },
      { name: 'hook', type: 'webhook', url: hook.url, secret: SECRET },
    ]);
    // The check stores the notifications and the process "dies" before any delivery pass.
    const store = await queueDriftNotification(cfgPath);
    store.close();
    assert.equal(inbox.messages.length + hook.requests.length, 0);
    const cfg = loadConfig(cfgPath);
    const serveConfig = writeConfig(
      tmp.dir,
      {
        kafka: { brokers: [BROKER] },
        storage: { path: cfg.storage.path, retention: '36500d' },
        alerts: {
          channels: [
            { name: 'mail', type: 'email', smtpUrl: inbox.url, from: 'dw@test.local', to: ['ds@test.local'] },
            { name: 'hook', type: 'webhook', url: hook.url, secret: SECRET },
          ],
          routes: [{ channels: ['mail', 'hook'] }],
        },
        models: [{ name: 'delivered', baseline, source: { topics: [topic], sessionTimeout: '6s' } }],
      },
      'restart-serve.yaml',
    );
    const serve = await ServeProcess.start(serveConfig, 1);
    try {
      await inbox.waitFor(1);
      const deadline = Date.now() + 20_000;
      while (hook.delivered().length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(hook.delivered().length, 1);
    } finally {
      assert.equal(await serve.stop(), 0);
      await inbox.stop();
      await hook.stop();
    }
    assert.equal(inbox.messages.length, 1, 'the email, once');
  });
});
