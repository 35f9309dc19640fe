import type { Notification, OutboxStatus, RenderedMessage } from '../contracts/alert.js';
import type { Database, Row } from './database.js';
import { isoFromMs, TIMESTAMP_MS } from './sql.js';
import type { WriteLock } from './write-lock.js';

/**
 * The durable outbox: every notification is stored (in the transaction of the check that made
 * it) before anything is sent, marked when delivered, and kept as dead after its last attempt.
 */

const ts = (ms: number) => Math.floor(ms);

/** What an outbox entry carries: an alert notification, or a rendered report (digest). */
export type OutboxPayload = { kind: 'alert'; payload: Notification } | { kind: 'report'; payload: RenderedMessage };

/** A row of the outbox. */
export type OutboxEntry = OutboxPayload & {
  id: string;
  channel: string;
  model: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** Set when an attempt was claimed and never finished: the process that made it stopped mid-send. */
  claimedAt: number | null;
};

/**
 * The lock of the outbox's updates: the delivery pass's (claim, outcome) and the transaction of a
 * check that supersedes entries go behind it, so the two never update one row at the same time
 * (DuckDB refuses the second: "Conflict on update"). The send itself is outside it.
 */
export function outboxLock(db: Database): WriteLock {
  return db.lock('outbox');
}

/** Stores a notification before anything is sent (inside the caller's transaction). */
export async function enqueue(
  db: Database,
  entry: OutboxPayload & { id: string; channel: string; model: string },
  now: number,
): Promise<void> {
  await db.run(
    `INSERT INTO outbox (id, channel, model, kind, payload, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ${TIMESTAMP_MS}, ${TIMESTAMP_MS})`,
    [entry.id, entry.channel, entry.model, entry.kind, JSON.stringify(entry.payload), ts(now), ts(now)],
  );
}

/**
 * The alert notifications of a model and channel waiting for a retry (pending after a failed
 * attempt: the receiver is down), oldest first: the ones a newer notification of the group
 * supersedes. One not tried yet is left alone: it goes out before the newer one, in order; so is
 * one in flight (claimed): it may be arriving right now.
 */
export async function retryingAlertNotifications(
  db: Database,
  model: string,
  channel: string,
): Promise<{ id: string; payload: Notification }[]> {
  const rows = await db.rows(
    `SELECT id, payload FROM outbox WHERE status = 'pending' AND attempts > 0 AND claimed_at IS NULL AND kind = 'alert' AND model = ? AND channel = ? ORDER BY created_at, id`,
    [model, channel],
  );
  return rows.map((r) => ({ id: String(r.id), payload: JSON.parse(String(r.payload)) as Notification }));
}

/** Marks pending entries as superseded by a newer one (inside the caller's transaction, behind `outboxLock`); they are never sent. */
export async function markSuperseded(db: Database, ids: readonly string[], by: string): Promise<void> {
  for (const id of ids)
    await db.run(`UPDATE outbox SET status = 'superseded', superseded_by = ? WHERE id = ? AND status = 'pending' AND claimed_at IS NULL`, [
      by,
      id,
    ]);
}

/**
 * What the deliverer knows of the waits it measures itself, on the monotonic clock: the entries
 * whose back-off is over (`ready`) and those still waiting (`waiting`), whatever the wall clock
 * says. An entry it does not know of (written by an earlier process) goes by its stored instant.
 */
export interface MeasuredWaits {
  ready: readonly string[];
  waiting: readonly string[];
  /** The longest wait a retry is given (alerts.maxBackoff): a stored instant further ahead means the wall clock went back. */
  maxWaitMs: number;
}

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/**
 * Pending entries due now, oldest first: never tried; claimed by an attempt that never finished (a
 * pass never overlaps another, so a claim seen here is a stopped process's); waits measured as over; or, for the others,
 * a stored next attempt that is past, or further ahead than any wait can be (the wall clock
 * stepped back after it was written: it is due rather than held for the length of the step).
 */
export async function due(db: Database, now: number, waits: MeasuredWaits, limit = 100): Promise<OutboxEntry[]> {
  const notWaiting = waits.waiting.length > 0 ? `AND id NOT IN (${placeholders(waits.waiting)})` : '';
  const ready = waits.ready.length > 0 ? `OR id IN (${placeholders(waits.ready)})` : '';
  const rows = await db.rows(
    `SELECT id, channel, model, kind, payload, status, attempts, epoch_ms(next_attempt_at) AS next, last_error, epoch_ms(claimed_at) AS claimed
     FROM outbox WHERE status = 'pending' ${notWaiting}
       AND (attempts = 0 OR claimed_at IS NOT NULL OR next_attempt_at <= ${TIMESTAMP_MS} OR next_attempt_at > ${TIMESTAMP_MS} ${ready})
     ORDER BY created_at, id LIMIT ?`,
    [...waits.waiting, ts(now), ts(now + waits.maxWaitMs), ...waits.ready, limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    channel: String(r.channel),
    model: String(r.model),
    // The kind says what the payload is; both were written together by `enqueue`.
    ...({ kind: String(r.kind), payload: JSON.parse(String(r.payload)) } as OutboxPayload),
    status: 'pending',
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next),
    lastError: r.last_error === null ? null : String(r.last_error),
    claimedAt: r.claimed === null || r.claimed === undefined ? null : Number(r.claimed),
  }));
}

/**
 * Claims a pending entry for an attempt, before anything is sent: the attempt is counted and the
 * entry marked in flight (a check no longer supersedes it). A process killed mid-send has made the
 * attempt. Returns the attempt's number, or undefined when the entry is no longer pending
 * (superseded since it was read).
 */
export async function claim(db: Database, id: string, now: number): Promise<number | undefined> {
  const [row] = await db.rows(
    `UPDATE outbox SET attempts = attempts + 1, claimed_at = ${TIMESTAMP_MS} WHERE id = ? AND status = 'pending' RETURNING attempts`,
    [ts(now), id],
  );
  return row === undefined ? undefined : Number(row.attempts);
}

export async function markDelivered(db: Database, id: string, attempts: number, now: number): Promise<void> {
  await db.run(
    `UPDATE outbox SET status = 'delivered', attempts = ?, delivered_at = ${TIMESTAMP_MS}, last_error = NULL, claimed_at = NULL WHERE id = ? AND status = 'pending'`,
    [attempts, ts(now), id],
  );
}

export async function markRetry(db: Database, id: string, attempts: number, nextAt: number, error: string): Promise<void> {
  await db.run(
    `UPDATE outbox SET attempts = ?, next_attempt_at = ${TIMESTAMP_MS}, last_error = ?, claimed_at = NULL WHERE id = ? AND status = 'pending'`,
    [attempts, ts(nextAt), error, id],
  );
}

export async function markDead(db: Database, id: string, attempts: number, error: string): Promise<void> {
  await db.run(`UPDATE outbox SET status = 'dead', attempts = ?, last_error = ?, claimed_at = NULL WHERE id = ? AND status = 'pending'`, [
    attempts,
    error,
    id,
  ]);
}

/** Counts by status, for metrics and the API. */
export async function outboxCounts(db: Database): Promise<Record<OutboxStatus, number>> {
  const rows = await db.rows(`SELECT status, count(*)::INTEGER AS n FROM outbox GROUP BY status`);
  const counts = { pending: 0, delivered: 0, dead: 0, superseded: 0 };
  for (const r of rows) counts[String(r.status) as keyof typeof counts] = Number(r.n);
  return counts;
}

export { OUTBOX_STATUSES, type OutboxStatus } from '../contracts/alert.js';

/** An outbox entry without its payload (a whole rendered email is not a list item), times as ISO. */
export interface OutboxRecord {
  id: string;
  channel: string;
  model: string;
  kind: OutboxEntry['kind'];
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** The newer delivery that replaced this one before it was sent. */
  supersededBy: string | null;
}

const RECORD_COLUMNS = `id, channel, model, kind, status, attempts, epoch_ms(next_attempt_at) AS next, last_error, epoch_ms(created_at) AS created, epoch_ms(delivered_at) AS delivered, superseded_by`;

function recordOf(r: Row): OutboxRecord {
  return {
    id: String(r.id),
    channel: String(r.channel),
    model: String(r.model),
    kind: String(r.kind) as OutboxEntry['kind'],
    status: String(r.status) as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: isoFromMs(r.next)!,
    lastError: r.last_error === null ? null : String(r.last_error),
    createdAt: isoFromMs(r.created)!,
    deliveredAt: isoFromMs(r.delivered),
    supersededBy: r.superseded_by === null || r.superseded_by === undefined ? null : String(r.superseded_by),
  };
}

/** A page of entries of one status, newest first, with the total of that status. */
export async function listOutbox(
  db: Database,
  filter: { status: OutboxStatus; limit: number; offset: number },
): Promise<{ total: number; items: OutboxRecord[] }> {
  const total = Number((await db.row(`SELECT count(*)::BIGINT AS n FROM outbox WHERE status = ?`, [filter.status])).n);
  const rows = await db.rows(`SELECT ${RECORD_COLUMNS} FROM outbox WHERE status = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, [
    filter.status,
    filter.limit,
    filter.offset,
  ]);
  return { total, items: rows.map(recordOf) };
}

/**
 * Makes a dead entry pending again, attempts reset, due at `now`. Only a dead entry changes, in
 * one statement (the delivery loop never touches dead entries). Returns the entry, or why not:
 * `missing`, or the status it has.
 */
export async function retryDead(
  db: Database,
  id: string,
  now: number,
): Promise<{ retried: OutboxRecord } | { missing: true } | { status: OutboxStatus }> {
  const [updated] = await db.rows(
    `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ${TIMESTAMP_MS}, last_error = NULL, claimed_at = NULL
     WHERE id = ? AND status = 'dead' RETURNING ${RECORD_COLUMNS}`,
    [Math.floor(now), id],
  );
  if (updated) return { retried: recordOf(updated) };
  const [current] = await db.rows(`SELECT status FROM outbox WHERE id = ?`, [id]);
  return current ? { status: String(current.status) as OutboxStatus } : { missing: true };
}
