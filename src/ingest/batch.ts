import type { SamplingConfig } from '../config/schema.js';
import type { QuarantinedMessage, StoredEvent, WriteBatch } from '../contracts/event.js';
import type { EventDecoder } from './decoder.js';
import { keepSample, offsetKey, samplingKey } from './sampler.js';
import { COUNTERS } from '../contracts/event.js';
import { jsonText } from './json-text.js';

/** A message from any source (Kafka, a replay, HTTP ingest), with its place in the log. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  timestampMs: number;
  /**
   * The event already parsed (HTTP ingest: the request body's JSON), used instead of parsing
   * `value`, which is then null; its text is made only for the quarantine.
   */
  parsed?: Record<string, unknown>;
}

const MAX_PAYLOAD_TEXT = 2000;

/** Cuts a payload for the quarantine table. */
export function payloadText(value: Buffer | null): string | null {
  if (!value) return null;
  const text = value.subarray(0, MAX_PAYLOAD_TEXT * 4).toString('utf8');
  return text.length > MAX_PAYLOAD_TEXT ? `${text.slice(0, MAX_PAYLOAD_TEXT)}…` : text;
}

/** The quarantine text of a message: its payload, or the text of its parsed event. */
function quarantineText(m: IncomingMessage): string | null {
  if (m.value || !m.parsed) return payloadText(m.value);
  const text = jsonText(m.parsed);
  return text.length > MAX_PAYLOAD_TEXT ? `${text.slice(0, MAX_PAYLOAD_TEXT)}…` : text;
}

/**
 * A chunk whose sampling on the key or the offset its source already decided, on its own message
 * objects (see KafkaIngest): `messages` are then the kept ones, and this says what they were kept from.
 */
export interface PresampledChunk {
  /** Messages the chunk had before sampling. */
  consumed: number;
  /** "topic/partition" -> the offset after the chunk's last message, kept or not. */
  next: Map<string, bigint>;
}

/**
 * Decides, decodes and sorts one chunk of messages into what one transaction writes. Sampling
 * is decided on the key (or the offset) before the payload is parsed, so a 10% sample does not
 * pay for parsing every payload; `sampling.by = 'id'` has to parse first. With `presampled`,
 * the caller has decided it already and `messages` are the kept ones.
 */
export function buildBatch(
  messages: readonly IncomingMessage[],
  decoder: EventDecoder,
  sampling: SamplingConfig,
  presampled?: PresampledChunk,
): WriteBatch {
  if (presampled && sampling.by === 'id') throw new Error('sampling by id is decided on the parsed payload, not before');
  const events: StoredEvent[] = [];
  const quarantined: QuarantinedMessage[] = [];
  const offsets = new Map<string, bigint>();
  // Per message only what cannot wait: the per-partition next offset is set when the partition
  // changes and at the end, the counters are tallied in plain numbers. At 10% sampling, a Map
  // update and a bigint per message were a visible share of the service's time.
  const reasons = new Map<string, number>();
  const bump = (name: string) => reasons.set(name, (reasons.get(name) ?? 0) + 1);
  let sampled = 0;
  let where = '';
  let previous: IncomingMessage | undefined;
  const keepAll = sampling.rate >= 1 || presampled !== undefined;
  for (const m of messages) {
    if (previous === undefined || m.topic !== previous.topic || m.partition !== previous.partition) {
      if (previous !== undefined) offsets.set(where, previous.offset + 1n);
      where = `${m.topic}/${m.partition}`;
    }
    previous = m;
    let json: Record<string, unknown> | undefined;
    if (sampling.by === 'id') {
      const parsed = m.parsed ? ({ ok: true, json: m.parsed } as const) : decoder.parse(m);
      if (parsed.ok) {
        json = parsed.json;
        const id = decoder.idOf(json, m.key) ?? offsetKey(m.topic, m.partition, String(m.offset));
        if (!keepSample(id, sampling.rate)) continue;
      } else if (!keepSample(offsetKey(m.topic, m.partition, String(m.offset)), sampling.rate)) continue;
    } else if (!keepAll) {
      if (!keepSample(samplingKey(sampling.by, m.topic, m.partition, String(m.offset), m.key), sampling.rate)) continue;
    }
    sampled++;
    // The message itself is the decoder's RawMessage (value, key, timestampMs): no copy of it.
    const given = json ?? m.parsed;
    const parsed = given ? ({ ok: true, json: given } as const) : decoder.parse(m);
    if (!parsed.ok) {
      bump(COUNTERS.rejected(parsed.reason));
      quarantined.push({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        reason: parsed.reason,
        detail: parsed.detail,
        payload: quarantineText(m),
      });
      continue;
    }
    const decoded = decoder.decodeJson(parsed.json, m);
    if (!decoded.ok) {
      bump(COUNTERS.rejected(decoded.reason));
      quarantined.push({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        reason: decoded.reason,
        detail: decoded.detail,
        payload: quarantineText(m),
      });
      continue;
    }
    const event = decoded.event;
    if (event.problems.length > 0) {
      for (const problem of new Set(event.problems)) bump(COUNTERS.problem(problem));
      quarantined.push({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        reason: event.problems.join(','),
        detail: event.errors ?? '',
        payload: quarantineText(m),
      });
    }
    events.push({ topic: m.topic, partition: m.partition, offset: m.offset, event });
  }
  if (previous !== undefined) offsets.set(where, previous.offset + 1n);
  if (presampled) for (const [key, next] of presampled.next) offsets.set(key, next);
  const consumed = presampled?.consumed ?? messages.length;
  // The counters in the order the per-message tally made them: consumed, sampled, reasons, stored.
  const counts = new Map<string, number>();
  if (consumed > 0) counts.set(COUNTERS.consumed, consumed);
  if (sampled > 0) counts.set(COUNTERS.sampled, sampled);
  for (const [name, n] of reasons) counts.set(name, n);
  counts.set(COUNTERS.stored, events.length);
  return { events, quarantined, offsets, counts };
}
