import { DeliveryError } from '../types.js';

/** What an HTTP delivery outcome means for the outbox. */
export type HttpOutcome = 'ok' | 'retry' | 'permanent';

/**
 * The one place that decides what an HTTP status means: 2xx delivered; 408, 429 and 5xx worth
 * retrying (the receiver is busy or broken for now); every other status permanent.
 * 3xx counts as permanent because channels do not follow redirects: a signed alert must not be
 * forwarded to a host nobody configured, and a moved endpoint needs a config change anyway.
 * @example classifyHttpStatus(503) // 'retry'
 */
export function classifyHttpStatus(status: number): HttpOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return 'retry';
  return 'permanent';
}

/**
 * Per-service rule for Teams: Microsoft 365 connectors (a Teams channel's "Incoming Webhook")
 * answer 200 even when Teams refused the message, and put the real status in the body:
 * `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429
 * with ContextId …` (Microsoft's answer in MicrosoftDocs/msteams-docs issues 1810 and 7425: by
 * design). Returns the status such a body holds (500, retriable, for a failure that names none),
 * or undefined when it reports no failure (a connector's `1`, a Workflows URL's empty 202).
 * @example teamsWrappedStatus('Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId x') // 413
 */
export function teamsWrappedStatus(body: string): number | undefined {
  const code = /returned HTTP error (\d{3})\b/i.exec(body);
  if (code) return Number(code[1]);
  return /delivery failed/i.test(body) ? 500 : undefined;
}

/** A failed HTTP delivery: the status, and how long the receiver asked us to wait (Retry-After). */
export class HttpDeliveryError extends DeliveryError {
  constructor(
    message: string,
    retriable: boolean,
    /** The HTTP status, or undefined when no response came (network error, timeout). */
    readonly status?: number,
    /** From the Retry-After header of a 429/503, when present: the earliest sensible retry, in ms from now. */
    readonly retryAfterMs?: number,
  ) {
    super(message, retriable);
  }
}

/**
 * The error for a non-2xx response, built from what is safe to show: the channel name, the status
 * and the start of the response body (never the URL, which for Slack-style webhooks is itself a secret).
 */
export function httpStatusError(
  channel: string,
  response: Pick<Response, 'status' | 'statusText' | 'headers'>,
  body = '',
  now = Date.now(),
): HttpDeliveryError {
  const outcome = classifyHttpStatus(response.status);
  const retriable = outcome !== 'permanent';
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  const detail = printableSnippet(body);
  const message =
    `channel '${channel}': HTTP ${response.status}${statusText}${detail ? `: ${detail}` : ''}` +
    (retriable ? ' (retriable)' : ' (permanent)');
  const wait = retriable ? retryAfterMs(response.headers.get('retry-after'), now) : undefined;
  return new HttpDeliveryError(message, retriable, response.status, wait);
}

/**
 * Turns what `fetch` throws (connection refused, DNS failure, reset, `AbortSignal.timeout`) into a
 * retriable DeliveryError: none of these says anything about the notification itself.
 * The message keeps the cause's code (ECONNREFUSED, ETIMEDOUT) but not its text, which for
 * undici can contain the URL.
 */
export function networkDeliveryError(channel: string, error: unknown, timeoutMs?: number): HttpDeliveryError {
  if (isTimeout(error)) {
    const after = timeoutMs === undefined ? '' : ` after ${timeoutMs} ms`;
    return new HttpDeliveryError(`channel '${channel}': no response${after} (timeout, retriable)`, true);
  }
  const code = errorCode(error);
  return new HttpDeliveryError(`channel '${channel}': request failed${code ? ` (${code})` : ''} (retriable)`, true);
}

/**
 * Parses a Retry-After header: delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT").
 * Returns milliseconds from `now` (0 for a date in the past), or undefined when absent or unreadable.
 * @example retryAfterMs('30') // 30000
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  // RFC 9110: delay-seconds is 1*DIGIT; anything else that parses as a number ("1.5", "-3") is invalid.
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only strings with letters can be dates: Date.parse would read "12" as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isTimeout(error: unknown): boolean {
  // AbortSignal.timeout rejects fetch with a DOMException named TimeoutError.
  return error instanceof Error && (error.name === 'TimeoutError' || errorCode(error) === 'UND_ERR_CONNECT_TIMEOUT');
}

/** The first error code along the cause chain (undici wraps the socket error in a TypeError's `cause`). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const SNIPPET_LENGTH = 200;

// Response bodies come from the receiver: one line of printable text, cut short, so a log line
// stays one line and an HTML error page does not flood it.
function printableSnippet(body: string): string {
  const oneLine = body.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return oneLine.length > SNIPPET_LENGTH ? `${oneLine.slice(0, SNIPPET_LENGTH)}…` : oneLine;
}
