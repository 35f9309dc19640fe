import type { AlertsConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Channel } from '../types.js';
import { EmailChannel } from './email/email.js';
import { WebhookChannel } from './webhook/webhook.js';

/** The configured channels by name: one interface, one folder per type. */
export function createChannels(config: AlertsConfig, logger?: Pick<Logger, 'warn'>): Map<string, Channel> {
  return new Map(
    config.channels.map((c): [string, Channel] => [
      c.name,
      c.type === 'email'
        ? new EmailChannel({
            name: c.name,
            smtpUrl: c.smtpUrl,
            from: c.from,
            to: c.to,
            dashboardUrl: config.dashboardUrl ?? null,
            requireTLS: c.requireTLS,
            tls: { rejectUnauthorized: c.rejectUnauthorized },
            ...(logger ? { logger } : {}),
          })
        : new WebhookChannel({
            name: c.name,
            url: c.url,
            format: c.format,
            timeoutMs: c.timeout,
            ...(c.secret ? { secret: c.secret } : {}),
          }),
    ]),
  );
}
