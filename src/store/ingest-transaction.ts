import type { QuarantinedMessage, WriteBatch } from '../contracts/event.js';
import type { Database } from './database.js';
import { addMinuteSql, minuteOf, trimMinutesSql } from './counters.js';
import { quoteLiteral } from './sql.js';
import { insertQuarantined, quarantineSize, trimQuarantine } from './quarantine.js';
import { recordIdempotencyKey } from './idempotency.js';

/** What every ingest transaction writes beside its rows (samples or labels). */
export type TransactionParts = Pick<WriteBatch, 'offsets' | 'counts' | 'idempotency'> & { quarantined: QuarantinedMessage[] };

/**
 * One ingest transaction of a model, whatever its rows are: BEGIN, the rows (the caller's), then
 * the quarantine sample, the Idempotency-Key, the offsets and the counters, and COMMIT; a failure
 * anywhere rolls all of it back. The samples writer and the labels writer both go through here,
 * so predictions and labels are stored exactly once by the same scheme.
 */
export class IngestTransaction {
  private quarantineRows = -1;
  /** "topic/partition" keys and counter names whose rows this writer has committed (rows are never deleted). */
  private readonly knownOffsets = new Set<string>();
  private readonly knownCounters = new Set<string>();
  /** The minute this writer last counted events in; old minutes are trimmed when it changes. */
  private minute = -1;

  constructor(
    private readonly db: Database,
    private readonly model: string,
    private readonly quarantineKeep: number,
    /** The clock of the per-minute counts (tests pass their own). */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs `rows` (the caller's inserts) and the rest of `batch` in one transaction. `rows` may
   * resolve to a Map of more counters (what it found while writing), added to the batch's; the
   * batch's `idempotency` is read after them, so its answer may say what they found.
   */
  async run(batch: TransactionParts, rows: () => Promise<unknown>): Promise<void> {
    if (this.quarantineRows < 0) {
      this.quarantineRows = await quarantineSize(this.db, this.model);
    }
    await this.db.run('BEGIN TRANSACTION');
    try {
      const more = await rows();
      await this.quarantine(batch.quarantined);
      if (batch.idempotency) await recordIdempotencyKey(this.db, this.model, batch.idempotency);
      let counts = batch.counts;
      if (more instanceof Map && more.size > 0) {
        counts = new Map(counts);
        for (const [counter, n] of more as Map<string, number>) counts.set(counter, (counts.get(counter) ?? 0) + n);
      }
      // Offsets, counters and COMMIT go as one text: each statement sent alone is a trip to
      // DuckDB's thread and ~1-2 ms of upsert, which at 10% sampling was most of a chunk's time.
      const closing = this.closingSql({ ...batch, counts });
      await this.db.run(closing.sql);
      closing.committed();
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => {});
      this.quarantineRows = -1;
      this.minute = -1;
      throw error;
    }
  }

  /** Counts the model's quarantine again (inside the transaction, after rows of it were deleted). */
  async recountQuarantine(): Promise<void> {
    this.quarantineRows = await quarantineSize(this.db, this.model);
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
  private closingSql(batch: TransactionParts): { sql: string; committed: () => void } {
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
