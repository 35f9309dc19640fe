import type { Database } from './database.js';
import { quoteLiteral, TIMESTAMP_MS } from './sql.js';

/**
 * The ingest's counters: `ingest_counts` (running totals per model and counter: consumed, sampled,
 * stored, rejected:<reason>, problem:<reason>, written in the same transaction as the rows, so
 * exact across restarts) and `ingest_minutes` (events per minute).
 *
 * Events per minute, from what the store records. `ingest_counts` keeps only running totals, so
 * the writer also records each transaction's consumed events with the minute it commits in
 * (`ingest_minutes`, in the same transaction as the rows: a rolled-back batch is not counted, and
 * a restart neither loses nor repeats a minute's count). Minutes are of commit time, not event
 * time: a replay or a backlog of old events counts when driftwatch reads it.
 */

/** The minutes the rate is averaged over: the current one and the four before it. */
export const RATE_WINDOW_MINUTES = 5;

/** Minutes of counts kept per model; older rows are deleted by the writer as the minute turns. */
export const MINUTES_KEPT = 60;

const MINUTE_MS = 60_000;

/** The start of the minute holding `ms` (epoch milliseconds). */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * The statement that records `consumed` events in the model's minute `minuteMs`, as literal SQL
 * for the writer's one-text closing statements (DuckDB binds parameters to one statement only).
 * A plain append, one row per write: an upsert on a (model, minute) key cost about 1.5 ms a
 * commit, a fifth of a commit's fixed cost; the rows are summed when read. The model is a quoted
 * literal; the numbers are checked integers.
 */
export function addMinuteSql(model: string, minuteMs: number, consumed: number): string {
  if (!Number.isSafeInteger(minuteMs) || !Number.isSafeInteger(consumed))
    throw new Error(`expected integers, got ${minuteMs}, ${consumed}`);
  return `INSERT INTO ingest_minutes VALUES (${quoteLiteral(model)}, make_timestamp(${minuteMs}::BIGINT * 1000), ${consumed})`;
}

/** Deletes the model's minutes older than {@link MINUTES_KEPT} before `minuteMs` (literal SQL, as above). */
export function trimMinutesSql(model: string, minuteMs: number): string {
  const cutoff = minuteMs - MINUTES_KEPT * MINUTE_MS;
  if (!Number.isSafeInteger(cutoff)) throw new Error(`expected an integer minute, got ${minuteMs}`);
  return `DELETE FROM ingest_minutes WHERE model = ${quoteLiteral(model)} AND minute < make_timestamp(${cutoff}::BIGINT * 1000)`;
}

/** A model's recent ingest rate. */
export interface IngestRate {
  /** Events consumed (before sampling; Kafka and HTTP) in the window. */
  events: number;
  /** `events` per minute of the window. */
  eventsPerMinute: number;
}

/**
 * The rate of every model with counts in the window: events consumed from the start of the
 * minute four minutes before `now`'s to `now`, divided by that span (4 to 5 minutes). A model
 * with nothing in the window is absent (its rate is 0).
 * @example (await ingestRates(db, Date.now())).get('fraud')?.eventsPerMinute ?? 0
 */
export async function ingestRates(db: Database, now: number): Promise<Map<string, IngestRate>> {
  const start = minuteOf(now) - (RATE_WINDOW_MINUTES - 1) * MINUTE_MS;
  const minutes = Math.max(1, now - start) / MINUTE_MS;
  const rows = await db.rows(
    `SELECT model, sum(consumed)::DOUBLE AS n FROM ingest_minutes WHERE minute >= ${TIMESTAMP_MS} GROUP BY model`,
    [start],
  );
  return new Map(
    rows.map((r) => {
      const events = Number(r.n);
      return [String(r.model), { events, eventsPerMinute: events / minutes }];
    }),
  );
}

/** A model's counters: counter name -> total since the store was created. */
export async function ingestCounters(db: Database, model: string): Promise<Record<string, number>> {
  const rows = await db.rows(`SELECT counter, value FROM ingest_counts WHERE model = ?`, [model]);
  return Object.fromEntries(rows.map((r) => [String(r.counter), Number(r.value)]));
}

/** Every model's counters, one entry per (model, counter). */
export async function allIngestCounters(db: Database): Promise<{ model: string; counter: string; value: number }[]> {
  const rows = await db.rows(`SELECT model, counter, value FROM ingest_counts`);
  return rows.map((r) => ({ model: String(r.model), counter: String(r.counter), value: Number(r.value) }));
}
