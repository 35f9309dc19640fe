import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaModelConfig, SamplingConfig, SourceConfig } from '../config/schema.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { SamplesWriter } from '../store/samples-writer.js';
import { COUNTERS, type WriteBatch } from '../contracts/event.js';
import { buildBatch, type IncomingMessage } from './batch.js';
import type { EventDecoder } from './decoder.js';
import { type LogBounds, type ResumePoint, resumeMessage, resumePoint } from './log-position.js';
import { keepSample, samplingKey } from './sampler.js';

/** Bytes fetched per partition per request: big batches amortise the store's commit. */
export const MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;

/** Rows per transaction: big enough to amortise the commit, small enough to heartbeat often. */
export const CHUNK_ROWS = 5000;
/** Messages per transaction at most, however few of them the sampling keeps. */
export const MAX_CHUNK_MESSAGES = 50_000;

/**
 * Messages per transaction at this sampling rate: a transaction costs DuckDB a few milliseconds
 * whatever it holds, so at 10% sampling a chunk of 5,000 messages (500 rows) paid that cost ten
 * times as often as it needed to.
 */
export function chunkMessages(rate: number): number {
  return rate > 0 ? Math.min(MAX_CHUNK_MESSAGES, Math.ceil(CHUNK_ROWS / rate)) : MAX_CHUNK_MESSAGES;
}

/** What every stored chunk carries, whatever its rows: the next offsets and the counters. */
export type LogBatch = Pick<WriteBatch, 'offsets' | 'counts'>;

/**
 * What a consumer stores, and how: the batch of one transaction from a chunk of one partition's
 * messages, and its write. The consumer's machinery (resume at the stored offsets, retries,
 * pacing, log resets, commits) is the same for predictions ({@link predictionSink}) and for labels
 * (`labelSink`, ingest/labels.ts): only this differs.
 */
export interface ChunkSink<B extends LogBatch = LogBatch> {
  /** Messages per transaction. */
  readonly chunkMessages: number;
  /** The batch of `chunk` (messages of one partition, in offset order, none empty of offset). */
  build(topic: string, partition: number, chunk: readonly KafkaMessage[]): B;
  /** A batch of no message: only offsets and counters (a log reset found before any message). */
  marker(offsets: Map<string, bigint>, counts: Map<string, number>): B;
  /** Stores the batch in one transaction; throws when the store refuses it (rolled back). */
  write(batch: B): Promise<void>;
}

/** A Kafka message as the decoders take it. */
export function incoming(topic: string, partition: number, m: KafkaMessage): IncomingMessage {
  return { topic, partition, offset: BigInt(m.offset), key: m.key ?? null, value: m.value ?? null, timestampMs: Number(m.timestamp) };
}

/**
 * The sink of a model's predictions: sampled on kafkajs' own messages by key or offset (at 10%,
 * nine messages in ten cost a hash and nothing else), decoded, and written to the samples table.
 */
export function predictionSink(
  decoder: EventDecoder,
  sampling: SamplingConfig,
  writer: Pick<SamplesWriter, 'write'>,
): ChunkSink<WriteBatch> {
  const { by, rate } = sampling;
  return {
    chunkMessages: chunkMessages(rate),
    build(topic, partition, chunk) {
      const last = BigInt(chunk[chunk.length - 1]!.offset);
      return by === 'id' || rate >= 1
        ? buildBatch(
            chunk.map((m) => incoming(topic, partition, m)),
            decoder,
            sampling,
          )
        : buildBatch(
            chunk
              .filter((m) => keepSample(samplingKey(by, topic, partition, m.offset, m.key), rate))
              .map((m) => incoming(topic, partition, m)),
            decoder,
            sampling,
            { consumed: chunk.length, next: new Map([[`${topic}/${partition}`, last + 1n]]) },
          );
    },
    marker: (offsets, counts) => ({ events: [], quarantined: [], offsets, counts }),
    write: (batch) => writer.write(batch),
  };
}

/** What a driftwatch commit's metadata starts with; the store's identity follows. */
const COMMIT_MARK = 'driftwatch-store:';

/** How long a look at the topics' logs may take before readiness says the broker does not answer. */
export const LOOK_TIMEOUT_MS = 5000;

/** Back-off between retries of a chunk the store refused. */
export const STORE_RETRY = { initialMs: 1000, maxMs: 30_000 } as const;
/** Back-off between looks for topics that do not exist yet: short at first (a producer about to start), then every 10 s. */
export const TOPIC_RETRY = { initialMs: 1000, maxMs: 10_000 } as const;
/** Waits before the consumer is started again after kafkajs gave it up (a non-retriable crash), doubling. */
export const CRASH_RETRY = { initialMs: 2000, maxMs: 30_000 } as const;

/**
 * Why a model waits, in words a user can act on.
 * @example missingTopicsMessage(['preds']) // => "topic preds does not exist on the broker yet; driftwatch does not create topics; ..."
 */
export function missingTopicsMessage(topics: readonly string[]): string {
  const names = topics.join(', ');
  return `${topics.length === 1 ? `topic ${names} does` : `topics ${names} do`} not exist on the broker yet; driftwatch does not create topics; waiting for the producer to create ${topics.length === 1 ? 'it' : 'them'}, or create ${topics.length === 1 ? 'it' : 'them'} (kafka-topics.sh --create); with ACLs, a topic this client may not Describe looks the same`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when `promise` resolves within `ms` (its rejection is thrown); false after `ms` (the promise itself keeps running). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The kafkajs consumer settings of a model: its group and session, and its fetch pace
 * (`source.fetch`: minBytes, maxWait). A fetch that returned as soon as one message was there cost
 * a round trip and a store transaction per message or two on a quiet stream.
 */
export function consumerConfig(model: Pick<KafkaModelConfig, 'name' | 'source'>): ConsumerConfig {
  const { source } = model;
  return {
    groupId: source.groupId ?? `driftwatch-${model.name}`,
    sessionTimeout: source.sessionTimeout,
    // KafkaJS checks heartbeatInterval < sessionTimeout; a third of it is Kafka's own advice.
    heartbeatInterval: Math.floor(source.sessionTimeout / 3),
    maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    minBytes: source.fetch.minBytes,
    maxWaitTimeInMs: source.fetch.maxWait,
    // kafkajs looks at the topics' partitions when its metadata is older than this (default 5
    // minutes): partitions added to a topic are assigned, and read, within about this time.
    metadataMaxAge: source.metadataInterval,
    // driftwatch reads topics, it never makes them: a broker with auto.create.topics.enable would
    // otherwise create a missing topic with its default partitions the moment the consumer subscribed.
    allowAutoTopicCreation: false,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 20 },
  };
}

/** What the service can tell about one model's consumer (for /readyz and metrics). */
export interface IngestStatus {
  connected: boolean;
  /** The model's topics the broker does not have yet: the consumer starts once it has them all. */
  waitingForTopics: string[];
  /**
   * "topic/partition" -> messages behind the log end (high watermark), for every assigned
   * partition: read from the broker every `source.metadataInterval` and after each stored chunk,
   * against the stored position, so it grows while nothing is stored.
   */
  lag: Map<string, number>;
  /** Set while the broker cannot say where the topics' logs end (an outage): lag is not current meanwhile. */
  logError?: string;
  /** Set while the consumer is down after a crash kafkajs does not recover from, until it runs again: the error. */
  crashed?: string;
  /** Times the consumer was started again after such a crash. */
  restarts: number;
}

/**
 * One model's Kafka consumer: reads its topics with eachBatch and stores each chunk of messages
 * with the offsets that follow it in one DuckDB transaction. The stored offsets, not Kafka's
 * group commits, say where to resume: on every assignment the consumer seeks to them, and a
 * batch that starts before them has its already-stored messages skipped.
 *
 * After each stored chunk it commits the same offset to Kafka, marked with the store's identity
 * (`COMMIT_MARK` + id, in the commit's metadata). That mark tells two cases apart when a partition
 * comes back with Kafka's commit ahead of the stored offset: another driftwatch process (another
 * file) stored the messages in between, so this one resumes at that commit rather than store them
 * a second time; or this file is older than its own commits (a restored copy), so it reads the
 * gap again.
 */
export class KafkaIngest<B extends LogBatch = WriteBatch> {
  private readonly consumer: Consumer;
  private readonly status: IngestStatus = { connected: false, waitingForTopics: [], lag: new Map(), restarts: 0 };
  /** The background restart after a crash kafkajs gave up on, awaited by stop(). */
  private restarting: Promise<void> | undefined;
  /** The background wait for missing topics (see start), awaited by stop(). */
  private waiting: Promise<void> = Promise.resolve();
  /** Wake the pauses in progress (a wait for topics, before a restart, between looks at the logs) when stop() is called. */
  private readonly wakers = new Set<() => void>();
  /** The look at the logs every `source.metadataInterval` (see watchLogs), awaited by stop(). */
  private watching: Promise<void> = Promise.resolve();
  /** The partitions of the latest assignment, by topic. */
  private assignment: Record<string, number[]> = {};
  /** Each partition's log as last read from the broker. */
  private readonly bounds = new Map<string, LogBounds>();
  /** Where an assigned partition with nothing stored yet starts, as far as lag is concerned. */
  private readonly startedAt = new Map<string, bigint>();
  /** The model's topics the last look did not find: deleted under a running consumer. */
  private readonly gone = new Set<string>();
  /** Partitions of a topic that was deleted and is back: their next batch starts a new log. */
  private readonly reborn = new Set<string>();
  /** When each "topic/partition" last stored a chunk (ms), for `source.fetch.storeInterval`. */
  private readonly lastStored = new Map<string, number>();
  /** Partitions where a seek to the stored offset was already tried (to accept a gap Kafka's retention made). */
  private readonly sought = new Set<string>();
  /** Set by stop(): no new store write starts after it. */
  private stopping = false;
  /** The store write in progress, awaited by stop(). */
  private inFlight: Promise<void> = Promise.resolve();
  /** Where the latest assignment resumes (seeks done); each batch waits for it. */
  private resumed: Promise<void> = Promise.resolve();
  /** Reads the group's commits on assignment; connected on first use. */
  private readonly admin: Admin;
  private readonly groupId: string;
  /** The metadata of this store's Kafka commits. */
  private readonly mark: string;

  constructor(
    kafka: Kafka,
    /** The model (its name, for the logs) and the topics this consumer reads: its source, or its label source. */
    private readonly model: { name: string; source: SourceConfig },
    /** What a chunk becomes and where it is written (behind the model's write lock). */
    private readonly sink: ChunkSink<B>,
    /** Next offset per "topic/partition", as stored; updated after each commit. */
    private readonly offsets: Map<string, bigint>,
    /** The store's identity (`Store.id`), marked on every Kafka commit. */
    storeId: string,
    private readonly logger: Logger,
  ) {
    this.mark = `${COMMIT_MARK}${storeId}`;
    // kafkajs' admin creates a topic it asks about when the broker allows that (its default):
    // driftwatch reads topics, it never makes them, and a deleted topic must stay deleted.
    this.admin = kafka.admin({ allowAutoTopicCreation: false } as Parameters<Kafka['admin']>[0]);
    this.groupId = consumerConfig(model).groupId;
    this.consumer = kafka.consumer(consumerConfig(model));
    const { CONNECT, DISCONNECT, CRASH, GROUP_JOIN } = this.consumer.events;
    this.consumer.on(CONNECT, () => (this.status.connected = true));
    this.consumer.on(DISCONNECT, () => (this.status.connected = false));
    this.consumer.on(CRASH, (e) => {
      this.status.connected = false;
      this.logger.error(
        { model: model.name, err: e.payload.error, restart: e.payload.restart },
        e.payload.restart
          ? 'consumer crashed; kafkajs restarts it'
          : 'consumer crashed and kafkajs gave it up; driftwatch starts it again after a back-off',
      );
      // kafkajs stops for good on an error it calls non-retriable, e.g. "Failed to find group
      // coordinator" when the broker went away while the consumer was idle. A live process never
      // keeps a dead consumer: start it again with back-off until it runs (or stop() is called).
      if (!e.payload.restart && !this.stopping)
        this.restarting ??= this.restartAfterCrash(messageOf(e.payload.error)).finally(() => (this.restarting = undefined));
    });
    this.consumer.on(GROUP_JOIN, (e) => {
      this.status.connected = true;
      this.assignment = e.payload.memberAssignment;
      this.resumed = this.resumeAssigned(e.payload.memberAssignment);
    });
  }

  /**
   * Starts consuming when every topic of the model exists, and returns once the consumer runs.
   * When some do not exist yet (driftwatch started before the model's first event, the usual
   * order), it returns at once with `waitingForTopics` set, and looks again with back-off
   * (`TOPIC_RETRY`) until they do; `onConsuming` is called once the consumer runs. A broker that
   * cannot be reached at start is an error, as before.
   */
  async start(onConsuming: () => void = () => {}): Promise<void> {
    const missing = await this.missingTopics();
    this.watching = this.watchLogs();
    if (missing.length === 0) {
      await this.consume();
      onConsuming();
      return;
    }
    this.status.waitingForTopics = missing;
    this.logger.warn({ model: this.model.name, topics: missing }, `not consuming yet: ${missingTopicsMessage(missing)}`);
    this.waiting = this.waitForTopics(onConsuming);
  }

  /** The model's topics the broker does not list (an admin Metadata request for all topics: it never creates one). */
  private async missingTopics(): Promise<string[]> {
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    return this.model.source.topics.filter((t) => !existing.has(t));
  }

  /** Waits `ms`, or less when stop() wakes it. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /**
   * Every `source.metadataInterval`, reads where each topic's partitions start and end: the lag of
   * every assigned partition against the stored position (so it grows while nothing is stored,
   * and a partition never consumed shows), and the cases kafkajs resolves by jumping to the log's
   * end, which would skip every message still there: a stored position that retention deleted, a
   * topic deleted and created again. For those the consumer is sent back to the log's start, and
   * the next batch says what was lost (eachBatch). A broker that cannot answer shows in readiness.
   */
  private async watchLogs(): Promise<void> {
    const failed = (error: string) => {
      if (this.status.logError === undefined)
        this.logger.warn({ model: this.model.name, err: error }, "cannot read the topics' log ends from the broker; lag is not current");
      this.status.logError = error;
    };
    while (!this.stopping) {
      const look = this.readLogs().then(
        () => (this.status.logError = undefined),
        (error: unknown) => failed(messageOf(error)),
      );
      // kafkajs retries a broker that does not answer for minutes: readiness says so after LOOK_TIMEOUT_MS, the look goes on.
      if (!(await settlesWithin(look, LOOK_TIMEOUT_MS))) {
        failed(`no answer from the broker within ${LOOK_TIMEOUT_MS / 1000} s`);
        await look;
      }
      await this.pause(this.model.source.metadataInterval);
    }
  }

  /** One look at the logs of the model's topics (see watchLogs). */
  private async readLogs(): Promise<void> {
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    for (const topic of this.model.source.topics) {
      if (!existing.has(topic)) {
        if (!this.gone.has(topic) && this.topicStored(topic))
          this.logger.error(
            { model: this.model.name, topic },
            `topic ${topic} was deleted: its partitions are read from the start if it is created again`,
          );
        this.gone.add(topic);
        for (const where of [...this.status.lag.keys()]) if (where.startsWith(`${topic}/`)) this.status.lag.delete(where);
        continue;
      }
      const back = this.gone.delete(topic);
      const assigned = new Set(this.assignment[topic] ?? []);
      for (const [partition, log] of await this.topicLogs(topic)) {
        const where = `${topic}/${partition}`;
        const before = this.bounds.get(where);
        this.bounds.set(where, log);
        const stored = this.offsets.get(where);
        if (back && stored !== undefined) this.reborn.add(where);
        if (!assigned.has(partition)) continue; // another member of the group reads it
        const position = stored ?? this.startOf(where, topic, log);
        this.status.lag.set(where, Math.max(Number(log.high - position), 0));
        if (stored === undefined) continue;
        const point = resumePoint(stored, log, before, this.reborn.has(where));
        // kafkajs sits at the log's end after an offset out of range: send it back to the start (eachBatch counts the gap).
        if (point.kind !== 'stored') this.seek(topic, partition, point.from);
      }
    }
  }

  /** Moves the consumer's position; a consumer that is not running (restarting after a crash) resumes from the stored offsets anyway. */
  private seek(topic: string, partition: number, offset: bigint): void {
    try {
      this.consumer.seek({ topic, partition, offset: offset.toString() });
    } catch (error) {
      this.logger.warn({ model: this.model.name, topic, partition, offset: offset.toString(), err: messageOf(error) }, 'seek failed');
    }
  }

  /** True when the store has read some partition of `topic`. */
  private topicStored(topic: string): boolean {
    for (const where of this.offsets.keys()) if (where.startsWith(`${topic}/`)) return true;
    return false;
  }

  /** Where a partition with nothing stored starts: its log's start when driftwatch reads it from there, else its end when first seen. */
  private startOf(where: string, topic: string, log: LogBounds): bigint {
    let start = this.startedAt.get(where);
    if (start === undefined) {
      start = this.model.source.startFrom === 'earliest' || this.topicStored(topic) ? log.low : log.high;
      this.startedAt.set(where, start);
    }
    return start;
  }

  /** The log of each partition of `topic` now, from the broker (an admin ListOffsets; it never creates the topic). */
  private async topicLogs(topic: string): Promise<Map<number, LogBounds>> {
    await this.admin.connect();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
  }

  /** The partition's log now, from the broker; undefined when it cannot say. */
  private async logBounds(topic: string, partition: number): Promise<LogBounds | undefined> {
    try {
      return (await this.topicLogs(topic)).get(partition);
    } catch (error) {
      this.logger.warn({ model: this.model.name, topic, partition, err: messageOf(error) }, 'cannot read the log bounds of the partition');
      return undefined;
    }
  }

  /** Looks for the missing topics with back-off until they all exist (then consumes) or stop() is called. */
  private async waitForTopics(onConsuming: () => void): Promise<void> {
    for (let wait: number = TOPIC_RETRY.initialMs; ; wait = Math.min(wait * 2, TOPIC_RETRY.maxMs)) {
      await this.pause(wait);
      if (this.stopping) return;
      try {
        const missing = await this.missingTopics();
        if (missing.length > 0) {
          if (missing.join() !== this.status.waitingForTopics.join())
            this.logger.warn({ model: this.model.name, topics: missing }, `not consuming yet: ${missingTopicsMessage(missing)}`);
          else this.logger.debug({ model: this.model.name, topics: missing, nextLookMs: wait }, 'topics still missing');
          this.status.waitingForTopics = missing;
          continue;
        }
        if (this.stopping) return;
        await this.consume();
        this.status.waitingForTopics = [];
        this.logger.info({ model: this.model.name, topics: this.model.source.topics }, 'the topics exist now: consuming');
        onConsuming();
        return;
      } catch (error) {
        // A broker that went away meanwhile, or a topic deleted between the look and the subscribe: look again.
        this.logger.warn({ model: this.model.name, err: error }, 'looking for the missing topics failed; trying again after a back-off');
      }
    }
  }

  /**
   * Starts the consumer again after kafkajs gave it up, waiting CRASH_RETRY between tries; the
   * stored offsets say where it resumes (every assignment seeks to them), so nothing is lost or
   * stored twice. Readiness names the crash meanwhile.
   */
  private async restartAfterCrash(error: string): Promise<void> {
    this.status.crashed = error;
    for (let wait: number = CRASH_RETRY.initialMs; ; wait = Math.min(wait * 2, CRASH_RETRY.maxMs)) {
      await this.pause(wait);
      if (this.stopping) return;
      try {
        await this.consumer.disconnect().catch(() => {});
        await this.consume();
        this.status.restarts++;
        this.status.crashed = undefined;
        this.logger.warn(
          { model: this.model.name, after: error, restarts: this.status.restarts },
          'consumer started again after its crash',
        );
        return;
      } catch (again) {
        this.status.crashed = messageOf(again);
        this.logger.error(
          { model: this.model.name, err: messageOf(again), nextTryMs: Math.min(wait * 2, CRASH_RETRY.maxMs) },
          'starting the consumer again failed; trying again after a back-off',
        );
      }
    }
  }

  /** Connects, subscribes and starts consuming. */
  private async consume(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.model.source.topics) {
      await this.consumer.subscribe({ topic, fromBeginning: this.model.source.startFrom === 'earliest' });
    }
    await this.consumer.run({
      // Commits are the consumer's own, after each stored chunk, with the store's mark.
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Stops after the batch in hand is stored; nothing half-written. kafkajs' disconnect can hang
   * after a broker outage (its reconnect timers keep running, kafkajs issue #1147), so it gets
   * `timeoutMs`; after that the store write in flight is awaited and no further one starts.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.wakers]) wake();
    // A look for the topics in flight may be retrying against a broker that went away: not waited for past the timeout.
    await settlesWithin(this.waiting, timeoutMs);
    await settlesWithin(this.restarting ?? Promise.resolve(), timeoutMs);
    await settlesWithin(this.watching, timeoutMs);
    const timedOut = !(await settlesWithin(this.consumer.disconnect(), timeoutMs));
    // The admin client only read commits; a disconnect that hangs after an outage does not hold the stop.
    await settlesWithin(
      this.admin.disconnect().catch(() => {}),
      2000,
    );
    if (timedOut)
      this.logger.warn(
        { model: this.model.name, timeoutMs },
        'Kafka disconnect did not finish; stopping without it (everything stored is committed)',
      );
    await this.inFlight;
    this.status.connected = false;
  }

  getStatus(): IngestStatus {
    return this.status;
  }

  /**
   * Stores one chunk, retrying the same chunk while the store refuses it (a full disk, an I/O
   * error): each failure rolled back the rows and their offsets together, so retrying cannot
   * store anything twice. Waits 1 s, doubling to 30 s, with heartbeats in between so the group
   * keeps the partition; a thrown error would make kafkajs log a stack per retry and, after its
   * retries, crash and rejoin the group in a loop. Returns false when told to stop first (the
   * chunk is then not resolved, and is read again by whoever consumes the partition next).
   */
  private async storeWithRetry(batch: B, heartbeat: () => Promise<void>, shouldStop: () => boolean): Promise<boolean> {
    for (let wait: number = STORE_RETRY.initialMs; ; wait = Math.min(wait * 2, STORE_RETRY.maxMs)) {
      this.inFlight = this.sink.write(batch);
      try {
        await this.inFlight;
        return true;
      } catch {
        // The writer's owner logs the failure (once per distinct error) and reports it on /readyz.
        this.inFlight = Promise.resolve();
      }
      const until = Date.now() + wait;
      const beat = Math.max(1000, Math.floor(this.model.source.sessionTimeout / 3));
      while (Date.now() < until) {
        if (shouldStop()) return false;
        await sleep(Math.min(beat, until - Date.now()));
        await heartbeat();
      }
      if (shouldStop()) return false;
    }
  }

  /**
   * Waits until `source.fetch.storeInterval` has passed since the partition's last stored chunk
   * (a partition that is caught up: one behind stores at once), heartbeating: a transaction costs the same for one row as for thousands, and while this
   * batch waits, the broker keeps what arrives for the next fetch (nothing is held here beyond
   * the batch in hand, nothing resolved before it is stored). False when told to stop first
   * (the batch is then not resolved, and read again by whoever consumes the partition next).
   */
  private async paceStore(where: string, heartbeat: () => Promise<void>, shouldStop: () => boolean): Promise<boolean> {
    const last = this.lastStored.get(where);
    if (last === undefined) return true; // the first chunk since the assignment goes at once
    const until = last + this.model.source.fetch.storeInterval;
    while (Date.now() < until) {
      if (shouldStop()) return false;
      // Short steps, so that stop() is not kept waiting; kafkajs sends a heartbeat only when one is due.
      await sleep(Math.min(until - Date.now(), 200));
      await heartbeat();
    }
    return !shouldStop();
  }

  /**
   * Where each assigned partition resumes. Where the store has an offset, the consumer seeks to
   * it, unless Kafka's commit is further on and marked by another driftwatch store: that process
   * stored the messages in between, so this one starts at its commit (kafkajs' own starting
   * point). A commit with no mark, or this store's own mark, leaves the stored offset in charge.
   * A stored offset the log no longer has (retention, a recreated topic) sends it to the log's
   * start, where the first batch says what was lost. A partition the store has never read, in a
   * topic it reads and with no commit of the group, is one added to the topic since: it starts at
   * its log's start whatever `startFrom` says, so the events written to it before this
   * assignment are read too.
   */
  private async resumeAssigned(assignment: Record<string, number[]>): Promise<void> {
    for (const where of [...this.status.lag.keys()]) {
      const slash = where.lastIndexOf('/');
      if (!assignment[where.slice(0, slash)]?.includes(Number(where.slice(slash + 1)))) this.status.lag.delete(where);
    }
    const read = Object.keys(assignment).filter((topic) => this.topicStored(topic));
    if (read.length === 0) return; // nothing stored for these topics yet: kafkajs starts at the group's commits
    const commits = await this.groupCommits(read);
    for (const topic of read) {
      const logs = await this.topicLogs(topic).catch((error: unknown) => {
        this.logger.warn(
          { model: this.model.name, topic, err: messageOf(error) },
          'cannot read the log bounds on assignment; the first batch checks them',
        );
        return new Map<number, LogBounds>();
      });
      for (const partition of assignment[topic] ?? []) {
        const where = `${topic}/${partition}`;
        const stored = this.offsets.get(where);
        const commit = commits.get(where);
        const log = logs.get(partition);
        if (stored === undefined) {
          if (commit === undefined && log !== undefined) {
            this.logger.warn(
              { model: this.model.name, topic, partition, from: log.low.toString(), to: log.high.toString() },
              `partition ${where} is new to driftwatch in a topic it reads (added to the topic since): reading it from its start`,
            );
            this.startedAt.set(where, log.low);
            this.seek(topic, partition, log.low);
          }
          continue;
        }
        if (commit && commit.offset > stored && commit.metadata?.startsWith(COMMIT_MARK) && commit.metadata !== this.mark) {
          this.logger.info(
            {
              model: this.model.name,
              topic,
              partition,
              stored: stored.toString(),
              committed: commit.offset.toString(),
              by: commit.metadata,
            },
            'another driftwatch store holds this partition up to its commit: resuming there, not storing those messages twice',
          );
          // In memory only: the store's own offset row moves with the next chunk it stores.
          this.offsets.set(where, commit.offset);
          continue;
        }
        const point: ResumePoint =
          log === undefined ? { kind: 'stored' } : resumePoint(stored, log, this.bounds.get(where), this.reborn.has(where));
        this.seek(topic, partition, point.kind === 'stored' ? stored : point.from);
      }
    }
  }

  /** The group's committed offsets with their metadata, by "topic/partition"; empty when Kafka cannot say. */
  private async groupCommits(topics: string[]): Promise<Map<string, { offset: bigint; metadata: string | null }>> {
    const commits = new Map<string, { offset: bigint; metadata: string | null }>();
    if (topics.length === 0) return commits;
    try {
      await this.admin.connect();
      for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId: this.groupId, topics })) {
        for (const p of partitions)
          if (p.offset !== '-1') commits.set(`${topic}/${p.partition}`, { offset: BigInt(p.offset), metadata: p.metadata });
      }
    } catch (error) {
      this.logger.warn(
        { model: this.model.name, err: error },
        "could not read the group's commits on assignment; resuming from the stored offsets",
      );
    }
    return commits;
  }

  /** Commits the stored offset to Kafka with the store's mark. A courtesy: the store holds the truth, so a refusal (a rebalance under way) is only logged. */
  private async commit(
    commitOffsets: EachBatchPayload['commitOffsetsIfNecessary'],
    topic: string,
    partition: number,
    next: bigint,
  ): Promise<void> {
    try {
      // kafkajs' type leaves `metadata` out; its OffsetCommit request sends it.
      const marked = { partition, offset: next.toString(), metadata: this.mark };
      await commitOffsets({ topics: [{ topic, partitions: [marked] }] });
    } catch (error) {
      this.logger.debug({ model: this.model.name, topic, partition, err: error }, 'Kafka commit refused; the store keeps the offset');
    }
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    await this.resumed;
    if (isStale()) return;
    const { topic, partition } = batch;
    const where = `${topic}/${partition}`;
    const stored = this.offsets.get(where);
    const first = batch.messages[0];
    if (!first) return;
    const shouldStop = () => this.stopping || !isRunning() || isStale();
    /** Where this batch's new messages start; the counts of a reset, stored with the batch's first chunk. */
    let from = stored;
    let reset: Map<string, number> | undefined;
    if (stored !== undefined && (BigInt(first.offset) > stored || BigInt(batch.highWatermark) < stored || this.reborn.has(where))) {
      const log = await this.logBounds(topic, partition);
      if (log === undefined) return; // not resolved: read again, and looked at again, by the next fetch
      const point = resumePoint(stored, log, this.bounds.get(where), this.reborn.has(where));
      this.bounds.set(where, log);
      if (point.kind !== 'stored') {
        // Said loudly, counted in the store with the next chunk (exactly once), and the whole log that is left is read.
        this.logger.error(
          { model: this.model.name, topic, partition, stored: stored.toString(), from: point.from.toString(), reason: point.kind },
          resumeMessage(where, stored, point),
        );
        from = point.from;
        reset = new Map([[COUNTERS.logReset(point.kind), 1]]);
        if (point.kind === 'retention') reset.set(COUNTERS.lost(point.kind), Number(point.lost));
        if (BigInt(first.offset) !== point.from) {
          // kafkajs jumped to the log's end: the reset is stored with the batch from the start.
          const write = this.sink.marker(new Map([[where, point.from]]), reset);
          if (!(await this.storeWithRetry(write, heartbeat, shouldStop))) return;
          this.reborn.delete(where);
          this.offsets.set(where, point.from);
          this.seek(topic, partition, point.from);
          return;
        }
      } else if (BigInt(first.offset) > stored) {
        if (!this.sought.has(where)) {
          // Kafka's group offset is ahead of what the store holds (a crash before the courtesy commit
          // cannot do this, but a restored or replaced store can): go back to the store's offset once.
          this.sought.add(where);
          this.seek(topic, partition, stored);
          return;
        }
        // The log has these offsets, but no messages at them: compacted away, or a transaction's markers.
        this.logger.debug(
          { model: this.model.name, topic, partition, from: stored.toString(), to: first.offset },
          'no messages at these offsets (compaction or transaction markers)',
        );
      }
    }
    const fresh = from === undefined ? batch.messages : batch.messages.slice(firstAtOrAfter(batch.messages, from));
    const size = this.sink.chunkMessages;
    // Only a partition that is caught up waits: when more messages are on the broker already, waiting gains nothing.
    const caughtUp = BigInt(batch.highWatermark) - BigInt(batch.lastOffset()) <= 1n;
    if (fresh.length > 0 && caughtUp && !(await this.paceStore(where, heartbeat, shouldStop))) return;
    for (let start = 0; start < fresh.length; start += size) {
      if (shouldStop()) return;
      const chunk = fresh.slice(start, start + size);
      const last = BigInt(chunk[chunk.length - 1]!.offset);
      const write = this.sink.build(topic, partition, chunk);
      if (reset !== undefined && start === 0)
        for (const [counter, n] of reset) write.counts.set(counter, (write.counts.get(counter) ?? 0) + n);
      if (!(await this.storeWithRetry(write, heartbeat, shouldStop))) return;
      if (start === 0) this.reborn.delete(where);
      this.lastStored.set(where, Date.now());
      this.offsets.set(where, last + 1n);
      this.sought.delete(where);
      resolveOffset(last.toString());
      await this.commit(commitOffsetsIfNecessary, topic, partition, last + 1n);
      this.status.lag.set(where, Math.max(Number(BigInt(batch.highWatermark) - last - 1n), 0));
      await heartbeat();
    }
    if (fresh.length === 0 && batch.messages.length > 0) resolveOffset(batch.lastOffset());
  }
}

/** The index of the first message at or after `offset` (messages in offset order): a bigint per step of a binary search, not one per message. */
export function firstAtOrAfter(messages: readonly { offset: string }[], offset: bigint): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (BigInt(messages[middle]!.offset) < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
