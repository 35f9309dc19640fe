import type { AlertsConfig, ChannelConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Channel } from '../types.js';
import { EmailChannel } from './email/email.js';
import { OPSGENIE_API_URLS, OpsgenieChannel } from './opsgenie/opsgenie.js';
import { PagerDutyChannel } from './pagerduty/pagerduty.js';
import { WebhookChannel } from './webhook/webhook.js';

/** The configured channels by name: one interface, one folder per type. */
export function createChannels(config: AlertsConfig, logger?: Pick<Logger, 'warn'>): Map<string, Channel> {
  return new Map(config.channels.map((c): [string, Channel] => [c.name, createChannel(c, config, logger)]));
}

function createChannel(c: ChannelConfig, config: AlertsConfig, logger?: Pick<Logger, 'warn'>): Channel {
  switch (c.type) {
    case 'email':
      return new EmailChannel({
        name: c.name,
        smtpUrl: c.smtpUrl,
        from: c.from,
        to: c.to,
        dashboardUrl: config.dashboardUrl ?? null,
        requireTLS: c.requireTLS,
        tls: { rejectUnauthorized: c.rejectUnauthorized },
        ...(logger ? { logger } : {}),
      });
    case 'webhook':
      return new WebhookChannel({
        name: c.name,
        url: c.url,
        format: c.format,
        timeoutMs: c.timeout,
        ...(c.secret ? { secret: c.secret } : {}),
      });
    case 'pagerduty':
      return new PagerDutyChannel({
        name: c.name,
        routingKey: c.routingKey,
        url: c.url,
        timeoutMs: c.timeout,
        ...(c.source ? { source: c.source } : {}),
      });
    case 'opsgenie':
      return new OpsgenieChannel({
        name: c.name,
        apiKey: c.apiKey,
        url: c.url ?? OPSGENIE_API_URLS[c.region],
        source: c.source,
        tags: c.tags,
        timeoutMs: c.timeout,
      });
  }
}
