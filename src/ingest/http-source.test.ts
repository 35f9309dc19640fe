// HTTP ingest through the real decoder, sampler and writer: offsets of its pseudo-topic resume
// after a restart, sampling is the config's, and a concurrent writer of the same model's counters
// (the Kafka consumer, on its own connection) does not lose a request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BaselineProfile } from '../contracts/profile.js';
import { ModelConfig } from '../config/schema.js';
import { buildBatch } from './batch.js';
import { EventDecoder, featureSpecs } from './decoder.js';
import { SamplesWriter } from '../store/samples-writer.js';
import { Store } from '../store/store.js';
import { fixtureEvents, fixtureProfile } from '../../test/helpers/api-harness.js';
import { WriteLock } from '../store/write-lock.js';
import { HTTP_TOPIC, HttpIngest, isWriteConflict } from './http-source.js';

let profile: BaselineProfile;
let store: Store;
const modelInput = { name: 'fraud', baseline: 'unused.json', source: { topics: ['fraud-events'] } };
const model = ModelConfig.parse(modelInput);

before(async () => {
  profile = await fixtureProfile();
  store = await Store.open(':memory:');
});
after(() => store.close());

async function count(sql: string, values: (string | number)[] = []): Promise<number> {
  const db = await store.connect();
  try {
    return Number((await db.row(sql, values)).n);
  } finally {
    db.close();
  }
}

describe('HttpIngest', () => {
  it('stores events under its pseudo-topic and resumes its offsets after a restart', async () => {
    const first = await HttpIngest.open(store, model, profile, 100);
    assert.deepEqual(await first.ingest(fixtureEvents('synthetic_current.csv', 5)), {
      received: 5,
      sampled: 5,
      stored: 5,
      duplicates: 0,
      quarantined: {},
    });
    await first.close();
    const second = await HttpIngest.open(store, model, profile, 100);
    await second.ingest(fixtureEvents('synthetic_current.csv', 3));
    await second.close();
    assert.equal(await count(`SELECT count(DISTINCT _offset) AS n FROM samples_fraud WHERE _topic = ?`, [HTTP_TOPIC]), 8);
    assert.equal(await count(`SELECT max(_offset) AS n FROM samples_fraud WHERE _topic = ?`, [HTTP_TOPIC]), 7);
    assert.equal(await count(`SELECT next_offset AS n FROM offsets WHERE model = 'fraud' AND topic = ?`, [HTTP_TOPIC]), 8);
  });

  it("samples as the model's config says", async () => {
    const sampled = ModelConfig.parse({ ...modelInput, name: 'half', sampling: { rate: 0.5, by: 'offset' } });
    const ingest = await HttpIngest.open(store, sampled, profile, 100);
    try {
      const result = await ingest.ingest(fixtureEvents('synthetic_current.csv', 1000));
      assert.equal(result.received, 1000);
      assert.ok(result.sampled > 400 && result.sampled < 600, `sampled ${result.sampled}`);
      assert.equal(result.stored, result.sampled);
    } finally {
      await ingest.close();
    }
  });

  async function concurrentWriters(name: string, lock?: WriteLock): Promise<{ kafkaFailures: number }> {
    const busy = ModelConfig.parse({ ...modelInput, name });
    const table = `samples_${name}`;
    const features = featureSpecs(profile, busy.event);
    const ingest = await HttpIngest.open(store, busy, profile, 100, lock);
    const kafkaDb = await store.connect();
    try {
      const kafkaWriter = new SamplesWriter(kafkaDb, name, table, features, 100);
      const decoder = new EventDecoder(features, busy.event, 1 << 20);
      const events = fixtureEvents('synthetic_current.csv', 50);
      let kafkaFailures = 0;
      let kafkaStored = 0;
      const kafka = (async () => {
        for (let round = 0; round < 40; round++) {
          // Without the lock, a pause between batches as the consumer's heartbeat and fetch make;
          // back to back, the HTTP writer's retries could all lose.
          if (!lock) await new Promise((resolve) => setTimeout(resolve, 3));
          const messages = events.map((e, i) => ({
            topic: 'busy-events',
            partition: 0,
            offset: BigInt(round * 50 + i),
            key: null,
            value: Buffer.from(JSON.stringify(e)),
            timestampMs: Date.now(),
          }));
          try {
            const batch = buildBatch(messages, decoder, busy.sampling);
            await (lock ? lock.run(() => kafkaWriter.write(batch)) : kafkaWriter.write(batch));
            kafkaStored += 50;
          } catch {
            kafkaFailures++;
          }
        }
      })();
      const results = await Promise.all(Array.from({ length: 40 }, () => ingest.ingest(events)));
      await kafka;
      assert.equal(
        results.reduce((sum, r) => sum + r.stored, 0),
        2000,
        'every HTTP request stored',
      );
      assert.equal(await count(`SELECT count(*) AS n FROM ${table} WHERE _topic = ?`, [HTTP_TOPIC]), 2000);
      assert.equal(
        await count(`SELECT value AS n FROM ingest_counts WHERE model = ? AND counter = 'consumed'`, [name]),
        2000 + kafkaStored,
        'counters agree with the rows',
      );
      return { kafkaFailures };
    } finally {
      await ingest.close();
      kafkaDb.close();
    }
  }

  it("loses no request while another connection writes the same model's counters (retries conflicts)", async () => {
    await concurrentWriters('busy');
  });

  it('with a shared WriteLock, neither writer loses a transaction', async () => {
    assert.deepEqual(await concurrentWriters('locked', new WriteLock()), { kafkaFailures: 0 });
  });

  it("retries only DuckDB's refusals of concurrent writes", () => {
    assert.equal(isWriteConflict(new Error('TransactionContext Error: Catalog write-write conflict on alter with "x"')), true);
    assert.equal(
      isWriteConflict(new Error('Constraint Error: Duplicate key "model: a, counter: consumed" violates primary key constraint.')),
      true,
    );
    assert.equal(
      isWriteConflict(
        new Error('TransactionContext Error: Failed to commit: PRIMARY KEY or UNIQUE constraint violation: duplicate key "busy, consumed"'),
      ),
      true,
    );
    assert.equal(isWriteConflict(new Error('TransactionContext Error: Conflict on update!')), true);
    assert.equal(isWriteConflict(new Error('Binder Error: no such column')), false);
  });
});
