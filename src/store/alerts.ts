import type { AlertKind, GroupNotice, Severity, StoredAlert } from '../contracts/alert.js';
import type { Database, Row } from './database.js';
import { inPeriod, isoFromMs, type Period, periodValues, TIMESTAMP_MS } from './sql.js';

/**
 * The alert engine's state (Alertmanager's model): `alert_state`, one row per alert ever seen by
 * fingerprint, resolved derived from `ends_at`; `alert_groups`, when each model's group was last
 * notified and with which firing alerts; `silences`, alerts whose notifications are held until a
 * time (the alert keeps firing and resolving as checks find: a silence mutes, it does not resolve).
 */

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

// --- silences ----------------------------------------------------------------------------------

/** Silences an alert until `untilMs` (replacing an earlier silence of it). */
export async function silence(db: Database, fingerprint: string, untilMs: number): Promise<void> {
  await db.run(`INSERT OR REPLACE INTO silences VALUES (?, ${TIMESTAMP_MS})`, [fingerprint, Math.round(untilMs)]);
}

/** Removes an alert's silence; true when there was one. */
export async function unsilence(db: Database, fingerprint: string): Promise<boolean> {
  const rows = await db.rows(`DELETE FROM silences WHERE fingerprint = ? RETURNING fingerprint`, [fingerprint]);
  return rows.length > 0;
}

/**
 * The silences in force at `now`: fingerprint -> until (epoch ms). A fingerprint in this map is
 * not notified.
 * @example const muted = await activeSilences(db, Date.now()); firing.filter((a) => !muted.has(a.fingerprint))
 */
export async function activeSilences(db: Database, now: number): Promise<Map<string, number>> {
  const rows = await db.rows(`SELECT fingerprint, epoch_ms("until") AS until_ms FROM silences WHERE "until" > ${TIMESTAMP_MS}`, [
    Math.floor(now),
  ]);
  return new Map(rows.map((r) => [String(r.fingerprint), Number(r.until_ms)]));
}

// --- questions of the API, the metrics and the digest -----------------------------------------

/** True when an alert of this fingerprint was ever seen. */
export async function alertExists(db: Database, fingerprint: string): Promise<boolean> {
  const rows = await db.rows(`SELECT 1 AS one FROM alert_state WHERE fingerprint = ?`, [fingerprint]);
  return rows.length > 0;
}

/** Firing alerts per model (silenced ones included). */
export async function firingCounts(db: Database): Promise<Map<string, number>> {
  const rows = await db.rows(`SELECT model, count(*)::INTEGER AS n FROM alert_state WHERE ends_at IS NULL GROUP BY model`);
  return new Map(rows.map((r) => [String(r.model), Number(r.n)]));
}

/** An alert as the API lists it: its state, the check that last changed it, and its silence. */
export interface AlertRecord {
  fingerprint: string;
  model: string;
  feature: string;
  kind: AlertKind;
  severity: Severity;
  /** Derived from `endsAt`. */
  status: 'firing' | 'resolved';
  summary: string;
  stats: Record<string, unknown> | null;
  startsAt: string;
  endsAt: string | null;
  lastReport: string | null;
  /** Epoch ms the alert is silenced until (a past time when the silence has ended), or null. */
  silencedUntil: number | null;
}

/** Filter and page of {@link listAlerts}. */
export interface AlertFilter {
  status?: 'firing' | 'resolved' | undefined;
  model?: string | undefined;
  limit: number;
  offset: number;
}

function alertRecord(r: Row): AlertRecord {
  return {
    fingerprint: String(r.fingerprint),
    model: String(r.model),
    feature: String(r.feature),
    kind: String(r.kind) as AlertKind,
    severity: String(r.severity) as Severity,
    status: r.ends === null ? 'firing' : 'resolved',
    summary: String(r.summary),
    stats: r.stats ? (JSON.parse(String(r.stats)) as Record<string, unknown>) : null,
    startsAt: isoFromMs(r.starts)!,
    endsAt: isoFromMs(r.ends),
    lastReport: r.last_report === null ? null : String(r.last_report),
    silencedUntil: r.silenced_until === null || r.silenced_until === undefined ? null : Number(r.silenced_until),
  };
}

/** Alerts, firing first then newest first, with their silences and the total that matches the filter. */
export async function listAlerts(db: Database, filter: AlertFilter): Promise<{ total: number; items: AlertRecord[] }> {
  const where: string[] = [];
  const values: (string | number)[] = [];
  if (filter.status === 'firing') where.push('a.ends_at IS NULL');
  if (filter.status === 'resolved') where.push('a.ends_at IS NOT NULL');
  if (filter.model !== undefined) {
    where.push('a.model = ?');
    values.push(filter.model);
  }
  const condition = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = Number((await db.row(`SELECT count(*)::BIGINT AS n FROM alert_state a ${condition}`, values)).n);
  const rows = await db.rows(
    `SELECT a.fingerprint, a.model, a.feature, a.kind, a.severity, a.summary, a.stats, epoch_ms(a.starts_at) AS starts,
            epoch_ms(a.ends_at) AS ends, a.last_report, epoch_ms(s."until") AS silenced_until
     FROM alert_state a LEFT JOIN silences s ON s.fingerprint = a.fingerprint
     ${condition}
     ORDER BY a.ends_at IS NULL DESC, a.starts_at DESC, a.fingerprint LIMIT ? OFFSET ?`,
    [...values, filter.limit, filter.offset],
  );
  return { total, items: rows.map(alertRecord) };
}

/** The model's alerts that started, and those that resolved, in a period (oldest first). */
export async function alertChangesInPeriod(
  db: Database,
  model: string,
  period: Period,
): Promise<{
  fired: { feature: string; kind: string; severity: string; at: number }[];
  resolved: { feature: string; kind: string; at: number }[];
}> {
  const bounds = periodValues(period);
  const fired = await db.rows(
    `SELECT feature, kind, severity, epoch_ms(starts_at) AS at FROM alert_state
     WHERE model = ? AND ${inPeriod('starts_at')} ORDER BY starts_at, feature, kind`,
    [model, ...bounds],
  );
  const resolved = await db.rows(
    `SELECT feature, kind, epoch_ms(ends_at) AS at FROM alert_state
     WHERE model = ? AND ${inPeriod('ends_at')} ORDER BY ends_at, feature, kind`,
    [model, ...bounds],
  );
  return {
    fired: fired.map((r) => ({ feature: String(r.feature), kind: String(r.kind), severity: String(r.severity), at: Number(r.at) })),
    resolved: resolved.map((r) => ({ feature: String(r.feature), kind: String(r.kind), at: Number(r.at) })),
  };
}
