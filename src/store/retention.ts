import type { Database } from './database.js';
import { quoteIdent, TIMESTAMP_MS } from './sql.js';
import { trimQuarantine } from './quarantine.js';
import { deleteExpiredLabels } from './labels.js';

/**
 * Deletes a model's sampled rows older than the retention, with their labels (labels.ts,
 * `deleteExpiredLabels`: the same retention, one rule for both), and trims its quarantine to the
 * newest `keep` rows, so the file does not grow without bound. DuckDB reuses the freed blocks.
 * Returns the number of sample rows deleted.
 */
export async function applyRetention(
  db: Database,
  model: string,
  table: string,
  retentionMs: number,
  keep: number,
  now = Date.now(),
): Promise<number> {
  const cutoff = Math.floor(now - retentionMs);
  await deleteExpiredLabels(db, model, cutoff);
  const { n } = await db.row(`SELECT count(*)::DOUBLE AS n FROM ${quoteIdent(table)} WHERE _ts < ${TIMESTAMP_MS}`, [cutoff]);
  if (Number(n) > 0) await db.run(`DELETE FROM ${quoteIdent(table)} WHERE _ts < ${TIMESTAMP_MS}`, [cutoff]);
  await trimQuarantine(db, model, keep);
  return Number(n);
}
