import { createHash } from 'node:crypto';
import { createTransport, type NodemailerError, type SMTPTransportOptions, type Transporter } from 'nodemailer';
import { UserError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { DeliveryError, type Channel } from '../../types.js';
import type { Notification } from '../../../contracts/alert.js';
import { renderEmail, type EmailTemplates } from '../../../render/mail/alert.js';

/** Options of {@link EmailChannel}, as the `alerts.channels[]` config gives them (secrets already taken from the environment). */
export interface EmailChannelOptions {
  name: string;
  /**
   * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://user:pass@host:465`
   * (TLS from the first byte). User and password are percent-decoded; without them, no AUTH.
   */
  smtpUrl: string;
  from: string;
  to: string[];
  /** Link for the button when the notification carries no dashboardUrl of its own. */
  dashboardUrl?: string | null;
  /** Refuse to send unless the connection is encrypted (STARTTLS must succeed). */
  requireTLS?: boolean;
  /** `rejectUnauthorized: false` accepts self-signed certificates (test servers only). */
  tls?: { rejectUnauthorized?: boolean };
  /** Limit for connecting, the greeting and each later step of the SMTP dialogue (default 30 s). */
  timeoutMs?: number;
  /** Templates to use instead of the bundled ones (see `loadEmailTemplates`). */
  templates?: EmailTemplates;
  /** Told about recipients the server refused while accepting others (the rest got the mail). */
  logger?: Pick<Logger, 'warn'>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Sends each notification as one multipart (HTML + text) email to all recipients over SMTP.
 * Every message carries `X-Driftwatch-Delivery: <notification id>` and a Message-ID derived from
 * it, so a message sent twice (a retry after a lost reply) can be recognised as a duplicate.
 * @example
 * const channel = new EmailChannel({ name: 'oncall', smtpUrl: process.env.SMTP_URL!, from: 'driftwatch@example.com', to: ['oncall@example.com'] });
 * await channel.send(notification); // throws DeliveryError { retriable }
 */
export class EmailChannel implements Channel {
  readonly type = 'email';
  readonly name: string;
  readonly #transport: Transporter;
  readonly #from: string;
  readonly #to: string[];
  readonly #dashboardUrl: string | null;
  readonly #templates: EmailTemplates | undefined;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  /** The credentials, only to scrub them from error messages. */
  readonly #secrets: string[];

  constructor(options: EmailChannelOptions) {
    this.name = options.name;
    if (options.to.length === 0) throw new UserError(`email channel '${options.name}': 'to' needs at least one address`);
    const transportOptions = smtpTransportOptions(options.name, options.smtpUrl, options);
    this.#secrets = [transportOptions.auth?.user, transportOptions.auth?.pass].filter((s): s is string => !!s && s.length >= 3);
    this.#transport = createTransport(transportOptions);
    this.#from = options.from;
    this.#to = [...options.to];
    this.#dashboardUrl = options.dashboardUrl ?? null;
    this.#templates = options.templates;
    this.#logger = options.logger;
  }

  /** Sends one email; resolves when the server accepted it for at least one recipient, else throws a DeliveryError. */
  async send(notification: Notification): Promise<void> {
    const rendered = renderEmail(notification, {
      dashboardUrl: this.#dashboardUrl,
      ...(this.#templates ? { templates: this.#templates } : {}),
    });
    await this.sendMessage({ id: notification.id, ...rendered });
  }

  /**
   * Sends an already rendered message (a scheduled drift report uses this), with the same
   * delivery id headers and error mapping as notifications.
   */
  async sendMessage(message: { id: string; subject: string; html: string; text: string }): Promise<void> {
    let rejected: unknown[];
    try {
      const info = await this.#transport.sendMail({
        from: this.#from,
        to: this.#to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: messageIdFor(message.id, this.#from),
        headers: { 'X-Driftwatch-Delivery': message.id },
      });
      rejected = Array.isArray(info.rejected) ? info.rejected : [];
    } catch (error) {
      throw smtpDeliveryError(this.name, error, this.#secrets);
    }
    if (rejected.length > 0) {
      // Not an error: the others got the message, and retrying would send it to them again.
      this.#logger?.warn(
        { channel: this.name, rejected: rejected.map(String), deliveryId: message.id },
        'email: the SMTP server refused some recipients',
      );
    }
  }

  /** Closes the transport's connections. */
  close(): void {
    this.#transport.close();
  }
}

/**
 * Nodemailer options from an `smtp://` or `smtps://` URL. Parsed here rather than by nodemailer
 * so that a bad URL gives a message that does not repeat it (it holds the password).
 */
export function smtpTransportOptions(
  channel: string,
  smtpUrl: string,
  options: Pick<EmailChannelOptions, 'requireTLS' | 'tls' | 'timeoutMs'> = {},
): SMTPTransportOptions & { auth?: { user: string; pass: string } } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new UserError(
      `email channel '${channel}': smtpUrl is not a valid URL (expected smtp://user:pass@host:587 or smtps://user:pass@host:465)`,
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new UserError(`email channel '${channel}': smtpUrl must start with smtp:// or smtps://, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new UserError(`email channel '${channel}': smtpUrl has no host`);
  const secure = url.protocol === 'smtps:';
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    // IPv6 hosts come bracketed from URL; the socket wants them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass } } : {}),
    requireTLS: options.requireTLS ?? false,
    tls: { rejectUnauthorized: options.tls?.rejectUnauthorized ?? true },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // Nodemailer's own logging could print the AUTH exchange; the channel reports through its errors.
    logger: false,
    debug: false,
  };
}

// Errors that no SMTP reply came with: the connection or the configuration is at fault.
const PERMANENT_CODES: ReadonlySet<string> = new Set(['ENOAUTH', 'ECONFIG', 'EENVELOPE', 'EREQUIRETLS', 'EFILEACCESS', 'EURLACCESS']);

/**
 * What an SMTP failure means. With a reply code: 5xx is permanent (550 mailbox unavailable,
 * 535 bad credentials), 4xx is "try later", and 503 (bad sequence) is retriable as nodemailer
 * treats it, since a new connection can succeed. Without one: connection problems (refused,
 * timeouts, TLS, DNS) are retriable; missing credentials and invalid addresses are permanent.
 * Unknown failures are retried: the outbox gives up after its attempts, but loses nothing silently.
 */
export function smtpDeliveryError(channel: string, error: unknown, secrets: readonly string[] = []): DeliveryError {
  const e = (error ?? {}) as NodemailerError;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  let retriable: boolean;
  if (reply !== undefined && reply >= 400) retriable = !(reply >= 500 && reply !== 503);
  else retriable = !(code !== undefined && PERMANENT_CODES.has(code));
  const cause = e.originalCode ?? code;
  let detail = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) detail = detail.split(secret).join('[redacted]');
  const message =
    `channel '${channel}': SMTP ${reply ?? cause ?? 'error'}: ${detail.replace(/\s+/g, ' ').trim()}` +
    (retriable ? ' (retriable)' : ' (permanent)');
  return new DeliveryError(message, retriable);
}

/**
 * The same Message-ID for every attempt of a delivery (RFC 5322 `<left@right>`), with the
 * sender's domain on the right. Ids with characters not allowed there are hashed.
 */
function messageIdFor(deliveryId: string, from: string): string {
  const left = /^[A-Za-z0-9._-]{1,64}$/.test(deliveryId) ? deliveryId : createHash('sha256').update(deliveryId).digest('hex').slice(0, 32);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'driftwatch.invalid';
  return `<driftwatch.${left}@${domain}>`;
}
