import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatZodError } from './zod-errors.js';
import { ApiConfig, parseByteSize } from './api.js';

describe('api config', () => {
  it('has secure defaults: loopback, metrics behind a token, 1 MiB bodies', () => {
    assert.deepEqual(ApiConfig.parse({}), {
      port: 8080,
      host: '127.0.0.1',
      metricsPublic: false,
      bodyLimit: 1_048_576,
      uploadLimit: 100 * 1_048_576,
      uploadMaxColumns: 2000,
      uploadTimeout: 120_000,
      uploadMemoryLimit: 1024 ** 3,
      ingestRateLimit: 100,
      idempotencyWindow: 86_400_000,
      idempotencyMaxKeys: 100_000,
    });
  });

  it('parses sizes as body-parser counts them (1024-based)', () => {
    assert.equal(parseByteSize('1mb'), 1_048_576);
    assert.equal(parseByteSize('512kb'), 524_288);
    assert.equal(parseByteSize('1.5KB'), 1536);
    assert.equal(parseByteSize('100'), 100);
    assert.equal(parseByteSize('2 gb'), 2 * 1024 ** 3);
    assert.equal(parseByteSize('1tb'), undefined);
    assert.equal(parseByteSize('-1mb'), undefined);
    assert.equal(parseByteSize('mb'), undefined);
  });

  it('refuses bad values with the path and what is expected', () => {
    const result = ApiConfig.safeParse({ port: 70_000, bodyLimit: 'lots', ingestRateLimit: 0, tokens: 'x' });
    assert.equal(result.success, false);
    const message = formatZodError(result.error!, 10);
    assert.match(message, /port: .*65535/);
    assert.match(message, /bodyLimit: expected a size like 512kb, 1mb, 100mb; got 'lots'/);
    assert.match(message, /ingestRateLimit: /);
    assert.match(message, /Unrecognized key: "tokens"/, 'tokens belong in the environment, not the file');
  });
});
