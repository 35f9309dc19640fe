/**
 * Quotes an identifier for DuckDB: feature names come from users' data and may hold quotes,
 * semicolons, unicode or SQL keywords, so every column name goes through here.
 * @example quoteIdent('my "odd" col') // => '"my ""odd"" col"'
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The in-memory catalogue that holds a live check's window tables: attached to the store's
 * database, so every connection of the process sees it, but never written to the store's file
 * (no WAL growth from copies that live for one check, and nothing left behind by a kill).
 */
export const SCRATCH = 'driftwatch_scratch';

/**
 * Quotes a table name for a FROM clause: a name in the scratch catalogue (`driftwatch_scratch.t`)
 * keeps its catalogue; any other name is one identifier, as `quoteIdent`.
 * @example quoteTable('driftwatch_scratch.window_x') // => 'driftwatch_scratch."window_x"'
 */
export function quoteTable(name: string): string {
  return name.startsWith(`${SCRATCH}.`) ? `${SCRATCH}.${quoteIdent(name.slice(SCRATCH.length + 1))}` : quoteIdent(name);
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
