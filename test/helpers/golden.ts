import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FIXTURES } from './cli.js';

/** Where the golden files live: committed, so a change of behaviour shows in the diff. */
export const GOLDEN = join(FIXTURES, 'golden');

/**
 * Compares a value with its golden file `test/fixtures/golden/<name>.json`. With
 * `UPDATE_GOLDEN=1` the file is (re)written instead: do that only for a change you mean, and
 * read the diff. A missing golden file is a failure, not a silent write.
 */
export function assertGolden(name: string, value: unknown): void {
  const file = join(GOLDEN, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `no golden file ${file}: run with UPDATE_GOLDEN=1 once, and commit it`);
  assert.deepEqual(
    JSON.parse(text),
    JSON.parse(readFileSync(file, 'utf8')),
    `${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it, for a change you mean)`,
  );
}

/** A copy of `value` with the keys named in `keys` replaced by a placeholder, at any depth (times, ids, paths). */
export function withoutVolatile<T>(value: T, keys: readonly string[]): T {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keys.includes(k) ? '<volatile>' : strip(x)]));
    }
    return v;
  };
  return strip(value) as T;
}
