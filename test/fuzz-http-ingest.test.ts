// Hostile input, property-based (fast-check, seeded), over real HTTP: random bodies, content
// types and headers to POST /api/v1/models/{model}/events of the real app (real store, decoder and
// writer). Every answer is 2xx or 4xx with {error, message}, never 5xx; the process stays up;
// afterwards the store answers queries and its counters match what the answers said.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fixtureEvents, type Harness, startHarness } from './helpers/api-harness.js';
import { ErrorBody, IngestResultBody } from '../src/api/schemas.js';
import { samplesTable } from '../src/store/schema.js';
import { quoteIdent } from '../src/store/sql.js';
import { ingestCounters } from '../src/store/counters.js';

// Seeded, so a failure reproduces; FUZZ_SEED=<n> explores other inputs.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);
const PATH = '/api/v1/models/fraud/events';

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'features', 'amount', 'age', 'score', 'channel', 'prototype'),
  fc.string({ maxLength: 8 }),
);
const { value: jsonish } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 20 }),
    fc.constantFrom('NaN', 'Infinity', '42', '', '\u0000', '\ud800', "'; DROP TABLE offsets; --", '<script>alert(1)</script>'),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
}));
const good = fixtureEvents('synthetic_current.csv', 50);
/** One event as JSON text (text, so that it can be nested deeper than JSON.stringify writes). */
const event: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...good).map((e) => JSON.stringify(e)),
  fc.record({ features: fc.dictionary(hostileKey, jsonish, { maxKeys: 6 }) }).map((e) => JSON.stringify(e)),
  fc.dictionary(hostileKey, jsonish, { maxKeys: 4 }).map((e) => JSON.stringify(e)),
  jsonish.map((e) => JSON.stringify(e) ?? 'null'),
  fc.integer({ min: 3000, max: 12_000 }).map((depth) => `{"features": {"channel": ${'['.repeat(depth)}${']'.repeat(depth)}}}`),
);

interface Body {
  text: string | Buffer;
  contentType: string | undefined;
  /** How many events the body holds, when it is an array the API may take. */
  events?: number;
}

const body: fc.Arbitrary<Body> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(event, { minLength: 0, maxLength: 20 })
      .map((events) => ({ text: `[${events.join(',')}]`, contentType: 'application/json', events: events.length })),
  },
  { weight: 1, arbitrary: jsonish.map((v) => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((text) => ({ text, contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => ({ text: Buffer.from(b), contentType: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '[{"features": {"amount": NaN}}]',
        '[{"features": {"amount": 1e400}}]',
        '[{"features": {"amount": Infinity}}]',
        '{"__proto__": {"polluted": 1}}',
        '[{"__proto__": {"features": {"amount": 1}}}]',
        '[]',
        '[1,2,3]',
        'null',
        '',
        '[{"features":{"amount":"12"}}]',
      )
      .map((text) => ({ text, contentType: 'application/json' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/merge-patch+json',
          'application/json;;;',
          'x/y',
        ),
        fc.string({ maxLength: 50 }),
      )
      .map(([contentType, text]) => ({ text, contentType })),
  },
  { weight: 1, arbitrary: fc.constant({ text: '[', contentType: undefined }) },
  // Larger than api.bodyLimit (1 MB).
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_048_577, max: 1_200_000 })
      .map((n) => ({ text: `[{"features": {"channel": "${'x'.repeat(n)}"}}]`, contentType: 'application/json' })),
  },
  // More events than a request may carry.
  {
    weight: 1,
    arbitrary: fc.constant({ text: JSON.stringify(Array.from({ length: 10_001 }, () => ({}))), contentType: 'application/json' }),
  },
);

describe('fuzz: HTTP ingest over real HTTP', { timeout: 120_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ api: { ingestRateLimit: 1_000_000 } });
  });
  after(async () => {
    await h?.close();
  });

  it('answers 2xx or 4xx with {error, message}, never 5xx; counters match the answers', async () => {
    const totals = { received: 0, stored: 0 };
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const response = await h.request(PATH, {
          method: 'POST',
          token: 'ingest',
          body: b.text,
          headers: b.contentType ? { 'content-type': b.contentType } : {},
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        assert.ok(response.status < 500, `${response.status} for ${String(b.text).slice(0, 200)}: ${text.slice(0, 300)}`);
        const json = JSON.parse(text);
        if (response.status === 200) {
          const result = IngestResultBody.parse(json);
          assert.equal(
            result.received,
            b.events ?? (JSON.parse(String(b.text)) as unknown[]).length,
            'every event of the array accounted for',
          );
          const quarantinedUnread = Object.entries(result.quarantined)
            .filter(([k]) => ['malformed_json', 'not_an_object', 'too_large', 'empty_payload', 'too_deep'].includes(k))
            .reduce((s, [, v]) => s + v, 0);
          assert.equal(result.received, result.stored + quarantinedUnread, 'stored, or set aside with a reason');
          totals.received += result.received;
          totals.stored += result.stored;
        } else {
          assert.ok(response.status >= 400, `status ${response.status}`);
          ErrorBody.parse(json);
          assert.ok(json.message.length > 0 && json.message.length < 2000, json.message);
          assert.doesNotMatch(json.message, /\n\s+at /, 'no stack trace');
        }
      }),
      { seed: SEED, numRuns: 250 },
    );
    assert.ok((statuses.get(200) ?? 0) > 20, `enough accepted requests to mean something: ${JSON.stringify([...statuses])}`);

    // The service is still up and the store still answers, with counters that agree.
    assert.equal((await h.request('/healthz', { token: null })).status, 200);
    const counters = await ingestCounters(h.store.db, 'fraud');
    assert.equal(counters.consumed ?? 0, totals.received);
    assert.equal(counters.stored ?? 0, totals.stored);
    const db = await h.store.connect();
    try {
      const { n } = await db.row(`SELECT count(*)::INTEGER AS n FROM ${quoteIdent(samplesTable('fraud'))}`);
      assert.equal(n, totals.stored);
    } finally {
      db.close();
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    // A check over what was stored still runs.
    const check = await h.request('/api/v1/models/fraud/checks', { method: 'POST', token: 'admin' });
    assert.equal(
      check.status,
      201,
      `${await check.text()} ${h.logs
        .filter((l) => /"level":50/.test(l))
        .join('\n')
        .slice(0, 2000)}`,
    );
  });
});
