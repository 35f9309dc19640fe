import type { CheckTrigger } from '../contracts/report.js';
import type { Kafka } from 'kafkajs';
import { checkFailed, checkModel, type ModelCheckResult } from '../alerts/pipeline.js';
import type { CheckHealth } from '../contracts/check-health.js';
import { readProfile } from '../baseline/profile.js';
import type { AlertsConfig, ModelConfig, StorageConfig, WindowSpecValue } from '../config/schema.js';
import { readsKafka } from '../config/schema.js';
import type { PredictionEvent, WriteBatch } from '../contracts/event.js';
import type { BaselineProfile } from '../contracts/profile.js';
import { runLiveCheck } from '../checks/live.js';
import type { LiveReport } from '../contracts/report.js';
import { messageOf, UserError } from '../errors.js';
import { EventDecoder, featureSpecs } from '../ingest/decoder.js';
import { HttpIngest, type IdempotencyConfig, type IngestAnswer } from '../ingest/http-source.js';
import { WriteLock } from '../store/write-lock.js';
import { KafkaIngest, missingTopicsMessage, predictionSink } from '../ingest/kafka-source.js';
import { type PartitionRange, planReplay, type ReplayBound, replay } from '../ingest/replay.js';
import type { ProgressFn } from '../progress.js';
import type { Logger } from '../log.js';
import type { Database } from '../store/database.js';
import { loadOffsets } from '../store/offsets.js';
import { lastWindowEnd } from '../store/reports.js';
import { firstEventTime } from '../store/samples.js';
import { SamplesWriter } from '../store/samples-writer.js';
import type { Store } from '../store/store.js';
import type { LabelBatch, LabelInput } from '../contracts/label.js';
import { ensureLabelsTable, LabelsWriter } from '../store/labels.js';
import { HttpLabels, type LabelAnswer, LabelDecoder, labelSampling, labelSink, labelSource, readsLabelTopics } from '../ingest/labels.js';

/** DuckDB's message once a database instance refuses every further write until it is reopened. */
const INVALIDATED = /database has been invalidated/i;

/** True for DuckDB's refusal of a database it invalidated (a failed checkpoint): only a new process recovers it. */
export function isInvalidated(error: unknown): boolean {
  return INVALIDATED.test(messageOf(error));
}

/** What a model's runtime reports to the service: for readiness, the API and the metrics. */
export interface ModelStatus {
  /** The Kafka consumer's connection, when the model reads Kafka; `crashed` while it is down after a crash kafkajs gave up on. */
  consumer?: { connected: boolean; crashed?: string; logError?: string };
  /** The model's topics that do not exist on the broker yet (the consumer starts once they all do). */
  waitingForTopics: readonly string[];
  /** The last store write's error while writes fail (a full disk, say); cleared by the next success. */
  writeError?: string;
  /** "topic/partition" -> messages behind the high watermark. */
  lag: ReadonlyMap<string, number>;
}

/**
 * One running model: its baseline, its samples table, its ingest (Kafka and HTTP, writing behind
 * one lock) and its checks, on connections of its own. Owns the rules of a model's life that are
 * not wiring: how a failed store write shows (logged once, named by readiness, and a store that
 * DuckDB invalidated stops the process), and when a scheduled check has nothing new to look at.
 */
export class ModelRuntime {
  /** One check of this model at a time, scheduled or asked for through the API. */
  private readonly checkLock = new WriteLock();
  private writeError: string | undefined;
  private readonly checkState: CheckHealth = { failedTotal: 0 };
  /** Set while the last compared window carried no predictions though the baseline has one (see {@link notes}). */
  private predictionAbsent: string | undefined;

  private constructor(
    readonly config: ModelConfig,
    readonly profile: BaselineProfile,
    readonly table: string,
    private readonly kafka: KafkaIngest | undefined,
    private readonly http: HttpIngest,
    /** The consumer's connection (writes). */
    private readonly connection: Database,
    /** The checks' connection (checks of one model never overlap, so one is enough). */
    private readonly checks: Database,
    private readonly logger: Logger,
    /** Where ingest resumes, for the start-up log. */
    private readonly resumeFrom: ReadonlyMap<string, bigint>,
    /** The lock every write of the model's samples goes behind (Kafka, HTTP, a replay). */
    private readonly writeLock: WriteLock,
    /** The Kafka client, for replays (none for a model fed through HTTP only). */
    private readonly kafkaClient: Kafka | undefined,
    private readonly quarantineKeep: number,
    /** Called once the store refuses every write until reopened (see {@link reportingWrite}). */
    private readonly onFatal: (reason: string) => void,
    /** The model's labels, when it takes some: the consumer of its label topics, and HTTP labels. */
    private readonly labels: { kafka?: KafkaIngest<LabelBatch>; http?: HttpLabels } = {},
  ) {}

  /**
   * Opens a model: reads its baseline, brings its samples table to the baseline's features, and
   * builds its Kafka and HTTP ingest. Throws what stops the model from starting (a missing or
   * corrupt baseline, say); the caller keeps the other models running.
   * `onFatal` is called once when the store refuses every write until reopened.
   */
  static async open(parts: {
    store: Store;
    config: ModelConfig;
    storage: Pick<StorageConfig, 'quarantineKeep'>;
    /** How long HTTP ingest remembers Idempotency-Keys and event ids. */
    idempotency: IdempotencyConfig;
    kafka: Kafka | undefined;
    logger: Logger;
    onFatal: (reason: string) => void;
  }): Promise<ModelRuntime> {
    const { store, config: model, logger } = parts;
    if (readsKafka(model) && !parts.kafka) throw new Error('no kafka section in the config');
    const profile = readProfile(model.baseline);
    const features = featureSpecs(profile, model.event);
    const table = await store.ensureSamplesTable(model.name, features);
    for (const r of store.rebuilt.filter((x) => x.table === table)) {
      logger.warn(
        { model: model.name, table, dropped: r.dropped },
        "samples table rebuilt for the baseline's features (columns of features it no longer has were dropped)",
      );
    }
    const connection = await store.connect();
    let runtime: ModelRuntime | undefined;
    try {
      const samplesWriter = new SamplesWriter(connection, model.name, table, features, parts.storage.quarantineKeep);
      // Kafka and HTTP ingest write the same tables and counters: one transaction at a time, or
      // DuckDB refuses one of two concurrent updates of a counter row.
      const lock = new WriteLock();
      const writer = {
        write: (batch: WriteBatch) => runtime!.reportingWrite(() => lock.run(() => samplesWriter.write(batch))),
      };
      const http = await HttpIngest.open(store, model, profile, parts.storage.quarantineKeep, lock, parts.idempotency);
      const offsets = await loadOffsets(store.db, model.name);
      const kafka =
        readsKafka(model) && parts.kafka
          ? new KafkaIngest(
              parts.kafka,
              model,
              predictionSink(new EventDecoder(features, model.event, model.source.maxMessageBytes), model.sampling, writer),
              offsets,
              store.id,
              logger.child({ model: model.name }),
            )
          : undefined;
      const labels = model.labels ? await ModelRuntime.openLabels(parts, connection, lock, offsets, (w) => runtime!.reportingWrite(w)) : {};
      runtime = new ModelRuntime(
        model,
        profile,
        table,
        kafka,
        http,
        connection,
        await store.connect(),
        logger,
        offsets,
        lock,
        readsKafka(model) ? parts.kafka : undefined,
        parts.storage.quarantineKeep,
        parts.onFatal,
        labels,
      );
      const unmapped = runtime.unmappedPrediction();
      if (unmapped) logger.warn({ model: model.name, prediction: profile.prediction?.column }, unmapped);
      return runtime;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  /**
   * The model's labels: its labels table, one writer on the model's write connection behind its
   * write lock (shared by the label consumer and HTTP labels, so one transaction at a time), the
   * consumer of its label topics (the prediction consumer's machinery with the label sink, in a
   * group of its own) and HTTP labels.
   */
  private static async openLabels(
    parts: Parameters<typeof ModelRuntime.open>[0],
    connection: Database,
    lock: WriteLock,
    offsets: Map<string, bigint>,
    reporting: <T>(write: () => Promise<T>) => Promise<T>,
  ): Promise<{ kafka?: KafkaIngest<LabelBatch>; http?: HttpLabels }> {
    const { config: model, store, logger } = parts;
    await ensureLabelsTable(store.db, model.name);
    const writer = new LabelsWriter(connection, model.name, parts.storage.quarantineKeep);
    const http = model.labels?.http ? new HttpLabels(connection, model, (b) => writer.write(b), lock, parts.idempotency) : undefined;
    if (!readsLabelTopics(model) || !parts.kafka) return http ? { http } : {};
    const source = labelSource(model);
    const sink = labelSink(new LabelDecoder(model.labels, source.source.maxMessageBytes), labelSampling(model), (batch) =>
      reporting(() => lock.run(() => writer.write(batch))),
    );
    // Its own copy of the stored offsets: the label topics are not the prediction topics (the config refuses one in both).
    const kafka = new KafkaIngest(parts.kafka, source, sink, new Map(offsets), store.id, logger.child({ model: model.name, labels: true }));
    return { kafka, ...(http ? { http } : {}) };
  }

  /**
   * Starts consuming (a model fed only through HTTP has nothing to start). A model whose topics
   * do not exist yet is not an error: its consumer waits for them (`waitingForTopics`), and
   * "model ingest started" is logged once it consumes.
   */
  async start(): Promise<void> {
    const started = () =>
      this.logger.info(
        {
          model: this.config.name,
          topics: this.config.source?.topics ?? [],
          http: !this.kafka || undefined,
          table: this.table,
          features: this.profile.features.length,
          resumeFrom: Object.fromEntries([...this.resumeFrom].map(([k, v]) => [k, v.toString()])),
        },
        'model ingest started',
      );
    if (this.kafka) await this.kafka.start(started);
    else started();
    const labels = this.config.labels?.topics;
    if (this.labels.kafka)
      await this.labels.kafka.start(() => this.logger.info({ model: this.config.name, topics: labels }, 'labels ingest started'));
  }

  /** The model's topics that do not exist on the broker yet (empty once it consumes, and for HTTP-only models). */
  waitingForTopics(): readonly string[] {
    return this.kafka?.getStatus().waitingForTopics ?? [];
  }

  /** The model's state now. */
  status(): ModelStatus {
    const kafka = this.kafka?.getStatus();
    return {
      ...(kafka
        ? {
            consumer: {
              connected: kafka.connected,
              ...(kafka.crashed !== undefined ? { crashed: kafka.crashed } : {}),
              ...(kafka.logError !== undefined ? { logError: kafka.logError } : {}),
            },
          }
        : {}),
      waitingForTopics: kafka?.waitingForTopics ?? [],
      ...(this.writeError !== undefined ? { writeError: this.writeError } : {}),
      // The label topics are the model's too (they differ from its prediction topics): one lag map.
      lag: new Map([...(kafka?.lag ?? []), ...(this.labels.kafka?.getStatus().lag ?? [])]),
    };
  }

  /** Why the model's label consumer is not ready (its topics missing, or not connected). */
  private labelReadiness(): string[] {
    const status = this.labels.kafka?.getStatus();
    if (!status) return [];
    const name = this.config.name;
    if (status.waitingForTopics.length > 0)
      return [`model ${name}: labels: waiting_for_topic: ${missingTopicsMessage(status.waitingForTopics)}`];
    if (!status.connected)
      return [
        status.crashed !== undefined
          ? `model ${name}: labels: Kafka consumer down after a crash (${status.crashed}); starting it again with back-off`
          : `model ${name}: labels: Kafka consumer not connected`,
      ];
    return [];
  }

  /** Why the model is not ready, if it is not (an empty list when it is). */
  readiness(): string[] {
    const status = this.status();
    const waiting = status.waitingForTopics;
    return [
      ...(waiting.length > 0 ? [`model ${this.config.name}: waiting_for_topic: ${missingTopicsMessage(waiting)}`] : []),
      // A model fed only through HTTP ingest has no consumer to wait for.
      ...(waiting.length === 0 && status.consumer && !status.consumer.connected
        ? [
            status.consumer.crashed !== undefined
              ? `model ${this.config.name}: Kafka consumer down after a crash (${status.consumer.crashed}); starting it again with back-off`
              : `model ${this.config.name}: Kafka consumer not connected`,
          ]
        : []),
      // The consumer may look connected through an outage (kafkajs retries quietly): the broker not answering the look at the logs says it.
      ...(status.consumer?.connected && status.consumer.logError !== undefined
        ? [
            `model ${this.config.name}: the broker does not answer (${status.consumer.logError}); nothing is read meanwhile, and lag is not current`,
          ]
        : []),
      ...this.labelReadiness(),
      ...(status.writeError ? [`model ${this.config.name}: store writes failing: ${status.writeError}`] : []),
      ...(this.checkState.failing
        ? [
            `model ${this.config.name}: checks failing: ${this.checkState.failing.count} in a row since ${new Date(this.checkState.failing.since).toISOString()}: ${this.checkState.failing.error}`,
          ]
        : []),
    ];
  }

  /** The sentence of a baseline prediction that the config never stores (no `event.prediction`), or undefined. */
  unmappedPrediction(): string | undefined {
    const prediction = this.profile.prediction;
    if (!prediction || this.config.event?.prediction !== undefined) return undefined;
    return `model ${this.config.name}: the baseline has a prediction '${prediction.column}' but the config has no event.prediction: predictions are not stored or compared`;
  }

  /**
   * What a ready model still warns of (readiness notes, not reasons): a baseline prediction the
   * config never stores, or a last check whose window carried no predictions.
   */
  notes(): string[] {
    const unmapped = this.unmappedPrediction();
    if (unmapped) return [unmapped];
    return this.predictionAbsent ? [`model ${this.config.name}: ${this.predictionAbsent}`] : [];
  }

  /** Says once (in the log, and in readiness notes until predictions come back) that the last window had no predictions. */
  private notePrediction(report: LiveReport): void {
    const prediction = report.prediction;
    if (!prediction || this.unmappedPrediction()) return;
    if (prediction.status === 'absent') {
      if (this.predictionAbsent === undefined)
        this.logger.warn(
          { model: this.config.name, prediction: prediction.column },
          `prediction not compared: ${prediction.message ?? ''}`,
        );
      this.predictionAbsent = `prediction not compared in the last check: ${prediction.message ?? ''}`;
    } else if (this.predictionAbsent !== undefined && report.status !== 'insufficient_data') {
      this.logger.info({ model: this.config.name, prediction: prediction.column }, 'predictions compared again');
      this.predictionAbsent = undefined;
    }
  }

  /** What the model's checks did lately (for the metrics). */
  checkHealth(): CheckHealth {
    return this.checkState;
  }

  /**
   * Stores events that came over HTTP, behind the same lock as the Kafka consumer's writes, with
   * its failures made visible as the consumer's are: an invalidated store stops the process even
   * when no model reads Kafka (the client was answered 503 and sends again to the new process).
   */
  ingest(events: readonly PredictionEvent[], key?: string): Promise<IngestAnswer> {
    return this.reportingWrite(() => this.http.ingest(events, key === undefined ? {} : { key }));
  }

  /**
   * Stores labels that came over HTTP (see HttpLabels), with failures made visible as the
   * ingest's are. A model that takes no HTTP labels is a UserError naming the setting.
   */
  ingestLabels(labels: readonly LabelInput[], key?: string): Promise<LabelAnswer> {
    const http = this.labels.http;
    if (!http)
      throw new UserError(
        `model '${this.config.name}' takes no labels over HTTP: add \`labels: {}\` to its config (or set labels.http to true)`,
      );
    return this.reportingWrite(() => http.ingest(labels, key === undefined ? {} : { key }));
  }

  /**
   * One check of the model's window with alerts (queued in the outbox), in turn with its other
   * checks. A check that fails (a corrupt block, a query error) is counted, named by readiness
   * until one succeeds, and from `alerts.checkFailingAfter` failures in a row fires the model's
   * `check-failing` alert; the error is thrown on to the caller.
   */
  check(alerts: AlertsConfig, now: number | undefined, trigger: CheckTrigger): Promise<ModelCheckResult> {
    return this.checkLock.run(async () => {
      let result: ModelCheckResult;
      try {
        result = await checkModel(this.checks, this.config, this.profile, alerts, {
          notify: true,
          trigger,
          ...(now !== undefined ? { now } : {}),
        });
      } catch (error) {
        await this.recordFailedCheck(error, alerts, now ?? Date.now());
        throw error;
      }
      const at = now ?? Date.now();
      if (this.checkState.failing) {
        this.logger.info({ model: this.config.name, after: this.checkState.failing.count }, 'checks work again');
        delete this.checkState.failing;
      }
      this.checkState.last = { at, ok: true };
      this.notePrediction(result.report);
      return result;
    });
  }

  /** Counts a failed check and queues the model's check-failing alert once failures reach the threshold. */
  private async recordFailedCheck(error: unknown, alerts: AlertsConfig, at: number): Promise<void> {
    const message = messageOf(error).split('\n')[0]!;
    // A check is a write too (its window table, its report): an idle HTTP-only model may see it first.
    if (isInvalidated(error)) this.onFatal(message);
    const state = this.checkState;
    state.failedTotal += 1;
    state.last = { at, ok: false };
    state.failing = {
      model: this.config.name,
      count: (state.failing?.count ?? 0) + 1,
      since: state.failing?.since ?? at,
      last: at,
      error: message,
    };
    this.logger.error(
      { model: this.config.name, err: message, failures: state.failing.count, alertAfter: alerts.checkFailingAfter },
      "check failed: the model's drift is not checked until a check succeeds",
    );
    try {
      const queued = await checkFailed(this.checks, this.config, alerts, state.failing, at);
      if (queued.length > 0)
        this.logger.warn({ model: this.config.name, channels: queued.map((q) => q.channel) }, 'check-failing alert queued');
    } catch (alertError) {
      // The store itself may be what fails: the failure stays counted and in readiness.
      this.logger.error({ model: this.config.name, err: messageOf(alertError) }, 'the check-failing alert could not be stored');
    }
  }

  /**
   * A check of any window (`window` ending at `now`), in turn with the model's other checks: the
   * report is returned, not stored, and no alert is evaluated. An old window must move neither the
   * model's alert state nor where its next `since-last` window starts.
   */
  checkWindow(window: WindowSpecValue, now: number): Promise<LiveReport> {
    return this.checkLock.run(() => runLiveCheck(this.checks, this.config, this.profile, { window, now, trigger: 'api' }));
  }

  /**
   * Re-reads a range of the model's topics into its samples (a backfill) inside the serving
   * process, with a consumer group of its own: each chunk is written behind the ingest's lock on
   * its connection, replacing the rows of its offset range (a replay twice stores each event
   * once), and the ranges stop at the live consumer's stored offsets. `onPlanned` gets the ranges
   * before the first read. Returns the messages read.
   */
  async replay(
    from: ReplayBound,
    to: ReplayBound | undefined,
    onPlanned: (ranges: PartitionRange[]) => void,
    onProgress: ProgressFn,
    signal: AbortSignal,
  ): Promise<number> {
    const model = this.config;
    if (!readsKafka(model) || !this.kafkaClient)
      throw new UserError(`model '${model.name}' has no source (it is fed through HTTP ingest): there is no topic to replay`);
    const admin = this.kafkaClient.admin();
    await admin.connect();
    const stored = await this.writeLock.run(() => loadOffsets(this.connection, model.name));
    const ranges = await planReplay(admin, model, from, to, stored).finally(() => admin.disconnect());
    onPlanned(ranges);
    const features = featureSpecs(this.profile, model.event);
    const writer = new SamplesWriter(this.connection, model.name, this.table, features, this.quarantineKeep);
    const decoder = new EventDecoder(features, model.event, model.source.maxMessageBytes);
    const locked = { write: (batch: WriteBatch) => this.writeLock.run(() => writer.write(batch)) };
    return replay(
      this.kafkaClient,
      model,
      ranges,
      decoder,
      locked,
      this.logger.child({ model: model.name, replay: true }),
      onProgress,
      signal,
    );
  }

  /**
   * True when a scheduled check at `now` has a new window to look at: only an injected clock can
   * stand still (the demo's, once its replay is over), and checking the same window again would
   * fill the history with copies of one check. Before its first check, a window that ends before
   * the first stored event has nothing to look at either: a replay whose clock starts before its
   * events is not a stream that stopped.
   */
  async hasNewWindow(now: number): Promise<boolean> {
    return this.checkLock.run(async () => {
      const last = await lastWindowEnd(this.checks, this.config.name, { compared: false });
      if (last !== null) return last < now;
      const first = await firstEventTime(this.checks, this.config.name);
      return first !== null && first < now;
    });
  }

  /**
   * A store write of the model (its consumer's, or an HTTP request's), with its failures made visible: a failed write (a
   * full disk, an I/O error) is rolled back with its offsets and thrown back to the consumer,
   * which retries the same messages after a back-off and commits nothing to Kafka past what is
   * stored. The error is logged once when it starts and once when writes work again, and
   * readiness names it meanwhile. A store DuckDB invalidated (a checkpoint that failed on a full
   * disk) refuses every write until reopened: `onFatal` asks the process to stop, so that a
   * supervisor restarts it, and it resumes from the last commit.
   */
  private async reportingWrite<T>(write: () => Promise<T>): Promise<T> {
    const { logger, onFatal } = this;
    const model = this.config.name;
    let result: T;
    try {
      result = await write();
    } catch (error) {
      const message = messageOf(error).split('\n')[0]!;
      if (this.writeError !== message) {
        logger.error(
          { model, err: message },
          'store write failed: the chunk and its offsets were rolled back; the consumer retries it after a back-off (an HTTP request is answered 503)',
        );
      }
      this.writeError = message;
      if (isInvalidated(error)) onFatal(message);
      throw error;
    }
    if (this.writeError !== undefined) {
      logger.info({ model, after: this.writeError }, 'store writes work again');
      this.writeError = undefined;
    }
    return result;
  }

  /** Stops the consumer after its batch in hand. */
  async stopIngest(logger: Logger): Promise<void> {
    await Promise.all(
      [this.kafka, this.labels.kafka].map((consumer) =>
        consumer?.stop().catch((error) => logger.error({ model: this.config.name, err: messageOf(error) }, 'consumer stop failed')),
      ),
    );
  }

  /** Waits for queued HTTP writes, then closes the model's connections. */
  async close(): Promise<void> {
    await this.http.close();
    this.connection.close();
    this.checks.close();
  }
}
