import type { QuarantinedMessage } from '../contracts/event.js';
import type { Database } from './database.js';
import { inPeriod, type Period, periodValues, TIMESTAMP_MS } from './sql.js';

/**
 * The `quarantine` table: a bounded sample of the messages the ingest set aside (unreadable, or
 * stored with a bad value), with the reason, for people to inspect. The counts of every reason
 * are exact in `ingest_counts`; this keeps only the newest rows per model.
 */

/** Rows one INSERT writes at most (a statement's parameters stay well under DuckDB's limits). */
const INSERT_ROWS = 500;

/** Adds messages to the model's quarantine, several rows per statement; inside the writer's transaction. */
export async function insertQuarantined(db: Database, model: string, messages: readonly QuarantinedMessage[], now: number): Promise<void> {
  for (let from = 0; from < messages.length; from += INSERT_ROWS) {
    const chunk = messages.slice(from, from + INSERT_ROWS);
    const row = `(?, ?, ?, ?, ?, ?, ?, ${TIMESTAMP_MS})`;
    await db.run(
      `INSERT INTO quarantine (model, topic, "partition", "offset", reason, detail, payload, quarantined_at) VALUES ${chunk.map(() => row).join(', ')}`,
      chunk.flatMap((m) => [model, m.topic, m.partition, m.offset, m.reason, m.detail, m.payload, Math.floor(now)]),
    );
  }
}

/** Deletes the model's quarantined messages of an offset range [from, to) (a replay writes that range again). */
export async function deleteQuarantinedRange(
  db: Database,
  model: string,
  range: { topic: string; partition: number; from: bigint; to: bigint },
): Promise<void> {
  await db.run(`DELETE FROM quarantine WHERE model = ? AND topic = ? AND "partition" = ? AND "offset" >= ? AND "offset" < ?`, [
    model,
    range.topic,
    range.partition,
    range.from,
    range.to,
  ]);
}

/** Rows of the model's quarantine. */
export async function quarantineSize(db: Database, model: string): Promise<number> {
  return Number((await db.row(`SELECT count(*) AS n FROM quarantine WHERE model = ?`, [model])).n);
}

/** Keeps the newest `keep` rows of the model's quarantine. */
export async function trimQuarantine(db: Database, model: string, keep: number): Promise<void> {
  await db.run(
    `DELETE FROM quarantine WHERE model = ? AND id NOT IN (SELECT id FROM quarantine WHERE model = ? ORDER BY id DESC LIMIT ?)`,
    [model, model, keep],
  );
}

/** Messages of the model quarantined in a period (as far as the quarantine still holds them). */
export async function quarantinedInPeriod(db: Database, model: string, period: Period): Promise<number> {
  return Number(
    (
      await db.row(`SELECT count(*) AS n FROM quarantine WHERE model = ? AND ${inPeriod('quarantined_at')}`, [
        model,
        ...periodValues(period),
      ])
    ).n,
  );
}

/** One quarantined message as people inspect it (the API's quarantine route). */
export interface QuarantineRecord {
  id: number;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  reason: string;
  detail: string | null;
  payload: string | null;
  quarantinedAt: string;
}

/** A page of the model's quarantine, newest first, optionally of one reason, with the total that matches. */
export async function listQuarantine(
  db: Database,
  model: string,
  filter: { reason?: string | undefined; limit: number; offset: number },
): Promise<{ total: number; items: QuarantineRecord[] }> {
  const where = `model = ?${filter.reason === undefined ? '' : ' AND reason = ?'}`;
  const values = filter.reason === undefined ? [model] : [model, filter.reason];
  const total = Number((await db.row(`SELECT count(*)::BIGINT AS n FROM quarantine WHERE ${where}`, values)).n);
  const rows = await db.rows(
    `SELECT id, topic, "partition", "offset", reason, detail, payload, epoch_ms(quarantined_at) AS at
     FROM quarantine WHERE ${where} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...values, filter.limit, filter.offset],
  );
  return {
    total,
    items: rows.map((r) => ({
      id: Number(r.id),
      topic: r.topic === null ? null : String(r.topic),
      partition: r.partition === null ? null : Number(r.partition),
      offset: r.offset === null ? null : String(r.offset),
      reason: String(r.reason),
      detail: r.detail === null ? null : String(r.detail),
      payload: r.payload === null ? null : String(r.payload),
      quarantinedAt: new Date(Number(r.at)).toISOString(),
    })),
  };
}
