import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '../../../errors.js';
import type { StatValue } from '../../../stats/types.js';
import type { Alert, AlertKind, Notification, Severity } from '../../../contracts/alert.js';
import type { Channel } from '../../types.js';
import { slackMessage } from '../../../render/chat/slack.js';
import { type NotificationState, notificationGroups, notificationHeadline } from '../../../render/notification.js';
import { classifyHttpStatus, httpStatusError, networkDeliveryError } from '../http-status.js';

/** Options of {@link WebhookChannel}, as the `alerts.channels[]` config gives them (secrets already taken from the environment). */
export interface WebhookChannelOptions {
  name: string;
  /** Only from configuration. For Slack it holds the token: it never appears in errors. */
  url: string;
  /** HMAC key of `X-Driftwatch-Signature`; required for `format: 'json'`, optional for Slack (which ignores it). */
  secret?: string;
  /** `json`: the versioned contract payload; `slack`: a Slack-compatible `{text, blocks}` message. */
  format: 'json' | 'slack';
  timeoutMs: number;
  /** Extra request headers (an `Authorization` for the receiver, say). They cannot replace the contract headers. */
  headers?: Record<string, string>;
}

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
 * Posts notifications to an HTTP endpoint: the signed JSON contract, or a Slack message.
 * Each `send` is one POST; the outbox retries. Redirects are not followed (see classifyHttpStatus).
 * @example
 * const channel = new WebhookChannel({ name: 'ops', url, secret, format: 'json', timeoutMs: 10_000 });
 * await channel.send(notification); // throws DeliveryError { retriable }
 */
export class WebhookChannel implements Channel {
  readonly type = 'webhook';
  readonly name: string;
  readonly format: 'json' | 'slack';
  readonly timeoutMs: number;
  // #private so that logging or inspecting the channel shows neither the secret nor the URL
  // (a Slack webhook URL is a credential).
  readonly #url: URL;
  readonly #secret: string | undefined;
  readonly #headers: Headers;

  constructor(options: WebhookChannelOptions) {
    this.name = options.name;
    this.format = options.format;
    this.timeoutMs = options.timeoutMs;
    this.#url = parseWebhookUrl(options.name, options.url);
    if (options.format === 'json' && !options.secret) {
      throw new UserError(
        `webhook channel '${options.name}': format 'json' needs a secret (the receiver verifies X-Driftwatch-Signature with it)`,
      );
    }
    this.#secret = options.secret || undefined;
    if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
      throw new UserError(
        `webhook channel '${options.name}': timeoutMs must be a positive number of milliseconds, got ${options.timeoutMs}`,
      );
    }
    this.#headers = extraHeaders(options.name, options.headers ?? {});
  }

  /** Posts one notification; resolves on 2xx, else throws a DeliveryError (an HttpDeliveryError). */
  async send(notification: Notification): Promise<void> {
    const body = JSON.stringify(this.format === 'json' ? webhookPayload(notification) : slackMessage(notification));
    const headers = new Headers(this.#headers);
    // Set after the configured extras, so that configuration cannot replace a contract header.
    headers.set('content-type', 'application/json');
    headers.set('user-agent', USER_AGENT);
    headers.set(DELIVERY_HEADER, notification.id);
    if (this.#secret !== undefined) {
      headers.set(SIGNATURE_HEADER, signPayload(this.#secret, body, Math.floor(Date.now() / 1000)));
    }
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw networkDeliveryError(this.name, error, this.timeoutMs);
    }
    if (classifyHttpStatus(response.status) === 'ok') {
      // Nothing to read, but an unread body keeps the connection busy until it is collected.
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    throw httpStatusError(this.name, response, await readStart(response, 4096));
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

// The version of the package, for User-Agent. The path works from src/ (tsx) and from dist/
// (built), which sit at the same depth.
const USER_AGENT = `driftwatch/${packageVersion()}`;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function parseWebhookUrl(channel: string, url: string): URL {
  // The URL is not repeated in these messages: it may carry a token.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`webhook channel '${channel}': url is not a valid absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UserError(`webhook channel '${channel}': url must use http: or https:, got ${parsed.protocol}`);
  }
  return parsed;
}

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

/** The first `limit` bytes of a response body as text, for error messages; never throws. */
async function readStart(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off by the timeout or a reset: the status says enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
