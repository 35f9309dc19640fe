// A model without a `source` is fed only through HTTP ingest: no `kafka` section is needed, /readyz
// waits for no consumer, and the posted events are stored and checked like Kafka's.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runCli, tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { csvEvents } from './helpers/samples.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-http-only-');
after(() => tmp.cleanup());
const TOKENS = { ingest: 'ingest-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };

describe('HTTP-only models', { timeout: 120_000 }, () => {
  it('serves a model with no source and no kafka section: events posted, stored and checked', async () => {
    const baseline = await testBaseline(tmp.dir, 'http-model');
    const store = `${tmp.dir}/http.duckdb`;
    const config = writeConfig(
      tmp.dir,
      {
        storage: { path: store, retention: '36500d' },
        // Every second: the scheduled check must find the posted rows too, not only the one run now.
        models: [{ name: 'http-model', baseline, minRows: 100, schedule: { cron: '* * * * * *' } }],
      },
      'http-only.yaml',
    );
    const serve = await ServeProcess.start(config, 1, { DRIFTWATCH_API_TOKENS: `ingest:${TOKENS.ingest},admin:${TOKENS.admin}` });
    const base = serve.apiUrl();
    const call = (method: string, path: string, token?: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      const ready = await call('GET', '/readyz');
      assert.equal(ready.status, 200, `ready at once, with no consumer to wait for: ${await ready.clone().text()}`);
      const models = (await (await call('GET', '/api/v1/models', TOKENS.admin)).json()) as {
        items: { name: string; topics: string[]; consumer: unknown }[];
      };
      assert.deepEqual(
        models.items.map((m) => [m.name, m.topics, m.consumer]),
        [['http-model', [], null]],
      );

      const events = csvEvents('synthetic_current.csv').slice(0, 600);
      const first = await call('POST', '/api/v1/models/http-model/events', TOKENS.ingest, events.slice(0, 300));
      const second = await call('POST', '/api/v1/models/http-model/events', TOKENS.ingest, events.slice(300));
      assert.equal(first.status, 200, await first.clone().text());
      assert.deepEqual(((await second.json()) as { stored: number }).stored, 300);

      const check = await call('POST', '/api/v1/models/http-model/checks', TOKENS.admin);
      assert.equal(check.status, 201, await check.clone().text());
      const report = (await check.json()) as { status: string; window: { rows: number } };
      assert.equal(report.window.rows, 600);
      assert.equal(report.status, 'drift', 'synthetic_current drifts from synthetic_baseline');
      await serve.waitForLog(/"rows":600.*"msg":"check done"/, 10_000);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const stored = await readStore(store, async (db) =>
      db.rows(
        `SELECT _topic, _partition, count(*)::INTEGER AS n, min(_offset)::INTEGER AS lo, max(_offset)::INTEGER AS hi, count(DISTINCT _offset)::INTEGER AS d FROM samples_http_model GROUP BY ALL`,
      ),
    );
    assert.deepEqual(
      stored,
      [{ _topic: '@http', _partition: 0, n: 600, lo: 0, hi: 599, d: 600 }],
      'each posted event stored once, in order',
    );
  });

  it('still requires the kafka section when a model has a source, naming it', async () => {
    const baseline = await testBaseline(tmp.dir, 'needs-kafka');
    const config = writeConfig(
      tmp.dir,
      {
        models: [
          { name: 'http-side', baseline },
          { name: 'kafka-side', baseline, source: { topics: ['t'] } },
        ],
      },
      'missing-kafka.yaml',
    );
    const r = await runCli(['serve', '--config', config]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /kafka: required: models with a source read Kafka topics \(kafka\.brokers\): kafka-side/);
  });
});
