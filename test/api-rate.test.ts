// Events per minute: counted per minute of commit in the same transaction as the rows, averaged
// over the last 5 minutes, shown by GET /api/v1/models and /api/v1/models/{model} over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureEvents, type Harness, startHarness } from './helpers/api-harness.js';
import { ModelDetail, ModelList } from '../src/api/schemas.js';
import type { FeatureSpec } from '../src/contracts/event.js';
import { ingestRates, MINUTES_KEPT } from '../src/store/counters.js';
import { SamplesWriter } from '../src/store/samples-writer.js';
import type { WriteBatch } from '../src/contracts/event.js';
import { Store } from '../src/store/store.js';
import { tempDir } from './helpers/cli.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

/** A batch that only counts (no rows): what the per-minute table sees of a chunk. */
const counted = (counts: Record<string, number>): WriteBatch => ({
  events: [],
  quarantined: [],
  offsets: new Map(),
  counts: new Map(Object.entries(counts)),
});

describe('events per minute over HTTP', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('is 0 before any event, then the events of the last 5 minutes per minute, on both model routes', async () => {
    const before = ModelList.strict().parse(await (await h.request('/api/v1/models')).json());
    assert.deepEqual(
      before.items.map((m) => [m.name, m.eventsPerMinute]),
      [
        ['fraud', 0],
        ['broken', 0],
      ],
    );

    // 300 events in one request, 200 in another: the rate counts consumed events (before sampling),
    // whatever became of them.
    let sent = 0;
    for (const n of [300, 200]) {
      const events = fixtureEvents('synthetic_current.csv', n);
      const response = await h.request('/api/v1/models/fraud/events', {
        method: 'POST',
        token: 'ingest',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      assert.equal(response.status, 200, await response.text());
      sent += n;
    }
    const asked = Date.now();
    const list = ModelList.strict().parse(await (await h.request('/api/v1/models')).json());
    const detail = ModelDetail.strict().parse(await (await h.request('/api/v1/models/fraud')).json());
    // The window is the current minute and the 4 before it: between 4 and 5 minutes long.
    const expected = (at: number) => sent / ((at - (Math.floor(at / MINUTE) - 4) * MINUTE) / MINUTE);
    for (const rate of [list.items[0]!.eventsPerMinute, detail.eventsPerMinute]) {
      assert.ok(rate >= sent / 5 - 0.1 && rate <= sent / 4 + 0.1, `rate ${rate} for ${sent} events`);
      assert.ok(Math.abs(rate - expected(asked)) < 1, `rate ${rate}, expected about ${expected(asked).toFixed(1)}`);
    }
    assert.equal(detail.counters.consumed, sent, 'the running total agrees');
    assert.equal(list.items[1]!.eventsPerMinute, 0, 'a model that never ran has no rate');
  });

  it('is in the OpenAPI document of the model routes', async () => {
    const doc = (await (await h.request('/api/v1/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: { 200: { content: { 'application/json': { schema: Record<string, any> } } } } } }>;
    };
    const list = doc.paths['/api/v1/models']!.get.responses[200].content['application/json'].schema;
    const one = doc.paths['/api/v1/models/{model}']!.get.responses[200].content['application/json'].schema;
    assert.equal(list.properties.items.items.properties.eventsPerMinute.type, 'number');
    assert.ok(list.properties.items.items.required.includes('eventsPerMinute'));
    assert.equal(one.properties.eventsPerMinute.type, 'number');
    assert.match(one.properties.eventsPerMinute.description, /last 5 minutes/);
  });
});

describe('per-minute counts in the store', () => {
  const spec: FeatureSpec = { name: 'x', kind: 'numeric', expects: 'number', path: ['features', 'x'] };

  it('count each commit in its minute, average the last 5 minutes, leave replays out and trim old minutes', async () => {
    const store = await Store.open(':memory:');
    try {
      const table = await store.ensureSamplesTable('m', [spec]);
      let now = T0 - 70 * MINUTE;
      const writer = new SamplesWriter(store.db, 'm', table, [spec], 10, () => now);
      await writer.write(counted({ consumed: 1000 }));
      now = T0 - 10 * MINUTE;
      await writer.write(counted({ consumed: 500 }));
      now = T0 - 4 * MINUTE + 5_000;
      await writer.write(counted({ consumed: 100 }));
      await writer.write(counted({ 'replay:consumed': 9999 }));
      now = T0 + 10_000;
      await writer.write(counted({ consumed: 60, sampled: 6 }));
      await writer.write(counted({ consumed: 20 }));

      // One row per write, summed per minute when read.
      const minutes = await store.db.rows(
        `SELECT epoch_ms(minute) AS m, count(*) AS writes, sum(consumed) AS consumed FROM ingest_minutes GROUP BY minute ORDER BY minute`,
      );
      assert.deepEqual(
        minutes.map((r) => [(Number(r.m) - T0) / MINUTE, Number(r.writes), Number(r.consumed)]),
        [
          [-10, 1, 500],
          [-4, 1, 100],
          [0, 2, 80],
        ],
        `the minute ${MINUTES_KEPT + 10} minutes back is trimmed once a newer minute is written`,
      );
      // At T0 + 30 s the window is [T0 - 4 min, T0 + 30 s]: 180 events over 4.5 minutes.
      const at = await ingestRates(store.db, T0 + 30_000);
      assert.deepEqual(at.get('m'), { events: 180, eventsPerMinute: 40 });
      // A minute later the T0 - 4 min row has left the window.
      assert.deepEqual((await ingestRates(store.db, T0 + MINUTE + 30_000)).get('m'), { events: 80, eventsPerMinute: 80 / 4.5 });
      assert.equal((await ingestRates(store.db, T0 + 10 * MINUTE)).get('m'), undefined);
    } finally {
      store.close();
    }
  });

  it('a rolled-back batch counts nothing; a store file from before the table gets it on open', async () => {
    const tmp = tempDir('driftwatch-rate-');
    try {
      const path = `${tmp.dir}/old.duckdb`;
      const old = await Store.open(path);
      await old.db.run('DROP TABLE ingest_minutes');
      old.close();
      const store = await Store.open(path);
      try {
        const table = await store.ensureSamplesTable('m', [spec]);
        const writer = new SamplesWriter(store.db, 'm', table, [spec], 10, () => T0);
        // A counter value that is not an integer makes the closing SQL fail: the transaction rolls back.
        await assert.rejects(writer.write(counted({ consumed: 5, bad: 0.5 })));
        await writer.write(counted({ consumed: 7 }));
        assert.deepEqual((await ingestRates(store.db, T0)).get('m')?.events, 7);
      } finally {
        store.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
