import type { AlertsConfig, ModelConfig, WindowSpecValue } from '../config/schema.js';
import type { Notification } from '../contracts/alert.js';
import type { CheckFailures } from '../contracts/check-health.js';
import type { BaselineProfile } from '../contracts/profile.js';
import type { CheckTrigger, LiveReport } from '../contracts/report.js';
import { runLiveCheck } from '../checks/live.js';
import { activeSilences, loadFiring, loadNotice, saveAlerts, saveNotice } from '../store/alerts.js';
import type { Database } from '../store/database.js';
import { enqueue, markSuperseded, outboxLock, retryingAlertNotifications } from '../store/outbox.js';
import { insertReport, latestReportId } from '../store/reports.js';
import { alertsFromReport, checkFailingAlert, clearanceFromReport, type Evaluation, evaluate, evaluatedKinds } from './engine.js';
import { buildNotifications, type NotificationSource } from './routing.js';
import { supersede } from './supersede.js';

/** What one check of a model did. */
export interface ModelCheckResult {
  report: LiveReport;
  /** Present when alerts were evaluated (`notify`). */
  evaluation?: Evaluation;
  /** The notifications stored in the outbox, one per channel. */
  queued: { channel: string; notification: Notification }[];
}

/**
 * The notification pipeline of one check (Alertmanager's stages): the check's report, the alerts
 * it finds, their evaluation against the stored state (new, still firing, resolved; whether the
 * group is due), silences, routing to channels, and the outbox. The report, the alert state and
 * the notifications are stored in **one transaction**, so a crash can neither send twice nor
 * forget. Delivery is the outbox's job (`delivery.ts`). Without `notify`, only the report is stored.
 */
export async function checkModel(
  db: Database,
  model: ModelConfig,
  profile: BaselineProfile,
  alerts: AlertsConfig,
  options: { window?: WindowSpecValue; notify: boolean; now?: number; trigger?: CheckTrigger },
): Promise<ModelCheckResult> {
  const report = await runLiveCheck(db, model, profile, {
    ...(options.window ? { window: options.window } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.trigger ? { trigger: options.trigger } : {}),
  });
  const now = options.now ?? Date.now();
  if (!options.notify) {
    await insertReport(db, report);
    return { report, queued: [] };
  }
  const previous = await loadFiring(db, model.name);
  const evaluation = evaluate(
    previous,
    alertsFromReport(report, alerts, previous),
    evaluatedKinds(report),
    await loadNotice(db, model.name),
    alerts.repeatInterval,
    now,
    clearanceFromReport(report),
  );
  const queued = await storeEvaluation(db, evaluation, report, alerts, now, () => insertReport(db, report));
  return { report, evaluation, queued };
}

/**
 * The notification pipeline of a check that failed (a corrupt block, a query error): the model's
 * `check-failing` alert, once `failures.count` reaches `alerts.checkFailingAfter`, evaluated and
 * queued as a check's alerts are (one transaction, silences, routes, the outbox). It speaks only
 * of itself: the model's other alerts stay as they were. The next check that succeeds resolves it.
 * Returns the notifications queued (none below the threshold).
 */
export async function checkFailed(
  db: Database,
  model: ModelConfig,
  alerts: AlertsConfig,
  failures: CheckFailures,
  now: number,
): Promise<ModelCheckResult['queued']> {
  const found = checkFailingAlert(failures, alerts.checkFailingAfter);
  if (found.length === 0) return [];
  const evaluation = evaluate(
    await loadFiring(db, model.name),
    found,
    ['check-failing'],
    await loadNotice(db, model.name),
    alerts.repeatInterval,
    now,
  );
  const source: NotificationSource = {
    id: (await latestReportId(db, model.name)) ?? '',
    model: model.name,
    window: { start: new Date(failures.since).toISOString(), end: new Date(failures.last).toISOString(), rows: 0 },
    features: [],
    schema: { missing: [], unexpected: [], anomalies: [] },
  };
  return storeEvaluation(db, evaluation, source, alerts, now);
}

/**
 * Stores an evaluation in one transaction: `first` (the check's report), the changed alerts, the
 * group's notice and, per channel, its notification in the outbox. Returns what was queued.
 */
async function storeEvaluation(
  db: Database,
  evaluation: Evaluation,
  source: NotificationSource,
  alerts: AlertsConfig,
  now: number,
  first?: () => Promise<void>,
): Promise<ModelCheckResult['queued']> {
  const model = source.model;
  const silenced = new Set((await activeSilences(db, now)).keys());
  const queued: ModelCheckResult['queued'] = [];
  // Behind the outbox's lock: the delivery pass never updates an entry this transaction supersedes.
  await outboxLock(db).run(() =>
    db.transaction(async () => {
      await first?.();
      await saveAlerts(db, evaluation.changed, source.id);
      if (evaluation.notice) await saveNotice(db, model, evaluation.notice);
      for (const { channel, notification } of buildNotifications(evaluation, source, alerts, now, silenced)) {
        // A notification of the group waiting for a retry on this channel (its receiver is down)
        // is replaced by this one, which carries its news: the inbox ends on the newest state.
        const waiting = await retryingAlertNotifications(db, model, channel);
        const payload = supersede(
          waiting.map((w) => w.payload),
          notification,
        );
        if (waiting.length > 0)
          await markSuperseded(
            db,
            waiting.map((w) => w.id),
            payload.id,
          );
        await enqueue(db, { id: payload.id, channel, model, kind: 'alert', payload }, now);
        queued.push({ channel, notification: payload });
      }
    }),
  );
  return queued;
}
