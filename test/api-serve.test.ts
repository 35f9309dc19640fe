// The API inside `driftwatch serve`: health and readiness, bearer tokens by scope, HTTP ingest
// through the same path as Kafka, a check run now, Prometheus metrics; no token in the logs.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { testBaseline } from './helpers/events.js';
import { BROKER, createTopic, testKafka, uniqueTopic } from './helpers/kafka.js';
import { csvEvents } from './helpers/samples.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-api-');
after(() => tmp.cleanup());
const TOKENS = { read: 'read-token-0123456789abcdef', ingest: 'ingest-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };

describe('API in the service', { timeout: 120_000 }, () => {
  it('serves health, auth by scope, HTTP ingest, checks and metrics', async () => {
    const baseline = await testBaseline(tmp.dir, 'api-model');
    const topic = uniqueTopic('api');
    const admin = testKafka().admin();
    await admin.connect();
    await createTopic(admin, topic, 1);
    await admin.disconnect();
    const store = `${tmp.dir}/api.duckdb`;
    const config = writeConfig(tmp.dir, {
      kafka: { brokers: [BROKER] },
      storage: { path: store, retention: '36500d' },
      models: [{ name: 'api-model', baseline, source: { topics: [topic], sessionTimeout: '6s' }, minRows: 100 }],
    });
    const serve = await ServeProcess.start(config, 1, {
      DRIFTWATCH_API_TOKENS: Object.entries(TOKENS)
        .map(([s, t]) => `${s}:${t}`)
        .join(','),
    });
    const base = serve.apiUrl();
    const get = (path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    try {
      assert.equal((await get('/healthz')).status, 200);
      const page = await get('/');
      assert.equal(page.status, 200, 'the dashboard shell is served');
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const deadline = Date.now() + 20_000;
      let ready = await get('/readyz');
      while (ready.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        ready = await get('/readyz');
      }
      assert.equal(ready.status, 200, await ready.text());

      assert.equal((await get('/api/v1/models')).status, 401);
      assert.equal((await get('/api/v1/models', 'not-a-valid-token-at-all-000')).status, 401);
      const models = await get('/api/v1/models', TOKENS.read);
      assert.equal(models.status, 200);
      assert.match(await models.text(), /api-model/);

      const events = csvEvents('synthetic_current.csv').slice(0, 500);
      const post = (path: string, token: string, body?: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      assert.equal((await post('/api/v1/models/api-model/events', TOKENS.read, events)).status, 403, 'read cannot ingest');
      const ingested = await post('/api/v1/models/api-model/events', TOKENS.ingest, events);
      assert.ok(ingested.status >= 200 && ingested.status < 300, `${ingested.status} ${await ingested.clone().text()}`);
      const result = (await ingested.json()) as { received: number; stored: number };
      assert.equal(result.received, 500);
      assert.equal(result.stored, 500);

      assert.equal((await post('/api/v1/models/api-model/checks', TOKENS.read)).status, 403, 'read cannot run checks');
      const check = await post('/api/v1/models/api-model/checks', TOKENS.admin);
      assert.ok(check.status === 200 || check.status === 201, `${check.status}`);
      const report = (await check.json()) as { status: string; window: { rows: number }; trigger: string };
      assert.equal(report.window.rows, 500);
      assert.equal(report.status, 'drift');
      assert.equal(report.trigger, 'api', 'a check asked for through the API is marked apart from scheduled ones');
      const listed = (await (await get('/api/v1/models/api-model/checks', TOKENS.read)).json()) as { items: { trigger?: string }[] };
      assert.equal(listed.items[0]?.trigger, 'api');

      const metrics = await get('/metrics', TOKENS.read);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      for (const name of [
        'driftwatch_events_consumed_total',
        'driftwatch_events_sampled_total',
        'driftwatch_check_duration_seconds',
        'driftwatch_feature_drift_score',
        'driftwatch_feature_drifted',
        'driftwatch_alerts_firing',
        'driftwatch_outbox_pending',
        'driftwatch_outbox_dead',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name}`, 'm'), name);
      }
      assert.equal((await get('/metrics')).status, 401, '/metrics needs a token unless metricsPublic');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    const log = serve.lines.join('\n');
    for (const token of Object.values(TOKENS)) assert.ok(!log.includes(token), 'no token in the logs');
    const stored = await readStore(store, (db) => db.row(`SELECT count(*)::INTEGER AS n FROM samples_api_model`));
    assert.equal(stored.n, 500);
  });
});
