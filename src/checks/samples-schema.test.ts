// The schema checks see what the ingest set aside in a samples table: wrongly typed values
// (kept in `_errors`) are type mismatches, and unknown event fields (`_extra`) are unexpected.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createProfile } from '../baseline/create.js';
import { EventMapping } from '../config/schema.js';
import { buildBatch } from '../ingest/batch.js';
import { EventDecoder, featureSpecs } from '../ingest/decoder.js';
import { SamplesWriter } from '../store/samples-writer.js';
import { Store } from '../store/store.js';
import { compareTable } from './check.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures');

describe('schema checks on a samples table', () => {
  it('count wrongly typed values as type mismatches and unknown fields as unexpected', async () => {
    const profile = await createProfile(join(FIXTURES, 'synthetic_baseline.csv'), { model: 'm', version: 'v1' });
    const mapping = EventMapping.parse({});
    const features = featureSpecs(profile, mapping);
    const store = await Store.open(':memory:');
    try {
      const table = await store.ensureSamplesTable('m', features);
      const writer = new SamplesWriter(store.db, 'm', table, features, 100);
      const events = Array.from({ length: 200 }, (_, i) => ({
        features: {
          amount: 10 + (i % 50),
          age: i % 10 === 0 ? 'forty' : 20 + (i % 40),
          score: 0.5,
          channel: 'app',
          ...(i % 2 ? { colour: 'red' } : {}),
        },
      }));
      const messages = events.map((e, i) => ({
        topic: 't',
        partition: 0,
        offset: BigInt(i),
        key: null,
        value: Buffer.from(JSON.stringify(e)),
        timestampMs: Date.now(),
      }));
      await writer.write(buildBatch(messages, new EventDecoder(features, mapping, 1 << 20), { rate: 1, by: 'key' }));
      const columns = (await store.db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?`, [table])).map(
        (r) => ({ name: String(r.column_name), type: String(r.data_type) }),
      );
      const result = await compareTable(store.db, profile, { table, columns });
      const mismatch = result.schema.anomalies.find((a) => a.kind === 'type_mismatch');
      assert.ok(mismatch, JSON.stringify(result.schema));
      assert.equal(mismatch.feature, 'age');
      assert.equal(mismatch.share, 20 / 200);
      assert.deepEqual(mismatch.examples, ['"forty"']);
      assert.deepEqual(result.schema.unexpected, ['colour']);
      assert.deepEqual(result.schema.missing, []);
      assert.deepEqual(
        result.features.map((f) => f.name),
        ['amount', 'age', 'score', 'channel'],
      );
    } finally {
      store.close();
    }
  });
});
