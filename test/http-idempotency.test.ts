// HTTP ingest is idempotent: a client that times out and sends a batch again stores it once.
// With an Idempotency-Key (as Stripe's), the same key within api.idempotencyWindow gets the first
// answer again and stores nothing, across a restart too (the key is stored with the rows); the same
// key with other events is a 422. With event.id configured, an id already stored is not stored
// again, with or without a key. The counters agree with the table.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { tempDir } from './helpers/cli.js';
import { goodEvent, testBaseline } from './helpers/events.js';
import { readStore, ServeProcess, writeConfig } from './helpers/service.js';

const tmp = tempDir('driftwatch-http-idempotency-');
after(() => tmp.cleanup());
const TOKENS = { ingest: 'ingest-token-idempotency-0123456789', read: 'read-token-idempotency-0123456789' };
const BATCHES = 20;
const BATCH = 500;

/** Batch `n`: events with ids `e<i>`. */
function batch(n: number): Record<string, unknown>[] {
  return Array.from({ length: BATCH }, (_, j) => {
    const i = n * BATCH + j;
    return { ...JSON.parse(goodEvent(i).value), id: `e${i}` };
  });
}

interface Answer {
  status: number;
  replayed: string | null;
  body: Record<string, unknown>;
}

async function counts(store: string, model: string) {
  return readStore(store, async (db) => {
    const table = `samples_${model.replace(/-/g, '_')}`;
    // Each event has its own time (ts) and, for event.id, its own id.
    const rows = await db.row(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT _ts)::INTEGER AS d, count(DISTINCT _id)::INTEGER AS ids FROM ${table}`,
    );
    const counters = Object.fromEntries(
      (await db.rows(`SELECT counter, value::INTEGER AS v FROM ingest_counts WHERE model = ?`, [model])).map((r) => [r.counter, r.v]),
    );
    const keys = await db.row(`SELECT count(*)::INTEGER AS n FROM idempotency_keys WHERE model = ?`, [model]);
    return { rows: rows.n, distinct: rows.d, ids: rows.ids, counters, keys: keys.n };
  });
}

describe('idempotent HTTP ingest', { timeout: 180_000 }, () => {
  it('a client that sends every batch twice stores each event once; the counters agree with the table', async () => {
    const baseline = await testBaseline(tmp.dir, 'idem');
    const store = `${tmp.dir}/idem.duckdb`;
    const config = writeConfig(tmp.dir, {
      api: { port: 0, ingestRateLimit: 100_000 },
      storage: { path: store, retention: '36500d' },
      models: [
        // No event.id: only the Idempotency-Key can tell a resend.
        { name: 'keyed', baseline, event: { timestamp: 'ts' } },
        { name: 'by-id', baseline, event: { timestamp: 'ts', id: 'id' } },
      ],
    });
    const env = { DRIFTWATCH_API_TOKENS: `ingest:${TOKENS.ingest},read:${TOKENS.read}` };
    let serve = await ServeProcess.start(config, 2, env);
    const post = async (model: string, body: unknown, key?: string): Promise<Answer> => {
      const response = await fetch(`${serve.apiUrl()}/api/v1/models/${model}/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKENS.ingest}`,
          'content-type': 'application/json',
          ...(key !== undefined ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as never };
    };
    try {
      for (let n = 0; n < BATCHES; n++) {
        // The resend overlaps the first send, as after a client's time-out.
        const [first, again] = await Promise.all([post('keyed', batch(n), `batch-${n}`), post('keyed', batch(n), `batch-${n}`)]);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.deepEqual(again.body, first.body, 'the same answer');
        assert.deepEqual([first.replayed, again.replayed].sort(), ['true', null].sort(), 'one of the two is the replay');
        assert.equal((first.replayed ? again : first).body.stored, BATCH);
      }
      const reused = await post('keyed', batch(BATCHES), 'batch-0');
      assert.equal(reused.status, 422, JSON.stringify(reused.body));
      assert.match(String(reused.body.message), /Idempotency-Key 'batch-0' was used at .* with a different body/);
      const bad = await post('keyed', batch(BATCHES), 'has space');
      assert.equal(bad.status, 400);
      assert.match(String(bad.body.message), /Idempotency-Key: expected 1 to 255 printable ASCII characters/);

      // Without keys, with event.id: each batch twice, and one event twice within a batch.
      for (let n = 0; n < BATCHES; n++) {
        const events = batch(n);
        const first = await post('by-id', [...events, events[0]]);
        assert.deepEqual([first.status, first.body.stored, first.body.duplicates], [200, BATCH, 1]);
        const again = await post('by-id', events);
        assert.deepEqual([again.status, again.body.stored, again.body.duplicates], [200, 0, BATCH], JSON.stringify(again.body));
      }
      const metrics = await (await fetch(`${serve.apiUrl()}/metrics`, { headers: { authorization: `Bearer ${TOKENS.read}` } })).text();
      assert.match(metrics, new RegExp(`driftwatch_events_duplicate_total\\{model="by-id"\\} ${BATCHES * (BATCH + 1)}`));
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    // A key outlives the process: it is in the store with the rows.
    serve = await ServeProcess.start(config, 2, env);
    try {
      const resent = await post('keyed', batch(3), 'batch-3');
      assert.deepEqual([resent.status, resent.replayed, resent.body.stored], [200, 'true', BATCH]);
    } finally {
      assert.equal(await serve.stop(), 0);
    }

    const total = BATCHES * BATCH;
    const keyed = await counts(store, 'keyed');
    assert.deepEqual(
      { rows: keyed.rows, distinct: keyed.distinct, stored: keyed.counters.stored, consumed: keyed.counters.consumed, keys: keyed.keys },
      { rows: total, distinct: total, stored: total, consumed: total, keys: BATCHES },
      'keyed: each event once; a replay counts nothing',
    );
    const byId = await counts(store, 'by-id');
    assert.deepEqual(
      { rows: byId.rows, distinct: byId.distinct, ids: byId.ids, stored: byId.counters.stored, duplicate: byId.counters.duplicate },
      { rows: total, distinct: total, ids: total, stored: total, duplicate: BATCHES * (BATCH + 1) },
      'by id: each id once; the stored counter is the table',
    );
    assert.equal(byId.counters.consumed, BATCHES * (2 * BATCH + 1), 'every event received is consumed');
  });
});
