import { randomUUID } from 'node:crypto';
import type { ColumnInfo, Database } from './database.js';

import { samplesTable } from './schema.js';
import { inPeriod, type Period, periodValues, quoteIdent, TIMESTAMP_MS } from './sql.js';

/**
 * Reads of a model's samples table (`samples_<model>`, written by `samples-writer.ts`): the
 * window a live check compares, and counts for the digest. The check engine then runs on the
 * window's own table, which is why a window is a table and not a query.
 */

/** True once ingest has created the model's samples table. */
export async function samplesTableExists(db: Database, model: string): Promise<boolean> {
  const rows = await db.rows(`SELECT 1 FROM duckdb_tables() WHERE table_name = ? AND NOT temporary`, [samplesTable(model)]);
  return rows.length > 0;
}

/** Rows of the model's samples in a period (by event time); 0 before ingest has created the table. */
export async function countSamples(db: Database, model: string, period: Period): Promise<number> {
  if (!(await samplesTableExists(db, model))) return 0;
  return Number(
    (await db.row(`SELECT count(*) AS n FROM ${quoteIdent(samplesTable(model))} WHERE ${inPeriod('_ts')}`, periodValues(period))).n,
  );
}

/** The event time (epoch ms) of the model's oldest stored event, or null before any is stored. */
export async function firstEventTime(db: Database, model: string): Promise<number | null> {
  if (!(await samplesTableExists(db, model))) return null;
  const { t } = await db.row(`SELECT epoch_ms(min(_ts)) AS t FROM ${quoteIdent(samplesTable(model))}`);
  return t === null || t === undefined ? null : Number(t);
}

/**
 * The event time (epoch ms) of the model's `count`-th newest event before `now`, where a window
 * of the last `count` events starts; 0 when there are fewer.
 */
export async function nthNewestEventTime(db: Database, model: string, now: number, count: number): Promise<number> {
  const nth = await db.rows(
    `SELECT epoch_ms(_ts) AS t FROM ${quoteIdent(samplesTable(model))} WHERE _ts < ${TIMESTAMP_MS} ORDER BY _ts DESC LIMIT 1 OFFSET ?`,
    [now, count - 1],
  );
  return nth[0] ? Number(nth[0].t) : 0;
}

/** A copy of a model's window in a table of its own: drop it with `close()` when the check is done. */
export interface SampleWindow {
  /** The samples table it was copied from. */
  source: string;
  table: string;
  rows: number;
  columns: ColumnInfo[];
  close(): Promise<void>;
}

/** The name a window table gets: window_<samples table>_<32 hex digits> (see `dropLeftoverWindows`). */
export const WINDOW_TABLE = /window_samples_.*_[0-9a-f]{32}/;

/**
 * Copies the model's samples with event times in [start, end) into a window table, the newest
 * `limit` of them when a limit is given. A plain table (not TEMP), so the parallel comparison's
 * other connections can read it; a process killed mid-check leaves it behind, and the next open
 * of the store drops it.
 */
export async function openWindow(
  db: Database,
  model: string,
  bounds: { start: number; end: number; limit?: number },
): Promise<SampleWindow> {
  const source = samplesTable(model);
  const table = `window_${source}_${randomUUID().replaceAll('-', '')}`;
  await db.run(
    `CREATE TABLE ${quoteIdent(table)} AS SELECT * FROM ${quoteIdent(source)}
     WHERE _ts >= ${TIMESTAMP_MS} AND _ts < ${TIMESTAMP_MS}
     ORDER BY _ts DESC ${bounds.limit ? `LIMIT ${Math.floor(bounds.limit)}` : ''}`,
    [Math.floor(bounds.start), Math.ceil(bounds.end)],
  );
  const close = () => db.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  try {
    const rows = Number((await db.row(`SELECT count(*) AS n FROM ${quoteIdent(table)}`)).n);
    return { source, table, rows, columns: await tableColumns(db, table), close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** The columns of a table, in order, with DuckDB's type names. */
export async function tableColumns(db: Database, table: string): Promise<ColumnInfo[]> {
  const rows = await db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, [table]);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
}
