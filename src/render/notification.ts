import { ALERT_KIND_INFO, ALERT_KINDS, type Alert, type AlertKind, type Notification } from '../contracts/alert.js';
import type { FeatureReport } from '../contracts/report.js';
import { compareCodePoints, severityOf } from './view.js';

/**
 * What the alert email and the chat message both say of a notification: its headline (the email
 * subject and the Slack fallback text), its alerts in order, and each kind's name.
 */

/**
 * The subject without its `[driftwatch]` prefix; also the fallback text of Slack messages.
 * Firing: the number of firing drift alerts and up to three feature names, worst first; without
 * drift alerts, the other kinds with their features. Resolved: the number of resolved alerts.
 * @example notificationHeadline(n) // 'FIRING fraud: 3 drifted (amount, country, age)'
 */
export function notificationHeadline(notification: Notification): string {
  const model = oneLine(notification.model);
  const alerts = orderAlerts(notification.alerts, notification.features);
  if (notification.status === 'resolved') {
    const resolved = alerts.filter((a) => a.status === 'resolved');
    return `RESOLVED ${model}: ${resolved.length} resolved${nameList(resolved.map(alertName))}`;
  }
  const firing = alerts.filter((a) => a.status === 'firing');
  const drifted = firing.filter((a) => a.labels.kind === 'drift');
  if (drifted.length > 0) {
    return `FIRING ${model}: ${drifted.length} drifted${nameList(drifted.map((a) => a.labels.feature))}`;
  }
  const parts = ALERT_KINDS.flatMap((kind) => {
    const ofKind = firing.filter((a) => a.labels.kind === kind);
    if (ofKind.length === 0) return [];
    const features = ofKind.map((a) => a.labels.feature).filter((f) => f !== '*');
    return [`${kindLabel(kind)}${nameList(features)}`];
  });
  return `FIRING ${model}: ${parts.length > 0 ? parts.join('; ') : 'no alerts'}`;
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
