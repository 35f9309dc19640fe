import { type DuckDBAppender, DuckDBDataChunk, type DuckDBType, DuckDBVector, timestampValue } from '@duckdb/node-api';
import type { FeatureSpec } from '../contracts/event.js';
import type { Database } from './database.js';
import { quoteIdent } from './sql.js';
import type { StoredEvent, WriteBatch } from '../contracts/event.js';
import { deleteQuarantinedRange } from './quarantine.js';
import { IngestTransaction } from './ingest-transaction.js';

/**
 * Writes a model's batches on its own connection: rows through DuckDB's appender, then the
 * quarantine sample, the offsets and the counters, all in **one transaction**
 * ({@link IngestTransaction}). Either all of it is in the file or none of it is, so a crash at any
 * point loses nothing and counts nothing twice.
 */
export class SamplesWriter {
  /** The data chunk rows are appended through, made on first use with the table's column types. */
  private chunk: DuckDBDataChunk | undefined;
  private readonly transaction: IngestTransaction;

  constructor(
    private readonly db: Database,
    private readonly model: string,
    private readonly table: string,
    private readonly features: readonly FeatureSpec[],
    quarantineKeep: number,
    /** The clock of the per-minute counts (tests pass their own). */
    now: () => number = Date.now,
  ) {
    this.transaction = new IngestTransaction(db, model, quarantineKeep, now);
  }

  write(batch: WriteBatch): Promise<void> {
    return this.transaction.run(batch, async () => {
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
      if ((batch.replaces ?? []).length > 0) await this.transaction.recountQuarantine();
      if (batch.events.length > 0) await this.appendEvents(batch.events);
    });
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
}

/** The column types of the appender's table, in order. */
function columnTypes(appender: DuckDBAppender): DuckDBType[] {
  return Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
}
