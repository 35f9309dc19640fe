import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { classifyHttpStatus, httpStatusError, networkDeliveryError } from './http-status.js';

/**
 * The one way the HTTP channels (webhook, Slack, Teams, PagerDuty, Opsgenie) post a JSON body:
 * a timeout, no redirects, what a status means decided by `http-status.ts`, and errors that show
 * neither the URL nor the channel's secrets.
 */

// The version of the package, for User-Agent. The path works from src/ (tsx) and from dist/
// (built), which sit at the same depth.
const USER_AGENT = `driftwatch/${packageVersion()}`;

/** The User-Agent of every channel request: `driftwatch/<version>`. */
export function userAgent(): string {
  return USER_AGENT;
}

/** One POST of a channel. */
export interface JsonPost {
  /** The channel's name, for errors. */
  channel: string;
  url: URL;
  /** The JSON text, exactly as it is sent (a signature covers these bytes). */
  body: string;
  /** Request headers; content-type and user-agent are set here, after them. */
  headers?: Headers;
  timeoutMs: number;
  /** Values that must never appear in an error (an API key the receiver might echo back). */
  secrets?: readonly string[];
  /**
   * For services that answer 2xx and put the real status in the body (Microsoft 365 connectors of
   * Teams): the status the body holds, or undefined when the body says it was delivered.
   */
  wrappedStatus?: (body: string) => number | undefined;
}

/** How much of a response body is read for an error message (or for {@link JsonPost.wrappedStatus}). */
const BODY_LIMIT = 4096;

/**
 * Posts `body` to `url`; resolves when the receiver took it, else throws an HttpDeliveryError
 * (retriable or not, with the receiver's Retry-After). Redirects are not followed (see
 * classifyHttpStatus): a moved endpoint needs a configuration change.
 * @example await postJson({ channel: 'pager', url, body: JSON.stringify(event), timeoutMs: 10_000 });
 */
export async function postJson(post: JsonPost): Promise<void> {
  const headers = new Headers(post.headers);
  headers.set('content-type', 'application/json');
  headers.set('user-agent', USER_AGENT);
  let response: Response;
  try {
    response = await fetch(post.url, {
      method: 'POST',
      headers,
      body: post.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(post.timeoutMs),
    });
  } catch (error) {
    throw networkDeliveryError(post.channel, error, post.timeoutMs);
  }
  if (classifyHttpStatus(response.status) === 'ok') {
    if (!post.wrappedStatus) {
      // Nothing to read, but an unread body keeps the connection busy until it is collected.
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    const text = await readStart(response, BODY_LIMIT);
    const wrapped = post.wrappedStatus(text);
    if (wrapped === undefined || classifyHttpStatus(wrapped) === 'ok') return;
    const inBody = { status: wrapped, statusText: `(in the body of HTTP ${response.status})`, headers: response.headers };
    throw httpStatusError(post.channel, inBody, redact(text, post.secrets));
  }
  throw httpStatusError(post.channel, response, redact(await readStart(response, BODY_LIMIT), post.secrets));
}

/**
 * A channel's URL from the configuration, checked once at start-up. The messages do not repeat
 * the URL: it may carry a token (Slack, Teams).
 * @example channelUrl('webhook', 'ops', 'https://hooks.example.com/T0/B0/xyz')
 */
export function channelUrl(type: string, channel: string, url: string, field = 'url'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${type} channel '${channel}': ${field} is not a valid absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UserError(`${type} channel '${channel}': ${field} must use http: or https:, got ${parsed.protocol}`);
  }
  return parsed;
}

/** Checks a channel's timeout (milliseconds) once at start-up. */
export function checkTimeout(type: string, channel: string, timeoutMs: number): number {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new UserError(`${type} channel '${channel}': timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  return timeoutMs;
}

function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
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

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
