// `driftwatch demo --once`, as a newcomer (or CI) runs it from a checkout: the 2001 flights of
// February–June replayed through the real service against the bundled January baseline. It
// must find the drift in the later months and deliver the alerts to its local mailbox and
// webhook log. With --kafka, the same replay goes through a real topic and the Kafka consumer.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { Store } from '../src/store/store.js';
import type { DemoSummary } from '../src/demo/demo.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { assertGolden, withoutVolatile } from './helpers/golden.js';
import { BROKER } from './helpers/kafka.js';

const tmp = tempDir('driftwatch-demo-');
after(() => tmp.cleanup());

/** What both runs must show, whatever the ingest path. */
async function assertCaughtDrift(summary: DemoSummary, dir: string, perDay: number): Promise<void> {
  assert.equal(summary.events.replayed, 150 * perDay, 'every day of February to June, sampled');
  assert.equal(summary.events.stored, summary.events.replayed, 'every replayed event stored once');
  assert.equal(summary.checks.total, 150, 'one check per day');
  assert.equal(summary.checks.insufficientData, 0);
  assert.ok(summary.checks.drift > 0 && summary.checks.ok > 0, `some days drift, some do not: ${JSON.stringify(summary.checks)}`);
  // Delays move with the weather: it is the feature that drifts, and the worst storm day is caught.
  const [top] = Object.entries(summary.featureDriftDays).sort((a, b) => b[1] - a[1]);
  assert.equal(top?.[0], 'delay', JSON.stringify(summary.featureDriftDays));
  const stormDay = summary.driftDays.find((d) => d.day === '2001-04-28');
  assert.ok(
    stormDay?.features.some((f) => f.name === 'delay' && f.psi > 0.25),
    `2001-04-28: ${JSON.stringify(stormDay)}`,
  );

  assert.ok(summary.alerts.notifications > 0);
  assert.equal(summary.alerts.delivered, summary.alerts.notifications, 'every notification delivered');
  assert.equal(summary.alerts.dead, 0);
  assert.equal(summary.alerts.mails + summary.alerts.webhooks, summary.alerts.delivered, 'one email and one webhook per notification');
  assert.equal(summary.alerts.mails, summary.alerts.webhooks);

  const emls = readdirSync(join(dir, 'mailbox'))
    .filter((f) => f.endsWith('.eml'))
    .sort();
  assert.equal(emls.length, summary.alerts.mails, 'each caught mail saved as .eml');
  const first = await simpleParser(readFileSync(join(dir, 'mailbox', emls[0]!)));
  assert.match(first.subject ?? '', /^\[driftwatch\] FIRING flight-delays: \d+ drifted \(.*delay.*\)/);
  assert.match(first.text ?? '', /Window: +2001-0/, 'the window is in event time (2001)');
  const subjects = await Promise.all(emls.map(async (f) => (await simpleParser(readFileSync(join(dir, 'mailbox', f)))).subject ?? ''));
  assert.ok(
    subjects.some((s) => /RESOLVED flight-delays/.test(s)),
    'calm days resolve the alert',
  );

  const hooks = readFileSync(join(dir, 'webhook.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { verified: boolean; payload: { model: string; status: string } });
  assert.equal(hooks.length, summary.alerts.webhooks);
  assert.ok(
    hooks.every((h) => h.verified && h.payload.model === 'flight-delays'),
    'every webhook signed and verified',
  );
}

describe('driftwatch demo', { timeout: 240_000 }, () => {
  it('--once replays the later months over HTTP ingest, finds the drift and mails the alerts', async () => {
    const dir = join(tmp.dir, 'http');
    const started = Date.now();
    const r = await runCli(['demo', '--once', '--json', '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as DemoSummary;
    assert.equal(summary.source, 'http');
    await assertCaughtDrift(summary, dir, 1000);
    // The whole summary (days, features, PSI, alerts) is pinned: the replay and its sample are deterministic.
    assertGolden('demo-summary-http', withoutVolatile(summary, ['mailbox', 'webhookLog', 'seconds']));
    assert.ok(Date.now() - started < 120_000, `took ${(Date.now() - started) / 1000} s`);
  });

  it('--once --kafka goes through a real topic and the Kafka consumer', async () => {
    const dir = join(tmp.dir, 'kafka');
    const r = await runCli(['demo', '--once', '--json', '--per-day', '300', '--kafka', BROKER, '--dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as DemoSummary;
    assert.equal(summary.source, 'kafka');
    await assertCaughtDrift(summary, dir, 300);
  });

  it('live: every scheduled check sees one whole replayed day, so the first alert is a true one', async () => {
    const dir = join(tmp.dir, 'live');
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'cli.js'), 'demo', '--day-seconds', '0.4', '--port', String(port), '--dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Once it serves (its start-up takes seconds more on a loaded machine), about 25 replayed days:
    // a check every 2 s, each on the clock of the replay.
    for (const deadline = Date.now() + 60_000; !output.includes('dashboard:') && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 10_000));
    child.kill('SIGINT');
    assert.equal(await exited, 0, output);
    const store = await Store.open(join(dir, 'driftwatch.duckdb'));
    let windows: { start: string; end: string; rows: number }[];
    try {
      windows = (
        await store.db.rows(
          `SELECT strftime(window_start, '%Y-%m-%d %H:%M') AS s, strftime(window_end, '%Y-%m-%d %H:%M') AS e, "rows" FROM reports ORDER BY finished_at`,
        )
      ).map((r) => ({ start: String(r.s), end: String(r.e), rows: Number(r.rows) }));
    } finally {
      store.close();
    }
    assert.ok(windows.length >= 3, `a few checks ran: ${JSON.stringify(windows)}\n${output}`);
    for (const w of windows) {
      assert.match(w.start, / 00:00$/, `a window from midnight to midnight: ${JSON.stringify(w)}`);
      assert.ok(w.rows >= 900, `a whole day of flights: ${JSON.stringify(w)}`);
    }
    const subjects = await Promise.all(
      readdirSync(join(dir, 'mailbox'))
        .sort()
        .map(async (f) => (await simpleParser(readFileSync(join(dir, 'mailbox', f)))).subject ?? ''),
    );
    assert.ok(!subjects.some((s) => /insufficient|hour/.test(s)), `no false alarm: ${subjects.join(' | ')}`);
  });

  it('explains a wrong option in one line', async () => {
    const r = await runCli(['demo', '--produce-only', '--dir', join(tmp.dir, 'bad')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--produce-only needs --kafka HOST:PORT/);
  });
});

describe('docker compose deployment', () => {
  it('docker-compose.yml has the four services, and the driftwatch config it mounts is valid', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<
        string,
        { image?: string; build?: string; command?: string[]; volumes?: string[]; depends_on?: Record<string, { condition: string }> }
      >;
    };
    assert.deepEqual(Object.keys(compose.services).sort(), ['driftwatch', 'kafka', 'mailpit', 'replay']);
    assert.match(compose.services.kafka!.image!, /^apache\/kafka:/);
    assert.match(compose.services.mailpit!.image!, /^axllent\/mailpit:/);
    const dw = compose.services.driftwatch!;
    assert.equal(dw.build, '.');
    const mount = dw.volumes!.find((v) => v.endsWith(':/etc/driftwatch/driftwatch.yaml:ro'))!;
    assert.ok(mount, 'the config is mounted');
    assert.ok(
      dw.volumes!.some((v) => v.startsWith('driftwatch-data:/data')),
      'the DuckDB file lives in a volume',
    );
    // The mounted config, through the same loader and schema as `driftwatch serve`.
    const config = loadConfig(join(ROOT, mount.split(':')[0]!), { SMTP_URL: 'smtp://mailpit:1025' });
    const [model] = config.models;
    assert.equal(model!.source!.topics[0], compose.services.replay!.command![compose.services.replay!.command!.indexOf('--topic') + 1]);
    assert.equal(model!.baseline, '/app/baselines/flights/v1.json');
    assert.ok(existsSync(join(ROOT, 'baselines/flights/v1.json')), 'the image copies baselines/ to /app/baselines');
    assert.deepEqual(compose.services.replay!.command!.slice(0, 4), ['demo', '--kafka', 'kafka:9092', '--produce-only']);
    assert.equal(compose.services.replay!.depends_on!.driftwatch!.condition, 'service_healthy');
  });

  it('docker compose config accepts it (when a compose client is installed; .ci/run installs one)', (t) => {
    const clients: [string, string[]][] = [
      ['docker', ['compose']],
      ['docker-compose', []],
    ];
    const client = clients.find(([cmd, pre]) => {
      try {
        execFileSync(cmd, [...pre, 'version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!client) return t.skip('no docker compose client here');
    execFileSync(client[0], [...client[1], '-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], { cwd: ROOT, stdio: 'pipe' });
  });
});
