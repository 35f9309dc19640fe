import type { Database } from '../store/database.js';
import { TIMESTAMP_MS } from '../store/sql.js';

/**
 * Silences: an alert's notifications are held until `until`. The alert itself keeps firing and
 * resolving as checks find (Alertmanager's model: a silence mutes, it does not resolve).
 * The table is the API's own, created at app start (idempotent).
 */
export const SILENCES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS silences (fingerprint VARCHAR PRIMARY KEY, "until" TIMESTAMP NOT NULL)`;

/** Creates the API's tables when they are missing. */
export async function ensureApiTables(db: Database): Promise<void> {
  await db.run(SILENCES_TABLE_SQL);
}

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
 * The silences in force at `now`: fingerprint -> until (epoch ms). For the alert engine: a
 * fingerprint in this map is not notified.
 * @example const muted = await activeSilences(db, Date.now()); firing.filter((a) => !muted.has(a.fingerprint))
 */
export async function activeSilences(db: Database, now: number): Promise<Map<string, number>> {
  const rows = await db.rows(`SELECT fingerprint, epoch_ms("until") AS until_ms FROM silences WHERE "until" > ${TIMESTAMP_MS}`, [
    Math.floor(now),
  ]);
  return new Map(rows.map((r) => [String(r.fingerprint), Number(r.until_ms)]));
}
