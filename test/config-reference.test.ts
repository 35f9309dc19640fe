// The README's configuration reference is generated from the zod schema; this fails when someone
// changes the schema and forgets `npm run docs:config`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { withReference } from '../scripts/docs-config.js';
import { ROOT } from './helpers/cli.js';

it('README.md configuration reference matches the schema (run `npm run docs:config` to update)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.equal(readme, withReference(readme));
});
