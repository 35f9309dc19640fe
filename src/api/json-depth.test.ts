import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../../test/helpers/api-harness.js';
import { checkJsonDepth, MAX_JSON_DEPTH, TooDeepError } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text);

describe('checkJsonDepth', () => {
  it('counts brackets outside strings only, and stops at the first level past the limit', () => {
    checkJsonDepth(bytes(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`));
    checkJsonDepth(bytes(`[{"a": "${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}]`));
    assert.throws(
      () => checkJsonDepth(bytes(`${'['.repeat(MAX_JSON_DEPTH + 1)}`)),
      (e) => e instanceof TooDeepError && e.at === MAX_JSON_DEPTH,
    );
  });
});

describe('a deeply nested request body (issue 15)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('is refused 400 before it is parsed, naming the depth; a normal body still goes in', async () => {
    const depth = 400_000;
    const body = `[{"features": {"channel": ${'['.repeat(depth)}${']'.repeat(depth)}}}]`;
    const response = await h.request('/api/v1/models/fraud/events', {
      method: 'POST',
      token: 'ingest',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /nested deeper than 64 levels \(at byte \d+\)/);
    const ok = await h.request('/api/v1/models/fraud/events', {
      method: 'POST',
      token: 'ingest',
      body: JSON.stringify([{ features: { amount: 1, age: 2, score: 0.5, channel: 'web' } }]),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(ok.status, 200);
  });
});
