import { type DuckDBAppender, DuckDBDataChunk, type DuckDBType, DuckDBVector, timestampValue } from '@duckdb/node-api';
import type { FeatureSpec } from '../contracts/event.js';
import type { Database } from './database.js';
import { addMinuteSql, minuteOf, trimMinutesSql } from './counters.js';
import { quoteIdent, quoteLiteral } from './sql.js';
import type { QuarantinedMessage, StoredEvent, WriteBatch } from '../contracts/event.js';
import { deleteQuarantinedRange, insertQuarantined, quarantineSize, trimQuarantine } from './quarantine.js';
import { recordIdempotencyKey } from './idempotency.js';

/**
 * Writes a model's batches on its own connection: rows through DuckDB's appender, then the
 * quarantine sample, the offsets and the counters, all in **one transaction**. Either all of it
 * is in the file or none of it is, so a crash at any point loses nothing and counts nothing twice.
 */
export class SamplesWriter {
  private quarantineRows = -1;
  /** The data chunk rows are appended through, made on first use with the table's column types. */
  private chunk: DuckDBDataChunk | undefined;
  /** "topic/partition" keys and counter names whose rows this writer has committed (rows are never deleted). */
  private readonly knownOffsets = new Set<string>();
  private readonly knownCounters = new Set<string>();
  /** The minute this writer last counted events in; old minutes are trimmed when it changes. */
  private minute = -1;

  constructor(
    private readonly db: Database,
    private readonly model: string,
    private readonly table: string,
    private readonly features: readonly FeatureSpec[],
    private readonly quarantineKeep: number,
    /** The clock of the per-minute counts (tests pass their own). */
    private readonly now: () => number = Date.now,
  ) {}

  async write(batch: WriteBatch): Promise<void> {
    if (this.quarantineRows < 0) {
      this.quarantineRows = await quarantineSize(this.db, this.model);
    }
    await this.db.run('BEGIN TRANSACTION');
    try {
      for (const r of batch.replaces ?? []) {
        await this.db.run(`DELETE FROM ${quoteIdent(this.table)} WHERE _topic = ? AND _partition = ? AND _offset >= ? AND _offset < ?`, [
          r.topic,
          r.partition,
          r.from,
          r.to,
        ]);
        // The range's quarantined messages are set aside again by this batch if they still are.
        await deleteQuarantinedRange(this.db, this.model, r);
      }
      if ((batch.replaces ?? []).length > 0) this.quarantineRows = await quarantineSize(this.db, this.model);
      if (batch.events.length > 0) await this.appendEvents(batch.events);
      await this.quarantine(batch.quarantined);
      if (batch.idempotency) await recordIdempotencyKey(this.db, this.model, batch.idempotency);
      // Offsets, counters and COMMIT go as one text: each statement sent alone is a trip to
      // DuckDB's thread and ~1-2 ms of upsert, which at 10% sampling was most of a chunk's time.
      const closing = this.closingSql(batch);
      await this.db.run(closing.sql);
      closing.committed();
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => {});
      this.quarantineRows = -1;
      this.minute = -1;
      throw error;
    }
  }

  /**
   * The offsets and the counters, then COMMIT, as one multi-statement SQL text. Literals, not
   * parameters, because DuckDB binds parameters to one statement only; every value is a quoted
   * string, a checked integer or a bigint, so nothing in it can be read as SQL.
   *
   * A row this writer has already committed is changed with one `UPDATE ... CASE` per table; only
   * a row it has not seen yet goes through `INSERT ... ON CONFLICT`. An upsert on these keyed
   * tables costs DuckDB about 1.2 ms each, an update about 0.3 ms: at 10% sampling, two upserts
   * per transaction were half of the store's time.
   */
  private closingSql(batch: WriteBatch): { sql: string; committed: () => void } {
    const model = quoteLiteral(this.model);
    const statements: string[] = [];
    const offsets = [...batch.offsets].map(([key, next]) => {
      const slash = key.lastIndexOf('/');
      return {
        key,
        topic: quoteLiteral(key.slice(0, slash)),
        partition: integerLiteral(Number(key.slice(slash + 1))),
        next: next.toString(),
      };
    });
    const [knownOffsets, newOffsets] = split(offsets, (o) => this.knownOffsets.has(o.key));
    if (newOffsets.length > 0) {
      const rows = newOffsets.map((o) => `(${model}, ${o.topic}, ${o.partition}, ${o.next})`);
      statements.push(
        `INSERT INTO offsets VALUES ${rows.join(', ')} ON CONFLICT (model, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset`,
      );
    }
    if (knownOffsets.length > 0) {
      const match = (o: (typeof offsets)[number]) => `(topic = ${o.topic} AND "partition" = ${o.partition})`;
      const cases = knownOffsets.map((o) => `WHEN ${match(o)} THEN ${o.next}`).join(' ');
      statements.push(
        `UPDATE offsets SET next_offset = CASE ${cases} END WHERE model = ${model} AND (${knownOffsets.map(match).join(' OR ')})`,
      );
    }
    const counts = [...batch.counts]
      .filter(([, value]) => value !== 0)
      .map(([counter, value]) => ({ counter, name: quoteLiteral(counter), value: integerLiteral(value) }));
    const [knownCounts, newCounts] = split(counts, (c) => this.knownCounters.has(c.counter));
    if (newCounts.length > 0) {
      const rows = newCounts.map((c) => `(${model}, ${c.name}, ${c.value})`);
      statements.push(
        `INSERT INTO ingest_counts VALUES ${rows.join(', ')} ON CONFLICT (model, counter) DO UPDATE SET value = ingest_counts.value + excluded.value`,
      );
    }
    if (knownCounts.length > 0) {
      const cases = knownCounts.map((c) => `WHEN ${c.name} THEN ${c.value}`).join(' ');
      statements.push(
        `UPDATE ingest_counts SET value = value + CASE counter ${cases} END WHERE model = ${model} AND counter IN (${knownCounts.map((c) => c.name).join(', ')})`,
      );
    }
    // Events per minute (store/ingest-rate.ts): an append, no key. `consumed` is COUNTERS.consumed
    // of ingest/batch.ts (which imports this file). A replay's counters are `replay:consumed`, so
    // a backfill adds nothing to the rate.
    const consumed = batch.counts.get('consumed') ?? 0;
    if (consumed > 0) {
      const minute = minuteOf(this.now());
      statements.push(addMinuteSql(this.model, minute, consumed));
      if (minute !== this.minute) statements.push(trimMinutesSql(this.model, minute));
      this.minute = minute;
    }
    statements.push('COMMIT');
    return {
      sql: statements.join(';\n'),
      // Rows exist once the transaction that inserted them is committed, not before.
      committed: () => {
        for (const o of newOffsets) this.knownOffsets.add(o.key);
        for (const c of newCounts) this.knownCounters.add(c.counter);
      },
    };
  }

  /**
   * Appends the rows column by column through a data chunk (2,048 rows at a time): numbers land
   * in typed arrays and the chunk goes to DuckDB in one call, where appending value by value took
   * a native call per value (28 a row) and was the service's largest cost at sampling 1.0.
   */
  private async appendEvents(events: StoredEvent[]): Promise<void> {
    const appender = await this.db.appender(this.table);
    try {
      // One chunk per writer, reset and refilled: a chunk's native memory is freed only when V8
      // collects the object, and thousands of them waiting for a collection would swell the RSS.
      const chunk = (this.chunk ??= DuckDBDataChunk.create(columnTypes(appender)));
      const size = DuckDBVector.standardSize();
      for (let from = 0; from < events.length; from += size) {
        const rows = Math.min(size, events.length - from);
        chunk.reset();
        chunk.rowCount = rows;
        this.fillChunk(chunk, events, from, rows);
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Rows `from`..`from + rows - 1` into the chunk, in the table's column order: the features, then the system columns. */
  private fillChunk(chunk: DuckDBDataChunk, events: readonly StoredEvent[], from: number, rows: number): void {
    const column = (index: number, valueOf: (e: StoredEvent) => number | string | bigint | null | ReturnType<typeof timestampValue>) => {
      const vector = chunk.getColumnVector(index);
      for (let r = 0; r < rows; r++) vector.setItem(r, valueOf(events[from + r]!) ?? null);
      vector.flush();
    };
    const n = this.features.length;
    for (let i = 0; i < n; i++) column(i, (e) => e.event.values[i] ?? null);
    column(n, (e) => timestampValue(BigInt(Math.round(e.event.timestampMs)) * 1000n));
    column(n + 1, (e) => e.topic);
    column(n + 2, (e) => e.partition);
    column(n + 3, (e) => e.offset);
    column(n + 4, (e) => e.event.id);
    column(n + 5, (e) => e.event.prediction);
    column(n + 6, (e) => e.event.extra);
    column(n + 7, (e) => e.event.errors);
  }

  /** Adds the newest rejects; past twice the limit, trims to the newest `quarantineKeep`. */
  private async quarantine(messages: QuarantinedMessage[]): Promise<void> {
    const fresh = messages.slice(-this.quarantineKeep);
    if (fresh.length === 0) return;
    await insertQuarantined(this.db, this.model, fresh, Date.now());
    this.quarantineRows += fresh.length;
    if (this.quarantineRows > 2 * this.quarantineKeep) {
      await trimQuarantine(this.db, this.model, this.quarantineKeep);
      this.quarantineRows = this.quarantineKeep;
    }
  }
}

/** The column types of the appender's table, in order. */
function columnTypes(appender: DuckDBAppender): DuckDBType[] {
  return Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
}

/** The items that pass and the ones that do not, each in their order. */
function split<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

/** An integer as SQL text; anything else is a bug upstream, refused rather than written. */
function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`expected an integer for SQL, got ${value}`);
  return String(value);
}
