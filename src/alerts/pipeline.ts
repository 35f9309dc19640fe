import type { AlertsConfig, ModelConfig, WindowSpecValue } from '../config/schema.js';
import type { Notification } from '../contracts/alert.js';
import type { BaselineProfile } from '../contracts/profile.js';
import type { CheckTrigger, LiveReport } from '../contracts/report.js';
import { runLiveCheck } from '../checks/live.js';
import { activeSilences, loadFiring, loadNotice, saveAlerts, saveNotice } from '../store/alerts.js';
import type { Database } from '../store/database.js';
import { enqueue, markSuperseded, outboxLock, retryingAlertNotifications } from '../store/outbox.js';
import { insertReport } from '../store/reports.js';
import { alertsFromReport, clearanceFromReport, type Evaluation, evaluate, evaluatedKinds } from './engine.js';
import { buildNotifications } from './routing.js';
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
  const silenced = new Set((await activeSilences(db, now)).keys());
  const queued: ModelCheckResult['queued'] = [];
  // Behind the outbox's lock: the delivery pass never updates an entry this transaction supersedes.
  await outboxLock(db).run(() =>
    db.transaction(async () => {
      await insertReport(db, report);
      await saveAlerts(db, evaluation.changed, report.id);
      if (evaluation.notice) await saveNotice(db, model.name, evaluation.notice);
      for (const { channel, notification } of buildNotifications(evaluation, report, alerts, now, silenced)) {
        // A notification of the group waiting for a retry on this channel (its receiver is down)
        // is replaced by this one, which carries its news: the inbox ends on the newest state.
        const waiting = await retryingAlertNotifications(db, model.name, channel);
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
        await enqueue(db, { id: payload.id, channel, model: model.name, kind: 'alert', payload }, now);
        queued.push({ channel, notification: payload });
      }
    }),
  );
  return { report, evaluation, queued };
}
