import type { Database } from './database.js';
import { quoteIdent, TIMESTAMP_MS } from './sql.js';

/**
 * `idempotency_keys`: the `Idempotency-Key` of each HTTP ingest request that stored something,
 * per model, with a hash of its body and its answer (as Stripe keeps them). A key is written in
 * the transaction of its rows, so a crash never leaves rows without their key, nor a key without
 * its rows. Keys older than the window are ignored and deleted at each retention pass, with the
 * oldest beyond the cap.
 */

/** A request's key as stored: its body's hash and the answer to replay. */
export interface IdempotencyRecord {
  key: string;
  bodyHash: string;
  /** The JSON of the first answer. */
  response: string;
  /** When it was stored (epoch ms). */
  at: number;
}

/** The model's record of `key` stored at or after `since` (epoch ms), or null. */
export async function findIdempotencyKey(db: Database, model: string, key: string, since: number): Promise<IdempotencyRecord | null> {
  const [row] = await db.rows(
    `SELECT body_hash, response, epoch_ms(created_at) AS at FROM idempotency_keys WHERE model = ? AND "key" = ? AND created_at >= ${TIMESTAMP_MS}`,
    [model, key, Math.floor(since)],
  );
  return row ? { key, bodyHash: String(row.body_hash), response: String(row.response), at: Number(row.at) } : null;
}

/** Records a key (replacing an expired record of it); inside the writer's transaction. */
export async function recordIdempotencyKey(db: Database, model: string, record: IdempotencyRecord): Promise<void> {
  await db.run(`INSERT OR REPLACE INTO idempotency_keys VALUES (?, ?, ?, ?, ${TIMESTAMP_MS})`, [
    model,
    record.key,
    record.bodyHash,
    record.response,
    Math.floor(record.at),
  ]);
}

/** Deletes the model's keys stored before `before` (epoch ms) and the oldest beyond the newest `keep`; returns how many. */
export async function pruneIdempotencyKeys(db: Database, model: string, before: number, keep: number): Promise<number> {
  const rows = await db.rows(
    `DELETE FROM idempotency_keys WHERE model = ? AND (created_at < ${TIMESTAMP_MS} OR "key" IN (
       SELECT "key" FROM idempotency_keys WHERE model = ? ORDER BY created_at DESC, "key" OFFSET ?)) RETURNING "key"`,
    [model, Math.floor(before), model, Math.floor(keep)],
  );
  return rows.length;
}

/**
 * Of `ids`, those the samples table `table` already holds (whatever their event time: a client's
 * backfill of old events is resent as well): HTTP ingest does not store an event id twice while
 * its row is kept (storage.retention).
 */
export async function storedIds(db: Database, table: string, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let from = 0; from < ids.length; from += IDS_PER_QUERY) {
    const chunk = ids.slice(from, from + IDS_PER_QUERY);
    const rows = await db.rows(`SELECT DISTINCT _id FROM ${quoteIdent(table)} WHERE _id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    for (const r of rows) found.add(String(r._id));
  }
  return found;
}

/** Ids one query looks up at most (a statement's parameters stay well under DuckDB's limits). */
const IDS_PER_QUERY = 1000;
