// Live checks and alerts, end to end through the CLI, with a real SMTP server and a real HTTP
// receiver on localhost: one grouped email and one signed webhook per drifted check, nothing
// within the repeat interval, one resolved notice, insufficient data never drift.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../src/alerts/channels/webhook/webhook.js';
import { runCli, tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { BROKER } from './helpers/kafka.js';
import { Inbox, WebhookReceiver } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { readStore, writeConfig } from './helpers/service.js';

const SECRET = 'test-secret-0123456789abcdef';
const tmp = tempDir('driftwatch-alerts-');
const inbox = new Inbox();
const hook = new WebhookReceiver();
let baseline: string;

before(async () => {
  await inbox.start();
  await hook.start();
  baseline = await testBaseline(tmp.dir, 'alerting');
});
after(async () => {
  await inbox.stop();
  await hook.stop();
  tmp.cleanup();
});

function config(store: string, extra: Record<string, unknown> = {}) {
  return writeConfig(
    tmp.dir,
    {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      alerts: {
        dashboardUrl: 'http://dashboard.local',
        repeatInterval: '4h',
        channels: [
          { name: 'mail', type: 'email', smtpUrl: '${TEST_SMTP_URL}', from: 'driftwatch@test.local', to: ['ds@test.local'] },
          { name: 'hook', type: 'webhook', url: hook.url, secret: '${TEST_WEBHOOK_SECRET}' },
        ],
        routes: [{ channels: ['mail', 'hook'] }],
      },
      models: [{ name: 'alerting', baseline, source: { topics: ['unused'] }, minRows: 100, ...extra }],
    },
    `alerts-${Math.random().toString(36).slice(2)}.yaml`,
  );
}

const env = () => ({ TEST_SMTP_URL: inbox.url, TEST_WEBHOOK_SECRET: SECRET });
const check = (cfg: string, window: string) =>
  runCli(['check', '--config', cfg, '--model', 'alerting', '--window', window, '--notify'], { env: env() });

describe('live checks and alerts', { timeout: 120_000 }, () => {
  it('drift -> one email + one signed webhook; again within repeat_interval -> nothing; clean -> one resolved', async () => {
    const store = `${tmp.dir}/alerts.duckdb`;
    const cfg = config(store);
    const now = Date.now();
    await storeEvents(store, 'alerting', baseline, csvEvents('synthetic_current.csv'), now - 600_000);

    const first = await check(cfg, 'events:3000');
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.status, 'drift');
    assert.equal(report.window.rows, 3000);
    const drifted: string[] = report.features.filter((f: { drift: boolean }) => f.drift).map((f: { name: string }) => f.name);
    assert.ok(drifted.length >= 1, `drifted: ${drifted}`);
    const [mail] = await inbox.waitFor(1);
    // The subject lists the drifted features worst first (critical, then by severity), not in report order.
    const worstFirst = [...report.features]
      .filter((f: { drift: boolean }) => f.drift)
      .sort(
        (a: { stats: { psi: number }; severity: number }, b: { stats: { psi: number }; severity: number }) =>
          Number(b.stats.psi >= 0.25) - Number(a.stats.psi >= 0.25) || b.severity - a.severity,
      )
      .map((f: { name: string }) => f.name);
    assert.equal(
      mail!.subject,
      `[driftwatch] FIRING alerting: ${drifted.length} drifted (${worstFirst.slice(0, 3).join(', ')}${drifted.length > 3 ? ', …' : ''})`,
    );
    for (const name of drifted) assert.ok(mail!.html && String(mail!.html).includes(name), `email names ${name}`);
    assert.ok(mail!.text && mail!.text.length > 0, 'a plain-text part');
    assert.match(String(mail!.html), /partner|unseen/i, 'the schema finding (unseen category) is in the email');
    assert.equal(hook.delivered().length, 1);
    const webhook = hook.delivered()[0]!;
    assert.ok(verifySignature(SECRET, String(webhook.headers['x-driftwatch-signature']), webhook.body), 'the signature verifies');
    assert.equal(verifySignature('another-secret-0123456789', String(webhook.headers['x-driftwatch-signature']), webhook.body), false);
    const payload = JSON.parse(webhook.body);
    assert.equal(payload.version, 1);
    assert.equal(payload.status, 'firing');
    assert.equal(payload.model, 'alerting');
    assert.equal(payload.dashboardUrl, 'http://dashboard.local/models/alerting');
    assert.deepEqual(
      payload.alerts
        .filter((a: { kind: string }) => a.kind === 'drift')
        .map((a: { feature: string }) => a.feature)
        .sort(),
      [...drifted].sort(),
    );

    const second = await check(cfg, 'events:3000');
    assert.equal(second.code, 0, second.stderr);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(inbox.messages.length, 1, 'nothing new within the repeat interval');
    assert.equal(hook.requests.length, 1);

    await storeEvents(store, 'alerting', baseline, csvEvents('synthetic_baseline.csv'), now - 1000, 10_000);
    const third = await check(cfg, 'events:4000');
    assert.equal(third.code, 0, third.stderr);
    assert.equal(JSON.parse(third.stdout).status, 'ok');
    const mails = await inbox.waitFor(2);
    assert.match(mails[1]!.subject ?? '', /^\[driftwatch\] RESOLVED alerting: /);
    assert.equal(hook.delivered().length, 2);
    assert.equal(JSON.parse(hook.delivered()[1]!.body).status, 'resolved');

    const reports = await readStore(store, (db) => db.rows(`SELECT status FROM reports ORDER BY finished_at`));
    assert.deepEqual(
      reports.map((r) => r.status),
      ['drift', 'drift', 'ok'],
      'every check is stored',
    );
  });

  it('a window below the minimum size is insufficient data, never drift', async () => {
    const store = `${tmp.dir}/small.duckdb`;
    const cfg = config(store);
    await storeEvents(store, 'alerting', baseline, csvEvents('synthetic_current.csv').slice(0, 50), Date.now() - 1000);
    const before = inbox.messages.length;
    const r = await check(cfg, 'events:50');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'insufficient_data');
    assert.equal(report.drift, false);
    assert.deepEqual(report.features, []);
    const mails = await inbox.waitFor(before + 1);
    assert.match(mails.at(-1)!.subject ?? '', /^\[driftwatch\] FIRING alerting: insufficient data/);
  });

  it('resolving some alerts while one keeps firing: PARTLY RESOLVED, what resolved first, each resolved card with the reason of the check that resolved it', async () => {
    const store = `${tmp.dir}/partly.duckdb`;
    const cfg = config(store);
    const now = Date.now();
    await storeEvents(store, 'alerting', baseline, csvEvents('synthetic_current.csv'), now - 600_000);
    const before = inbox.messages.length;
    const hooksBefore = hook.delivered().length;
    assert.equal((await check(cfg, 'events:3000')).code, 0);
    await inbox.waitFor(before + 1);
    // Training-like rows, but `score` still too often null: the drift resolves, the null-share finding keeps firing.
    const clean = csvEvents('synthetic_baseline.csv')
      .slice(0, 2000)
      .map((e, i) => (i % 7 === 0 ? { features: { ...(e.features as object), score: null } } : e));
    await storeEvents(store, 'alerting', baseline, clean, now - 1000, 10_000);
    const second = await check(cfg, 'events:2000');
    assert.equal(second.code, 0, second.stderr);
    const mail = (await inbox.waitFor(before + 2))[before + 1]!;
    assert.match(mail.subject ?? '', /^\[driftwatch\] PARTLY RESOLVED alerting: 3 resolved \(.+\); still firing: schema \(score\)$/);
    const text = String(mail.text);
    assert.ok(!text.includes('wasserstein_norm 0.225'), 'no resolved card repeats the firing reason of the old window');
    assert.match(text, /amount: no drift: .*n = 2,000/, "the resolved card gives this window's reason and n");
    assert.match(String(mail.html), /PARTLY RESOLVED/);
    const payload = JSON.parse(hook.delivered()[hooksBefore + 1]!.body);
    assert.equal(payload.state, 'PARTLY RESOLVED');
    assert.match(payload.title, /^PARTLY RESOLVED alerting: 3 resolved/);
    assert.equal(payload.changes.resolved.length, 3);
    assert.deepEqual(payload.changes.new, []);
    assert.equal(payload.alerts[0].status, 'resolved', 'the payload leads with what resolved');
    assert.deepEqual(
      payload.alerts.filter((a: { status: string }) => a.status === 'firing').map((a: { feature: string }) => a.feature),
      ['score'],
    );
  });

  it('traffic stops: an insufficient window alerts on its own and restates no drift', async () => {
    const store = `${tmp.dir}/stopped.duckdb`;
    const cfg = config(store);
    await storeEvents(store, 'alerting', baseline, csvEvents('synthetic_current.csv'), Date.now() - 600_000);
    const before = inbox.messages.length;
    const hooksBefore = hook.delivered().length;
    assert.equal((await check(cfg, 'events:3000')).code, 0);
    await inbox.waitFor(before + 1);
    const r = await check(cfg, '5m');
    assert.equal(JSON.parse(r.stdout).window.rows, 0);
    const mail = (await inbox.waitFor(before + 2))[before + 1]!;
    assert.equal(mail.subject, '[driftwatch] FIRING alerting: insufficient data');
    assert.ok(!/drifted/.test(String(mail.text)), 'no drift restated from an empty window');
    const payload = JSON.parse(hook.delivered()[hooksBefore + 1]!.body);
    assert.deepEqual(
      payload.alerts.map((a: { kind: string }) => a.kind),
      ['insufficient-data'],
    );
  });
});
