/**
 * Quotes an identifier for DuckDB: feature names come from users' data and may hold quotes,
 * semicolons, unicode or SQL keywords, so every column name goes through here.
 * @example quoteIdent('my "odd" col') // => '"my ""odd"" col"'
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal. Used only where DuckDB takes no prepared parameter
 * (a table function's file path); values always go through parameters.
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A TIMESTAMP parameter bound as epoch milliseconds (an integer). All driftwatch timestamps are
 * UTC without a zone, and one form everywhere avoids parsing ISO text with or without a 'Z'.
 * @example db.run(`UPDATE outbox SET delivered_at = ${TIMESTAMP_MS} WHERE id = ?`, [Date.now(), id])
 */
export const TIMESTAMP_MS = 'make_timestamp(?::BIGINT * 1000)';

/** An epoch-milliseconds value read back (`epoch_ms(column)`) as ISO text; null stays null. */
export function isoFromMs(ms: unknown): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

/** A span of time in epoch milliseconds: from `startMs` (included) to `endMs` (excluded). */
export interface Period {
  startMs: number;
  endMs: number;
}

/**
 * A TIMESTAMP column within a {@link Period}, half-open like a live check's window, so
 * back-to-back periods count each row once. Binds two parameters: `periodValues(period)`.
 */
export function inPeriod(column: string): string {
  return `${column} >= ${TIMESTAMP_MS} AND ${column} < ${TIMESTAMP_MS}`;
}

/** The two parameters of {@link inPeriod}. */
export function periodValues(period: Period): number[] {
  return [Math.floor(period.startMs), Math.floor(period.endMs)];
}
