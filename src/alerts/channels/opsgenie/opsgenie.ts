import { UserError } from '../../../errors.js';
import type { Alert, Notification } from '../../../contracts/alert.js';
import { formatCount, formatWindow, truncateText } from '../../../render/format.js';
import { safeLink } from '../../../render/links.js';
import { alertChanges, alertStatPhrases, kindLabel, notificationGroups, notificationHeadline } from '../../../render/notification.js';
import type { Channel } from '../../types.js';
import { alertGroupKey } from '../group-key.js';
import { channelUrl, checkTimeout, postJson } from '../http-post.js';
import { notificationPageSeverity, type PageSeverity } from '../page-severity.js';

/** Opsgenie's API hosts by region (docs.opsgenie.com, "API Access Management"). */
export const OPSGENIE_API_URLS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;
export type OpsgenieRegion = keyof typeof OPSGENIE_API_URLS;

/**
 * Opsgenie's documented field limits (Alert API, "Create Alert"): message 130 characters, alias
 * 512, description 15,000, at most 20 tags of 50 characters, details 8,000 characters in all,
 * entity 512, source 100, note 25,000. Longer values are cut with "…".
 */
export const OPSGENIE_LIMITS = {
  message: 130,
  alias: 512,
  description: 15_000,
  tags: 20,
  tag: 50,
  details: 8000,
  entity: 512,
  source: 100,
  note: 25_000,
} as const;

/** driftwatch's severities as Opsgenie priorities (P1 critical … P5 informational). */
export const OPSGENIE_PRIORITY: Record<PageSeverity, 'P1' | 'P2' | 'P3' | 'P4' | 'P5'> = {
  critical: 'P1',
  error: 'P2',
  warning: 'P3',
  info: 'P5',
};

/** Options of {@link OpsgenieChannel}, as the `alerts.channels[]` config gives them (the key already taken from the environment). */
export interface OpsgenieChannelOptions {
  name: string;
  /** The API key of an Opsgenie API integration (sent as `Authorization: GenieKey <key>`). Never shown. */
  apiKey: string;
  /** The API's base URL: a region's ({@link OPSGENIE_API_URLS}), a proxy's or a test receiver's. */
  url: string;
  /** `source` of the alerts (default `driftwatch`). */
  source?: string;
  /** Tags added to every alert, after driftwatch's own (`driftwatch`, `model:<name>`, the kinds). */
  tags?: string[];
  timeoutMs: number;
}

/** The body of POST /v2/alerts. */
export interface OpsgenieCreate {
  message: string;
  alias: string;
  description: string;
  tags: string[];
  details: Record<string, string>;
  entity: string;
  source: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
}

/** The body of POST /v2/alerts/{alias}/close?identifierType=alias. */
export interface OpsgenieClose {
  source: string;
  note: string;
}

/** One request of a notification: where it goes and its body. */
export interface OpsgenieRequest {
  /** Path and query, below the base URL. */
  path: string;
  body: OpsgenieCreate | OpsgenieClose;
}

/**
 * Sends notifications to Opsgenie's Alert API: while any alert of the group fires, a create with
 * the group's alias (Opsgenie de-duplicates by alias: a repeat counts on the open alert); when
 * none does, a close by alias. Opsgenie answers 202 (queued); 429 and 5xx are retried, every
 * other 4xx (a bad key, a payload Opsgenie refuses) is permanent, as `http-status.ts` decides.
 * @example
 * const genie = new OpsgenieChannel({ name: 'genie', apiKey: process.env.OPSGENIE_API_KEY!, url: OPSGENIE_API_URLS.eu, timeoutMs: 10_000 });
 * await genie.send(notification); // throws DeliveryError { retriable }
 */
export class OpsgenieChannel implements Channel {
  readonly type = 'opsgenie';
  readonly name: string;
  readonly timeoutMs: number;
  readonly source: string;
  readonly tags: readonly string[];
  // #private: neither logging nor inspecting the channel shows the key.
  readonly #apiKey: string;
  readonly #base: URL;

  constructor(options: OpsgenieChannelOptions) {
    this.name = options.name;
    this.timeoutMs = checkTimeout('opsgenie', options.name, options.timeoutMs);
    this.#base = channelUrl('opsgenie', options.name, options.url);
    if (!/^[\x21-\x7e]+$/.test(options.apiKey)) {
      // The key is not shown.
      throw new UserError(
        `opsgenie channel '${options.name}': apiKey must be printable ASCII without spaces (an Opsgenie API integration's key)`,
      );
    }
    this.#apiKey = options.apiKey;
    this.source = truncateText(options.source || 'driftwatch', OPSGENIE_LIMITS.source);
    this.tags = options.tags ?? [];
  }

  /** Posts the notification's create or close; resolves on 2xx (Opsgenie answers 202), else throws a DeliveryError. */
  async send(notification: Notification): Promise<void> {
    const request = opsgenieRequest(notification, {
      alias: alertGroupKey(this.name, notification.model),
      source: this.source,
      tags: this.tags,
    });
    const headers = new Headers({ authorization: `GenieKey ${this.#apiKey}` });
    await postJson({
      channel: this.name,
      url: new URL(`${this.#base.pathname.replace(/\/$/, '')}${request.path}`, this.#base),
      body: JSON.stringify(request.body),
      headers,
      timeoutMs: this.timeoutMs,
      secrets: [this.#apiKey],
    });
  }
}

/**
 * The request of a notification: a close by alias when nothing fires any more, else a create
 * whose message is the headline (cut to 130 characters), whose priority follows the worst firing
 * alert (see page-severity.ts and {@link OPSGENIE_PRIORITY}), with every alert in the description.
 */
export function opsgenieRequest(
  notification: Notification,
  options: { alias: string; source: string; tags?: readonly string[] },
): OpsgenieRequest {
  const headline = notificationHeadline(notification);
  const alias = truncateText(options.alias, OPSGENIE_LIMITS.alias);
  if (notification.status === 'resolved') {
    return {
      path: `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`,
      body: { source: options.source, note: truncateText(headline, OPSGENIE_LIMITS.note) },
    };
  }
  const groups = notificationGroups(notification);
  const firingKinds = [...new Set(groups.ordered.filter((a) => a.status === 'firing').map((a) => kindLabel(a.labels.kind)))];
  const dashboard = safeLink(notification.dashboardUrl);
  const severity = notificationPageSeverity(notification);
  return {
    path: '/v2/alerts',
    body: {
      message: truncateText(headline, OPSGENIE_LIMITS.message),
      alias,
      description: truncateText(description(notification, headline, dashboard), OPSGENIE_LIMITS.description),
      tags: opsgenieTags(['driftwatch', `model:${notification.model}`, ...firingKinds, ...(options.tags ?? [])]),
      details: opsgenieDetails({
        model: notification.model,
        state: groups.state,
        severity,
        window: formatWindow(notification.window.start, notification.window.end),
        rows: String(notification.window.rows),
        report: notification.reportId,
        delivery: notification.id,
        ...(dashboard ? { dashboard } : {}),
      }),
      entity: truncateText(notification.model, OPSGENIE_LIMITS.entity),
      source: options.source,
      priority: OPSGENIE_PRIORITY[severity],
    },
  };
}

/** Plain text (Opsgenie shows the description as written): the headline, the window, one line per alert, the dashboard. */
function description(notification: Notification, headline: string, dashboard: string | null): string {
  const groups = notificationGroups(notification);
  const change = alertChanges(groups);
  const line = (alert: Alert) => {
    const subject =
      alert.labels.feature === '*' ? kindLabel(alert.labels.kind) : `${alert.labels.feature} · ${kindLabel(alert.labels.kind)}`;
    const stats = alertStatPhrases(alert, notification);
    return `- ${subject} · ${alert.severity} · ${change(alert)}: ${alert.summary}${stats.length > 0 ? ` (${stats.join(' · ')})` : ''}`;
  };
  return [
    headline,
    `Window: ${formatWindow(notification.window.start, notification.window.end)}, ${formatCount(notification.window.rows)} rows; report ${notification.reportId || '(none)'}`,
    '',
    ...groups.ordered.map(line),
    ...(dashboard ? ['', `Dashboard: ${dashboard}`] : []),
  ].join('\n');
}

/** Distinct, non-empty tags of at most 50 characters, at most 20 of them (Opsgenie's limits). */
function opsgenieTags(tags: readonly string[]): string[] {
  const cut = tags.map((t) => truncateText(t.trim(), OPSGENIE_LIMITS.tag)).filter((t) => t !== '');
  return [...new Set(cut)].slice(0, OPSGENIE_LIMITS.tags);
}

/** The details map within 8,000 characters (keys and values): each value cut to a share of it. */
function opsgenieDetails(details: Record<string, string>): Record<string, string> {
  const entries = Object.entries(details);
  const share = Math.floor(OPSGENIE_LIMITS.details / Math.max(entries.length, 1)) - 20;
  return Object.fromEntries(entries.map(([k, v]) => [k, truncateText(v, share)]));
}
