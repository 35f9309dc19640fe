import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../errors.js';
import { parseConfig } from './load.js';
import { PAGING_DEFAULTS, secretsWrittenInClear } from './paging.js';

const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const config = (channels: unknown[]) => ({
  alerts: { channels, routes: [{ channels: channels.map((c) => (c as { name: string }).name) }] },
  models: [{ name: 'fraud', baseline: 'b.json' }],
});
const refused = (raw: unknown, env: NodeJS.ProcessEnv, pattern: RegExp, hidden: string[] = []) =>
  assert.throws(
    () => parseConfig(raw, 'x.yaml', env),
    (error: Error) => error instanceof UserError && pattern.test(error.message) && hidden.every((h) => !error.message.includes(h)),
  );

describe('paging channels in the config', () => {
  it('reads a PagerDuty channel with its key from the environment, and fills the defaults', () => {
    const parsed = parseConfig(config([{ name: 'pager', type: 'pagerduty', routingKey: '${PD_KEY}' }]), 'x.yaml', { PD_KEY: KEY });
    assert.deepEqual(parsed.alerts.channels[0], {
      name: 'pager',
      type: 'pagerduty',
      routingKey: KEY,
      url: PAGING_DEFAULTS.pagerDutyUrl,
      timeout: 10_000,
    });
  });

  it('reads an Opsgenie channel: region us by default, eu or a base URL when given', () => {
    const parsed = parseConfig(
      config([
        { name: 'genie', type: 'opsgenie', apiKey: '${OG_KEY}' },
        { name: 'genie-eu', type: 'opsgenie', apiKey: '${OG_KEY}', region: 'eu', tags: ['team:ml'], timeout: '3s' },
      ]),
      'x.yaml',
      { OG_KEY: 'og-key-0123' },
    );
    assert.deepEqual(parsed.alerts.channels[0], {
      name: 'genie',
      type: 'opsgenie',
      apiKey: 'og-key-0123',
      region: 'us',
      source: 'driftwatch',
      tags: [],
      timeout: 10_000,
    });
    assert.equal(parsed.alerts.channels[1]?.type === 'opsgenie' && parsed.alerts.channels[1].region, 'eu');
  });

  it('takes format teams on a webhook without a secret', () => {
    const parsed = parseConfig(config([{ name: 'teams', type: 'webhook', format: 'teams', url: '${TEAMS_URL}' }]), 'x.yaml', {
      TEAMS_URL: 'https://example.webhook.office.com/webhookb2/abc',
    });
    assert.equal(parsed.alerts.channels[0]?.type === 'webhook' && parsed.alerts.channels[0].format, 'teams');
  });

  it('refuses a key written in the file, naming the path and what to write, never the key', () => {
    refused(
      config([{ name: 'pager', type: 'pagerduty', routingKey: KEY }]),
      {},
      /alerts\.channels\[0\]\.routingKey: write "\$\{PAGERDUTY_ROUTING_KEY\}"/,
      [KEY],
    );
    refused(
      config([{ name: 'genie', type: 'opsgenie', apiKey: 'og-key-in-clear' }]),
      {},
      /alerts\.channels\[0\]\.apiKey: write "\$\{OPSGENIE_API_KEY\}"/,
      ['og-key-in-clear'],
    );
    // A default after :- is the key written in the file too.
    assert.deepEqual(secretsWrittenInClear(config([{ type: 'pagerduty', routingKey: `\${PD_KEY:-${KEY}}` }])).length, 1);
    assert.deepEqual(secretsWrittenInClear(config([{ type: 'pagerduty', routingKey: '${PD_KEY}' }])), []);
  });

  it('refuses a routing key of the wrong length without quoting it', () => {
    refused(
      config([{ name: 'pager', type: 'pagerduty', routingKey: '${PD_KEY}' }]),
      { PD_KEY: 'short-secret' },
      /routingKey: .*32-character/,
      ['short-secret'],
    );
  });

  it('names the known channel types for an unknown one', () => {
    refused(
      config([{ name: 'x', type: 'pagerdooty', routingKey: '${PD_KEY}' }]),
      { PD_KEY: KEY },
      /alerts\.channels\[0\]\.type: .*'pagerduty' \| 'opsgenie'/,
    );
  });
});
