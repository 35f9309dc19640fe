import { z } from 'zod';
import type { QuarantinedMessage } from './event.js';

/**
 * The label contract: the true outcome of a prediction, known later (a chargeback, a delivery
 * time, a click), sent on a Kafka topic or over HTTP and joined with the stored prediction by
 * its event id at check time. Like the event contract, the decoded shapes are interfaces built on
 * the hot path; the zod schemas are for what comes from outside (a label value, an HTTP body).
 */

/** A label as a model's outcome: a class (text or number), true/false, or a regression target. */
export const LabelValue = z
  .union([z.string(), z.number().refine(Number.isFinite, 'expected a finite number'), z.boolean()], {
    error: 'expected a label: a class (text or number), true/false, or a finite number',
  })
  .describe('the label: a class (text or number), true/false, or a number (a regression target)');
export type LabelValue = z.infer<typeof LabelValue>;

/** One label of `POST /api/v1/models/{model}/labels`. */
export const LabelInput = z
  .object({
    id: z
      .union([z.string().min(1), z.number()], { error: 'expected the event id of a prediction: a non-empty text or a number' })
      .describe("the event id of the prediction it labels (the id the model's events carry: event.id, or the Kafka key)"),
    label: LabelValue,
    timestamp: z
      .union([z.string(), z.number()], { error: 'expected an ISO 8601 time or epoch seconds or milliseconds' })
      .optional()
      .describe('when the outcome was known (ISO 8601, or epoch s/ms); default: when the request is received. The latest wins'),
  })
  .strict();
export type LabelInput = z.infer<typeof LabelInput>;

/** A decoded label, ready for the labels table. */
export interface StoredLabel {
  /** The event id, as text (as `_id` of the samples). */
  id: string;
  /** The label as JSON text. */
  label: string;
  /** Label time, epoch ms. */
  labelMs: number;
  /** Where a Kafka label came from; null over HTTP. */
  topic: string | null;
  partition: number | null;
  offset: bigint | null;
}

/** Counter names of the labels in `ingest_counts`: prefixed, so that no label is counted as an event. */
export const LABEL_COUNTERS = {
  prefix: 'labels:',
  /** Label messages read (Kafka) or received (HTTP). */
  consumed: 'labels:consumed',
  /** Labels whose id the model's sampler leaves out: the prediction was not stored, so neither is the label. */
  sampledOut: 'labels:sampled_out',
  stored: 'labels:stored',
  /** Labels for an id that already had the same label. */
  duplicate: 'labels:duplicate',
  /** Labels for an id that already had another label (the latest label time wins). */
  corrected: 'labels:corrected',
  rejected: (reason: string) => `labels:rejected:${reason}`,
} as const;

/** Why a label message was set aside (with the event contract's payload reasons). */
export const LABEL_REJECT_REASONS = ['missing_id', 'missing_label', 'bad_label'] as const;

/** Everything one label transaction writes: the labels, the quarantine, the next offsets and the counters. */
export interface LabelBatch {
  labels: StoredLabel[];
  quarantined: QuarantinedMessage[];
  /** "topic/partition" -> next offset to read after this batch (empty over HTTP). */
  offsets: Map<string, bigint>;
  counts: Map<string, number>;
  /** HTTP: a label equal to its id's current label is a client's resend, not stored again (Kafka's offsets make each message distinct). */
  skipDuplicates?: boolean;
  /**
   * The HTTP request's Idempotency-Key, stored in the same transaction (as for events), with the
   * answer to replay: made from what the write found (duplicates and corrections are known only then).
   */
  idempotency?: { key: string; bodyHash: string; at: number; answer: (outcome: LabelWriteOutcome) => unknown };
}

/** What a write did with its labels. */
export interface LabelWriteOutcome {
  stored: number;
  duplicates: number;
  corrections: number;
}

/** What one HTTP labels request did. */
export interface LabelIngestResult {
  received: number;
  stored: number;
  /** Labels whose id the model's sampler leaves out (its prediction is not stored either). */
  sampledOut: number;
  /** Labels equal to their id's current label: not stored again. */
  duplicates: number;
  /** Labels that replaced another label of their id (or were older than it). */
  corrections: number;
}

/** A labelled prediction: both as JSON text (the samples' `_prediction`, the labels' `label`). */
export interface LabelledPair {
  prediction: string | null;
  label: string;
}

/**
 * True when a label's id gives the sampler's decision on its prediction: no sampling, sampling
 * by `id`, or by `key` where the key is the id (no `event.id` path). The one rule of the label
 * sampling (ingest/labels.ts) and of its config warning.
 */
export function labelsFollowSampling(sampling: { rate: number; by: string }, eventIdPath: unknown): boolean {
  return sampling.rate >= 1 || sampling.by === 'id' || (sampling.by === 'key' && eventIdPath === undefined);
}
