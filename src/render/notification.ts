import { ALERT_KIND_INFO, ALERT_KINDS, type Alert, type AlertKind, type Notification } from '../contracts/alert.js';
import type { FeatureReport } from '../contracts/report.js';
import { compareCodePoints, mainStatisticList, reportedStatistics, severityOf, statPhrase } from './view.js';

/**
 * What the alert email and the chat message both say of a notification: its headline (the email
 * subject and the Slack fallback text), its alerts in order, and each kind's name.
 */

/** How a notification reads at a glance: something new fires, some resolved while others fire, or all resolved. */
export type NotificationState = 'FIRING' | 'PARTLY RESOLVED' | 'RESOLVED';

/** The alerts of a notification by what changed: resolved, new, escalated, and still firing. */
export interface NotificationGroups {
  resolved: Alert[];
  new: Alert[];
  escalated: Alert[];
  /** Firing before and still firing, unchanged (or de-escalated). */
  ongoing: Alert[];
  /** All of them in that order (resolved, new, escalated, still firing): the order messages list them in. */
  ordered: Alert[];
  /**
   * FIRING when an alert is new or escalated (or, with nothing new, when only a repeat of firing
   * alerts is sent), PARTLY RESOLVED when alerts resolved while others keep firing, RESOLVED when
   * nothing fires any more.
   */
  state: NotificationState;
}

/**
 * Sorts a notification's alerts by what changed. Without `changes` (an older notification), every
 * firing alert counts as new.
 */
export function notificationGroups(notification: Notification): NotificationGroups {
  const alerts = orderAlerts(notification.alerts, notification.features);
  const fresh = new Set(notification.changes?.new ?? alerts.map((a) => a.fingerprint));
  const escalated = new Set(notification.changes?.escalated ?? []);
  const firing = alerts.filter((a) => a.status === 'firing');
  const resolved = alerts.filter((a) => a.status === 'resolved');
  const news = firing.filter((a) => fresh.has(a.fingerprint) && !escalated.has(a.fingerprint));
  const up = firing.filter((a) => escalated.has(a.fingerprint));
  const ongoing = firing.filter((a) => !fresh.has(a.fingerprint) && !escalated.has(a.fingerprint));
  const state: NotificationState =
    firing.length === 0 ? 'RESOLVED' : resolved.length > 0 && news.length + up.length === 0 ? 'PARTLY RESOLVED' : 'FIRING';
  return { resolved, new: news, escalated: up, ongoing, ordered: [...resolved, ...news, ...up, ...ongoing], state };
}

/**
 * The subject without its `[driftwatch]` prefix; also the fallback text of Slack messages. It
 * leads with what changed. One kind of news: the number of firing drift alerts and up to three
 * feature names, worst first (without drift alerts, the other kinds with their features), or the
 * number resolved. Several: each part named, resolved first, then new, escalated, still firing.
 * @example notificationHeadline(n) // 'FIRING fraud: 3 drifted (amount, country, age)'
 * @example notificationHeadline(n) // 'PARTLY RESOLVED fraud: 5 resolved (amount, age, tip, …); still firing: schema (colour)'
 */
export function notificationHeadline(notification: Notification): string {
  const model = oneLine(notification.model);
  const g = notificationGroups(notification);
  const { state } = g;
  const resolved = g.resolved.length > 0 ? `${g.resolved.length} resolved${nameList(g.resolved.map(alertName))}` : '';
  const firingGroups = [g.new, g.escalated, g.ongoing].filter((x) => x.length > 0);
  if (state === 'RESOLVED') return `RESOLVED ${model}: ${resolved || 'no alerts'}`;
  if (!resolved && firingGroups.length <= 1) return `FIRING ${model}: ${describeFiring(firingGroups[0] ?? [], '; ')}`;
  const parts = [
    resolved,
    g.new.length > 0 ? `new: ${describeFiring(g.new)}` : '',
    g.escalated.length > 0 ? `escalated: ${describeFiring(g.escalated)}` : '',
    g.ongoing.length > 0 ? `still firing: ${describeFiring(g.ongoing)}` : '',
  ].filter(Boolean);
  // With news, the news comes first; with only resolutions, they do.
  if (state === 'FIRING' && resolved) parts.push(parts.shift()!);
  return `${state} ${model}: ${parts.join('; ')}`;
}

/** "3 drifted (a, b, c)", or without drift alerts the kinds with their features: "schema (age, colour)". */
function describeFiring(firing: readonly Alert[], separator = ', '): string {
  const drifted = firing.filter((a) => a.labels.kind === 'drift');
  if (drifted.length > 0) {
    // The model's output drifting beside its inputs is the news a subject must not drop.
    const predicted = firing.filter((a) => a.labels.kind === 'prediction_drift');
    const prediction =
      predicted.length > 0 ? `${separator}${kindLabel('prediction_drift')}${nameList(predicted.map((a) => a.labels.feature))}` : '';
    // So is a drop of the model's performance.
    const performance = firing.some((a) => a.labels.kind === 'performance_drop') ? `${separator}${kindLabel('performance_drop')}` : '';
    return `${drifted.length} drifted${nameList(drifted.map((a) => a.labels.feature))}${prediction}${performance}`;
  }
  const parts = ALERT_KINDS.flatMap((kind) => {
    const ofKind = firing.filter((a) => a.labels.kind === kind);
    if (ofKind.length === 0) return [];
    const features = ofKind.map((a) => a.labels.feature).filter((f) => f !== '*');
    return [`${kindLabel(kind)}${nameList(features)}`];
  });
  return parts.length > 0 ? parts.join(separator) : 'no alerts';
}

/** How people read an alert kind: `insufficient data` for `insufficient-data`. */
export function kindLabel(kind: AlertKind): string {
  return ALERT_KIND_INFO[kind].label;
}

/** What an alert is about: its feature, or its kind for an alert about the whole model (`*`). */
export function alertName(alert: Alert): string {
  return alert.labels.feature === '*' ? kindLabel(alert.labels.kind) : alert.labels.feature;
}

/** Critical before warning, then worst feature first (its report's severity), then by name. */
export function orderAlerts(alerts: readonly Alert[], features: readonly FeatureReport[]): Alert[] {
  const severities = new Map(features.map((f) => [f.name, severityOf(f)]));
  const rank = (a: Alert) => (a.severity === 'critical' ? 0 : 1);
  return [...alerts].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (severities.get(b.labels.feature) ?? 0) - (severities.get(a.labels.feature) ?? 0) ||
      compareCodePoints(a.labels.feature, b.labels.feature),
  );
}

/** What a message says of an alert that the previous message of its group did not. */
export type AlertChange = 'new' | 'escalated' | 'still firing' | 'resolved';

/**
 * Each alert's {@link AlertChange}, as the email, chat and paging messages tag them.
 * @example const change = alertChanges(notificationGroups(n)); change(n.alerts[0]) // 'new'
 */
export function alertChanges(groups: NotificationGroups): (alert: Alert) => AlertChange {
  const tags = new Map<string, AlertChange>();
  for (const a of groups.ongoing) tags.set(a.fingerprint, 'still firing');
  for (const a of groups.escalated) tags.set(a.fingerprint, 'escalated');
  for (const a of groups.new) tags.set(a.fingerprint, 'new');
  for (const a of groups.resolved) tags.set(a.fingerprint, 'resolved');
  return (alert) => tags.get(alert.fingerprint) ?? (alert.status === 'resolved' ? 'resolved' : 'still firing');
}

/**
 * The report of an alert's feature, when the notification carries it (never for alerts about the
 * whole model); for a `prediction_drift` alert, the prediction's most severe output.
 */
export function alertFeature(alert: Alert, notification: Pick<Notification, 'features' | 'prediction'>): FeatureReport | undefined {
  if (alert.labels.feature === '*') return undefined;
  if (alert.labels.kind === 'prediction_drift') {
    const outputs = notification.prediction?.column === alert.labels.feature ? notification.prediction.outputs : [];
    return [...outputs].sort((a, b) => b.severity - a.severity)[0];
  }
  return notification.features.find((f) => f.name === alert.labels.feature);
}

/**
 * The statistics of an alert's line, as phrases (`psi 0.31`, `ks 0.2 (p 2e-9)`): the feature's
 * main statistics (the test its decision used, the size that decided, PSI) when the notification
 * carries the feature's report; otherwise the statistics the alert holds, as the report names them
 * (without the decision there is no telling which test decided).
 */
export function alertStatPhrases(alert: Alert, notification: Pick<Notification, 'features' | 'prediction'>): string[] {
  const feature = alertFeature(alert, notification);
  if (feature) return mainStatisticList(feature).map((s) => statPhrase(s));
  return reportedStatistics(alert.stats ?? {}).map((s) => statPhrase(s, s.name));
}

const HEADLINE_NAMES = 3;

/** " (a, b, c, …)": up to three distinct names, or nothing when there are none. */
function nameList(names: readonly string[]): string {
  const distinct = [...new Set(names)];
  if (distinct.length === 0) return '';
  const shown = distinct.slice(0, HEADLINE_NAMES).map(oneLine);
  return ` (${shown.join(', ')}${distinct.length > HEADLINE_NAMES ? ', …' : ''})`;
}

// A header holds one line: line breaks and other control characters from a feature name become spaces.
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}
