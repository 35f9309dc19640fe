import { timestampValue } from '@duckdb/node-api';
import type { DecodedEvent, FeatureSpec } from '../ingest/decoder.js';
import type { Database } from './database.js';

/** A decoded event with its place in the log. */
export interface StoredEvent {
  topic: string;
  partition: number;
  offset: bigint;
  event: DecodedEvent;
}

/** A message set aside, kept (as a bounded sample) in the quarantine table. */
export interface QuarantinedMessage {
  topic: string | null;
  partition: number | null;
  offset: bigint | null;
  reason: string;
  detail: string;
  /** The payload as text, cut to a readable length. */
  payload: string | null;
}

/** Everything one transaction writes: rows, the quarantine, the next offsets and the counters. */
export interface WriteBatch {
  events: StoredEvent[];
  quarantined: QuarantinedMessage[];
  /** "topic/partition" -> next offset to read after this batch. */
  offsets: Map<string, bigint>;
  /** Counter name -> increment (consumed, sampled, stored, a reject reason...). */
  counts: Map<string, number>;
}

const MAX_PAYLOAD_TEXT = 2000;

/** Cuts a payload for the quarantine table. */
export function payloadText(value: Buffer | null): string | null {
  if (!value) return null;
  const text = value.subarray(0, MAX_PAYLOAD_TEXT * 4).toString('utf8');
  return text.length > MAX_PAYLOAD_TEXT ? `${text.slice(0, MAX_PAYLOAD_TEXT)}…` : text;
}

/**
 * Writes a model's batches on its own connection: rows through DuckDB's appender, then the
 * quarantine sample, the offsets and the counters, all in **one transaction**. Either all of it
 * is in the file or none of it is, so a crash at any point loses nothing and counts nothing twice.
 */
export class SamplesWriter {
  private quarantineRows = -1;

  constructor(
    private readonly db: Database,
    private readonly model: string,
    private readonly table: string,
    private readonly features: readonly FeatureSpec[],
    private readonly quarantineKeep: number,
  ) {}

  async write(batch: WriteBatch): Promise<void> {
    if (this.quarantineRows < 0) {
      this.quarantineRows = Number((await this.db.row(`SELECT count(*) AS n FROM quarantine WHERE model = ?`, [this.model])).n);
    }
    await this.db.run('BEGIN TRANSACTION');
    try {
      if (batch.events.length > 0) await this.appendEvents(batch.events);
      await this.quarantine(batch.quarantined);
      for (const [key, next] of batch.offsets) {
        const slash = key.lastIndexOf('/');
        await this.db.run(
          `INSERT INTO offsets VALUES (?, ?, ?, ?) ON CONFLICT (model, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset`,
          [this.model, key.slice(0, slash), Number(key.slice(slash + 1)), next],
        );
      }
      for (const [counter, value] of batch.counts) {
        if (value === 0) continue;
        await this.db.run(
          `INSERT INTO ingest_counts VALUES (?, ?, ?) ON CONFLICT (model, counter) DO UPDATE SET value = ingest_counts.value + excluded.value`,
          [this.model, counter, value],
        );
      }
      await this.db.run('COMMIT');
    } catch (error) {
      await this.db.run('ROLLBACK').catch(() => {});
      this.quarantineRows = -1;
      throw error;
    }
  }

  private async appendEvents(events: StoredEvent[]): Promise<void> {
    const appender = await this.db.appender(this.table);
    try {
      const kinds = this.features.map((f) => f.kind);
      for (const { topic, partition, offset, event } of events) {
        for (let i = 0; i < kinds.length; i++) {
          const value = event.values[i];
          if (value === null || value === undefined) appender.appendNull();
          else if (kinds[i] === 'numeric') appender.appendDouble(value as number);
          else appender.appendVarchar(value as string);
        }
        appender.appendTimestamp(timestampValue(BigInt(Math.round(event.timestampMs)) * 1000n));
        appender.appendVarchar(topic);
        appender.appendInteger(partition);
        appender.appendBigInt(offset);
        appendText(appender, event.id);
        appendText(appender, event.prediction);
        appendText(appender, event.extra);
        appendText(appender, event.errors);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Adds the newest rejects; past twice the limit, trims to the newest `quarantineKeep`. */
  private async quarantine(messages: QuarantinedMessage[]): Promise<void> {
    const fresh = messages.slice(-this.quarantineKeep);
    if (fresh.length === 0) return;
    const now = timestampValue(BigInt(Date.now()) * 1000n);
    for (const m of fresh) {
      await this.db.run(
        `INSERT INTO quarantine (model, topic, "partition", "offset", reason, detail, payload, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [this.model, m.topic, m.partition, m.offset, m.reason, m.detail, m.payload, now],
      );
    }
    this.quarantineRows += fresh.length;
    if (this.quarantineRows > 2 * this.quarantineKeep) {
      await this.db.run(
        `DELETE FROM quarantine WHERE model = ? AND id NOT IN (SELECT id FROM quarantine WHERE model = ? ORDER BY id DESC LIMIT ?)`,
        [this.model, this.model, this.quarantineKeep],
      );
      this.quarantineRows = this.quarantineKeep;
    }
  }
}

function appendText(appender: { appendNull(): void; appendVarchar(v: string): void }, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

