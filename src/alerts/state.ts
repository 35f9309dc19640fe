import type { Database } from '../store/database.js';
import { TIMESTAMP_MS } from '../store/sql.js';
import type { GroupNotice, StoredAlert } from './engine.js';
import type { AlertKind, Severity } from '../contracts/alert.js';

const ts = (ms: number | null) => (ms === null ? null : Math.floor(ms));

/** The alerts of a model that are still firing, as stored. */
export async function loadFiring(db: Database, model: string): Promise<StoredAlert[]> {
  const rows = await db.rows(
    `SELECT fingerprint, feature, kind, severity, summary, stats, epoch_ms(starts_at) AS starts, epoch_ms(ends_at) AS ends
     FROM alert_state WHERE model = ? AND ends_at IS NULL`,
    [model],
  );
  return rows.map((r) => ({
    fingerprint: String(r.fingerprint),
    labels: { model, feature: String(r.feature), kind: String(r.kind) as AlertKind },
    severity: String(r.severity) as Severity,
    summary: String(r.summary),
    ...(r.stats ? { stats: JSON.parse(String(r.stats)) } : {}),
    startsAt: Number(r.starts),
    endsAt: r.ends === null ? null : Number(r.ends),
  }));
}

/** The model group's last notification, if any. */
export async function loadNotice(db: Database, model: string): Promise<GroupNotice | null> {
  const [row] = await db.rows(`SELECT epoch_ms(notified_at) AS at, firing FROM alert_groups WHERE model = ?`, [model]);
  return row ? { notifiedAt: Number(row.at), firing: JSON.parse(String(row.firing)) as string[] } : null;
}

/** Writes changed alerts (inside the caller's transaction). */
export async function saveAlerts(db: Database, alerts: readonly StoredAlert[], reportId: string): Promise<void> {
  for (const a of alerts) {
    await db.run(`DELETE FROM alert_state WHERE fingerprint = ?`, [a.fingerprint]);
    await db.run(`INSERT INTO alert_state VALUES (?, ?, ?, ?, ?, ?, ?, ${TIMESTAMP_MS}, ${TIMESTAMP_MS}, ?)`, [
      a.fingerprint,
      a.labels.model,
      a.labels.feature,
      a.labels.kind,
      a.severity,
      a.summary,
      a.stats ? JSON.stringify(a.stats) : null,
      ts(a.startsAt),
      ts(a.endsAt),
      reportId,
    ]);
  }
}

/** Records the group's notification (inside the caller's transaction). */
export async function saveNotice(db: Database, model: string, notice: GroupNotice): Promise<void> {
  await db.run(`DELETE FROM alert_groups WHERE model = ?`, [model]);
  await db.run(`INSERT INTO alert_groups VALUES (?, ${TIMESTAMP_MS}, ?)`, [model, ts(notice.notifiedAt), JSON.stringify(notice.firing)]);
}
