import { createHmac, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../../errors.js';
import type { StatValue } from '../../../stats/types.js';
import type { Alert, AlertKind, Notification, Severity } from '../../../contracts/alert.js';
import type { Channel } from '../../types.js';
import { slackMessage } from '../../../render/chat/slack.js';
import { teamsMessage } from '../../../render/chat/teams.js';
import { type NotificationState, notificationGroups, notificationHeadline } from '../../../render/notification.js';
import { channelUrl, checkTimeout, postJson } from '../http-post.js';
import { teamsWrappedStatus } from '../http-status.js';

/** Options of {@link WebhookChannel}, as the `alerts.channels[]` config gives them (secrets already taken from the environment). */
export interface WebhookChannelOptions {
  name: string;
  /** Only from configuration. For Slack it holds the token: it never appears in errors. */
  url: string;
  /** HMAC key of `X-Driftwatch-Signature`; required for `format: 'json'`, optional for Slack and Teams (which ignore it). */
  secret?: string;
  /**
   * `json`: the versioned contract payload; `slack`: a Slack-compatible `{text, blocks}` message;
   * `teams`: an Adaptive Card in a Teams `message` (an Incoming Webhook or a Workflows URL).
   */
  format: WebhookFormat;
  timeoutMs: number;
  /** Extra request headers (an `Authorization` for the receiver, say). They cannot replace the contract headers. */
  headers?: Record<string, string>;
}

/** What a webhook channel posts: the driftwatch contract, or a chat tool's message. */
export type WebhookFormat = 'json' | 'slack' | 'teams';

/** One alert in the webhook contract payload. */
export interface WebhookAlert {
  fingerprint: string;
  feature: string;
  kind: AlertKind;
  severity: Severity;
  status: 'firing' | 'resolved';
  summary: string;
  stats: Record<string, StatValue>;
  startsAt: string;
  endsAt: string | null;
}

/** One alert named in `changes`: which it is (its entry in `alerts` has the details). */
export interface WebhookAlertRef {
  fingerprint: string;
  feature: string;
  kind: AlertKind;
}

/** The body of a `format: 'json'` delivery: the webhook contract, version 1. */
export interface WebhookPayload {
  version: 1;
  /** `firing` while any alert of the payload fires (as before), `resolved` when none does: read `state` and `changes` for what changed. */
  status: 'firing' | 'resolved';
  model: string;
  alerts: WebhookAlert[];
  window: { start: string; end: string; rows: number };
  reportId: string;
  dashboardUrl: string | null;
  /** The same on every retry: receivers drop duplicates by it (also in `X-Driftwatch-Delivery`). */
  deliveryId: string;
  createdAt: string;
  /** FIRING (something new or escalated, or a repeat), PARTLY RESOLVED (alerts resolved while others fire), RESOLVED. */
  state: NotificationState;
  /** The subject line of the email: what changed, then what keeps firing. */
  title: string;
  /** What this notification says that the previous one did not; alerts in none of these keep firing. */
  changes: { resolved: WebhookAlertRef[]; new: WebhookAlertRef[]; escalated: WebhookAlertRef[] };
  /** Delivery ids of older notifications this one replaced while they waited (their receiver was down): they will not arrive. */
  supersedes: string[];
}

/** Contract header names, lower-cased as Node's http module presents them to receivers. */
export const SIGNATURE_HEADER = 'x-driftwatch-signature';
export const DELIVERY_HEADER = 'x-driftwatch-delivery';

/** How old a signature may be before {@link verifySignature} rejects it (replay protection). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Posts notifications to an HTTP endpoint: the signed JSON contract, a Slack message or a Teams card.
 * Each `send` is one POST; the outbox retries. Redirects are not followed (see classifyHttpStatus).
 * @example
 * const channel = new WebhookChannel({ name: 'ops', url, secret, format: 'json', timeoutMs: 10_000 });
 * await channel.send(notification); // throws DeliveryError { retriable }
 */
export class WebhookChannel implements Channel {
  readonly type = 'webhook';
  readonly name: string;
  readonly format: WebhookFormat;
  readonly timeoutMs: number;
  // #private so that logging or inspecting the channel shows neither the secret nor the URL
  // (a Slack webhook URL is a credential).
  readonly #url: URL;
  readonly #secret: string | undefined;
  readonly #headers: Headers;

  constructor(options: WebhookChannelOptions) {
    this.name = options.name;
    this.format = options.format;
    this.timeoutMs = checkTimeout('webhook', options.name, options.timeoutMs);
    this.#url = channelUrl('webhook', options.name, options.url);
    if (options.format === 'json' && !options.secret) {
      throw new UserError(
        `webhook channel '${options.name}': format 'json' needs a secret (the receiver verifies X-Driftwatch-Signature with it)`,
      );
    }
    this.#secret = options.secret || undefined;
    this.#headers = extraHeaders(options.name, options.headers ?? {});
  }

  /** Posts one notification; resolves on 2xx, else throws a DeliveryError (an HttpDeliveryError). */
  async send(notification: Notification): Promise<void> {
    const body = JSON.stringify(this.#render(notification));
    const headers = new Headers(this.#headers);
    // Set after the configured extras, so that configuration cannot replace a contract header.
    headers.set(DELIVERY_HEADER, notification.id);
    if (this.#secret !== undefined) {
      headers.set(SIGNATURE_HEADER, signPayload(this.#secret, body, Math.floor(Date.now() / 1000)));
    }
    await postJson({
      channel: this.name,
      url: this.#url,
      body,
      headers,
      timeoutMs: this.timeoutMs,
      ...(this.#secret !== undefined ? { secrets: [this.#secret] } : {}),
      // Teams' connectors answer 200 and put a refusal in the body (http-status.ts).
      ...(this.format === 'teams' ? { wrappedStatus: teamsWrappedStatus } : {}),
    });
  }

  #render(notification: Notification): unknown {
    if (this.format === 'slack') return slackMessage(notification);
    if (this.format === 'teams') return teamsMessage(notification);
    return webhookPayload(notification);
  }
}

/**
 * The contract payload of a notification (version 1). Stable field names and order: receivers
 * parse it; additions are allowed, removals and renames need a new version.
 */
export function webhookPayload(notification: Notification): WebhookPayload {
  const groups = notificationGroups(notification);
  const ref = (alert: Alert): WebhookAlertRef => ({
    fingerprint: alert.fingerprint,
    feature: alert.labels.feature,
    kind: alert.labels.kind,
  });
  return {
    version: 1,
    status: notification.status,
    model: notification.model,
    // Resolved first, then new, escalated and still firing: the order of `title`.
    alerts: groups.ordered.map((alert) => ({
      fingerprint: alert.fingerprint,
      feature: alert.labels.feature,
      kind: alert.labels.kind,
      severity: alert.severity,
      status: alert.status,
      summary: alert.summary,
      stats: alert.stats ?? {},
      startsAt: alert.startsAt,
      endsAt: alert.endsAt ?? null,
    })),
    window: { start: notification.window.start, end: notification.window.end, rows: notification.window.rows },
    reportId: notification.reportId,
    dashboardUrl: notification.dashboardUrl,
    deliveryId: notification.id,
    createdAt: notification.createdAt,
    // Added after version 1's first fields (receivers that read by name are unaffected).
    state: groups.state,
    title: notificationHeadline(notification),
    changes: { resolved: groups.resolved.map(ref), new: groups.new.map(ref), escalated: groups.escalated.map(ref) },
    supersedes: notification.supersedes ?? [],
  };
}

/**
 * The `X-Driftwatch-Signature` value for a body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 * Signing the timestamp with the body lets a receiver reject replays of an old delivery.
 * @example signPayload('s3cret', '{"version":1}', 1700000000) // 't=1700000000,v1=5d1c…'
 */
export function signPayload(secret: string, body: string | Buffer, t: number): string {
  if (!Number.isSafeInteger(t)) throw new RangeError(`signature timestamp must be whole unix seconds, got ${t}`);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/** Options of {@link verifySignature}. */
export interface VerifyOptions {
  /** Largest accepted distance between `t` and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Now, in milliseconds since the epoch (default Date.now()). */
  now?: number;
}

/**
 * Checks an `X-Driftwatch-Signature` header against the raw request body, as a receiver should:
 * the HMAC must match (compared in constant time) and `t` must be within the tolerance of now.
 * Several `v1=` entries are accepted (any may match), so a sender can sign with an old and a new
 * secret while they are rotated.
 * @example
 * // in a receiver, with the body exactly as received (not re-serialised JSON):
 * if (!verifySignature(secret, req.headers['x-driftwatch-signature'], rawBody)) return reply(401);
 */
export function verifySignature(
  secret: string,
  header: string | string[] | null | undefined,
  body: string | Buffer,
  options: VerifyOptions = {},
): boolean {
  if (typeof header !== 'string') return false;
  const { toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS, now = Date.now() } = options;
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (t === undefined || signatures.length === 0) return false;
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  // Every candidate is compared (no early exit), so timing reveals nothing about which matched.
  let ok = false;
  for (const signature of signatures) {
    ok = timingSafeEqual(expected, Buffer.from(signature, 'hex')) || ok;
  }
  return ok;
}

function hmacHex(secret: string, t: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

function extraHeaders(channel: string, headers: Record<string, string>): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    try {
      result.set(name, value);
    } catch {
      // The value is not shown: extra headers are where tokens go.
      throw new UserError(`webhook channel '${channel}': header '${name}' has an invalid name or value`);
    }
  }
  return result;
}
