import { randomUUID } from 'node:crypto';
import type { ColumnInfo, Database } from './database.js';

import { samplesTable } from './schema.js';
import { inPeriod, type Period, periodValues, quoteIdent, quoteTable, SCRATCH, TIMESTAMP_MS } from './sql.js';

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

/**
 * The name a window table got in the store's own catalogue before windows moved to the scratch
 * one: window_<samples table>_<32 hex digits>. A store from then may still hold some a killed
 * process left behind; opening it drops them (see `dropLeftoverWindows`).
 */
export const WINDOW_TABLE = /window_samples_.*_[0-9a-f]{32}/;

/**
 * The system columns that a check never reads: where an event came from, and its id. A window
 * leaves them out, which makes its copy half as costly (issue 16: the copy was a third of a
 * scheduled check's CPU); the features, `_prediction`, `_extra` and `_errors` are kept.
 */
const NOT_CHECKED = new Set(['_ts', '_topic', '_partition', '_offset', '_id']);

/**
 * Copies the model's samples with event times in [start, end) into a window table, the newest
 * `limit` of them when a limit is given. The table is in the in-memory scratch catalogue (not
 * TEMP, which only its own connection could read), so the parallel comparison's other
 * connections read it and the store's file never holds it. The window of the last N events starts at the N-th newest event time,
 * so it holds more than N rows only when events share that time: only then is it copied again,
 * sorted, keeping the newest N.
 */
export async function openWindow(
  db: Database,
  model: string,
  bounds: { start: number; end: number; limit?: number },
): Promise<SampleWindow> {
  const source = samplesTable(model);
  const table = `${SCRATCH}.window_${source}_${randomUUID().replaceAll('-', '')}`;
  const inWindow = `_ts >= ${TIMESTAMP_MS} AND _ts < ${TIMESTAMP_MS}`;
  const range = [Math.floor(bounds.start), Math.ceil(bounds.end)];
  const kept = (await tableColumns(db, source)).filter((c) => !NOT_CHECKED.has(c.name));
  const copy = (newest?: number) =>
    db.run(
      `CREATE OR REPLACE TABLE ${quoteTable(table)} AS SELECT ${kept.map((c) => quoteIdent(c.name)).join(', ')}
       FROM ${quoteIdent(source)} WHERE ${inWindow} ${newest === undefined ? '' : `ORDER BY _ts DESC LIMIT ${Math.floor(newest)}`}`,
      range,
    );
  const count = async () => Number((await db.row(`SELECT count(*) AS n FROM ${quoteTable(table)}`)).n);
  const close = () => db.run(`DROP TABLE IF EXISTS ${quoteTable(table)}`);
  try {
    // Attached once per process (an attached catalogue is shared by every connection), here rather
    // than where the store opens so that any handle on the file can open a window.
    await db.run(`ATTACH IF NOT EXISTS ':memory:' AS ${SCRATCH}`);
    await copy();
    let rows = await count();
    if (bounds.limit !== undefined && rows > bounds.limit) {
      await copy(bounds.limit);
      rows = await count();
    }
    return { source, table, rows, columns: kept, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** The columns of a table, in order, with DuckDB's type names. */
export async function tableColumns(db: Database, table: string): Promise<ColumnInfo[]> {
  // DESCRIBE reads one table's catalogue entry; duckdb_columns() lists every column of the store (3-7 ms).
  const rows = await db.rows(`DESCRIBE ${quoteTable(table)}`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}
