// The API over real HTTP: a real app on 127.0.0.1, an in-memory store, events through the real
// decoder and writer, checks through checkModel, outbox rows through the outbox's own functions.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enqueue, markDead } from '../store/outbox.js';
import type { LiveReport } from '../contracts/report.js';
import { insertReport } from '../store/reports.js';
import { FIXTURES, fixtureEvents, type Harness, startHarness, TEST_TOKENS } from '../../test/helpers/api-harness.js';
import {
  AlertList,
  BaselineEntry,
  BaselineList,
  CheckPage,
  CheckSummary,
  ErrorBody,
  Health,
  IngestResultBody,
  ModelDetail,
  ModelList,
  OutboxItem,
  OutboxList,
  Profile,
  Readiness,
  Report,
  SilenceState,
} from './schemas.js';
import { activeSilences } from '../store/alerts.js';
import { removeStaleUploadDirs } from './routes/baselines.js';

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Asserts an error response: the status, a JSON `{error, message}` body, and no stack trace in it. */
async function expectError(response: Response, status: number, message?: RegExp): Promise<{ error: string; message: string }> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = ErrorBody.strict().parse(JSON.parse(text));
  assert.doesNotMatch(text, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  if (message) assert.match(body.message, message);
  return body;
}

let h: Harness;
let report: LiveReport;

before(async () => {
  h = await startHarness();
  // The drifted current data of the synthetic fixture, through HTTP ingest, then a check.
  const ingested = await h.request('/api/v1/models/fraud/events', { token: 'ingest', ...json(fixtureEvents('synthetic_current.csv')) });
  assert.equal(ingested.status, 200, await ingested.clone().text());
  const run = await h.request('/api/v1/models/fraud/checks', { token: 'admin', method: 'POST' });
  assert.equal(run.status, 201);
  report = (await run.json()) as LiveReport;
});
after(() => h.close());

describe('health', () => {
  it('GET /healthz and /readyz answer 200 without a token', async () => {
    const health = await h.request('/healthz', { token: null });
    assert.equal(health.status, 200);
    Health.parse(await health.json());
    const ready = await h.request('/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.deepEqual(Readiness.parse(await ready.json()), { status: 'ready' });
    const detailed = await h.request('/readyz', { token: 'read' });
    assert.deepEqual(Readiness.parse(await detailed.json()), { status: 'ready', reasons: [] });
  });

  it('GET /readyz answers 503: the status only without a token, the reasons with a read token', async () => {
    const reason = "model fraud: not started: cannot read baseline profile '/srv/baselines/fraud.json': ENOENT";
    const other = await startHarness({ deps: { ready: () => ({ ok: false, reasons: [reason], waitingForTopic: { fraud: ['t'] } }) } });
    try {
      const bare = await other.request('/readyz', { token: null });
      assert.equal(bare.status, 503);
      assert.equal(await bare.text(), '{"status":"not_ready"}', 'no model name, path or error without a token');
      for (const token of ['read', 'admin']) {
        const ready = await other.request('/readyz', { token });
        assert.equal(ready.status, 503);
        assert.deepEqual(await ready.json(), { status: 'not_ready', reasons: [reason], waitingForTopic: { fraud: ['t'] } });
      }
      await expectError(await other.request('/readyz', { token: 'not-a-known-token-0123456789' }), 401);
      await expectError(await other.request('/readyz', { token: 'ingest' }), 403);
      assert.equal((await other.request('/healthz', { token: null })).status, 200, 'still alive');
    } finally {
      await other.close();
    }
  });

  it('GET /metrics needs a read token unless api.metricsPublic', async () => {
    await expectError(await h.request('/metrics', { token: null }), 401);
    await expectError(await h.request('/metrics', { token: 'ingest' }), 403);
    const metrics = await h.request('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const open = await startHarness({ api: { metricsPublic: true } });
    try {
      assert.equal((await open.request('/metrics', { token: null })).status, 200);
      await expectError(await open.request('/api/v1/models', { token: null }), 401);
    } finally {
      await open.close();
    }
  });

  it('sets security headers (helmet) on every response', async () => {
    for (const response of [await h.request('/healthz', { token: null }), await h.request('/api/v1/models', { token: null })]) {
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(response.headers.get('content-security-policy'));
      assert.equal(response.headers.get('x-powered-by'), null);
    }
  });
});

describe('authentication', () => {
  it('401 without a token, with WWW-Authenticate: Bearer', async () => {
    const response = await h.request('/api/v1/models', { token: null });
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
    await expectError(response, 401, /bearer token is required/);
  });

  it('401 with an unknown token or another scheme', async () => {
    const unknown = await h.request('/api/v1/models', { token: 'not-a-real-token-0123456789' });
    assert.match(unknown.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    await expectError(unknown, 401, /not valid/);
    await expectError(
      await h.request('/api/v1/models', {
        token: null,
        headers: { authorization: `Basic ${Buffer.from(`u:${TEST_TOKENS.read}`).toString('base64')}` },
      }),
      401,
    );
    await expectError(
      await h.request('/api/v1/models', { token: null, headers: { authorization: `Bearer ${TEST_TOKENS.read} extra` } }),
      401,
    );
    assert.equal(
      (await h.request('/api/v1/models', { token: null, headers: { authorization: `bearer   ${TEST_TOKENS.read}` } })).status,
      200,
      'the scheme is case-insensitive',
    );
  });

  it('403 with a token of the wrong scope; admin may do everything', async () => {
    await expectError(await h.request('/api/v1/models', { token: 'ingest' }), 403, /scope 'read' or 'admin'; this token has 'ingest'/);
    await expectError(await h.request('/api/v1/models/fraud/checks', { token: 'read', method: 'POST' }), 403, /scope 'admin'/);
    await expectError(await h.request('/api/v1/models/fraud/events', { token: 'read', ...json([{}]) }), 403, /scope 'ingest'/);
    assert.equal((await h.request('/api/v1/models', { token: 'admin' })).status, 200);
    assert.equal((await h.request('/api/v1/models/fraud/events', { token: 'admin', ...json([{ features: {} }]) })).status, 200);
  });

  it('authenticates before it validates: a bad body without a token is a 401, not a 400', async () => {
    await expectError(await h.request('/api/v1/models/fraud/events', { token: null, ...json('nope') }), 401);
  });
});

describe('models', () => {
  it('GET /models lists every configured model with status, newest check and firing alerts', async () => {
    const response = await h.request('/api/v1/models');
    assert.equal(response.status, 200);
    const { items } = ModelList.strict().parse(await response.json());
    assert.deepEqual(
      items.map((m) => [m.name, m.status]),
      [
        ['fraud', 'running'],
        ['broken', 'failed'],
      ],
    );
    const fraud = items[0]!;
    assert.equal(fraud.latestCheck?.id, report.id);
    assert.equal(fraud.latestCheck?.status, 'drift');
    assert.ok(fraud.firingAlerts > 0);
    assert.match(items[1]!.error ?? '', /cannot read baseline/);
    assert.equal(items[1]!.latestCheck, null);
  });

  it('GET /models/{model} shows the features, counters and newest check', async () => {
    const response = await h.request('/api/v1/models/fraud');
    assert.equal(response.status, 200);
    const model = ModelDetail.strict().parse(await response.json());
    assert.deepEqual(model.features.map((f) => f.name).sort(), ['age', 'amount', 'channel', 'score']);
    assert.ok((model.counters.consumed ?? 0) >= 3000);
    assert.equal(model.latestCheck?.id, report.id);
    const drifted = report.features.filter((f) => f.drift).map((f) => f.name);
    assert.deepEqual(
      model.latestCheck?.features
        .filter((f) => f.drift)
        .map((f) => f.name)
        .sort(),
      [...drifted].sort(),
    );
  });

  it('404 for an unknown model, listing the known ones; 404 for a name that cannot be a model', async () => {
    await expectError(await h.request('/api/v1/models/nope'), 404, /unknown model 'nope'; known: fraud, broken/);
    await expectError(await h.request('/api/v1/models/..%2F..%2Fetc'), 404);
  });
});

describe('baselines', () => {
  it("GET lists the profiles of the model's folder and reads one", async () => {
    const list = await h.request('/api/v1/models/fraud/baselines');
    assert.equal(list.status, 200);
    const body = BaselineList.strict().parse(await list.json());
    assert.ok(body.items.some((b) => b.version === 'v1' && b.inUse && b.features === 4));
    const one = await h.request('/api/v1/models/fraud/baselines/v1');
    assert.equal(one.status, 200);
    const profile = Profile.parse(await one.json());
    assert.equal(profile.version, 'v1');
  });

  it('GET of an unknown version is 404; names that would leave the folder are refused', async () => {
    await expectError(await h.request('/api/v1/models/fraud/baselines/v9'), 404, /unknown baseline version .* 'v9'; known: v1/);
    await expectError(await h.request('/api/v1/models/fraud/baselines/..%2F..%2Fbroken%2Fv1'), 404);
    await expectError(await h.request('/api/v1/models/fraud/baselines/v1..v2'), 404);
    await expectError(await h.request('/api/v1/models/fraud/baselines/%2Fetc%2Fpasswd'), 404);
  });

  it('POST a raw CSV body profiles it into <version>.json next to the configured baseline', async () => {
    const csv = readFileSync(join(FIXTURES, 'synthetic_current.csv'));
    const response = await h.request('/api/v1/models/fraud/baselines?version=v2', {
      token: 'admin',
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    const entry = BaselineEntry.strict().parse(JSON.parse(text));
    assert.equal(entry.version, 'v2');
    assert.equal(entry.source.rows, 3000);
    assert.equal(entry.inUse, false);
    assert.equal(response.headers.get('location'), '/api/v1/models/fraud/baselines/v2');
    assert.ok(existsSync(join(h.dir, 'baselines', 'fraud', 'v2.json')));
    const list = BaselineList.parse(await (await h.request('/api/v1/models/fraud/baselines')).json());
    assert.deepEqual(list.items.map((b) => b.version).sort(), ['v1', 'v2']);
    await expectError(
      await h.request('/api/v1/models/fraud/baselines?version=v2', {
        token: 'admin',
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      }),
      409,
      /exists already/,
    );
  });

  it('POST a multipart form with the file part, options from the query', async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(FIXTURES, 'synthetic_baseline.csv'))]), 'training data.csv');
    const response = await h.request('/api/v1/models/fraud/baselines?version=v3&features=amount,channel&bins=5', {
      token: 'admin',
      method: 'POST',
      body: form,
    });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    const entry = BaselineEntry.parse(JSON.parse(text));
    assert.equal(entry.features, 2);
    assert.equal(entry.source.file, 'training_data.csv');
    const profile = Profile.parse(await (await h.request('/api/v1/models/fraud/baselines/v3')).json());
    assert.equal((profile.settings as { bins: number }).bins, 5);
  });

  it('POST refuses bad versions, bad data and unknown formats with clear errors', async () => {
    const post = (query: string, init: RequestInit & { token?: string } = {}) =>
      h.request(`/api/v1/models/fraud/baselines${query}`, {
        token: 'admin',
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: 'a,b\n1,2\n',
        ...init,
      });
    await expectError(await post(''), 400, /query: version: /);
    await expectError(await post('?version=..%2F..%2Fevil'), 400, /version: /);
    await expectError(await post('?version=v4&nope=1'), 400, /Unrecognized key: "nope"/);
    await expectError(await post('?version=v4&bins=1'), 400, /bins: /);
    await expectError(
      await post('?version=v4', { headers: { 'content-type': 'application/octet-stream' } }),
      415,
      /cannot tell the data format/,
    );
    // Names on Object.prototype are no media type (a lookup once found the prototype's and answered 500).
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      await expectError(await post('?version=v4', { headers: { 'content-type': type } }), 415, /cannot tell the data format/);
    }
    await expectError(await post('?version=v4&features=missing'), 400, /unknown column 'missing'; the data has: a, b/);
    await expectError(await post('?version=v4', { body: '' }), 400, /empty/);
    await expectError(
      await post('?version=v4', { headers: { 'content-type': 'application/vnd.apache.parquet' }, body: 'not parquet at all' }),
      400,
      /cannot read 'upload\.parquet' as parquet/,
    );
    await expectError(await post('?version=v4', { token: 'read' }), 403);
    await expectError(
      await h.request('/api/v1/models/nope/baselines?version=v4', {
        token: 'admin',
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: 'a\n1\n',
      }),
      404,
    );
    assert.ok(!existsSync(join(h.dir, 'baselines', 'fraud', 'v4.json')));
  });
});

describe('checks', () => {
  it('POST runs a check now and returns the stored report (201, Location)', async () => {
    Report.parse(report);
    assert.equal(report.status, 'drift');
    const again = await h.request('/api/v1/models/fraud/checks', { token: 'admin', method: 'POST' });
    assert.equal(again.status, 201);
    const body = Report.parse(await again.json());
    assert.equal(again.headers.get('location'), `/api/v1/checks/${body.id}`);
  });

  it('POST: 409 for a model that is not running, 404 for an unknown one', async () => {
    await expectError(
      await h.request('/api/v1/models/broken/checks', { token: 'admin', method: 'POST' }),
      409,
      /not running: cannot read baseline/,
    );
    await expectError(await h.request('/api/v1/models/nope/checks', { token: 'admin', method: 'POST' }), 404);
  });

  it('GET lists checks newest first with paging and a time range', async () => {
    const page = CheckPage.strict().parse(await (await h.request('/api/v1/models/fraud/checks?limit=1')).json());
    assert.ok(page.total >= 2);
    assert.equal(page.items.length, 1);
    CheckSummary.strict().parse(page.items[0]);
    const second = CheckPage.parse(await (await h.request('/api/v1/models/fraud/checks?limit=1&offset=1')).json());
    assert.notEqual(second.items[0]!.id, page.items[0]!.id);
    assert.ok(second.items[0]!.finishedAt <= page.items[0]!.finishedAt);
    const future = CheckPage.parse(await (await h.request('/api/v1/models/fraud/checks?from=2999-01-01T00:00:00Z')).json());
    assert.deepEqual([future.total, future.items.length], [0, 0]);
    const past = CheckPage.parse(
      await (
        await h.request(`/api/v1/models/fraud/checks?from=2000-01-01&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      ).json(),
    );
    assert.equal(past.total, page.total);
    const drifted = CheckPage.parse(await (await h.request('/api/v1/models/fraud/checks?status=drift')).json());
    assert.ok(drifted.items.every((c) => c.status === 'drift'));
  });

  it('GET list: 400 naming the query parameter for bad values', async () => {
    await expectError(await h.request('/api/v1/models/fraud/checks?limit=0'), 400, /query: limit: /);
    await expectError(await h.request('/api/v1/models/fraud/checks?limit=abc'), 400, /limit: .*expected number/);
    await expectError(await h.request('/api/v1/models/fraud/checks?offset=-1'), 400, /offset/);
    await expectError(await h.request('/api/v1/models/fraud/checks?from=yesterday'), 400, /from: expected an ISO 8601 time/);
    await expectError(await h.request('/api/v1/models/fraud/checks?from=2024-02-01&to=2024-01-01'), 400, /from must be before to/);
    await expectError(await h.request('/api/v1/models/fraud/checks?status=bad'), 400, /status/);
    await expectError(await h.request('/api/v1/models/fraud/checks?limt=5'), 400, /Unrecognized key: "limt"/);
  });

  it('GET /checks/{id}: JSON by default, HTML with ?format=html or Accept: text/html', async () => {
    const asJson = await h.request(`/api/v1/checks/${report.id}`);
    assert.equal(asJson.status, 200);
    assert.deepEqual(await asJson.json(), JSON.parse(JSON.stringify(report)));
    const byQuery = await h.request(`/api/v1/checks/${report.id}?format=html`);
    assert.equal(byQuery.status, 200);
    assert.match(byQuery.headers.get('content-type') ?? '', /text\/html/);
    assert.match(byQuery.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await byQuery.text(), /^<!DOCTYPE html>/);
    const byAccept = await h.request(`/api/v1/checks/${report.id}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.match(byAccept.headers.get('content-type') ?? '', /text\/html/);
    await expectError(await h.request('/api/v1/checks/00000000-0000-0000-0000-000000000000'), 404, /unknown check/);
    await expectError(await h.request(`/api/v1/checks/${report.id}?format=pdf`), 400, /format/);
  });

  it('the HTML page escapes feature names from the data', async () => {
    const evil = '<script>alert("x")</script>';
    const crafted: LiveReport = {
      ...report,
      id: 'crafted-0001',
      features: report.features.map((f, i) => (i === 0 ? { ...f, name: evil, drift: true } : f)),
    };
    await h.store.connect().then(async (db) => {
      try {
        await insertReport(db, crafted);
      } finally {
        db.close();
      }
    });
    const page = await (await h.request('/api/v1/checks/crafted-0001?format=html')).text();
    assert.ok(!page.includes('<script>alert'), 'no live script tag');
    assert.ok(page.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), 'the name is shown escaped');
  });
});

describe('alerts and silences', () => {
  it('GET /alerts lists firing and resolved alerts, filtered by status and model', async () => {
    const all = AlertList.strict().parse(await (await h.request('/api/v1/alerts')).json());
    assert.ok(all.total > 0);
    const firing = AlertList.parse(await (await h.request('/api/v1/alerts?status=firing&model=fraud')).json());
    assert.ok(firing.items.length > 0 && firing.items.every((a) => a.status === 'firing' && a.model === 'fraud'));
    const drifted = report.features
      .filter((f) => f.drift)
      .map((f) => f.name)
      .sort();
    assert.deepEqual(
      firing.items
        .filter((a) => a.kind === 'drift')
        .map((a) => a.feature)
        .sort(),
      drifted,
    );
    const resolved = AlertList.parse(await (await h.request('/api/v1/alerts?status=resolved')).json());
    assert.equal(resolved.items.length, 0);
    await expectError(await h.request('/api/v1/alerts?status=maybe'), 400, /status/);
  });

  it('POST silence holds an alert for a duration; DELETE ends it', async () => {
    const alert = AlertList.parse(await (await h.request('/api/v1/alerts?status=firing')).json()).items[0]!;
    const before = Date.now();
    const response = await h.request(`/api/v1/alerts/${alert.fingerprint}/silence`, { token: 'admin', ...json({ duration: '2h' }) });
    assert.equal(response.status, 200);
    const state = SilenceState.strict().parse(await response.json());
    const until = Date.parse(state.silencedUntil);
    assert.ok(until >= before + 7_200_000 && until <= Date.now() + 7_200_000);
    const listed = AlertList.parse(await (await h.request('/api/v1/alerts?status=firing')).json()).items.find(
      (a) => a.fingerprint === alert.fingerprint,
    )!;
    assert.equal(listed.silencedUntil, state.silencedUntil);
    const active = await h.store.connect().then(async (db) => {
      try {
        return await activeSilences(db, Date.now());
      } finally {
        db.close();
      }
    });
    assert.equal(active.get(alert.fingerprint), until, 'the engine sees the silence');

    const removed = await h.request(`/api/v1/alerts/${alert.fingerprint}/silence`, { token: 'admin', method: 'DELETE' });
    assert.equal(removed.status, 204);
    assert.equal(
      (await h.request(`/api/v1/alerts/${alert.fingerprint}/silence`, { token: 'admin', method: 'DELETE' })).status,
      204,
      'idempotent',
    );
    const after = AlertList.parse(await (await h.request('/api/v1/alerts?status=firing')).json()).items.find(
      (a) => a.fingerprint === alert.fingerprint,
    )!;
    assert.equal(after.silencedUntil, null);
  });

  it('silence: clear 400s for bad bodies, 415 for non-JSON, 404 for unknown alerts, 403 for read tokens', async () => {
    const alert = AlertList.parse(await (await h.request('/api/v1/alerts')).json()).items[0]!;
    const path = `/api/v1/alerts/${alert.fingerprint}/silence`;
    await expectError(
      await h.request(path, { token: 'admin', ...json({ duration: 'forever' }) }),
      400,
      /body: duration: expected a duration from 1s to 90d/,
    );
    await expectError(await h.request(path, { token: 'admin', ...json({ duration: '365d' }) }), 400, /duration/);
    await expectError(await h.request(path, { token: 'admin', ...json({ duration: 7200 }) }), 400, /duration: .*expected string/);
    await expectError(await h.request(path, { token: 'admin', ...json({}) }), 400, /duration/);
    await expectError(await h.request(path, { token: 'admin', ...json({ duration: '2h', until: 'x' }) }), 400, /Unrecognized key: "until"/);
    await expectError(
      await h.request(path, { token: 'admin', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"duration": "2h"' }),
      400,
      /not valid JSON/,
    );
    await expectError(await h.request(path, { token: 'admin', method: 'POST', body: 'duration=2h' }), 415, /application\/json/);
    await expectError(await h.request(path, { token: 'admin', method: 'POST' }), 400, /JSON body is required/);
    await expectError(
      await h.request('/api/v1/alerts/0123456789abcdef/silence', { token: 'admin', ...json({ duration: '2h' }) }),
      404,
      /unknown alert/,
    );
    await expectError(await h.request('/api/v1/alerts/not-a-fingerprint/silence', { token: 'admin', ...json({ duration: '2h' }) }), 404);
    await expectError(await h.request(path, { token: 'read', ...json({ duration: '2h' }) }), 403);
    await expectError(await h.request(path, { token: 'read', method: 'DELETE' }), 403);
  });
});

describe('outbox', () => {
  before(async () => {
    const db = await h.store.connect();
    try {
      const now = Date.now();
      await enqueue(
        db,
        { id: 'dead-1', channel: 'hook', model: 'fraud', kind: 'report', payload: { id: 'dead-1', subject: 's', html: 'h', text: 't' } },
        now - 1000,
      );
      await markDead(db, 'dead-1', 10, 'HTTP 500 from the receiver');
      await enqueue(
        db,
        {
          id: 'pending-1',
          channel: 'mail',
          model: 'fraud',
          kind: 'report',
          payload: { id: 'pending-1', subject: 's', html: 'h', text: 't' },
        },
        now,
      );
    } finally {
      db.close();
    }
  });

  it('GET lists pending (default), dead and delivered entries without their payload', async () => {
    const pending = OutboxList.strict().parse(await (await h.request('/api/v1/outbox')).json());
    assert.deepEqual(
      pending.items.map((e) => e.id),
      ['pending-1'],
    );
    const dead = OutboxList.parse(await (await h.request('/api/v1/outbox?status=dead')).json());
    assert.deepEqual(
      dead.items.map((e) => [e.id, e.attempts, e.lastError]),
      [['dead-1', 10, 'HTTP 500 from the receiver']],
    );
    assert.equal(OutboxList.parse(await (await h.request('/api/v1/outbox?status=delivered')).json()).total, 0);
    await expectError(await h.request('/api/v1/outbox?status=lost'), 400, /status/);
  });

  it('POST retry moves a dead entry back to pending with attempts reset; 409 when not dead, 404 when unknown', async () => {
    await expectError(await h.request('/api/v1/outbox/dead-1/retry', { token: 'read', method: 'POST' }), 403);
    const response = await h.request('/api/v1/outbox/dead-1/retry', { token: 'admin', method: 'POST' });
    assert.equal(response.status, 200);
    const entry = OutboxItem.strict().parse(await response.json());
    assert.deepEqual([entry.status, entry.attempts, entry.lastError], ['pending', 0, null]);
    assert.ok(Date.parse(entry.nextAttemptAt) <= Date.now());
    await expectError(await h.request('/api/v1/outbox/dead-1/retry', { token: 'admin', method: 'POST' }), 409, /is pending, not dead/);
    await expectError(await h.request('/api/v1/outbox/nope/retry', { token: 'admin', method: 'POST' }), 404);
  });
});

describe('HTTP ingest', () => {
  it('stores events through the decoder and sampler, reporting quarantined ones by reason', async () => {
    const events = [
      { features: { amount: 10, age: 30, score: 0.5, channel: 'web' } },
      { features: { amount: 'ten', age: 30, score: 0.5, channel: 'web' } },
      { features: { age: 30, score: 0.5, channel: 'web' } },
    ];
    const response = await h.request('/api/v1/models/fraud/events', { token: 'ingest', ...json(events) });
    assert.equal(response.status, 200);
    const result = IngestResultBody.strict().parse(await response.json());
    assert.deepEqual(result, { received: 3, sampled: 3, stored: 3, duplicates: 0, quarantined: { wrong_type: 1, missing_feature: 1 } });
  });

  it('400 for bodies that are not an array of event objects, naming the index', async () => {
    const post = (body: string) =>
      h.request('/api/v1/models/fraud/events', { token: 'ingest', method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await expectError(await post('{"features": {}}'), 400, /body: \(root\): .*expected array/);
    await expectError(await post('[{"features": {}}, 42]'), 400, /body: \[1\]: .*expected record/);
    await expectError(await post('[]'), 400, /at least one event/);
    await expectError(await post('[{"features": '), 400, /not valid JSON/);
    await expectError(
      await h.request('/api/v1/models/fraud/events', {
        token: 'ingest',
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '[]',
      }),
      415,
    );
    await expectError(await h.request('/api/v1/models/nope/events', { token: 'ingest', ...json([{}]) }), 404);
    await expectError(await h.request('/api/v1/models/broken/events', { token: 'ingest', ...json([{}]) }), 409, /not running/);
  });
});

/** This process's upload folders in the temporary directory (named driftwatch-upload-<pid>-...). */
const ownUploadDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`driftwatch-upload-${process.pid}-`));

describe('baseline upload bounds (issue 15, HTTP 7)', () => {
  let bounded: Harness;
  let hurried: Harness;
  before(async () => {
    bounded = await startHarness({ api: { uploadMaxColumns: 50 } });
    hurried = await startHarness({ api: { uploadTimeout: '300ms' } });
  });
  after(async () => {
    await bounded.close();
    await hurried.close();
  });
  const upload = (harness: Harness, version: string, body: string | Buffer, type = 'text/csv') =>
    harness.request(`/api/v1/models/fraud/baselines?version=${version}`, {
      token: 'admin',
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });

  it('a CSV of 100,000 columns is refused 413 at once, naming api.uploadMaxColumns (default 2,000)', async () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',');
    const row = Array.from({ length: 100_000 }, (_, i) => String(i % 7)).join(',');
    const started = performance.now();
    const body = await expectError(
      await upload(h, 'wide', `${header}\n${row}\n${row}\n`),
      413,
      /'upload\.csv' has 100,000 columns; at most 2,000 are profiled \(api\.uploadMaxColumns\)/,
    );
    const ms = performance.now() - started;
    console.log(`# 100,000 columns refused in ${Math.round(ms)} ms`);
    assert.ok(ms < 3_000, `refused in ${Math.round(ms)} ms`);
    assert.equal(body.error, 'payload_too_large');
    assert.ok(!existsSync(join(h.dir, 'baselines', 'fraud', 'wide.json')));
    assert.deepEqual(ownUploadDirs(), [], 'no temporary file remains');
  });

  it('the bound is the setting, and holds for Parquet and NDJSON too (the reader says how many columns)', async () => {
    const columns = Array.from({ length: 60 }, (_, i) => `c${i}`);
    await expectError(
      await upload(bounded, 'csv60', `${columns.join(',')}\n${columns.map(() => '1').join(',')}\n`),
      413,
      /has 60 columns; at most 50/,
    );
    const event = Object.fromEntries(columns.map((c) => [c, 1]));
    await expectError(
      await upload(bounded, 'nd60', `${JSON.stringify(event)}\n${JSON.stringify(event)}\n`, 'application/x-ndjson'),
      413,
      /'upload\.ndjson' has 60 columns; at most 50 \(api\.uploadMaxColumns\)|at most 50 are profiled/,
    );
    assert.equal(
      (await upload(bounded, 'csv4', readFileSync(join(FIXTURES, 'synthetic_baseline.csv')))).status,
      201,
      'a normal file passes',
    );
    assert.deepEqual(ownUploadDirs(), []);
  });

  it('a profile that takes longer than api.uploadTimeout is cancelled and answered 503; the next upload is not held', async () => {
    // 400,000 rows: profiling takes seconds here, far past the 300 ms bound.
    const lines = ['amount,age,score,channel'];
    for (let i = 0; i < 400_000; i++) lines.push(`${i % 1000}.5,${20 + (i % 50)},0.${i % 97},${['web', 'app', 'store'][i % 3]}`);
    const started = performance.now();
    const body = await expectError(
      await upload(hurried, 'slow', `${lines.join('\n')}\n`),
      503,
      /longer than api\.uploadTimeout \(300 ms\) and was cancelled/,
    );
    const ms = performance.now() - started;
    assert.equal(body.error, 'timeout');
    console.log(`# 400,000 rows: cancelled and answered in ${Math.round(ms)} ms`);
    assert.ok(ms < 5_000, `answered in ${Math.round(ms)} ms`);
    assert.ok(
      hurried.logs.some((l) => /baseline upload cancelled/.test(l)),
      'logged',
    );
    assert.ok(!existsSync(join(hurried.dir, 'baselines', 'fraud', 'slow.json')));
    assert.deepEqual(ownUploadDirs(), [], 'no temporary file remains');
    const small = 'amount,age,score,channel\n1,2,0.1,web\n2,3,0.2,app\n';
    // The upload queue is the process's: the next upload, on a service with the default bound, is not held.
    const nextStarted = performance.now();
    const next = await upload(bounded, 'after-slow', small);
    const nextMs = performance.now() - nextStarted;
    assert.equal(next.status, 201, await next.clone().text());
    assert.ok(nextMs < 5_000, `answered in ${Math.round(nextMs)} ms`);
  });

  it("the upload folders of a process that no longer runs are removed; a running one's are kept", () => {
    const parent = mkdtempSync(join(tmpdir(), 'driftwatch-sweep-'));
    try {
      mkdirSync(join(parent, 'driftwatch-upload-999999999-abc'));
      writeFileSync(join(parent, 'driftwatch-upload-999999999-abc', 'body'), 'x');
      mkdirSync(join(parent, `driftwatch-upload-${process.pid}-def`));
      mkdirSync(join(parent, 'driftwatch-upload-old'));
      assert.deepEqual(removeStaleUploadDirs(parent), ['driftwatch-upload-999999999-abc']);
      assert.deepEqual(readdirSync(parent).sort(), [`driftwatch-upload-${process.pid}-def`, 'driftwatch-upload-old']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('limits', () => {
  let small: Harness;
  before(async () => {
    small = await startHarness({ api: { bodyLimit: '1kb', uploadLimit: '2kb', ingestRateLimit: 3 } });
  });
  after(() => small.close());

  it('413 for a JSON body over api.bodyLimit', async () => {
    const events = Array.from({ length: 50 }, (_, i) => ({ features: { amount: i, age: 30, score: 0.5, channel: 'web' } }));
    await expectError(
      await small.request('/api/v1/models/fraud/events', { token: 'admin', ...json(events) }),
      413,
      /larger than the limit of 1024 bytes/,
    );
  });

  it('413 for an upload over api.uploadLimit', async () => {
    const csv = readFileSync(join(FIXTURES, 'synthetic_baseline.csv'));
    await expectError(
      await small.request('/api/v1/models/fraud/baselines?version=big', {
        token: 'admin',
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      }),
      413,
      /api\.uploadLimit/,
    );
    assert.ok(!existsSync(join(small.dir, 'baselines', 'fraud', 'big.json')));
  });

  it('429 with Retry-After past api.ingestRateLimit requests per token; other tokens keep theirs', async () => {
    const post = (token: 'ingest' | 'admin') =>
      small.request('/api/v1/models/fraud/events', { token, ...json([{ features: { amount: 1, age: 2, score: 0.1, channel: 'web' } }]) });
    for (let i = 0; i < 3; i++) assert.equal((await post('ingest')).status, 200);
    const limited = await post('ingest');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    await expectError(limited, 429, /more than 3 ingest requests in 10 s/);
    assert.equal((await post('admin')).status, 200, 'counted per token');
    assert.equal((await small.request('/api/v1/models')).status, 200, 'only ingest is limited');
  });
});

describe('errors', () => {
  it('unknown routes and methods are JSON 404s', async () => {
    await expectError(await h.request('/api/v1/nope'), 404, /no route GET \/api\/v1\/nope/);
    await expectError(await h.request('/api/v1/models', { method: 'DELETE' }), 404);
    await expectError(await h.request('/nope', { token: null }), 404);
  });

  it('an internal error is a 500 without its message or stack; the log has the message', async () => {
    const failing = await startHarness({ deps: { runCheck: () => Promise.reject(new Error('disk on fire at /secret/path')) } });
    try {
      const body = await expectError(await failing.request('/api/v1/models/fraud/checks', { token: 'admin', method: 'POST' }), 500);
      assert.deepEqual(body, { error: 'internal', message: 'internal error; the server log has the details' });
      assert.ok(failing.logs.some((l) => l.includes('disk on fire')));
    } finally {
      await failing.close();
    }
  });

  it('503 when the service runs no checks or takes no HTTP ingest', async () => {
    const bare = await startHarness({ deps: { runCheck: undefined, ingest: undefined } });
    try {
      await expectError(await bare.request('/api/v1/models/fraud/checks', { token: 'admin', method: 'POST' }), 503, /does not run checks/);
      await expectError(await bare.request('/api/v1/models/fraud/events', { token: 'admin', ...json([{}]) }), 503, /HTTP ingest/);
    } finally {
      await bare.close();
    }
  });
});

describe('secrets', () => {
  it('no token, valid or not, appears in any log line or response body', async () => {
    const wrong = 'wrong-token-but-secret-0123456789';
    const bodies: string[] = [];
    const calls: [string, RequestInit & { token?: string | null }][] = [
      ['/api/v1/models', { token: 'read' }],
      ['/api/v1/models', { token: wrong }],
      ['/api/v1/models/fraud/checks', { token: 'read', method: 'POST' }],
      ['/api/v1/models/fraud/events', { token: 'ingest', ...json([{ features: { amount: 1 } }]) }],
      ['/api/v1/models/fraud/events', { token: 'ingest', method: 'POST', headers: { 'content-type': 'application/json' }, body: '[' }],
      ['/api/v1/nope', { token: 'admin' }],
      ['/metrics', { token: wrong }],
      ['/api/v1/models', { token: null, headers: { authorization: `Bearer ${TEST_TOKENS.admin} ${wrong}` } }],
    ];
    for (const [path, init] of calls) bodies.push(await (await h.request(path, init)).text());
    assert.ok(
      h.logs.some((l) => l.includes('"msg":"http request"')),
      'requests are logged (at debug)',
    );
    const everything = [...h.logs, ...bodies].join('\n');
    for (const secret of [...Object.values(TEST_TOKENS), wrong])
      assert.ok(!everything.includes(secret), `a token leaked: ${secret.slice(0, 6)}…`);
    assert.ok(
      h.logs.some((l) => l.includes('"principal":"read#1"')),
      'the token is logged by its id',
    );
  });
});
