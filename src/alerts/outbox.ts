import type { Database } from '../store/database.js';
import { TIMESTAMP_MS } from '../store/sql.js';
import type { Notification } from '../contracts/alert.js';

const ts = (ms: number) => Math.floor(ms);

/** A row of the outbox. */
export interface OutboxEntry {
  id: string;
  channel: string;
  model: string;
  kind: 'alert' | 'report';
  payload: Notification | Record<string, unknown>;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

/** Stores a notification before anything is sent (inside the caller's transaction). */
export async function enqueue(
  db: Database,
  entry: { id: string; channel: string; model: string; kind: OutboxEntry['kind']; payload: unknown },
  now: number,
): Promise<void> {
  await db.run(
    `INSERT INTO outbox (id, channel, model, kind, payload, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ${TIMESTAMP_MS}, ${TIMESTAMP_MS})`,
    [entry.id, entry.channel, entry.model, entry.kind, JSON.stringify(entry.payload), ts(now), ts(now)],
  );
}

/** Pending entries whose next attempt is due, oldest first. */
export async function due(db: Database, now: number, limit = 100): Promise<OutboxEntry[]> {
  const rows = await db.rows(
    `SELECT id, channel, model, kind, payload, status, attempts, epoch_ms(next_attempt_at) AS next, last_error
     FROM outbox WHERE status = 'pending' AND next_attempt_at <= ${TIMESTAMP_MS} ORDER BY created_at, id LIMIT ?`,
    [ts(now), limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    channel: String(r.channel),
    model: String(r.model),
    kind: String(r.kind) as OutboxEntry['kind'],
    payload: JSON.parse(String(r.payload)),
    status: 'pending',
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next),
    lastError: r.last_error === null ? null : String(r.last_error),
  }));
}

export async function markDelivered(db: Database, id: string, attempts: number, now: number): Promise<void> {
  await db.run(`UPDATE outbox SET status = 'delivered', attempts = ?, delivered_at = ${TIMESTAMP_MS}, last_error = NULL WHERE id = ?`, [
    attempts,
    ts(now),
    id,
  ]);
}

export async function markRetry(db: Database, id: string, attempts: number, nextAt: number, error: string): Promise<void> {
  await db.run(`UPDATE outbox SET attempts = ?, next_attempt_at = ${TIMESTAMP_MS}, last_error = ? WHERE id = ?`, [
    attempts,
    ts(nextAt),
    error,
    id,
  ]);
}

export async function markDead(db: Database, id: string, attempts: number, error: string): Promise<void> {
  await db.run(`UPDATE outbox SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?`, [attempts, error, id]);
}

/** Counts by status, for metrics and the API. */
export async function outboxCounts(db: Database): Promise<Record<'pending' | 'delivered' | 'dead', number>> {
  const rows = await db.rows(`SELECT status, count(*)::INTEGER AS n FROM outbox GROUP BY status`);
  const counts = { pending: 0, delivered: 0, dead: 0 };
  for (const r of rows) counts[String(r.status) as keyof typeof counts] = Number(r.n);
  return counts;
}
