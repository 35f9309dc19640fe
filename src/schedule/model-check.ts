import type { BaselineProfile } from '../contracts/profile.js';
import { alertsFromReport, evaluate, evaluatedKinds, type Evaluation } from '../alerts/engine.js';
import { enqueue } from '../alerts/outbox.js';
import { buildNotifications } from '../alerts/routing.js';
import { activeSilences } from '../api/silences.js';
import { loadFiring, loadNotice, saveAlerts, saveNotice } from '../alerts/state.js';
import type { Notification } from '../contracts/alert.js';
import type { LiveReport } from '../contracts/report.js';
import { runLiveCheck, storeReport } from '../checks/live.js';
import type { AlertsConfig, ModelConfig, WindowSpecValue } from '../config/schema.js';
import type { Database } from '../store/database.js';

/** What one check of a model did. */
export interface ModelCheckResult {
  report: LiveReport;
  /** Present when alerts were evaluated (`notify`). */
  evaluation?: Evaluation;
  /** The notifications stored in the outbox, one per channel. */
  queued: { channel: string; notification: Notification }[];
}

/**
 * One check of a model's live window: the report is stored; with `notify`, the alerts are
 * evaluated and the notifications due are stored in the outbox, all in one transaction with the
 * report and the alert state, so a crash cannot send twice or forget. Delivery is the outbox's job.
 */
export async function checkModel(
  db: Database,
  model: ModelConfig,
  profile: BaselineProfile,
  alerts: AlertsConfig,
  options: { window?: WindowSpecValue; notify: boolean; now?: number },
): Promise<ModelCheckResult> {
  const report = await runLiveCheck(db, model, profile, {
    ...(options.window ? { window: options.window } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const now = options.now ?? Date.now();
  if (!options.notify) {
    await storeReport(db, report);
    return { report, queued: [] };
  }
  const evaluation = evaluate(
    await loadFiring(db, model.name),
    alertsFromReport(report, alerts),
    evaluatedKinds(report),
    await loadNotice(db, model.name),
    alerts.repeatInterval,
    now,
  );
  const silenced = new Set((await activeSilences(db, now)).keys());
  const queued = buildNotifications(evaluation, report, alerts, now, silenced);
  await db.run('BEGIN TRANSACTION');
  try {
    await storeReport(db, report);
    await saveAlerts(db, evaluation.changed, report.id);
    if (evaluation.notice) await saveNotice(db, model.name, evaluation.notice);
    for (const { channel, notification } of queued) {
      await enqueue(db, { id: notification.id, channel, model: model.name, kind: 'alert', payload: notification }, now);
    }
    await db.run('COMMIT');
  } catch (error) {
    await db.run('ROLLBACK').catch(() => {});
    throw error;
  }
  return { report, evaluation, queued };
}
