import type { SamplingConfig } from '../config/schema.js';
import type { QuarantinedMessage, StoredEvent, WriteBatch } from '../store/samples-writer.js';
import { payloadText } from '../store/samples-writer.js';
import type { EventDecoder } from './decoder.js';
import { keepSample, offsetKey } from './sampler.js';

/** A message from any source (Kafka, a replay, HTTP ingest), with its place in the log. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  timestampMs: number;
}

/** Counter names of `ingest_counts` and the metrics. */
export const COUNTERS = {
  consumed: 'consumed',
  sampled: 'sampled',
  stored: 'stored',
  rejected: (reason: string) => `rejected:${reason}`,
  problem: (reason: string) => `problem:${reason}`,
} as const;

/**
 * Decides, decodes and sorts one chunk of messages into what one transaction writes. Sampling
 * is decided on the key (or the offset) before the payload is parsed, so a 10% sample does not
 * pay for parsing every payload; `sampling.by = 'id'` has to parse first.
 */
export function buildBatch(messages: readonly IncomingMessage[], decoder: EventDecoder, sampling: SamplingConfig): WriteBatch {
  const events: StoredEvent[] = [];
  const quarantined: QuarantinedMessage[] = [];
  const counts = new Map<string, number>();
  const offsets = new Map<string, bigint>();
  const bump = (name: string, by = 1) => counts.set(name, (counts.get(name) ?? 0) + by);
  for (const m of messages) {
    const where = `${m.topic}/${m.partition}`;
    offsets.set(where, m.offset + 1n);
    bump(COUNTERS.consumed);
    const raw = { value: m.value, key: m.key, timestampMs: m.timestampMs };
    let json: Record<string, unknown> | undefined;
    if (sampling.by === 'id') {
      const parsed = decoder.parse(raw);
      if (parsed.ok) {
        json = parsed.json;
        const id = decoder.idOf(json, m.key) ?? offsetKey(m.topic, m.partition, String(m.offset));
        if (!keepSample(id, sampling.rate)) continue;
      } else if (!keepSample(offsetKey(m.topic, m.partition, String(m.offset)), sampling.rate)) continue;
    } else {
      const key = sampling.by === 'key' && m.key && m.key.length > 0 ? m.key : offsetKey(m.topic, m.partition, String(m.offset));
      if (!keepSample(key, sampling.rate)) continue;
    }
    bump(COUNTERS.sampled);
    const parsed = json ? ({ ok: true, json } as const) : decoder.parse(raw);
    if (!parsed.ok) {
      bump(COUNTERS.rejected(parsed.reason));
      quarantined.push({ topic: m.topic, partition: m.partition, offset: m.offset, reason: parsed.reason, detail: parsed.detail, payload: payloadText(m.value) });
      continue;
    }
    const event = decoder.decodeJson(parsed.json, raw);
    if (event.problems.length > 0) {
      for (const problem of new Set(event.problems)) bump(COUNTERS.problem(problem));
      quarantined.push({ topic: m.topic, partition: m.partition, offset: m.offset, reason: event.problems.join(','), detail: event.errors ?? '', payload: payloadText(m.value) });
    }
    events.push({ topic: m.topic, partition: m.partition, offset: m.offset, event });
  }
  bump(COUNTERS.stored, events.length);
  return { events, quarantined, offsets, counts };
}
