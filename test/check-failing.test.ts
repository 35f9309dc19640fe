// A check that fails (here a corrupt data block of the model's samples, as a red-team found it)
// is not silent: it is counted in the metrics with the time and status of the last check,
// /readyz names the model and the error, and after alerts.checkFailingAfter failures in a row the
// model's check-failing alert goes to a real webhook; it resolves when a check succeeds again.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { corruptSamplesBlock } from './helpers/corrupt-store.js';
import { testBaseline } from './helpers/events.js';
import { WebhookReceiver } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-check-failing-');
const hook = new WebhookReceiver();
after(async () => {
  await hook.stop();
  tmp.cleanup();
});
const TOKENS = { read: 'read-token-0123456789abcdef', ingest: 'ingest-token-0123456789abcdef' };
/** The checked window: the newest events, so that newer events move it past the corrupt rows. */
const WINDOW = 2000;

interface Notification {
  status: string;
  alerts: { kind: string; status: string; summary: string }[];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The value of a metric's series for the model, or undefined when it has none. */
function metric(text: string, name: string, model: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{model="${model}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('failing checks', { timeout: 180_000 }, () => {
  it('a corrupt samples block: counted, stale metrics tell, /readyz names it, check-failing fires and resolves', async () => {
    await hook.start();
    const model = 'corrupt-model';
    const baseline = await testBaseline(tmp.dir, model);
    const store = `${tmp.dir}/corrupt.duckdb`;
    const events = csvEvents('synthetic_current.csv');
    const old = Array.from({ length: 60_000 }, (_, i) => events[i % events.length]!);
    await storeEvents(store, model, baseline, old, Date.now() - 3_600_000);
    const block = await corruptSamplesBlock(store, { name: model, baseline, window: `events:${WINDOW}`, minRows: 100 }, WINDOW);

    const config = writeConfig(tmp.dir, {
      storage: { path: store, retention: '36500d' },
      alerts: {
        checkFailingAfter: 3,
        channels: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'a-webhook-secret-0123456789' }],
        routes: [{ channels: ['hook'] }],
      },
      models: [{ name: model, baseline, window: `events:${WINDOW}`, minRows: 100, schedule: { cron: '* * * * * *' } }],
    });
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `read:${TOKENS.read},ingest:${TOKENS.ingest}` });
    const base = serve.apiUrl();
    const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKENS.read}` } });
    const notifications = () => hook.delivered().map((r) => JSON.parse(r.body) as Notification);
    const checkFailing = (n: Notification) => n.alerts.find((a) => a.kind === 'check-failing');
    try {
      const firing = await until('a firing check-failing notification', async () =>
        notifications().find((n) => checkFailing(n)?.status === 'firing'),
      );
      assert.match(checkFailing(firing)!.summary, /checks in a row failed since .*Corrupt database file/, `block ${block}`);
      assert.equal(
        notifications().filter((n) => checkFailing(n)).length,
        1,
        'one notification: the next failures are no news within repeatInterval',
      );

      const ready = await get('/readyz');
      const readyBody = (await ready.json()) as { status: string; reasons: string[] };
      assert.equal(ready.status, 503, JSON.stringify(readyBody));
      assert.ok(
        readyBody.reasons.some((r) => new RegExp(`^model ${model}: checks failing: \\d+ in a row since .*Corrupt database file`).test(r)),
        JSON.stringify(readyBody.reasons),
      );

      // Without a token /readyz says only "not ready": no model name, baseline path or DuckDB error.
      const bare = await fetch(`${base}/readyz`);
      assert.equal(bare.status, 503);
      assert.equal(await bare.text(), '{"status":"not_ready"}');

      const failingText = await (await get('/metrics')).text();
      assert.ok((metric(failingText, 'driftwatch_check_failures_total', model) ?? 0) >= 3, failingText);
      assert.equal(metric(failingText, 'driftwatch_last_check_success', model), 0);
      assert.ok((metric(failingText, 'driftwatch_check_consecutive_failures', model) ?? 0) >= 3);
      const lastAt = metric(failingText, 'driftwatch_last_check_timestamp_seconds', model)!;
      assert.ok(Math.abs(Date.now() / 1000 - lastAt) < 10, `the last check is recent: ${lastAt}`);

      // Newer events move the window past the corrupt rows: the next check succeeds.
      const posted = await fetch(`${base}/api/v1/models/${model}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' },
        body: JSON.stringify(csvEvents('synthetic_baseline.csv').slice(0, WINDOW)),
      });
      assert.equal(posted.status, 200, await posted.clone().text());
      const resolved = await until('a resolved check-failing notification', async () =>
        notifications().find((n) => checkFailing(n)?.status === 'resolved'),
      );
      assert.match(checkFailing(resolved)!.summary, /^checks work again/);
      await until('ready again', async () => ((await get('/readyz')).status === 200 ? true : undefined));
      const okText = await (await get('/metrics')).text();
      assert.equal(metric(okText, 'driftwatch_last_check_success', model), 1);
      assert.equal(metric(okText, 'driftwatch_check_consecutive_failures', model), 0);
      assert.ok(serve.lines.some((l) => /"msg":"checks work again"/.test(l)));
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });
});
