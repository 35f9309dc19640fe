import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventMapping } from '../config/schema.js';
import { buildBatch } from '../ingest/batch.js';
import { EventDecoder } from '../ingest/decoder.js';
import type { FeatureSpec } from '../contracts/event.js';
import { applyRetention } from './retention.js';
import { SamplesWriter } from './samples-writer.js';
import { Store } from './store.js';

const features: FeatureSpec[] = [{ name: 'x', kind: 'numeric', expects: 'number', path: ['features', 'x'] }];
const DAY = 86_400_000;

describe('retention', () => {
  it('deletes samples older than the retention and trims the quarantine to the newest', async () => {
    const store = await Store.open(':memory:');
    try {
      const table = await store.ensureSamplesTable('r', features);
      const writer = new SamplesWriter(store.db, 'r', table, features, 1000);
      const now = Date.UTC(2026, 0, 31);
      // 30 days of events, 10 a day, plus one bad message a day.
      const messages = Array.from({ length: 330 }, (_, i) => {
        const day = Math.floor(i / 11);
        const bad = i % 11 === 10;
        return {
          topic: 't',
          partition: 0,
          offset: BigInt(i),
          key: null,
          value: Buffer.from(bad ? '{oops' : JSON.stringify({ features: { x: i } })),
          timestampMs: now - (30 - day) * DAY + 1000,
        };
      });
      await writer.write(buildBatch(messages, new EventDecoder(features, EventMapping.parse({}), 1 << 20), { rate: 1, by: 'key' }));
      const deleted = await applyRetention(store.db, 'r', table, 7 * DAY, 5, now);
      assert.equal(deleted, 230, '23 days x 10 events are older than 7 days');
      const { n, oldest } = await store.db.row(`SELECT count(*)::INTEGER AS n, min(_ts) AS oldest FROM ${table}`);
      assert.equal(n, 70);
      assert.ok(new Date(String(oldest)).getTime() >= now - 7 * DAY);
      const q = await store.db.rows(`SELECT "offset" FROM quarantine WHERE model = 'r' ORDER BY "offset"`);
      assert.deepEqual(
        q.map((r) => Number(r.offset)),
        [274, 285, 296, 307, 318, 329].slice(-5),
        'the newest 5 rejects are kept',
      );
    } finally {
      store.close();
    }
  });
});
