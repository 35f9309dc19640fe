import type { KafkaMessage } from 'kafkajs';
import { type LabelsConfig, type ModelConfig, SourceConfig } from '../config/schema.js';
import type { CompiledPath, QuarantinedMessage } from '../contracts/event.js';
import {
  LABEL_COUNTERS,
  labelsFollowSampling,
  type LabelBatch,
  type LabelIngestResult,
  type LabelInput,
  LabelValue,
  type LabelWriteOutcome,
  type StoredLabel,
} from '../contracts/label.js';
import type { Database } from '../store/database.js';
import type { WriteLock } from '../store/write-lock.js';
import { payloadText } from './batch.js';
import { idText, jsonText, parsePayload, parseTimestamp, type RawMessage } from './decoder.js';
import { earlierAnswer, hashBody, type IdempotencyConfig, type IngestRequest } from './http-source.js';
import { type ChunkSink, CHUNK_ROWS, incoming } from './kafka-source.js';
import { compilePath, readPath } from './paths.js';
import { keepSample } from './sampler.js';

/**
 * Labels that arrive later: read from a model's label topics by a consumer of its own (the same
 * KafkaIngest as predictions, with {@link labelSink}), or taken over HTTP ({@link HttpLabels}),
 * then kept or dropped by the model's sampling decision on their id and written by the store's
 * LabelsWriter. See docs/ingest.md, "Labels".
 */

/** A model whose labels come from Kafka. */
export type KafkaLabelsModel = Pick<ModelConfig, 'name' | 'source'> & { labels: LabelsConfig & { topics: string[] } };

/** True when the model reads labels from Kafka topics. */
export function readsLabelTopics(model: ModelConfig): model is ModelConfig & KafkaLabelsModel {
  return model.labels?.topics !== undefined;
}

/**
 * The source the label consumer reads: the label topics, in a group of their own
 * (`driftwatch-<model>-labels` unless `labels.groupId`), with the model's session and fetch pace
 * when it has a source (the defaults otherwise).
 */
export function labelSource(model: KafkaLabelsModel): { name: string; source: SourceConfig } {
  const { labels } = model;
  const defaults = SourceConfig.parse({
    topics: labels.topics,
    startFrom: labels.startFrom,
    groupId: labels.groupId ?? `driftwatch-${model.name}-labels`,
  });
  const s = model.source;
  const inherited = s
    ? { sessionTimeout: s.sessionTimeout, fetch: s.fetch, metadataInterval: s.metadataInterval, maxMessageBytes: s.maxMessageBytes }
    : {};
  return { name: model.name, source: { ...defaults, ...inherited } };
}

/** Whether a label is kept: the model's sampling decision on its id, where one can be made. */
export interface LabelSampling {
  keep(id: string): boolean;
  /**
   * True when `keep` gives the decision the sampler made on the id's prediction: sampling by
   * `id`, or by `key` when the key is the id (no `event.id`), or no sampling. Otherwise every
   * label is kept, and an unmatched label may be one of a prediction sampled out.
   */
  reproducible: boolean;
}

/**
 * The model's sampling decision for labels. The sampler hashes an event's id (`by: id`) or its
 * message key (`by: key`, where the id is the key when no `event.id` path is set): a label's id
 * hashes the same, so the label of a stored prediction is kept and the label of one sampled out
 * is dropped (counted in `labels:sampled_out`) rather than stored as "unmatched". With
 * `by: offset`, or a key that is not the id, the label cannot know: every label is kept.
 */
export function labelSampling(model: Pick<ModelConfig, 'sampling' | 'event'>): LabelSampling {
  const { rate } = model.sampling;
  if (!labelsFollowSampling(model.sampling, model.event.id)) return { keep: () => true, reproducible: false };
  return { keep: (id) => keepSample(id, rate), reproducible: true };
}

type Decoded =
  | { ok: true; label: Omit<StoredLabel, 'topic' | 'partition' | 'offset'>; badTimestamp?: string }
  | { ok: false; reason: string; detail: string };

/** Reads label messages with the model's `labels` paths: the id, the label and its time. Never throws on input. */
export class LabelDecoder {
  private readonly id: CompiledPath;
  private readonly label: CompiledPath;
  private readonly timestamp?: CompiledPath;

  constructor(
    paths: Pick<LabelsConfig, 'id' | 'label' | 'timestamp'>,
    private readonly maxBytes: number,
  ) {
    if (paths.id === undefined || paths.label === undefined) throw new Error('a label decoder needs the id and label paths');
    this.id = compilePath(paths.id);
    this.label = compilePath(paths.label);
    if (paths.timestamp !== undefined) this.timestamp = compilePath(paths.timestamp);
  }

  decode(message: RawMessage): Decoded {
    const parsed = parsePayload(message, this.maxBytes);
    if (!parsed.ok) return parsed;
    const id = idText(readPath(parsed.json, this.id));
    if (id === null || id === '') return { ok: false, reason: 'missing_id', detail: 'the message has no id at the labels.id path' };
    const raw = readPath(parsed.json, this.label);
    if (raw === undefined || raw === null)
      return { ok: false, reason: 'missing_label', detail: 'the message has no label at the labels.label path' };
    const value = LabelValue.safeParse(raw);
    if (!value.success)
      return {
        ok: false,
        reason: 'bad_label',
        detail: `expected a class (text or number), true/false, or a finite number; got ${(jsonText(raw) ?? '').slice(0, 100)}`,
      };
    let labelMs = message.timestampMs;
    let badTimestamp: string | undefined;
    if (this.timestamp) {
      const t = readPath(parsed.json, this.timestamp);
      const ms = parseTimestamp(t);
      if (ms === undefined) badTimestamp = `not a time: ${String(jsonText(t) ?? t).slice(0, 100)}; the message time is used`;
      else labelMs = ms;
    }
    return { ok: true, label: { id, label: jsonText(value.data), labelMs }, ...(badTimestamp ? { badTimestamp } : {}) };
  }
}

/** The label counters of a batch: the consumer's own (a log reset's `lost:retention`...) get the labels' prefix. */
function labelCounts(counts: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [counter, n] of counts) {
    const name = counter.startsWith(LABEL_COUNTERS.prefix) ? counter : `${LABEL_COUNTERS.prefix}${counter}`;
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}

/**
 * The sink of a model's label consumer: each chunk's label messages decoded, kept by the sampling
 * decision on their id, and written with the chunk's offsets in one transaction (the model's
 * LabelsWriter, behind its write lock). Bad messages are counted and quarantined, never stop it.
 */
export function labelSink(
  decoder: LabelDecoder,
  sampling: LabelSampling,
  write: (batch: LabelBatch) => Promise<unknown>,
): ChunkSink<LabelBatch> {
  return {
    chunkMessages: CHUNK_ROWS,
    build(topic: string, partition: number, chunk: readonly KafkaMessage[]): LabelBatch {
      const labels: StoredLabel[] = [];
      const quarantined: QuarantinedMessage[] = [];
      const counts = new Map<string, number>([[LABEL_COUNTERS.consumed, chunk.length]]);
      const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
      for (const m of chunk) {
        const message = incoming(topic, partition, m);
        const where = { topic, partition, offset: message.offset };
        const decoded = decoder.decode(message);
        if (!decoded.ok) {
          bump(LABEL_COUNTERS.rejected(decoded.reason));
          quarantined.push({ ...where, reason: decoded.reason, detail: decoded.detail, payload: payloadText(message.value) });
          continue;
        }
        if (!sampling.keep(decoded.label.id)) {
          bump(LABEL_COUNTERS.sampledOut);
          continue;
        }
        if (decoded.badTimestamp !== undefined) {
          bump(`${LABEL_COUNTERS.prefix}problem:bad_timestamp`);
          quarantined.push({ ...where, reason: 'bad_timestamp', detail: decoded.badTimestamp, payload: payloadText(message.value) });
        }
        labels.push({ ...decoded.label, ...where });
      }
      const last = BigInt(chunk[chunk.length - 1]!.offset);
      return { labels, quarantined, offsets: new Map([[`${topic}/${partition}`, last + 1n]]), counts };
    },
    marker: (offsets, counts) => ({ labels: [], quarantined: [], offsets, counts }),
    write: async (batch) => {
      await write({ ...batch, counts: labelCounts(batch.counts) });
    },
  };
}

/** What an HTTP labels request did; `replayed` when it is the stored answer to an earlier request with its Idempotency-Key. */
export type LabelAnswer = LabelIngestResult & { replayed?: true };

/**
 * HTTP labels of one model (`POST /api/v1/models/{model}/labels`): the same sampling decision
 * and writer as its label topics, on the model's write connection behind its write lock. A
 * resend is safe: with an Idempotency-Key it gets the first answer again (stored in the same
 * transaction as the labels, as for events; keys of labels are kept apart from those of events),
 * and without one a label equal to its id's current label is a duplicate, not stored again.
 */
export class HttpLabels {
  private readonly sampling: LabelSampling;

  constructor(
    private readonly db: Database,
    private readonly model: ModelConfig,
    private readonly write: (batch: LabelBatch) => Promise<LabelWriteOutcome>,
    private readonly lock: WriteLock,
    private readonly idempotency: IdempotencyConfig,
  ) {
    this.sampling = labelSampling(model);
  }

  ingest(inputs: readonly LabelInput[], request: IngestRequest = {}): Promise<LabelAnswer> {
    const now = request.now ?? Date.now();
    return this.lock.run(() => this.store(inputs, now, request.key));
  }

  private async store(inputs: readonly LabelInput[], now: number, key: string | undefined): Promise<LabelAnswer> {
    const bodyHash = key === undefined ? '' : hashBody(inputs);
    const storedKey = `labels:${key}`;
    if (key !== undefined) {
      const first = await earlierAnswer<LabelIngestResult>(
        this.db,
        this.model.name,
        storedKey,
        bodyHash,
        now - this.idempotency.idempotencyWindow,
        key,
      );
      if (first) return { ...first, replayed: true };
    }
    const labels: StoredLabel[] = [];
    let sampledOut = 0;
    for (const input of inputs) {
      const id = idText(input.id)!;
      if (!this.sampling.keep(id)) {
        sampledOut++;
        continue;
      }
      const labelMs = input.timestamp === undefined ? now : (parseTimestamp(input.timestamp) ?? now);
      labels.push({ id, label: jsonText(input.label), labelMs, topic: null, partition: null, offset: null });
    }
    const answer = (outcome: LabelWriteOutcome): LabelIngestResult => ({
      received: inputs.length,
      stored: outcome.stored,
      sampledOut,
      duplicates: outcome.duplicates,
      corrections: outcome.corrections,
    });
    const counts = new Map([
      [LABEL_COUNTERS.consumed, inputs.length],
      [LABEL_COUNTERS.sampledOut, sampledOut],
    ]);
    const outcome = await this.write({
      labels,
      quarantined: [],
      offsets: new Map(),
      counts,
      skipDuplicates: true,
      ...(key !== undefined ? { idempotency: { key: storedKey, bodyHash, at: now, answer } } : {}),
    });
    return answer(outcome);
  }
}
