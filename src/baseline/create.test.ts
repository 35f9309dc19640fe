// The skip rules of `baseline create` (issue 14, item 11), on column shapes without a query.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeIdName, skipReason } from './create.js';

describe('baseline skip rules', () => {
  it('id names: id, uuid, *_id, customerId; not paid, valid, idle', () => {
    for (const name of ['id', 'UUID', 'txn_id', 'order-uuid', 'customerId', 'userID']) assert.ok(looksLikeIdName(name), name);
    for (const name of ['paid', 'valid', 'idle', 'grid', 'video']) assert.ok(!looksLikeIdName(name), name);
  });

  it('a near-unique integer is skipped as a sequence, kept when its values spread (amounts in cents)', () => {
    const column = { name: 'cents', type: 'BIGINT' };
    assert.match(skipReason({ name: 'n', type: 'BIGINT' }, { values: 5000, distinct: 5000, iso: 0, span: 5000 }) ?? '', /sequence/);
    assert.equal(skipReason(column, { values: 5000, distinct: 4990, iso: 0, span: 1_000_000 }), null);
  });

  it('small files: a distinct share of few values says nothing, except for a column named as an id', () => {
    assert.equal(skipReason({ name: 'city', type: 'VARCHAR' }, { values: 50, distinct: 50, iso: 0, span: null }), null);
    assert.equal(skipReason({ name: 'user_id', type: 'VARCHAR' }, { values: 50, distinct: 50, iso: 0, span: null }), null);
    assert.match(skipReason({ name: 'user_id', type: 'VARCHAR' }, { values: 200, distinct: 200, iso: 0, span: null }) ?? '', /^id-like/);
    assert.equal(skipReason({ name: 'store_id', type: 'INTEGER' }, { values: 5000, distinct: 40, iso: 0, span: 40 }), null);
  });
});
