import { hostname } from 'node:os';
import { UserError } from '../../../errors.js';
import type { Alert, Notification } from '../../../contracts/alert.js';
import { truncateText } from '../../../render/format.js';
import { safeLink } from '../../../render/links.js';
import {
  type AlertChange,
  alertChanges,
  alertStatPhrases,
  kindLabel,
  notificationGroups,
  notificationHeadline,
} from '../../../render/notification.js';
import type { Channel } from '../../types.js';
import { alertGroupKey } from '../group-key.js';
import { channelUrl, checkTimeout, postJson } from '../http-post.js';
import { notificationPageSeverity, type PageSeverity } from '../page-severity.js';

/** PagerDuty's Events API v2 endpoint (the EU service region uses https://events.eu.pagerduty.com/v2/enqueue). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * PagerDuty's documented limits (developer.pagerduty.com, "Send an Alert Event"): `summary` at
 * most 1024 characters, `dedup_key` at most 255, a whole event at most 512 KB. Routing keys are
 * 32 characters. custom_details lists at most {@link PAGERDUTY_MAX_DETAIL_ALERTS} alerts (and how
 * many more), each summary cut to {@link PAGERDUTY_MAX_DETAIL_CHARS}, far below the 512 KB.
 */
export const PAGERDUTY_MAX_SUMMARY = 1024;
export const PAGERDUTY_ROUTING_KEY_LENGTH = 32;
export const PAGERDUTY_MAX_DETAIL_ALERTS = 50;
export const PAGERDUTY_MAX_DETAIL_CHARS = 500;

/** Options of {@link PagerDutyChannel}, as the `alerts.channels[]` config gives them (the key already taken from the environment). */
export interface PagerDutyChannelOptions {
  name: string;
  /** The Events API v2 integration key of a service (or a ruleset): 32 characters. Never shown. */
  routingKey: string;
  /** Default {@link PAGERDUTY_EVENTS_URL}; another for the EU region, a proxy or a test receiver. */
  url?: string;
  /** `payload.source`: where the problem was seen. Default: this host's name. */
  source?: string;
  timeoutMs: number;
}

/** One alert as `custom_details.alerts` lists it. */
export interface PagerDutyDetailAlert {
  feature: string;
  kind: string;
  severity: string;
  status: 'firing' | 'resolved';
  /** What this event says of it that the previous one did not. */
  change: AlertChange;
  summary: string;
  statistics: string;
}

/** A trigger event (Events API v2). */
export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PageSeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: {
      state: string;
      model: string;
      window: { start: string; end: string; rows: number };
      report_id: string;
      delivery_id: string;
      dashboard: string | null;
      alerts: PagerDutyDetailAlert[];
      more_alerts: number;
    };
  };
  client: 'driftwatch';
  client_url?: string;
  links: { href: string; text: string }[];
}

/** A resolve event: the routing key and dedup_key of the trigger are all PagerDuty reads. */
export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTrigger | PagerDutyResolve;

/**
 * Sends notifications to PagerDuty's Events API v2: a `trigger` while any alert of the group fires
 * (repeats and changes update the open alert: same `dedup_key`), a `resolve` when none does.
 * One POST per notification; the outbox retries. PagerDuty's rules: 202 accepted, 400 permanent
 * (the event is invalid), 429 and 5xx retried with back-off, as `http-status.ts` decides.
 * @example
 * const pager = new PagerDutyChannel({ name: 'pager', routingKey: process.env.PAGERDUTY_ROUTING_KEY!, timeoutMs: 10_000 });
 * await pager.send(notification); // throws DeliveryError { retriable }
 */
export class PagerDutyChannel implements Channel {
  readonly type = 'pagerduty';
  readonly name: string;
  readonly timeoutMs: number;
  readonly source: string;
  // #private: neither logging nor inspecting the channel shows the key.
  readonly #routingKey: string;
  readonly #url: URL;

  constructor(options: PagerDutyChannelOptions) {
    this.name = options.name;
    this.timeoutMs = checkTimeout('pagerduty', options.name, options.timeoutMs);
    this.#url = channelUrl('pagerduty', options.name, options.url ?? PAGERDUTY_EVENTS_URL);
    if (options.routingKey.length !== PAGERDUTY_ROUTING_KEY_LENGTH) {
      // The key is not shown: only its length.
      throw new UserError(
        `pagerduty channel '${options.name}': routingKey must be the ${PAGERDUTY_ROUTING_KEY_LENGTH}-character integration key, got ${options.routingKey.length} characters`,
      );
    }
    this.#routingKey = options.routingKey;
    this.source = options.source || hostname();
  }

  /** Posts the notification's event; resolves on 2xx (PagerDuty answers 202), else throws a DeliveryError. */
  async send(notification: Notification): Promise<void> {
    const event = pagerDutyEvent(notification, {
      routingKey: this.#routingKey,
      dedupKey: alertGroupKey(this.name, notification.model),
      source: this.source,
    });
    await postJson({
      channel: this.name,
      url: this.#url,
      body: JSON.stringify(event),
      timeoutMs: this.timeoutMs,
      secrets: [this.#routingKey],
    });
  }
}

/**
 * The Events API v2 event of a notification: `resolve` when nothing fires any more, else a
 * `trigger` whose summary is the notification's headline (cut to 1024 characters), whose severity
 * is the worst firing alert's (see page-severity.ts), with the alerts in `custom_details` and the
 * dashboard in `links`.
 */
export function pagerDutyEvent(notification: Notification, keys: { routingKey: string; dedupKey: string; source: string }): PagerDutyEvent {
  if (notification.status === 'resolved') return { routing_key: keys.routingKey, event_action: 'resolve', dedup_key: keys.dedupKey };
  const groups = notificationGroups(notification);
  const change = alertChanges(groups);
  const detail = (alert: Alert): PagerDutyDetailAlert => ({
    feature: truncateText(alert.labels.feature, PAGERDUTY_MAX_DETAIL_CHARS),
    kind: alert.labels.kind,
    severity: alert.severity,
    status: alert.status,
    change: change(alert),
    summary: truncateText(alert.summary, PAGERDUTY_MAX_DETAIL_CHARS),
    statistics: alertStatPhrases(alert, notification).join(' · '),
  });
  const shown = groups.ordered.slice(0, PAGERDUTY_MAX_DETAIL_ALERTS);
  const firingKinds = [...new Set(groups.ordered.filter((a) => a.status === 'firing').map((a) => kindLabel(a.labels.kind)))];
  const dashboard = safeLink(notification.dashboardUrl);
  return {
    routing_key: keys.routingKey,
    event_action: 'trigger',
    dedup_key: keys.dedupKey,
    payload: {
      summary: truncateText(`[driftwatch] ${notificationHeadline(notification)}`, PAGERDUTY_MAX_SUMMARY),
      source: keys.source,
      severity: notificationPageSeverity(notification),
      timestamp: notification.createdAt,
      component: notification.model,
      group: 'driftwatch',
      class: firingKinds.join(', '),
      custom_details: {
        state: groups.state,
        model: notification.model,
        window: { start: notification.window.start, end: notification.window.end, rows: notification.window.rows },
        report_id: notification.reportId,
        delivery_id: notification.id,
        dashboard,
        alerts: shown.map(detail),
        more_alerts: groups.ordered.length - shown.length,
      },
    },
    client: 'driftwatch',
    ...(dashboard ? { client_url: dashboard } : {}),
    links: dashboard ? [{ href: dashboard, text: `driftwatch: ${truncateText(notification.model, 200)}` }] : [],
  };
}
