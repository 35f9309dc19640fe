import { randomUUID } from 'node:crypto';
import type { LiveReport } from '../contracts/report.js';
import type { AlertsConfig, RouteConfig } from '../config/schema.js';
import { type Evaluation, toAlert } from './engine.js';
import type { Alert, Notification } from '../contracts/alert.js';

/** The dashboard page of a model, when the dashboard's URL is configured. */
export function modelDashboardUrl(alerts: Pick<AlertsConfig, 'dashboardUrl'>, model: string): string | null {
  return alerts.dashboardUrl ? `${alerts.dashboardUrl.replace(/\/$/, '')}/models/${encodeURIComponent(model)}` : null;
}

/** True when a route takes an alert (model, severity, kind). */
export function routeMatches(route: RouteConfig, alert: Alert): boolean {
  return (
    (route.models.includes('*') || route.models.includes(alert.labels.model)) &&
    route.severities.includes(alert.severity) &&
    route.kinds.includes(alert.labels.kind)
  );
}

/**
 * What a notification tells of the check behind it: a stored report, or (for a check that failed)
 * the model's newest report id, the time span of the failures and no features.
 */
export interface NotificationSource {
  id: string;
  model: string;
  window: Pick<LiveReport['window'], 'start' | 'end' | 'rows'>;
  features: LiveReport['features'];
  schema: LiveReport['schema'];
  prediction?: LiveReport['prediction'];
}

/**
 * The notifications of one check: per channel, one message grouping every alert its routes take
 * (firing and just resolved). A channel no route gives an alert to gets nothing.
 */
export function buildNotifications(
  evaluation: Evaluation,
  report: NotificationSource,
  alerts: AlertsConfig,
  now: number,
  silenced: ReadonlySet<string> = new Set(),
): { channel: string; notification: Notification }[] {
  if (!evaluation.notice) return [];
  // A silenced alert keeps its state (it still fires and resolves) but is left out of messages.
  // Alerts held over from an earlier check (drift after an insufficient window) are not restated:
  // this check has nothing to say about them.
  const held = new Set(evaluation.held.map((a) => a.fingerprint));
  const all = [...evaluation.firing.filter((a) => !held.has(a.fingerprint)), ...evaluation.resolved]
    .filter((a) => !silenced.has(a.fingerprint))
    .map(toAlert);
  const out: { channel: string; notification: Notification }[] = [];
  for (const channel of alerts.channels) {
    const routes = alerts.routes.filter((r) => r.channels.includes(channel.name));
    const mine = all.filter((a) => routes.some((r) => routeMatches(r, a)));
    if (mine.length === 0) continue;
    // Whether anything is due was decided once for the group (`evaluation.notice`); each channel
    // then gets the whole group as its routes see it, as Alertmanager sends a group.
    const names = new Set(mine.map((a) => a.labels.feature));
    const features = report.features.filter((f) => names.has(f.name));
    const firing = mine.some((a) => a.status === 'firing');
    const ids = new Set(mine.map((a) => a.fingerprint));
    out.push({
      channel: channel.name,
      notification: {
        id: randomUUID(),
        version: 1,
        status: firing ? 'firing' : 'resolved',
        model: report.model,
        // Renderers order them by what changed (render/notification.ts: notificationGroups).
        alerts: mine,
        window: { start: report.window.start, end: report.window.end, rows: report.window.rows },
        reportId: report.id,
        dashboardUrl: modelDashboardUrl(alerts, report.model),
        features,
        schema: report.schema,
        ...(report.prediction && mine.some((a) => a.labels.kind === 'prediction_drift') ? { prediction: report.prediction } : {}),
        changes: {
          new: evaluation.changes.new.filter((fp) => ids.has(fp)),
          escalated: evaluation.changes.escalated.filter((fp) => ids.has(fp)),
          resolved: mine.filter((a) => a.status === 'resolved').map((a) => a.fingerprint),
        },
        createdAt: new Date(now).toISOString(),
      },
    });
  }
  return out;
}
