import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../errors.js';
import { ApiError, toResponse } from './errors.js';

describe('toResponse', () => {
  it('turns DuckDB running out of memory or disk into a 503 with Retry-After, not a 500', () => {
    for (const message of [
      'Out of Memory Error: could not allocate block of size 256.0 KiB (60.9 MiB/61.0 MiB used)',
      'TransactionContext Error: Failed to commit: failed to pin block of size 256.0 KiB (61.2 MiB/61.0 MiB used)',
      'IO Error: Could not write file "x.duckdb.wal": No space left on device',
    ]) {
      const r = toResponse(new Error(message));
      assert.equal(r.status, 503, message);
      assert.equal(r.body.error, 'store_unavailable');
      assert.equal(r.headers['retry-after'], '5');
      assert.doesNotMatch(r.body.message, /KiB|wal/, 'no internals in the body');
      assert.equal(r.internal, true, 'still logged');
    }
  });

  it('keeps other failures as they were', () => {
    assert.equal(toResponse(new Error('boom')).status, 500);
    assert.equal(toResponse(new UserError('bad')).status, 400);
    assert.equal(toResponse(new ApiError(404, 'not_found', 'no')).status, 404);
  });
});
