import type { Express } from 'express';
import type { Kafka } from 'kafkajs';
import { createApp, listen, type RunningServer } from './api/app.js';
import { mountDashboard } from './api/dashboard/dashboard.js';
import type { TokenSet } from './api/auth.js';
import { Metrics } from './api/metrics.js';
import { type ApiTlsOptions, readApiTls } from './api/tls.js';
import type { ApiModel } from './api/types.js';
import type { CheckTrigger, LiveReport } from './contracts/report.js';
import { UserError } from './errors.js';
import { createChannels } from './alerts/channels/index.js';
import { Deliverer } from './alerts/delivery.js';
import type { Channel } from './alerts/types.js';
import { Scheduler } from './schedule/scheduler.js';
import type { DriftwatchConfig, ModelConfig } from './config/schema.js';
import { messageOf } from './errors.js';
import { checkKafkaTls, createKafka } from './ingest/kafka-client.js';
import { parseReplayBound } from './ingest/replay.js';
import { type ReplayJob, ReplayJobs, type ReplayRun } from './service/replay-jobs.js';
import { missingTopicsMessage } from './ingest/kafka-source.js';
import type { Logger } from './log.js';
import type { Database } from './store/database.js';
import { applyRetention } from './store/retention.js';
import { pruneIdempotencyKeys } from './store/idempotency.js';
import { Store } from './store/store.js';
import { isInvalidated, ModelRuntime } from './service/model-runtime.js';
import { queueDigest } from './reports/queue.js';

/** How often the outbox is looked at for due deliveries. */
const DELIVERY_TICK_MS = 1000;

/** What the caller gives the service: its API tokens, and what an embedding program (the demo) may change. */
export interface ServiceOptions {
  /** The API's bearer tokens (`driftwatch serve` reads them from DRIFTWATCH_API_TOKENS). */
  tokens: TokenSet;
  /**
   * The clock of scheduled and API-triggered checks: their window ends at `now()` and alerts are
   * decided at it. The demo replays 2001 events on an accelerated clock; default `Date.now`.
   */
  now?: () => number;
  /** More routes, mounted after the API's and before the dashboard's (the demo's mailbox). */
  extend?: (app: Express) => void;
  /**
   * Called once when the store can no longer be written by this process (DuckDB invalidated the
   * database after a failed checkpoint, e.g. a disk that filled up mid-checkpoint): only a new
   * process recovers it, from the last commit, so the caller should stop and exit non-zero.
   */
  onFatal?: (reason: string) => void;
}

/**
 * The long-running service: one Kafka consumer per model writing into the store, and retention.
 * A model that cannot start (a missing or corrupt baseline, say) is logged with the reason and
 * left out; the others run.
 */
export class Service {
  private readonly models: ModelRuntime[] = [];
  private readonly failed = new Map<string, string>();
  /** Set once the store refused writes for good (see `ServiceOptions.onFatal`). */
  private fatal: string | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private deliveryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** Checks asked for through the API and still running (scheduled ones are the scheduler's). */
  private readonly apiChecks = new Set<Promise<LiveReport>>();
  private readonly replays: ReplayJobs;
  private readonly scheduler: Scheduler;
  private readonly channels: Map<string, Channel>;
  private deliverer: Deliverer | undefined;
  private deliveryConnection: Database | undefined;
  private server: RunningServer | undefined;
  private readonly metrics: Metrics;
  /** `api.tls`'s files, read before anything starts. */
  private apiTls: ApiTlsOptions | undefined;

  private constructor(
    private readonly config: DriftwatchConfig,
    readonly store: Store,
    private readonly logger: Logger,
    private readonly options: ServiceOptions,
  ) {
    this.replays = new ReplayJobs(logger);
    this.channels = createChannels(config.alerts, logger);
    this.metrics = new Metrics({
      store,
      models: () => config.models.map((m) => m.name),
      lag: () => new Map(this.models.map((m) => [m.config.name, m.status().lag])),
      missingTopics: () => new Map(this.models.map((m) => [m.config.name, m.waitingForTopics()])),
      checks: () => new Map(this.models.map((m) => [m.config.name, m.checkHealth()])),
    });
    this.scheduler = new Scheduler(logger, {
      clockStepped: (stepMs) => this.metrics.recordClockStep(stepMs),
      ranLate: (job) => this.metrics.recordLateRun(job),
    });
  }

  static async start(config: DriftwatchConfig, logger: Logger, options: ServiceOptions): Promise<Service> {
    // A certificate or key that cannot be used stops start-up before the store or a consumer opens.
    const apiTls = config.api.tls ? readApiTls(config.api.tls) : undefined;
    const store = await Store.open(config.storage.path, config.storage);
    const service = new Service(config, store, logger, options);
    service.apiTls = apiTls;
    try {
      // A certificate that does not verify is a start-up error, not minutes of kafkajs retries.
      if (config.kafka) await checkKafkaTls(config.kafka);
      const kafka = config.kafka ? createKafka(config.kafka, logger) : undefined;
      for (const model of config.models) await service.startModel(model, kafka);
      await service.runRetention();
      service.retentionTimer = setInterval(() => void service.runRetention(), config.storage.retentionEvery);
      service.retentionTimer.unref();
      await service.startAlerting();
      await service.startApi();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  private async startModel(model: ModelConfig, kafka: Kafka | undefined): Promise<void> {
    try {
      const runtime = await ModelRuntime.open({
        store: this.store,
        config: model,
        storage: this.config.storage,
        idempotency: this.config.api,
        kafka,
        logger: this.logger,
        onFatal: (reason) => this.storeLost(model.name, reason),
      });
      this.models.push(runtime);
      await runtime.start();
    } catch (error) {
      this.failed.set(model.name, messageOf(error));
      this.logger.error({ model: model.name, err: messageOf(error) }, 'model not started; the other models keep running');
    }
  }

  /** Once, when the store refuses every write until reopened (see `ServiceOptions.onFatal`). */
  private storeLost(model: string, reason: string): void {
    if (this.fatal) return;
    this.fatal = reason;
    this.logger.fatal(
      { model, err: reason },
      'the store is invalidated and refuses every write until reopened: stopping so a supervisor restarts driftwatch (it resumes from the last commit)',
    );
    this.options.onFatal?.(reason);
  }

  /** The HTTP API, metrics and health endpoints. */
  private async startApi(): Promise<void> {
    const app = createApp({
      store: this.store,
      config: this.config,
      logger: this.logger,
      tokens: this.options.tokens,
      metrics: this.metrics,
      models: () =>
        this.config.models.map((c): ApiModel => {
          const m = this.models.find((r) => r.config.name === c.name);
          const consumer = m?.status().consumer;
          return m
            ? { name: c.name, config: c, profile: m.profile, status: 'running', ...(consumer ? { consumer } : {}) }
            : { name: c.name, config: c, profile: null, status: 'failed', error: this.failed.get(c.name) ?? 'not started' };
        }),
      ready: () => {
        const reasons = [
          ...[...this.failed].map(([n, why]) => `model ${n}: not started: ${why}`),
          ...this.models.flatMap((m) => m.readiness()),
        ];
        const stopping = this.stopping !== undefined;
        const waiting = this.models.filter((m) => m.waitingForTopics().length > 0);
        const notes = this.models.flatMap((m) => m.notes());
        return {
          ...(notes.length > 0 ? { notes } : {}),
          ok: !stopping && reasons.length === 0,
          reasons: stopping ? ['stopping', ...reasons] : reasons,
          ...(waiting.length > 0 ? { waitingForTopic: Object.fromEntries(waiting.map((m) => [m.config.name, m.waitingForTopics()])) } : {}),
        };
      },
      runCheck: (name) => this.checkByName(name),
      checkWindow: (name, window, now) => this.runningModel(name).checkWindow(window, now),
      startReplay: (name, from, to) => this.startReplay(name, from, to),
      replayJob: (id) => this.replays.get(id),
      ingest: (name, events, key) => this.runningModel(name).ingest(events, key),
      ingestLabels: (name, labels, key) => this.runningModel(name).ingestLabels(labels, key),
      extend: (app) => {
        this.options.extend?.(app);
        mountDashboard(app);
      },
    });
    this.server = await listen(app, { host: this.config.api.host, port: this.config.api.port, tls: this.apiTls });
    const tls = this.apiTls ? { tls: this.apiTls.requestCert ? 'mutual (client certificates required)' : 'server certificate' } : {};
    this.logger.info({ url: this.server.url, ...tls }, 'API listening');
  }

  /** Where the API listens (after start). */
  apiUrl(): string | undefined {
    return this.server?.url;
  }

  /** The delivery loop and each model's scheduled check. */
  private async startAlerting(): Promise<void> {
    this.deliveryConnection = await this.store.connect();
    this.deliverer = new Deliverer(this.deliveryConnection, this.channels, this.config.alerts, this.logger);
    // Pending deliveries from before a restart go out on the first tick.
    this.deliveryTimer = setInterval(() => void this.deliver(), DELIVERY_TICK_MS);
    for (const m of this.models) {
      const schedule = m.config.schedule;
      if (!schedule) continue;
      this.scheduler.add(`check:${m.config.name}`, schedule.cron, schedule.timezone, async () => void (await this.scheduledCheck(m)));
      this.logger.info({ model: m.config.name, cron: schedule.cron, timezone: schedule.timezone }, 'scheduled check');
    }
    for (const m of this.models) {
      const report = m.config.report;
      if (!report) continue;
      this.scheduler.add(`report:${m.config.name}`, report.cron, report.timezone, () => this.reportNow(m));
      this.logger.info(
        { model: m.config.name, cron: report.cron, timezone: report.timezone, channels: report.channels },
        'scheduled drift report',
      );
    }
  }

  /** Queues the model's drift report of the period ending now for its email channels, then delivers. */
  private async reportNow(m: ModelRuntime): Promise<void> {
    const report = m.config.report;
    if (!report) return;
    // A connection of its own: the model's check may be running at the same time.
    const db = await this.store.connect();
    try {
      const digest = await queueDigest(db, { ...m.config, report }, this.config.alerts, Date.now());
      this.logger.info({ model: m.config.name, checks: digest.checks.total, events: digest.volume.events }, 'drift report queued');
    } finally {
      db.close();
    }
    await this.deliver();
  }

  private async deliver(): Promise<void> {
    try {
      await this.deliverer?.deliverDue();
    } catch (error) {
      this.logger.error({ err: messageOf(error) }, 'delivery pass failed; the next tick tries again');
      if (isInvalidated(error)) this.storeLost('*', messageOf(error).split('\n')[0]!);
    }
  }

  /** A scheduled check, skipped when an injected clock has not moved since the last one. */
  private async scheduledCheck(m: ModelRuntime): Promise<void> {
    const waiting = m.waitingForTopics();
    if (waiting.length > 0) {
      // No stream yet is not a stream without data: an "insufficient data" alert would blame the model's traffic.
      this.metrics.recordSkippedCheck(m.config.name, 'waiting_for_topic');
      this.logger.warn(
        { model: m.config.name, topics: waiting },
        `scheduled check skipped: the model is not consuming yet: ${missingTopicsMessage(waiting)}`,
      );
      return;
    }
    if (this.options.now && !(await m.hasNewWindow(this.options.now()))) {
      this.logger.debug({ model: m.config.name }, 'scheduled check skipped: the clock has not moved since the last check');
      return;
    }
    await this.checkNow(m, 'schedule');
  }

  /** One check of a model's window with alerts, then a delivery pass (a scheduled run). */
  private async checkNow(m: ModelRuntime, trigger: CheckTrigger): Promise<LiveReport> {
    const result = await m.check(this.config.alerts, this.options.now?.(), trigger).catch((error: unknown) => {
      // A failed check may have queued the model's check-failing alert.
      void this.deliver();
      throw error;
    });
    const { report } = result;
    this.metrics.recordCheck(report);
    this.logger.info(
      {
        model: m.config.name,
        report: report.id,
        status: report.status,
        rows: report.window.rows,
        drifted: report.features.filter((f) => f.drift).map((f) => f.name),
        queued: result.queued.length,
      },
      'check done',
    );
    // Delivery runs on its own: a check (and the API's "check now") never waits for a slow receiver.
    if (result.queued.length > 0) void this.deliver();
    return report;
  }

  /** A check of a model now (the API's "run now"), in turn with its scheduled checks. */
  checkByName(name: string): Promise<LiveReport> {
    const m = this.runningModel(name);
    if (this.stopping !== undefined) throw new UserError('the service is stopping; no new check starts');
    // Tracked so stop() waits for it: the HTTP server's grace (5 s) can end before a long check,
    // and closing the check's connection under a running query hung the process.
    const run = this.checkNow(m, 'api');
    this.apiChecks.add(run);
    void run.catch(() => {}).finally(() => this.apiChecks.delete(run));
    return run;
  }

  /** A running model, or a UserError naming it. */
  private runningModel(name: string): ModelRuntime {
    const m = this.models.find((r) => r.config.name === name);
    if (!m) throw new UserError(`model '${name}' is not running`);
    return m;
  }

  /**
   * Starts a replay of a model's topics inside this process (see ModelRuntime.replay); its job
   * follows the progress. Bounds as `driftwatch replay` takes them (an offset, a time, a duration
   * ago); a second replay of a model while one runs is refused.
   */
  private startReplay(name: string, from: string, to: string | undefined): { started: ReplayJob } | { busy: ReplayJob } {
    const m = this.runningModel(name);
    if (this.stopping !== undefined) throw new UserError('the service is stopping; no replay starts');
    const busy = this.replays.runningFor(name);
    if (busy) return { busy };
    const fromBound = parseReplayBound(from);
    const toBound = to === undefined ? undefined : parseReplayBound(to);
    const run: ReplayRun = (planned, progress, signal) => m.replay(fromBound, toBound, planned, progress, signal);
    return { started: this.replays.start(name, { from, to: to ?? null }, run) };
  }

  /** Models that could not start, with the reason. */
  failures(): ReadonlyMap<string, string> {
    return this.failed;
  }

  /** The models that started. */
  running(): readonly ModelRuntime[] {
    return this.models;
  }

  private async runRetention(): Promise<void> {
    let connection: Database | undefined;
    try {
      connection = await this.store.connect();
      for (const m of this.models) {
        const deleted = await applyRetention(
          connection,
          m.config.name,
          m.table,
          this.config.storage.retention,
          this.config.storage.quarantineKeep,
        );
        if (deleted > 0) this.logger.info({ model: m.config.name, deleted }, 'retention deleted old samples');
        const keys = await pruneIdempotencyKeys(
          connection,
          m.config.name,
          Date.now() - this.config.api.idempotencyWindow,
          this.config.api.idempotencyMaxKeys,
        );
        if (keys > 0) this.logger.debug({ model: m.config.name, keys }, 'retention deleted expired Idempotency-Keys');
      }
    } catch (error) {
      this.logger.error({ err: messageOf(error) }, 'retention failed; it runs again at the next interval');
    } finally {
      connection?.close();
    }
  }

  /** Stops every consumer after its batch in hand, then closes the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.server?.close();
      clearInterval(this.retentionTimer);
      clearInterval(this.deliveryTimer);
      await this.scheduler.stop();
      await Promise.allSettled([...this.apiChecks]);
      await this.replays.stop();
      await this.deliverer?.idle();
      await Promise.all(this.models.map((m) => m.stopIngest(this.logger)));
      for (const channel of this.channels.values()) await channel.close?.();
      for (const m of this.models) await m.close();
      this.deliveryConnection?.close();
      this.store.close();
    })();
    return this.stopping;
  }
}
