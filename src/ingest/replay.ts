import type { Admin, Kafka } from 'kafkajs';
import type { KafkaModelConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProgressFn } from '../progress.js';
import type { SamplesWriter } from '../store/samples-writer.js';
import { buildBatch, type IncomingMessage } from './batch.js';
import type { EventDecoder } from './decoder.js';
import { MAX_BYTES_PER_PARTITION } from './kafka-source.js';

/** Where a replay starts or ends: an offset (the same on every partition) or a time. */
export type ReplayBound = { offset: bigint } | { timeMs: number };

/** Reads "12345" as an offset; an ISO time or a duration ago ("2h") as a time. */
export function parseReplayBound(text: string, now = Date.now()): ReplayBound {
  if (/^\d+$/.test(text)) return { offset: BigInt(text) };
  const ago = /^(\d+)(m|h|d)$/.exec(text);
  if (ago) return { timeMs: now - Number(ago[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 'm' | 'h' | 'd'] };
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UserError(`'${text}' is neither an offset (digits), a time (2024-05-02T10:00:00Z) nor a duration ago (30m, 2h, 7d)`);
  return { timeMs: ms };
}

/** The offsets [from, to) to replay on one partition. */
export interface PartitionRange {
  topic: string;
  partition: number;
  from: bigint;
  to: bigint;
}

async function resolveBound(
  admin: Admin,
  topic: string,
  bound: ReplayBound,
  ends: Map<number, { low: bigint; high: bigint }>,
): Promise<Map<number, bigint>> {
  if ('offset' in bound)
    // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.min does not take.
    return new Map([...ends].map(([p, e]) => [p, bound.offset < e.low ? e.low : bound.offset > e.high ? e.high : bound.offset]));
  // The first offset at or after the time; -1 from the broker means "after the end".
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, bound.timeMs);
  return new Map(found.map((f) => [f.partition, f.offset === '-1' ? ends.get(f.partition)!.high : BigInt(f.offset)]));
}

/**
 * The ranges a replay reads: from `from` to `to` (default: the end at the start of the replay),
 * cut at the live consumer's stored offset, since from there on the rows are the live consumer's.
 */
export async function planReplay(
  admin: Admin,
  model: KafkaModelConfig,
  from: ReplayBound,
  to: ReplayBound | undefined,
  stored: Map<string, bigint>,
): Promise<PartitionRange[]> {
  const ranges: PartitionRange[] = [];
  for (const topic of model.source.topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends = new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
    const starts = await resolveBound(admin, topic, from, ends);
    const stops = to ? await resolveBound(admin, topic, to, ends) : new Map([...ends].map(([p, e]) => [p, e.high]));
    for (const [partition, start] of starts) {
      const live = stored.get(`${topic}/${partition}`);
      let end = stops.get(partition) ?? start;
      if (live !== undefined && live < end) end = live;
      if (end > start) ranges.push({ topic, partition, from: start, to: end });
    }
  }
  return ranges;
}

/**
 * Re-reads offset ranges of a model's topics into its samples table (a backfill), with a consumer
 * group of its own so the live group is not disturbed. Each chunk replaces the rows of its offset
 * range in one transaction: replaying twice stores each event once. Returns the messages read.
 */
export async function replay(
  kafka: Kafka,
  model: KafkaModelConfig,
  ranges: PartitionRange[],
  decoder: EventDecoder,
  writer: Pick<SamplesWriter, 'write'>,
  logger: Logger,
  onProgress: ProgressFn = () => {},
  signal?: AbortSignal,
): Promise<number> {
  const total = ranges.reduce((n, r) => n + Number(r.to - r.from), 0);
  if (total === 0) return 0;
  const groupId = `driftwatch-replay-${model.name}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: model.source.sessionTimeout, maxBytesPerPartition: MAX_BYTES_PER_PARTITION });
  const remaining = new Map(ranges.map((r) => [`${r.topic}/${r.partition}`, r]));
  let read = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // Stopped from outside (the service stops): the chunk in hand is written or not, never half.
  signal?.addEventListener('abort', () => finish(), { once: true });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const r of remaining.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
    // Partitions with nothing to replay are paused rather than read and thrown away.
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      const idle = partitions.filter((p) => !remaining.has(`${topic}/${p}`));
      if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
    }
  });
  await consumer.connect();
  try {
    for (const topic of new Set(ranges.map((r) => r.topic))) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const range = remaining.get(`${batch.topic}/${batch.partition}`);
        if (!range) return;
        const messages: IncomingMessage[] = batch.messages
          .map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: BigInt(m.offset),
            key: m.key ?? null,
            value: m.value ?? null,
            timestampMs: Number(m.timestamp),
          }))
          .filter((m) => m.offset >= range.from && m.offset < range.to);
        if (messages.length > 0) {
          const write = buildBatch(messages, decoder, model.sampling);
          const last = messages[messages.length - 1]!.offset;
          const replaced = { topic: range.topic, partition: range.partition, from: messages[0]!.offset, to: last + 1n };
          // Replay counters are kept apart: the live consumer's counts stay exactly-once.
          const counts = new Map([...write.counts].map(([k, v]) => [`replay:${k}`, v]));
          await writer.write({ ...write, offsets: new Map(), counts, replaces: [replaced] });
          read += messages.length;
          onProgress(read / total, `${batch.topic}/${batch.partition} @ ${last}`);
          range.from = last + 1n;
        }
        if (range.from >= range.to || BigInt(batch.highWatermark) <= range.from) {
          remaining.delete(`${batch.topic}/${batch.partition}`);
          if (remaining.size === 0) finish();
        }
        await heartbeat();
      },
    });
    await finished;
    if (signal?.aborted && remaining.size > 0)
      throw new Error(
        `stopped after ${read} of ${total} messages (the service is stopping); what was read is stored, replay the rest again`,
      );
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteGroups([groupId])
      .catch((error) => logger.warn({ groupId, err: error }, 'could not delete the replay consumer group'));
    await admin.disconnect();
  }
  return read;
}
