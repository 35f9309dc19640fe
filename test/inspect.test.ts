// Inspecting a model while `serve` holds its store (issue 14, item 15): the quarantined payloads,
// a check of any window and a replay of a topic range, all run inside the serving process over
// the API, against a real broker; nothing is stored twice.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runCli, tempDir } from './helpers/cli.js';
import { produce, testKafka } from './helpers/kafka.js';
import { modelOnTopic } from './helpers/model-on-topic.js';
import { readStore, ServeProcess } from './helpers/service.js';

const tmp = tempDir('driftwatch-inspect-');
after(() => tmp.cleanup());
const TOKENS = { read: 'read-token-inspect-0123456789', admin: 'admin-token-inspect-0123456789' };
const GOOD = 3000;
const BAD = 7;

describe('inspecting without stopping', { timeout: 180_000 }, () => {
  it('quarantine, a check of any window and a replay, through the API of a running serve', async () => {
    const store = `${tmp.dir}/inspect.duckdb`;
    const setup = await modelOnTopic(tmp.dir, 'inspected', GOOD, store);
    const producer = testKafka().producer();
    await producer.connect();
    await produce(
      producer,
      setup.topic,
      Array.from({ length: BAD }, (_, i) => ({ key: `bad-${i}`, value: `{not json ${i}` })),
    );
    await producer.disconnect();
    // A fixed port, so that the CLI finds the serve's API from the config as a user's would.
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    writeFileSync(setup.config, stringify({ ...parse(readFileSync(setup.config, 'utf8')), api: { port } }));
    const serve = await ServeProcess.start(setup.config, 1, {
      DRIFTWATCH_API_TOKENS: `read:${TOKENS.read},admin:${TOKENS.admin}`,
    });
    const base = serve.apiUrl();
    const call = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    try {
      // Everything consumed: the counters say so.
      const deadline = Date.now() + 60_000;
      let counters: Record<string, number> = {};
      while (Date.now() < deadline) {
        counters = ((await (await call('GET', '/api/v1/models/inspected', TOKENS.read)).json()) as { counters: Record<string, number> })
          .counters;
        if ((counters.consumed ?? 0) >= GOOD + BAD) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(counters.consumed, GOOD + BAD, JSON.stringify(counters));

      // The quarantine: raw payloads need an admin token.
      assert.equal((await call('GET', '/api/v1/models/inspected/quarantine', TOKENS.read)).status, 403);
      const page = (await (
        await call('GET', '/api/v1/models/inspected/quarantine?reason=malformed_json&limit=5', TOKENS.admin)
      ).json()) as {
        total: number;
        items: { reason: string; payload: string; topic: string; offset: string }[];
      };
      assert.equal(page.total, BAD);
      assert.equal(page.items.length, 5);
      assert.ok(page.items.every((q) => q.reason === 'malformed_json' && q.topic === setup.topic && /^\{not json \d$/.test(q.payload)));
      assert.equal(
        ((await (await call('GET', '/api/v1/models/inspected/quarantine?reason=wrong_type', TOKENS.admin)).json()) as { total: number })
          .total,
        0,
      );

      // A check of a window of our choosing: returned, not stored, no alert.
      const before = ((await (await call('GET', '/api/v1/models/inspected/checks', TOKENS.read)).json()) as { total: number }).total;
      const adhoc = await call('POST', '/api/v1/models/inspected/checks?window=events:500', TOKENS.admin);
      assert.equal(adhoc.status, 200);
      const report = (await adhoc.json()) as { window: { rows: number; spec: string }; trigger: string };
      assert.equal(report.window.rows, 500);
      assert.equal(report.window.spec, 'events:500');
      assert.equal(report.trigger, 'api');
      const ranged = await call('POST', `/api/v1/models/inspected/checks?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`, TOKENS.admin);
      assert.equal(((await ranged.json()) as { window: { rows: number; start: string } }).window.start, '2000-01-01T00:00:00.000Z');
      const bad = await call('POST', '/api/v1/models/inspected/checks?from=2001-01-02T00:00:00Z&to=2001-01-01T00:00:00Z', TOKENS.admin);
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, /from must be before to/);
      const after = ((await (await call('GET', '/api/v1/models/inspected/checks', TOKENS.read)).json()) as { total: number }).total;
      assert.equal(after, before, 'an ad-hoc window is not stored');

      // A replay of the whole topic, inside the serving process: each event still stored once.
      assert.equal((await call('POST', '/api/v1/models/inspected/replays', TOKENS.admin, { from: 'yesterday' })).status, 400);
      const started = await call('POST', '/api/v1/models/inspected/replays', TOKENS.admin, { from: '0' });
      assert.equal(started.status, 202);
      const job = (await started.json()) as { id: string };
      assert.equal(started.headers.get('location'), `/api/v1/replays/${job.id}`);
      let state: { status: string; read: number; total: number; ranges: unknown[]; error: string | null } = {
        status: 'planning',
        read: 0,
        total: 0,
        ranges: [],
        error: null,
      };
      const until = Date.now() + 60_000;
      while (Date.now() < until && (state.status === 'planning' || state.status === 'running')) {
        await new Promise((r) => setTimeout(r, 250));
        state = (await (await call('GET', `/api/v1/replays/${job.id}`, TOKENS.read)).json()) as typeof state;
      }
      assert.equal(state.status, 'done', JSON.stringify(state));
      assert.equal(state.read, GOOD + BAD);
      assert.equal(state.total, GOOD + BAD);
      assert.equal(state.ranges.length, 3, 'every partition');
      assert.equal((await call('GET', '/api/v1/replays/nope', TOKENS.read)).status, 404);

      // The CLI, while serve holds the store: through its API with DRIFTWATCH_API_TOKEN, or a clear error without.
      const cli = (args: string[], token?: string) => runCli(args, { env: { ...process.env, DRIFTWATCH_API_TOKEN: token ?? '' } });
      const refused = await cli(['check', '--config', setup.config, '--model', 'inspected', '--window', 'events:200']);
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /is in use by another process .*To run this command inside that serve instead: set DRIFTWATCH_API_TOKEN/,
      );
      const viaApi = await cli(['check', '--config', setup.config, '--model', 'inspected', '--window', 'events:200'], TOKENS.admin);
      assert.equal(viaApi.code, 0, viaApi.stderr);
      assert.equal(JSON.parse(viaApi.stdout).window.rows, 200);
      assert.match(viaApi.stderr, /checking inside it through its API/);
      // --notify checks the model's own window (stored, with alerts): a --window beside it is refused, not ignored.
      const both = await cli(
        ['check', '--config', setup.config, '--model', 'inspected', '--notify', '--window', 'events:200'],
        TOKENS.admin,
      );
      assert.equal(both.code, 2, both.stdout);
      assert.match(both.stderr, /--notify checks the model's own window there/);
      const quarantined = await cli(['quarantine', '--config', setup.config, '--model', 'inspected', '--limit', '3'], TOKENS.admin);
      assert.equal(quarantined.code, 0, quarantined.stderr);
      assert.equal(JSON.parse(quarantined.stdout).total, BAD);
      const replayed = await cli(['replay', '--config', setup.config, '--model', 'inspected', '--from', '0'], TOKENS.admin);
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.match(replayed.stderr, new RegExp(`replayed ${GOOD + BAD} messages inside serve`));
    } finally {
      assert.equal(await serve.stop(), 0);
      await setup.close();
    }
    const stored = await readStore(store, (db) =>
      db.row(`SELECT count(*)::INTEGER AS n, count(DISTINCT (_partition, _offset))::INTEGER AS d FROM samples_inspected`),
    );
    assert.deepEqual(stored, { n: GOOD, d: GOOD }, 'the replay stored nothing twice');
  });
});
