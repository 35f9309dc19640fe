import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EventMapping } from '../config/schema.js';
import { EventDecoder, fieldsNotExtra, keyId, parseTimestamp } from './decoder.js';
import type { FeatureSpec } from '../contracts/event.js';
import { compilePath, readPath } from './paths.js';
import { hashFraction, keepSample } from './sampler.js';

const features: FeatureSpec[] = [
  { name: 'amount', kind: 'numeric', expects: 'number', path: ['features', 'amount'] },
  { name: 'channel', kind: 'categorical', expects: 'string', path: ['features', 'channel'] },
  { name: 'vip', kind: 'categorical', expects: 'boolean', path: ['features', 'vip'] },
];
const mapping = EventMapping.parse({ timestamp: 'meta.ts', prediction: 'out.score', id: 'meta.id' });
const decoder = new EventDecoder(features, mapping, 10_000);
const message = (value: string | null, key: string | null = 'k1') => ({
  value: value === null ? null : Buffer.from(value),
  key: key === null ? null : Buffer.from(key),
  timestampMs: 1_000,
});

describe('paths', () => {
  it('compiles dots and indexes; a key list is taken as it is', () => {
    assert.deepEqual(compilePath('a.b[2].c'), ['a', 'b', 2, 'c']);
    assert.deepEqual(compilePath(['a.b', 'c']), ['a.b', 'c']);
  });

  it('reads own properties only: __proto__, constructor and toString are absent unless the data has them', () => {
    assert.equal(readPath({}, ['constructor']), undefined);
    assert.equal(readPath({}, ['__proto__']), undefined);
    assert.equal(readPath(JSON.parse('{"__proto__": 5}'), ['__proto__']), 5);
    assert.equal(readPath({ a: [1, 2] }, ['a', 5]), undefined);
    assert.equal(readPath({ a: 'text' }, ['a', 'length']), undefined);
  });
});

describe('decoder', () => {
  it('reads features, time, id and prediction; unknown fields go to _extra', () => {
    const r = decoder.decode(
      message(
        JSON.stringify({
          features: { amount: 12.5, channel: 'web', vip: true, colour: 'red' },
          meta: { ts: '2024-05-02T10:00:00Z', id: 'e-1' },
          out: { score: 0.93 },
        }),
      ),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.event.values, [12.5, 'web', 'true']);
    assert.equal(r.event.timestampMs, Date.parse('2024-05-02T10:00:00Z'));
    assert.equal(r.event.id, 'e-1');
    assert.equal(r.event.prediction, '0.93');
    assert.equal(r.event.extra, '{"colour":"red"}');
    assert.equal(r.event.errors, null);
    assert.deepEqual(r.event.problems, []);
  });

  it('a parent of a mapped path and an ignored field are not extra (issue 14, item 6)', () => {
    const nested = EventMapping.parse({ featuresPath: 'request', features: { vip: 'request.user.flags.vip' }, ignore: ['debug'] });
    assert.deepEqual(fieldsNotExtra(nested), ['user', 'debug']);
    const specs = features.map((f) => ({ ...f, path: f.name === 'vip' ? ['request', 'user', 'flags', 'vip'] : ['request', f.name] }));
    const r = new EventDecoder(specs, nested, 10_000).decode(
      message(JSON.stringify({ request: { amount: 1, channel: 'web', user: { flags: { vip: true } }, debug: { t: 1 }, colour: 'red' } })),
    );
    assert.ok(r.ok);
    assert.deepEqual(r.event.values, [1, 'web', 'true']);
    assert.equal(r.event.extra, '{"colour":"red"}');
  });

  it('rejects what it cannot use, with a reason', () => {
    const reason = (value: string | null) => {
      const r = decoder.decode(message(value));
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason(null), 'empty_payload');
    assert.equal(reason('{"features": '), 'malformed_json');
    assert.equal(reason('[1,2]'), 'not_an_object');
    assert.equal(reason('42'), 'not_an_object');
    assert.equal(reason('null'), 'not_an_object');
    assert.equal(reason(`{"x": "${'y'.repeat(20_000)}"}`), 'too_large');
  });

  it('keeps evidence of wrong types, missing features and non-finite numbers', () => {
    const r = decoder.decode(message('{"features": {"amount": "12.5", "channel": 7, "vip": "yes"}, "meta": {"ts": "soon"}}'));
    assert.ok(r.ok);
    assert.deepEqual(r.event.values, [null, '7', 'yes']);
    assert.deepEqual(JSON.parse(r.event.errors!), {
      amount: { reason: 'wrong_type', value: '"12.5"' },
      channel: { reason: 'wrong_type', value: '7' },
      vip: { reason: 'wrong_type', value: '"yes"' },
      _ts: { reason: 'bad_timestamp', value: '"soon"' },
    });
    assert.equal(r.event.timestampMs, 1_000, 'falls back to the broker time');
    const missing = decoder.decode(message('{"features": {"amount": 1e999}}'));
    assert.ok(missing.ok);
    assert.equal(missing.event.values[0], Infinity);
    assert.deepEqual(missing.event.problems.sort(), ['bad_timestamp', 'missing_feature', 'missing_feature', 'non_finite']);
  });

  it('parses event times: ISO, epoch seconds, epoch milliseconds', () => {
    assert.equal(parseTimestamp('2024-01-01T00:00:00Z'), 1_704_067_200_000);
    assert.equal(parseTimestamp(1_704_067_200), 1_704_067_200_000);
    assert.equal(parseTimestamp(1_704_067_200_000), 1_704_067_200_000);
    assert.equal(parseTimestamp('1704067200'), 1_704_067_200_000);
    assert.equal(parseTimestamp('yesterday'), undefined);
    assert.equal(parseTimestamp(null), undefined);
  });

  it('property: never throws, whatever the payload (random bytes, random JSON, deep nesting)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
        ),
        (payload) => {
          const r = decoder.decode({ value: payload, key: null, timestampMs: 0 });
          if (r.ok) assert.equal(r.event.values.length, features.length);
          else assert.ok(r.reason.length > 0);
        },
      ),
      { numRuns: 2000 },
    );
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    assert.doesNotThrow(() => decoder.decode(message(deep)));
  });
});

describe('sampler', () => {
  it('is a pure function of the key: the same answer every time', () => {
    assert.equal(keepSample('order-42', 0.3), keepSample('order-42', 0.3));
    assert.equal(keepSample(Buffer.from('order-42'), 0.3), keepSample('order-42', 0.3));
  });

  it('keeps about rate x n of n keys, at every rate', () => {
    for (const rate of [0.01, 0.1, 0.5, 0.9]) {
      const n = 50_000;
      let kept = 0;
      for (let i = 0; i < n; i++) if (keepSample(`evt-${i}`, rate)) kept++;
      const sd = Math.sqrt(n * rate * (1 - rate));
      assert.ok(Math.abs(kept - n * rate) < 5 * sd, `rate ${rate}: kept ${kept}`);
    }
    assert.equal(keepSample('x', 1), true);
    assert.equal(keepSample('x', 0), false);
  });

  it('property: hash fractions lie in [0, 1); a higher rate keeps a superset', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (key, a, b) => {
        const f = hashFraction(key);
        assert.ok(f >= 0 && f < 1);
        const [low, high] = a < b ? [a, b] : [b, a];
        if (keepSample(key, low)) assert.ok(keepSample(key, high));
      }),
    );
  });
});

describe('ids from message keys (issue 15: non-UTF-8 keys)', () => {
  it('two distinct binary keys stay two ids, byte-exact; a UTF-8 key is its text', () => {
    const decoder = new EventDecoder([], EventMapping.parse({}), 1 << 20);
    const a = decoder.idOf({}, Buffer.from([0xff, 0xfe, 0x01]));
    const b = decoder.idOf({}, Buffer.from([0xff, 0xfd, 0x01]));
    assert.notEqual(a, b, 'U+FFFD for each would make them one id');
    assert.equal(a, 'hex:fffe01');
    assert.equal(keyId(Buffer.from('évt-1')), 'évt-1');
    assert.equal(keyId(Buffer.from([0xc3])), 'hex:c3', 'a truncated sequence is not text');
  });
});
