import { z } from 'zod';

/**
 * The event contract: what a model logs (a JSON object per prediction, on Kafka or over HTTP),
 * and what the ingest hands the store once it has decoded one (the rows, offsets, counters and
 * quarantine of one transaction). The decoded shapes are TypeScript interfaces, not zod: they are
 * built by the decoder on the hot path and never parsed from outside.
 */

/** One prediction event as a model logs it: a JSON object, read with the model's event mapping. */
export const PredictionEvent = z.record(z.string(), z.unknown()).describe("one prediction event, read with the model's event mapping");
export type PredictionEvent = z.infer<typeof PredictionEvent>;

/** A compiled path: the keys (object fields) and indexes (array items) to walk. */
export type CompiledPath = readonly (string | number)[];

/** Why a message, or a value in it, was set aside. Counted per model, quarantined as a sample. */
export const REJECT_REASONS = ['empty_payload', 'too_large', 'malformed_json', 'not_an_object', 'too_deep'] as const;
export const VALUE_PROBLEMS = ['missing_feature', 'wrong_type', 'non_finite', 'bad_timestamp'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export type ValueProblem = (typeof VALUE_PROBLEMS)[number];

/** A feature as the decoder and the samples table see it. */
export interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'categorical';
  /** The JS type the training data had: a numeric feature wants numbers; a categorical one strings, booleans or numbers. */
  expects: 'number' | 'string' | 'boolean';
  path: CompiledPath;
}

/** A decoded event, ready for the samples table. `values` follow the feature order. */
export interface DecodedEvent {
  values: (number | string | null)[];
  /** Event time in epoch milliseconds. */
  timestampMs: number;
  id: string | null;
  /** The prediction as JSON text. */
  prediction: string | null;
  /** Fields of the features object that the baseline does not know, as JSON text. */
  extra: string | null;
  /** Per feature, what was wrong with its value, as JSON text (null when nothing was). */
  errors: string | null;
  problems: ValueProblem[];
}

/** Counter names of `ingest_counts` and the metrics. */
export const COUNTERS = {
  consumed: 'consumed',
  sampled: 'sampled',
  stored: 'stored',
  /** HTTP events not stored: their event id (event.id) is stored already. */
  duplicate: 'duplicate',
  rejected: (reason: string) => `rejected:${reason}`,
  problem: (reason: string) => `problem:${reason}`,
  /** Messages Kafka deleted before they were read (`retention`), counted once when the consumer finds the gap. */
  lost: (reason: string) => `lost:${reason}`,
  /** Times a partition's stored position was moved to its log's start: `retention`, or `new_log` (a topic deleted and created again). */
  logReset: (reason: string) => `log_reset:${reason}`,
} as const;

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
  /**
   * Offset ranges [from, to) whose stored rows this batch replaces (a replay): deleted in the
   * same transaction before the rows are appended, so replaying a range twice stores it once.
   */
  replaces?: { topic: string; partition: number; from: bigint; to: bigint }[];
  /**
   * The HTTP request's Idempotency-Key, with its body's hash and its answer: stored in the same
   * transaction as the rows (store/idempotency.ts), so no crash leaves one without the other.
   */
  idempotency?: { key: string; bodyHash: string; response: string; at: number };
}

/** The quarantine reason of an `ingest_counts` counter (rejected:<reason> or problem:<reason>), else undefined. */
export function quarantineReason(counter: string): string | undefined {
  const match = /^(?:rejected|problem):(.+)$/.exec(counter);
  return match?.[1];
}

/** Reads the reason of counters named `prefix` + reason (`counterReason(COUNTERS.lost(''))('lost:retention')` is 'retention'). */
export function counterReason(prefix: string): (counter: string) => string | undefined {
  return (counter) => (counter.startsWith(prefix) ? counter.slice(prefix.length) : undefined);
}

/** What one HTTP ingest request did, by the same counters as Kafka ingest (`ingest_counts`). */
export interface IngestResult {
  /** Events in the request. */
  received: number;
  /** Events kept by the sampler. */
  sampled: number;
  /** Events written to the samples table (some may also be quarantined for a bad value). */
  stored: number;
  /** Events not stored because their id (event.id) is stored already, or came earlier in the request. */
  duplicates: number;
  /** Events set aside (unreadable, or stored with a bad value), by reason. */
  quarantined: Record<string, number>;
}
