import type { ModelConfig } from '../config/schema.js';
import { CONFIG_DEFAULTS } from '../config/schema.js';
import { COUNTERS, type IngestResult, type PredictionEvent, quarantineReason, type WriteBatch } from '../contracts/event.js';
import type { BaselineProfile } from '../contracts/profile.js';
import type { Database } from '../store/database.js';
import { loadOffsets } from '../store/offsets.js';
import { SamplesWriter } from '../store/samples-writer.js';
import type { Store } from '../store/store.js';
import { buildBatch, type IncomingMessage } from './batch.js';
import { EventDecoder, featureSpecs } from './decoder.js';

/**
 * The `_topic` of events that came over HTTP. '@' cannot be in a Kafka topic name, so these
 * rows and their offsets can never be mistaken for a real topic's.
 */
export const HTTP_TOPIC = '@http';

/** Attempts of a write that lost a DuckDB write-write conflict (another writer updated the same counters). */
const CONFLICT_ATTEMPTS = 8;

// One model's store writes go behind one WriteLock: give the same lock to the model's Kafka writer
// and its HttpIngest, so neither loses a transaction to a conflict on the model's `ingest_counts` rows.
import { WriteLock } from '../store/write-lock.js';

export { WriteLock };

/**
 * HTTP ingest of one model: events go through the same decoder, sampler and writer as Kafka
 * messages, on a connection of its own, as partition 0 of the pseudo-topic {@link HTTP_TOPIC}
 * with offsets stored in `offsets` like a Kafka partition's. Requests are written one at a time.
 */
export class HttpIngest {
  private constructor(
    private readonly db: Database,
    private readonly model: ModelConfig,
    private readonly decoder: EventDecoder,
    private readonly writer: SamplesWriter,
    /** The offset the next event gets. */
    private next: bigint,
    /** Orders this model's writes (shared with its Kafka writer when the service gives one). */
    private readonly lock: WriteLock,
  ) {}

  /**
   * Opens the model's HTTP ingest (creating its samples table if needed). Close it on shutdown.
   * `lock`: the model's {@link WriteLock}, shared with its Kafka writer.
   */
  static async open(
    store: Store,
    model: ModelConfig,
    profile: BaselineProfile,
    quarantineKeep: number,
    lock = new WriteLock(),
  ): Promise<HttpIngest> {
    const features = featureSpecs(profile, model.event);
    const table = await store.ensureSamplesTable(model.name, features);
    const next = (await loadOffsets(store.db, model.name)).get(`${HTTP_TOPIC}/0`) ?? 0n;
    const db = await store.connect();
    const writer = new SamplesWriter(db, model.name, table, features, quarantineKeep);
    // An HTTP-only model has no source: the body limit caps requests, this caps each event.
    const decoder = new EventDecoder(features, model.event, model.source?.maxMessageBytes ?? CONFIG_DEFAULTS.maxMessageBytes);
    return new HttpIngest(db, model, decoder, writer, next, lock);
  }

  /** Stores the events (all in one transaction) and says what became of them. Requests are written one at a time. */
  ingest(events: readonly PredictionEvent[], now = Date.now()): Promise<IngestResult> {
    return this.lock.run(() => this.write(events, now));
  }

  /** Waits for the writes queued so far, then closes the connection. */
  async close(): Promise<void> {
    await this.lock.run(async () => {});
    this.db.close();
  }

  private async write(events: readonly PredictionEvent[], now: number): Promise<IngestResult> {
    // The event as a message of the pseudo-topic: the parsed body handed to the decoder as it is
    // (no text made and parsed again), no key, the receipt time as the message time (used when
    // the mapping has no timestamp path).
    const messages: IncomingMessage[] = events.map((event, i) => ({
      topic: HTTP_TOPIC,
      partition: 0,
      offset: this.next + BigInt(i),
      key: null,
      value: null,
      timestampMs: now,
      parsed: event,
    }));
    const batch = buildBatch(messages, this.decoder, this.model.sampling);
    await this.writeWithRetry(batch);
    this.next += BigInt(events.length);
    return resultOf(batch, events.length);
  }

  /**
   * Without a shared {@link WriteLock}, the Kafka consumer of the same model upserts the same `ingest_counts` rows on its own
   * connection; DuckDB refuses the second of two concurrent transactions that touch a row ("write-write
   * conflict", or a duplicate key when both insert a counter's first row). The writer rolled the
   * whole transaction back, so the batch is simply written again.
   */
  private async writeWithRetry(batch: WriteBatch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writer.write(batch);
        return;
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isWriteConflict(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt + Math.random() * 10));
      }
    }
  }
}

/** True for DuckDB's refusals of concurrent writes of one row, which a retry of the transaction resolves. */
export function isWriteConflict(error: unknown): boolean {
  // The writer's only keyed writes are the upserts of offsets and counters: a duplicate key there
  // is the other writer's insert of the same first row, committed first.
  return /conflict|duplicate key/i.test(error instanceof Error ? error.message : String(error));
}

/** The result of a request from its batch's counters. */
function resultOf(batch: WriteBatch, received: number): IngestResult {
  const quarantined: Record<string, number> = {};
  for (const [counter, n] of batch.counts) {
    const reason = quarantineReason(counter);
    if (reason !== undefined) quarantined[reason] = (quarantined[reason] ?? 0) + n;
  }
  return { received, sampled: batch.counts.get(COUNTERS.sampled) ?? 0, stored: batch.counts.get(COUNTERS.stored) ?? 0, quarantined };
}
