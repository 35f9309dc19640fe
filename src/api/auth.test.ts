import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../errors.js';
import { allows, constantTimeEqual, MIN_TOKEN_LENGTH, SCOPES, TokenSet } from './auth.js';

const A = 'alpha-token-0123456789';
const B = 'bravo-token-0123456789';

describe('constantTimeEqual', () => {
  it('is true only for identical strings, whatever the lengths', () => {
    assert.equal(constantTimeEqual(A, A), true);
    assert.equal(constantTimeEqual(A, B), false);
    assert.equal(constantTimeEqual(A, `${A}x`), false, 'a prefix is not equal');
    assert.equal(constantTimeEqual(`${A}x`, A), false);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual('', A), false);
    assert.equal(constantTimeEqual('é', 'e\u0301'), false, 'compared as bytes, not as normalised text');
  });
});

describe('scopes', () => {
  it('admin allows everything; read and ingest only themselves', () => {
    for (const needed of SCOPES) assert.equal(allows('admin', needed), true);
    assert.equal(allows('read', 'read'), true);
    assert.equal(allows('read', 'ingest'), false);
    assert.equal(allows('read', 'admin'), false);
    assert.equal(allows('ingest', 'ingest'), true);
    assert.equal(allows('ingest', 'read'), false);
    assert.equal(allows('ingest', 'admin'), false);
  });
});

describe('TokenSet', () => {
  it('parses scope:token entries and verifies tokens to an id that holds no secret', () => {
    const tokens = TokenSet.parse(` read:${A} , admin:${B},`);
    assert.equal(tokens.size, 2);
    assert.deepEqual(tokens.verify(A), { id: 'read#1', scope: 'read' });
    assert.deepEqual(tokens.verify(B), { id: 'admin#2', scope: 'admin' });
    assert.equal(tokens.verify(`${A} `), undefined);
    assert.equal(tokens.verify(A.slice(0, -1)), undefined);
    assert.equal(tokens.verify(''), undefined);
  });

  it('an empty or missing list has no tokens (every protected route answers 401)', () => {
    assert.equal(TokenSet.parse(undefined).size, 0);
    assert.equal(TokenSet.parse(' , ').size, 0);
    assert.equal(TokenSet.parse('').verify(''), undefined);
    assert.equal(TokenSet.fromEnv({}).size, 0);
    assert.equal(TokenSet.fromEnv({ DRIFTWATCH_API_TOKENS: `ingest:${A}` }).verify(A)?.scope, 'ingest');
  });

  const refusals: [string, string, RegExp][] = [
    ['no colon', A, /entry 1: expected scope:token/],
    ['unknown scope', `write:${A}`, /entry 1: unknown scope 'write'; known: read, ingest, admin/],
    ['short token', 'read:short-secret', new RegExp(`entry 1: the token is shorter than ${MIN_TOKEN_LENGTH}`)],
    ['space inside', `read:${A} inside`, /entry 1: the token must be printable ASCII/],
    ['same token twice', `read:${A},admin:${A}`, /entry 2: the same token as entry 1/],
  ];
  for (const [name, text, message] of refusals) {
    it(`refuses ${name}, naming the entry and never the token`, () => {
      assert.throws(
        () => TokenSet.parse(text),
        (error: unknown) => {
          assert.ok(error instanceof UserError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes(A) && !error.message.includes('short-secret'), `no token in: ${error.message}`);
          return true;
        },
      );
    });
  }
});
