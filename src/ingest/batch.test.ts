import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventMapping } from '../config/schema.js';
import { buildBatch, type IncomingMessage } from './batch.js';
import { EventDecoder } from './decoder.js';
import type { FeatureSpec } from '../contracts/event.js';
import { firstAtOrAfter } from './kafka-source.js';
import { keepSample, samplingKey } from './sampler.js';

const features: FeatureSpec[] = [
  { name: 'amount', kind: 'numeric', expects: 'number', path: ['features', 'amount'] },
  { name: 'channel', kind: 'categorical', expects: 'string', path: ['features', 'channel'] },
];
const decoder = new EventDecoder(features, EventMapping.parse({}), 10_000);

/** 2,000 messages of one partition: most good, some malformed, wrongly typed or keyless. */
function messages(): IncomingMessage[] {
  return Array.from({ length: 2000 }, (_, i) => {
    const value =
      i % 97 === 0
        ? '{not json'
        : i % 89 === 0
          ? '{"features":{"amount":"ten","channel":"web"}}'
          : `{"features":{"amount":${i},"channel":"c${i % 7}"}}`;
    return {
      topic: 'preds',
      partition: 2,
      offset: 5000n + BigInt(i),
      key: i % 13 === 0 ? null : Buffer.from(`key-${i}`),
      value: Buffer.from(value),
      timestampMs: 1_700_000_000_000 + i,
    };
  });
}

describe('buildBatch', () => {
  for (const by of ['key', 'offset'] as const) {
    it(`writes the same batch when the source samples first (by ${by}) as when it samples itself`, () => {
      const all = messages();
      const sampling = { rate: 0.1, by };
      const own = buildBatch(all, decoder, sampling);
      const kept = all.filter((m) => keepSample(samplingKey(by, m.topic, m.partition, String(m.offset), m.key), sampling.rate));
      const presampled = buildBatch(kept, decoder, sampling, { consumed: all.length, next: new Map([['preds/2', 7000n]]) });
      assert.ok(kept.length > 100 && kept.length < 300, `about 10% kept, got ${kept.length}`);
      assert.deepEqual(presampled, own);
      assert.equal(own.counts.get('consumed'), 2000);
      assert.equal(own.counts.get('sampled'), kept.length);
      assert.deepEqual([...own.offsets], [['preds/2', 7000n]]);
    });
  }

  it('moves the offset past a chunk whose sampling kept nothing, and counts what it consumed', () => {
    const batch = buildBatch([], decoder, { rate: 0.1, by: 'key' }, { consumed: 40, next: new Map([['preds/0', 41n]]) });
    assert.deepEqual([...batch.offsets], [['preds/0', 41n]]);
    assert.equal(batch.counts.get('consumed'), 40);
    assert.equal(batch.counts.get('sampled'), undefined);
    assert.equal(batch.events.length, 0);
  });

  it('refuses a presampled chunk when sampling is by id (decided on the parsed payload)', () => {
    assert.throws(() => buildBatch([], decoder, { rate: 0.5, by: 'id' }, { consumed: 1, next: new Map() }), /by id/);
  });
});

describe('firstAtOrAfter', () => {
  const batch = ['10', '11', '12', '15', '16', '9007199254740993'].map((offset) => ({ offset }));
  it('finds where the stored offset falls in a batch, bigints past 2^53 included', () => {
    assert.equal(firstAtOrAfter(batch, 0n), 0);
    assert.equal(firstAtOrAfter(batch, 10n), 0);
    assert.equal(firstAtOrAfter(batch, 12n), 2);
    assert.equal(firstAtOrAfter(batch, 13n), 3);
    assert.equal(firstAtOrAfter(batch, 17n), 5);
    assert.equal(firstAtOrAfter(batch, 9007199254740993n), 5);
    assert.equal(firstAtOrAfter(batch, 9007199254740994n), 6);
    assert.equal(firstAtOrAfter([], 3n), 0);
  });
});
