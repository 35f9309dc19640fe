// The schema checks see what the ingest set aside in a samples table: wrongly typed values
// (kept in `_errors`) are type mismatches, and unknown event fields (`_extra`) are unexpected.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createProfile } from '../baseline/create.js';
import type { BaselineProfile } from '../contracts/profile.js';
import { EventMapping, ModelConfig } from '../config/schema.js';
import { buildBatch } from '../ingest/batch.js';
import { EventDecoder, featureSpecs } from '../ingest/decoder.js';
import { SamplesWriter } from '../store/samples-writer.js';
import { Store } from '../store/store.js';
import { compareTable } from './check.js';
import { runLiveCheck } from './live.js';

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

  // Issue 14, item 6: the README's nested mapping made the parent object unexpected forever, and
  // one unseen category or one wrong-typed value in thousands of events fired a schema alert.
  /** A live check of `events` stored through the decoder of `model`'s mapping. */
  async function liveCheck(profile: BaselineProfile, model: ModelConfig, events: unknown[]) {
    const features = featureSpecs(profile, model.event);
    const store = await Store.open(':memory:');
    try {
      const table = await store.ensureSamplesTable(model.name, features);
      const writer = new SamplesWriter(store.db, model.name, table, features, 1000);
      const now = Date.now();
      const messages = events.map((e, i) => ({
        topic: 't',
        partition: 0,
        offset: BigInt(i),
        key: null,
        value: Buffer.from(JSON.stringify(e)),
        timestampMs: now - 1000,
      }));
      await writer.write(buildBatch(messages, new EventDecoder(features, model.event, 1 << 20), { rate: 1, by: 'key' }));
      return await runLiveCheck(store.db, model, profile, { now });
    } finally {
      store.close();
    }
  }

  const nestedEvents = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      request: {
        amount: 10 + (i % 50),
        age: i === 7 ? 'forty' : 20 + (i % 40),
        score: 0.5,
        geo: { channel: i === 3 ? 'partner' : i % 2 ? 'app' : 'web' },
        debug: { trace: i },
        ...(i % 2 ? { colour: 'red' } : {}),
      },
    }));

  it('a parent of a mapped path is not unexpected; event.ignore leaves fields out; other new fields still are', async () => {
    const profile = await createProfile(join(FIXTURES, 'synthetic_baseline.csv'), { model: 'm', version: 'v1' });
    const model = ModelConfig.parse({
      name: 'm',
      baseline: 'unused.json',
      event: { featuresPath: 'request', features: { channel: 'request.geo.channel' }, ignore: ['debug'] },
    });
    const report = await liveCheck(profile, model, nestedEvents(2000));
    assert.deepEqual(report.schema.unexpected, ['colour']);
  });

  it('one unseen category and one wrong-typed value in 2,000 events are listed but do not alert; at a 0 minimum they do', async () => {
    const profile = await createProfile(join(FIXTURES, 'synthetic_baseline.csv'), { model: 'm', version: 'v1' });
    const event = { featuresPath: 'request', features: { channel: 'request.geo.channel' }, ignore: ['debug'] };
    const report = await liveCheck(profile, ModelConfig.parse({ name: 'm', baseline: 'unused.json', event }), nestedEvents(2000));
    const unseen = report.schema.anomalies.find((a) => a.kind === 'unseen_categories');
    const mismatch = report.schema.anomalies.find((a) => a.kind === 'type_mismatch');
    assert.ok(unseen && mismatch, JSON.stringify(report.schema));
    assert.deepEqual([unseen.feature, unseen.share, unseen.alerting, unseen.minShare], ['channel', 1 / 2000, false, 0.005]);
    assert.deepEqual([mismatch.feature, mismatch.share, mismatch.alerting, mismatch.minShare], ['age', 1 / 2000, false, 0.001]);

    const strict = ModelConfig.parse({
      name: 'm',
      baseline: 'unused.json',
      event,
      schema: { minUnseenShare: 0, minTypeMismatchShare: 0.0005 },
    });
    const again = await liveCheck(profile, strict, nestedEvents(2000));
    assert.deepEqual(
      again.schema.anomalies.filter((a) => a.kind === 'unseen_categories' || a.kind === 'type_mismatch').map((a) => [a.kind, a.alerting]),
      [
        ['type_mismatch', true],
        ['unseen_categories', true],
      ],
    );
  });
});
