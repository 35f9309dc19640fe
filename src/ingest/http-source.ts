import { createHash } from 'node:crypto';
import type { ApiConfig } from '../config/api.js';
import type { ModelConfig } from '../config/schema.js';
import { CONFIG_DEFAULTS } from '../config/schema.js';
import { COUNTERS, type IngestResult, type PredictionEvent, quarantineReason, type WriteBatch } from '../contracts/event.js';
import type { BaselineProfile } from '../contracts/profile.js';
import type { Database } from '../store/database.js';
import { findIdempotencyKey, storedIds } from '../store/idempotency.js';
import { loadOffsets } from '../store/offsets.js';
import { SamplesWriter } from '../store/samples-writer.js';
import { WriteLock } from '../store/write-lock.js';
import type { Store } from '../store/store.js';
import { buildBatch, type IncomingMessage } from './batch.js';
import { EventDecoder, featureSpecs } from './decoder.js';

/**
 * The `_topic` of events that came over HTTP. '@' cannot be in a Kafka topic name, so these
 * rows and their offsets can never be mistaken for a real topic's.
 */
export const HTTP_TOPIC = '@http';

/** Without a config (tests): Stripe's 24 h. */
const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** Attempts of a write that lost a DuckDB write-write conflict (another writer updated the same counters). */
const CONFLICT_ATTEMPTS = 8;

/** What HTTP ingest remembers, and for how long (`api.idempotencyWindow`). */
export type IdempotencyConfig = Pick<ApiConfig, 'idempotencyWindow'>;

/** A request's options: its Idempotency-Key, and the clock (tests pass their own). */
export interface IngestRequest {
  key?: string;
  now?: number;
}

/** What a request did; `replayed` when it is the stored answer to an earlier request with its Idempotency-Key. */
export type IngestAnswer = IngestResult & { replayed?: true };

/** The same Idempotency-Key as an earlier request of the window, with another body: nothing is stored. */
export class IdempotencyKeyReused extends Error {
  override readonly name = 'IdempotencyKeyReused';
  constructor(key: string, firstAt: number) {
    super(
      `Idempotency-Key '${key}' was used at ${new Date(firstAt).toISOString()} with a different body: a key may only be sent again with the same events (use a new key for new events)`,
    );
  }
}

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
    /** The samples table (for the event ids already stored). */
    private readonly table: string,
    private readonly idempotency: IdempotencyConfig,
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
    idempotency: IdempotencyConfig = { idempotencyWindow: DEFAULT_IDEMPOTENCY_WINDOW_MS },
  ): Promise<HttpIngest> {
    const features = featureSpecs(profile, model.event);
    const table = await store.ensureSamplesTable(model.name, features);
    const next = (await loadOffsets(store.db, model.name)).get(`${HTTP_TOPIC}/0`) ?? 0n;
    const db = await store.connect();
    const writer = new SamplesWriter(db, model.name, table, features, quarantineKeep);
    // An HTTP-only model has no source: the body limit caps requests, this caps each event.
    const decoder = new EventDecoder(features, model.event, model.source?.maxMessageBytes ?? CONFIG_DEFAULTS.maxMessageBytes);
    return new HttpIngest(db, model, decoder, writer, next, lock, table, idempotency);
  }

  /**
   * Stores the events (all in one transaction) and says what became of them. Requests are written
   * one at a time. With a `key` (the Idempotency-Key header) seen within the window, the first
   * answer is returned again and nothing is stored; the same key with other events throws
   * {@link IdempotencyKeyReused}. With `event.id` configured, an id already stored (while its row
   * is kept: storage.retention), or earlier in the request, is not stored again: a duplicate.
   */
  ingest(events: readonly PredictionEvent[], request: IngestRequest = {}): Promise<IngestAnswer> {
    const now = request.now ?? Date.now();
    return this.lock.run(() => this.write(events, now, request.key));
  }

  /** Waits for the writes queued so far, then closes the connection. */
  async close(): Promise<void> {
    await this.lock.run(async () => {});
    this.db.close();
  }

  private async write(events: readonly PredictionEvent[], now: number, key: string | undefined): Promise<IngestAnswer> {
    const since = now - this.idempotency.idempotencyWindow;
    const bodyHash = key === undefined ? '' : hashBody(events);
    if (key !== undefined) {
      const first = await earlierAnswer<IngestResult>(this.db, this.model.name, key, bodyHash, since);
      if (first) return { ...first, replayed: true };
    }
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
    if (this.model.event?.id !== undefined) await this.dropStoredIds(batch);
    const result = resultOf(batch, events.length);
    if (key !== undefined) batch.idempotency = { key, bodyHash, response: JSON.stringify(result), at: now };
    await this.writeWithRetry(batch);
    this.next += BigInt(events.length);
    return result;
  }

  /** Leaves out of the batch the events whose id is stored already or came earlier in it. */
  private async dropStoredIds(batch: WriteBatch): Promise<void> {
    const ids = batch.events.map((e) => e.event.id).filter((id): id is string => id !== null);
    const seen = await storedIds(this.db, this.table, [...new Set(ids)]);
    const before = batch.events.length;
    batch.events = batch.events.filter((e) => {
      const id = e.event.id;
      if (id === null) return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const dropped = before - batch.events.length;
    if (dropped === 0) return;
    batch.counts.set(COUNTERS.stored, (batch.counts.get(COUNTERS.stored) ?? 0) - dropped);
    if (batch.counts.get(COUNTERS.stored) === 0) batch.counts.delete(COUNTERS.stored);
    batch.counts.set(COUNTERS.duplicate, dropped);
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
  return {
    received,
    sampled: batch.counts.get(COUNTERS.sampled) ?? 0,
    stored: batch.counts.get(COUNTERS.stored) ?? 0,
    duplicates: batch.counts.get(COUNTERS.duplicate) ?? 0,
    quarantined,
  };
}

/** The hash an Idempotency-Key's body is compared by: of the parsed body, so spacing does not matter. */
export function hashBody(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * The answer stored for an earlier request of the model with this Idempotency-Key (`stored`: the
 * key as stored, `shown`: as the client sent it), from `since` on; undefined when there is none.
 * The same key with another body throws {@link IdempotencyKeyReused}. Events and labels share it.
 */
export async function earlierAnswer<T>(
  db: Database,
  model: string,
  stored: string,
  bodyHash: string,
  since: number,
  shown = stored,
): Promise<T | undefined> {
  const first = await findIdempotencyKey(db, model, stored, since);
  if (!first) return undefined;
  if (first.bodyHash !== bodyHash) throw new IdempotencyKeyReused(shown, first.at);
  return JSON.parse(first.response) as T;
}
