import { z } from 'zod';
import { Duration } from './duration.js';

/**
 * The paging channels of `alerts.channels[]`: PagerDuty (Events API v2) and Opsgenie (Alert
 * API). They are channel types of their own, not webhook formats: each has its own credential,
 * endpoint and trigger/resolve semantics (a webhook format only changes the body of one POST).
 * Their keys come from the environment only; {@link secretsWrittenInClear} refuses a file that
 * writes one out.
 */

/** Defaults of the paging channels, in one place. */
export const PAGING_DEFAULTS = {
  pagerDutyUrl: 'https://events.pagerduty.com/v2/enqueue',
  opsgenieRegion: 'us',
  opsgenieSource: 'driftwatch',
  timeout: '10s',
} as const;

/** Channel fields that hold a credential: they must be a whole `${ENV_VAR}` reference in the file. */
export const ENV_ONLY_CHANNEL_FIELDS = ['routingKey', 'apiKey'] as const;

const HttpUrl = z.string().regex(/^https?:\/\//, 'expected an http(s) URL');

export const PagerDutyChannelConfig = z
  .object({
    name: z.string().min(1).describe('channel name, used by routes'),
    type: z.literal('pagerduty').describe('the kind of channel; it decides which of the fields below apply'),
    routingKey: z
      .string()
      // The message does not quote the value: it is a credential.
      .length(32, 'expected the 32-character Events API v2 integration key of a PagerDuty service (from the environment)')
      .describe('Events API v2 integration key: always "${PAGERDUTY_ROUTING_KEY}", never written in the file'),
    url: HttpUrl.default(PAGING_DEFAULTS.pagerDutyUrl).describe(
      'the Events API endpoint; https://events.eu.pagerduty.com/v2/enqueue for the EU service region',
    ),
    source: z.string().min(1).optional().describe("payload.source of the events (default: this host's name)"),
    timeout: Duration.prefault(PAGING_DEFAULTS.timeout).describe('time to wait for PagerDuty'),
  })
  .strict();

export const OpsgenieChannelConfig = z
  .object({
    name: z.string().min(1).describe('channel name, used by routes'),
    type: z.literal('opsgenie').describe('the kind of channel; it decides which of the fields below apply'),
    apiKey: z
      .string()
      .min(1, 'expected the API key of an Opsgenie API integration (from the environment)')
      .describe('API key of an Opsgenie API integration: always "${OPSGENIE_API_KEY}", never written in the file'),
    region: z.enum(['us', 'eu']).default(PAGING_DEFAULTS.opsgenieRegion).describe('us: api.opsgenie.com; eu: api.eu.opsgenie.com'),
    url: HttpUrl.optional().describe('the API base URL instead of the region (a proxy, a test receiver); /v2/alerts is appended'),
    source: z.string().min(1).max(100).default(PAGING_DEFAULTS.opsgenieSource).describe('source of the alerts'),
    tags: z
      .array(z.string().min(1).max(50))
      .max(10)
      .default([])
      .describe(
        'tags added to every alert, after driftwatch, model:<name> and the alert kinds (at most 10, so that all stay within the 20 Opsgenie keeps)',
      ),
    timeout: Duration.prefault(PAGING_DEFAULTS.timeout).describe('time to wait for Opsgenie'),
  })
  .strict();

export type PagerDutyChannelConfig = z.infer<typeof PagerDutyChannelConfig>;
export type OpsgenieChannelConfig = z.infer<typeof OpsgenieChannelConfig>;

const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/**
 * The credential fields of `alerts.channels[]` written in the file rather than taken from the
 * environment, checked on the file as parsed, before `${ENV}` substitution: each entry names the
 * path and what to write instead (never the value). A `${VAR:-default}` counts as written out:
 * its default is in the file.
 * @example secretsWrittenInClear({ alerts: { channels: [{ type: 'pagerduty', routingKey: 'abc' }] } })
 * // ['alerts.channels[0].routingKey: write "${PAGERDUTY_ROUTING_KEY}" ...']
 */
export function secretsWrittenInClear(raw: unknown): string[] {
  const channels = (raw as { alerts?: { channels?: unknown } } | null)?.alerts?.channels;
  if (!Array.isArray(channels)) return [];
  const found: string[] = [];
  channels.forEach((channel, i) => {
    if (!channel || typeof channel !== 'object') return;
    for (const field of ENV_ONLY_CHANNEL_FIELDS) {
      const value = (channel as Record<string, unknown>)[field];
      if (value === undefined || (typeof value === 'string' && WHOLE_REFERENCE.test(value.trim()))) continue;
      const example = field === 'routingKey' ? 'PAGERDUTY_ROUTING_KEY' : 'OPSGENIE_API_KEY';
      found.push(
        `alerts.channels[${i}].${field}: write "\${${example}}" and set the variable; a credential is never written in the file (it is often committed)`,
      );
    }
  });
  return found;
}
