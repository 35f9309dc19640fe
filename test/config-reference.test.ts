// The configuration reference in docs/configuration.md is generated from the zod schema; this
// fails when someone changes the schema and forgets `npm run docs:config`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { PAGE, withReference } from '../scripts/docs-config.js';
import { ROOT } from './helpers/cli.js';

it(`${PAGE} configuration reference matches the schema (run \`npm run docs:config\` to update)`, () => {
  const page = readFileSync(join(ROOT, PAGE), 'utf8');
  assert.equal(page, withReference(page));
});

it('a stale reference is caught', () => {
  const page = readFileSync(join(ROOT, PAGE), 'utf8');
  const stale = page.replace('| `kafka.brokers` |', '| `kafka.brokerz` |');
  assert.notEqual(stale, page, `${PAGE} has no kafka.brokers row to alter`);
  assert.notEqual(withReference(stale), stale);
});
