// The configuration reference in docs/configuration.md is generated from the zod schema; this
// fails when someone changes the schema and forgets `npm run docs:config`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import type { z } from 'zod';
import { PAGE, withReference } from '../scripts/docs-config.js';
import { ChannelConfig, RouteConfig } from '../src/config/schema.js';
import { objectOptions, shapeOf } from '../src/config/schema-walk.js';
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

it('every key of every channel kind and of a route has a row (the union of channel kinds is walked)', () => {
  const page = readFileSync(join(ROOT, PAGE), 'utf8');
  const keys = (object: z.ZodType) => Object.keys(shapeOf(object));
  const channelKeys = objectOptions(ChannelConfig as unknown as z.ZodType).flatMap(keys);
  // The keys the issue found missing, so a walker that lists no channel at all cannot pass.
  for (const key of ['smtpUrl', 'from', 'to', 'requireTLS', 'url', 'secret', 'format', 'timeout'])
    assert.ok(channelKeys.includes(key), key);
  for (const key of new Set(channelKeys))
    assert.match(page, new RegExp(`\\| \`alerts\\.channels\\[\\]\\.${key}\` \\|`), `alerts.channels[].${key}`);
  for (const key of keys(RouteConfig as unknown as z.ZodType)) assert.match(page, new RegExp(`\\| \`alerts\\.routes\\[\\]\\.${key}\` \\|`));
  // A key of one kind says which kind it belongs to.
  assert.match(page, /\| `alerts\.channels\[\]\.smtpUrl` \| string \| \*\*required\*\* \| type `email`: /);
  assert.match(page, /\| `alerts\.channels\[\]\.url` \| string \| \*\*required\*\* \| type `webhook`: /);
  // A key the kinds define differently (required for a webhook, defaulted for PagerDuty) has a row per definition.
  assert.match(page, /\| `alerts\.channels\[\]\.url` \| string \| `https:\/\/events\.pagerduty\.com\/v2\/enqueue` \| type `pagerduty`: /);
  assert.match(page, /\| `alerts\.channels\[\]\.url` \| string \| {2}\| type `opsgenie`: /);
});
