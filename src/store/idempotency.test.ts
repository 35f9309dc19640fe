import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findIdempotencyKey, pruneIdempotencyKeys, recordIdempotencyKey } from './idempotency.js';
import { Store } from './store.js';

const HOUR = 3_600_000;

describe('idempotency keys', () => {
  it('are found within the window only, and pruned by age and beyond the cap, per model', async () => {
    const store = await Store.open(':memory:');
    try {
      const db = store.db;
      const now = Date.UTC(2026, 0, 2);
      for (let i = 0; i < 5; i++) {
        await recordIdempotencyKey(db, 'a', { key: `k${i}`, bodyHash: `h${i}`, response: `{"stored":${i}}`, at: now - (4 - i) * HOUR });
      }
      await recordIdempotencyKey(db, 'b', { key: 'k0', bodyHash: 'other', response: '{}', at: now - 30 * HOUR });
      assert.deepEqual(await findIdempotencyKey(db, 'a', 'k4', now - 24 * HOUR), {
        key: 'k4',
        bodyHash: 'h4',
        response: '{"stored":4}',
        at: now,
      });
      assert.equal(await findIdempotencyKey(db, 'a', 'k0', now - 2 * HOUR), null, 'older than the window: ignored');
      assert.equal(await findIdempotencyKey(db, 'a', 'missing', 0), null);
      // Keys are per model: b's k0 is not a's.
      assert.equal((await findIdempotencyKey(db, 'b', 'k0', 0))?.bodyHash, 'other');

      // Older than 3.5 h: k0 goes; then only the newest 2 of the rest stay.
      assert.equal(await pruneIdempotencyKeys(db, 'a', now - 3.5 * HOUR, 2), 3);
      const left = await Promise.all(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => findIdempotencyKey(db, 'a', k, 0)));
      assert.deepEqual(
        left.map((r) => r?.key ?? null),
        [null, null, null, 'k3', 'k4'],
      );
      assert.ok(await findIdempotencyKey(db, 'b', 'k0', 0), "another model's keys are not touched");
      // An expired key used again is replaced, not refused.
      await recordIdempotencyKey(db, 'b', { key: 'k0', bodyHash: 'new', response: '{}', at: now });
      assert.equal((await findIdempotencyKey(db, 'b', 'k0', now - HOUR))?.bodyHash, 'new');
    } finally {
      store.close();
    }
  });
});
