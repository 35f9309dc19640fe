import type { Alert, AlertKind, Notification, Severity } from '../../contracts/alert.js';

/** PagerDuty's severities (PD-CEF), worst first; Opsgenie's priorities are mapped from them. */
export const PAGE_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PageSeverity = (typeof PAGE_SEVERITIES)[number];

/**
 * Kinds whose severity means something else to an on-call tool. A failing check (the monitor
 * itself is broken) and a critical ingest problem (over 10% of messages unusable) are `error`:
 * failures of the pipeline, not of the model's data. A window too small to check is `info`:
 * nothing is known to be wrong. Every other kind, and any kind added later, keeps its severity
 * (critical or warning), so a new kind needs no entry here.
 */
const KIND_SEVERITY: Partial<Record<AlertKind, Partial<Record<Severity, PageSeverity>>>> = {
  'check-failing': { critical: 'error', warning: 'error' },
  ingest: { critical: 'error' },
  'insufficient-data': { warning: 'info', critical: 'info' },
};

/** One alert's severity for a paging tool. @example pageSeverity({ labels: { model: 'm', feature: '*', kind: 'check-failing' }, severity: 'critical' }) // 'error' */
export function pageSeverity(alert: Pick<Alert, 'labels' | 'severity'>): PageSeverity {
  return KIND_SEVERITY[alert.labels.kind]?.[alert.severity] ?? alert.severity;
}

/**
 * A notification's severity for a paging tool: the worst of its firing alerts (of all its alerts
 * when none fires, for a message that only resolves).
 */
export function notificationPageSeverity(notification: Pick<Notification, 'alerts'>): PageSeverity {
  const firing = notification.alerts.filter((a) => a.status === 'firing');
  const ranks = (firing.length > 0 ? firing : notification.alerts).map((a) => PAGE_SEVERITIES.indexOf(pageSeverity(a)));
  return PAGE_SEVERITIES[Math.min(...ranks, PAGE_SEVERITIES.length - 1)] ?? 'info';
}
