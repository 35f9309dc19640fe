// A step of the wall clock under a running `driftwatch serve` (issue 15, HTTP 1). libfaketime
// (Debian's `faketime` package) fakes the wall clock of the serve process only; its monotonic
// clock, which timers run on, is left alone (FAKETIME_DONT_FAKE_MONOTONIC), as an NTP step does.
// The offset is read from a file on every call (FAKETIME_NO_CACHE), so the test steps the clock
// of the running process by rewriting the file. Before: after a step back of one day, node-cron
// slept a day (no check ran, nothing was logged) and a pending retry waited for its stored instant.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { WebhookReceiver } from './helpers/receivers.js';
import { csvEvents, storeEvents } from './helpers/samples.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

/** Where Debian (and Ubuntu) install libfaketime, by architecture. */
const LIBFAKETIME = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
].find((p) => existsSync(p));
const SKIP = LIBFAKETIME ? false : 'libfaketime is not installed (Debian package faketime: apt-get install faketime; .ci/run installs it)';
if (SKIP) console.log(`# skipped: ${SKIP}`);

const tmp = tempDir('driftwatch-clock-step-');
after(() => tmp.cleanup());
const ADMIN = 'admin-token-clock-step-0123456789';
const SECRET = 'clock-step-secret-0123456789';
/** The schedule's period, in ms (`*\/2 * * * * *`). */
const PERIOD_MS = 2_000;
/** The retry's back-off (initialBackoff = maxBackoff). */
const BACKOFF_MS = 4_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `done()` holds, polling; returns the ms it took, or throws after `timeoutMs` with `what`. */
async function within(timeoutMs: number, what: string, done: () => boolean): Promise<number> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
  return performance.now() - start;
}

describe('a stepped wall clock (libfaketime)', { skip: SKIP, timeout: 120_000 }, () => {
  it('the scheduled check keeps running within one period, and a pending retry is delivered after its back-off', async () => {
    const hook = await new WebhookReceiver([503]).start();
    const baseline = await testBaseline(tmp.dir, 'stepped');
    const store = `${tmp.dir}/stepped.duckdb`;
    // Events of two days ago: at -1 day they are still in the window, so every check finds the
    // same drift and sends nothing new (no newer notification supersedes the pending retry).
    await storeEvents(store, 'stepped', baseline, csvEvents('synthetic_current.csv'), Date.now() - 2 * 86_400_000);
    const config = writeConfig(tmp.dir, {
      storage: { path: store, retention: '36500d' },
      alerts: {
        channels: [{ name: 'hook', type: 'webhook', url: hook.url, secret: SECRET }],
        routes: [{ channels: ['hook'] }],
        initialBackoff: `${BACKOFF_MS}ms`,
        maxBackoff: `${BACKOFF_MS}ms`,
        maxAttempts: 5,
      },
      models: [{ name: 'stepped', baseline, window: 'events:3000', schedule: { cron: '*/2 * * * * *' } }],
    });
    const offset = join(tmp.dir, 'faketime.rc');
    writeFileSync(offset, '+0\n');
    const serve = await ServeProcess.start(config, 1, {
      DRIFTWATCH_API_TOKENS: `admin:${ADMIN}`,
      LD_PRELOAD: LIBFAKETIME!,
      FAKETIME_TIMESTAMP_FILE: offset,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    });
    const checks = () => serve.lines.filter((l) => /"msg":"check done"/.test(l)).length;
    try {
      // The first scheduled check alerts; the receiver answers 503: the delivery waits for a retry.
      await within(15_000, 'the first delivery attempt', () => hook.requests.length >= 1);
      assert.equal(hook.requests[0]!.status, 503);

      writeFileSync(offset, '-1d\n');
      const before = checks();
      const back = await within(PERIOD_MS + 2_500, 'a check after the clock stepped back a day', () => checks() > before);
      const retried = await within(BACKOFF_MS + 3_000, 'the retry after the clock stepped back a day', () => hook.delivered().length >= 1);
      console.log(`# stepped back 1 day: next check after ${Math.round(back)} ms, retry delivered after ${Math.round(retried)} ms`);
      const delivery = (r: { headers: Record<string, unknown> }) => r.headers['x-driftwatch-delivery'];
      assert.equal(delivery(hook.delivered()[0]!), delivery(hook.requests[0]!), 'the retry of the first delivery, not a newer one');
      const atMinusOneDay = checks();
      await within(2 * PERIOD_MS + 1_500, 'two more checks at -1 day', () => checks() >= atMinusOneDay + 2);
      assert.ok(
        serve.lines.some((l) => /wall clock stepped back/.test(l)),
        'the step is logged',
      );

      // The clock comes back (a step forward of a day): checks go on.
      writeFileSync(offset, '+0\n');
      const atReturn = checks();
      const forward = await within(PERIOD_MS + 2_500, 'a check after the clock returned', () => checks() > atReturn);
      console.log(`# stepped forward again: next check after ${Math.round(forward)} ms`);
      assert.ok(
        serve.lines.some((l) => /wall clock stepped forward/.test(l)),
        'the step forward is logged',
      );
      const metrics = await (await fetch(`${serve.apiUrl()}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      assert.match(metrics, /driftwatch_clock_steps_total\{direction="backward"\} 1/);
      assert.match(metrics, /driftwatch_clock_steps_total\{direction="forward"\} 1/);
    } finally {
      assert.equal(await serve.stop(), 0);
      await hook.stop();
    }
    assert.equal(hook.delivered().length, 1, 'the alert was delivered once');
    const [row] = await readStore(store, (db) => db.rows(`SELECT status, attempts FROM outbox`));
    assert.deepEqual({ status: row!.status, attempts: Number(row!.attempts) }, { status: 'delivered', attempts: 2 });
  });
});
