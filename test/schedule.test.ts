// Scheduled work inside `driftwatch serve`: the model's check runs on its cron and alerts; the
// drift report (digest) runs on its own cron and reaches the inbox with the period's figures.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { BROKER, createTopic, testKafka, uniqueTopic } from './helpers/kafka.js';
import { Inbox } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-schedule-');
after(() => tmp.cleanup());

describe('schedules', { timeout: 120_000 }, () => {
  it('a cron check every 2 s alerts once; a report every 3 s reaches the inbox with the figures', async () => {
    const inbox = await new Inbox().start();
    const baseline = await testBaseline(tmp.dir, 'scheduled');
    const store = `${tmp.dir}/schedule.duckdb`;
    await storeEvents(store, 'scheduled', baseline, csvEvents('synthetic_current.csv'), Date.now() - 5_000);
    const topic = uniqueTopic('schedule');
    const admin = testKafka().admin();
    await admin.connect();
    await createTopic(admin, topic, 1);
    await admin.disconnect();
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      alerts: {
        channels: [{ name: 'mail', type: 'email', smtpUrl: inbox.url, from: 'dw@test.local', to: ['ds@test.local'] }],
        routes: [{ channels: ['mail'] }],
      },
      models: [
        {
          name: 'scheduled',
          baseline,
          source: { topics: [topic], sessionTimeout: '6s' },
          window: '1h',
          schedule: { cron: '*/2 * * * * *' },
          report: { cron: '*/3 * * * * *', period: '1h', channels: ['mail'] },
        },
      ],
    });
    const serve = await ServeProcess.start(config, 1);
    try {
      const deadline = Date.now() + 30_000;
      const has = (re: RegExp) => inbox.messages.some((m) => re.test(m.subject ?? ''));
      // A report can run before the first check has finished (it then says "no checks"): wait
      // for one that covers a check.
      const reportAfterCheck = () =>
        inbox.messages.some((m) => /^\[driftwatch\] REPORT scheduled/.test(m.subject ?? '') && !/No checks ran/.test(m.text ?? ''));
      while (!(has(/^\[driftwatch\] FIRING scheduled/) && reportAfterCheck()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      await serve.waitForLog(/"check done"/, 10_000, 2);
    } finally {
      assert.equal(await serve.stop(), 0);
      await inbox.stop();
    }
    const firing = inbox.messages.filter((m) => /FIRING/.test(m.subject ?? ''));
    assert.equal(firing.length, 1, `one alert email for several checks: ${inbox.messages.map((m) => m.subject).join(' | ')}`);
    const report = inbox.messages.find(
      (m) => /^\[driftwatch\] REPORT scheduled/.test(m.subject ?? '') && !/No checks ran/.test(m.text ?? ''),
    );
    assert.ok(report, 'the drift report arrived');
    assert.match(report.subject ?? '', /checks drifted/);
    const text = report.text ?? '';
    assert.match(text, /3[,.]?000/, "the period's event count");
    assert.match(text, /channel/, 'the drifted feature');
    const checks = await readStore(store, (db) => db.rows(`SELECT status FROM reports`));
    assert.ok(checks.length >= 2 && checks.every((c) => c.status === 'drift'), `scheduled checks stored: ${checks.length}`);
  });
});
