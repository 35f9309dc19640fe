import type { Express } from 'express';
import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { createApp, listen, type RunningServer } from './api/app.js';
import { mountDashboard } from './api/dashboard/dashboard.js';
import type { TokenSet } from './api/auth.js';
import { HttpIngest, WriteLock } from './ingest/http-source.js';
import { Metrics } from './api/metrics.js';
import type { ApiModel } from './api/types.js';
import type { LiveReport } from './contracts/report.js';
import { UserError } from './errors.js';
import type { WriteBatch } from './contracts/event.js';
import { createChannels } from './alerts/channels/index.js';
import { enqueue } from './store/outbox.js';
import { modelDashboardUrl } from './alerts/routing.js';
import { buildDigest } from './reports/digest.js';
import { renderDigestEmail } from './reports/render.js';
import { Deliverer } from './alerts/delivery.js';
import type { Channel } from './alerts/types.js';
import type { BaselineProfile } from './contracts/profile.js';
import { readProfile } from './baseline/profile.js';
import { checkModel } from './alerts/pipeline.js';
import { Scheduler } from './schedule/scheduler.js';
import { type DriftwatchConfig, type ModelConfig, readsKafka } from './config/schema.js';
import { messageOf } from './errors.js';
import { EventDecoder, featureSpecs } from './ingest/decoder.js';
import { checkKafkaTls, createKafka } from './ingest/kafka-client.js';
import { KafkaIngest } from './ingest/kafka-source.js';
import type { Logger } from './log.js';
import type { Database } from './store/database.js';
import { applyRetention } from './store/retention.js';
import { SamplesWriter } from './store/samples-writer.js';
import { Store } from './store/store.js';
import { lastWindowEnd } from './store/reports.js';
import { loadOffsets } from './store/offsets.js';

/** A model the service runs: its consumer, its baseline and the connections it owns. */
interface RunningModel {
  config: ModelConfig;
  profile: BaselineProfile;
  table: string;
  /** The Kafka consumer; none for a model fed only through HTTP ingest (no `source`). */
  ingest: KafkaIngest | undefined;
  /** The consumer's connection (writes). */
  connection: Database;
  /** The checks' connection (checks of one model never overlap, so one is enough). */
  checks: Database;
  /** HTTP ingest of the model, writing behind the same lock as the Kafka consumer. */
  http: HttpIngest;
  /** One check of this model at a time, scheduled or asked for through the API. */
  checkLock: WriteLock;
  /** The last store write's error while writes fail (a full disk, say); cleared by the next success. */
  storeHealth: { writeError: string | undefined };
}

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

/** DuckDB's message once a database instance refuses every further write until it is reopened. */
const INVALIDATED = /database has been invalidated/i;

/**
 * The long-running service: one Kafka consumer per model writing into the store, and retention.
 * A model that cannot start (a missing or corrupt baseline, say) is logged with the reason and
 * left out; the others run.
 */
export class Service {
  private readonly models: RunningModel[] = [];
  private readonly failed = new Map<string, string>();
  /** Set once the store refused writes for good (see `ServiceOptions.onFatal`). */
  private fatal: string | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private deliveryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** Checks asked for through the API and still running (scheduled ones are the scheduler's). */
  private readonly apiChecks = new Set<Promise<LiveReport>>();
  private readonly scheduler: Scheduler;
  private readonly channels: Map<string, Channel>;
  private deliverer: Deliverer | undefined;
  private deliveryConnection: Database | undefined;
  private server: RunningServer | undefined;
  private readonly metrics: Metrics;

  private constructor(
    private readonly config: DriftwatchConfig,
    readonly store: Store,
    private readonly logger: Logger,
    private readonly options: ServiceOptions,
  ) {
    this.scheduler = new Scheduler(logger);
    this.channels = createChannels(config.alerts, logger);
    this.metrics = new Metrics({
      store,
      models: () => config.models.map((m) => m.name),
      lag: () => new Map(this.models.map((m) => [m.config.name, m.ingest?.getStatus().lag ?? new Map<string, number>()])),
    });
  }

  static async start(config: DriftwatchConfig, logger: Logger, options: ServiceOptions): Promise<Service> {
    const store = await Store.open(config.storage.path, config.storage);
    const service = new Service(config, store, logger, options);
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
    let connection: Database | undefined;
    try {
      if (readsKafka(model) && !kafka) throw new Error('no kafka section in the config');
      const profile = readProfile(model.baseline);
      const features = featureSpecs(profile, model.event);
      const table = await this.store.ensureSamplesTable(model.name, features);
      for (const r of this.store.rebuilt.filter((x) => x.table === table)) {
        this.logger.warn(
          { model: model.name, table, dropped: r.dropped },
          "samples table rebuilt for the baseline's features (columns of features it no longer has were dropped)",
        );
      }
      connection = await this.store.connect();
      const samplesWriter = new SamplesWriter(connection, model.name, table, features, this.config.storage.quarantineKeep);
      // Kafka and HTTP ingest write the same tables and counters: one transaction at a time, or
      // DuckDB refuses one of two concurrent updates of a counter row.
      const lock = new WriteLock();
      const storeHealth = { writeError: undefined as string | undefined };
      const writer = {
        write: (batch: WriteBatch) => this.reportingWrite(model.name, storeHealth, () => lock.run(() => samplesWriter.write(batch))),
      };
      const http = await HttpIngest.open(this.store, model, profile, this.config.storage.quarantineKeep, lock);
      const offsets = await loadOffsets(this.store.db, model.name);
      const ingest =
        readsKafka(model) && kafka
          ? new KafkaIngest(
              kafka,
              model,
              new EventDecoder(features, model.event, model.source.maxMessageBytes),
              writer,
              offsets,
              this.store.id,
              this.logger.child({ model: model.name }),
            )
          : undefined;
      const checks = await this.store.connect();
      this.models.push({ config: model, profile, table, ingest, connection, checks, http, checkLock: new WriteLock(), storeHealth });
      await ingest?.start();
      this.logger.info(
        {
          model: model.name,
          topics: model.source?.topics ?? [],
          http: !ingest || undefined,
          table,
          features: features.length,
          resumeFrom: Object.fromEntries([...offsets].map(([k, v]) => [k, v.toString()])),
        },
        'model ingest started',
      );
    } catch (error) {
      this.failed.set(model.name, messageOf(error));
      this.logger.error({ model: model.name, err: messageOf(error) }, 'model not started; the other models keep running');
      if (connection && !this.models.some((m) => m.connection === connection)) connection.close();
    }
  }

  /**
   * A store write of a model's consumer, with its failures made visible: a failed write (a full
   * disk, an I/O error) is rolled back with its offsets and thrown back to the consumer, which
   * retries the same messages after a back-off and commits nothing to Kafka past what is stored.
   * The error is logged once when it starts and once when writes work again, and /readyz
   * names it meanwhile.
   */
  private async reportingWrite(model: string, health: RunningModel['storeHealth'], write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      const message = messageOf(error).split('\n')[0]!;
      if (health.writeError !== message) {
        this.logger.error(
          { model, err: message },
          'store write failed: the chunk and its offsets were rolled back; the consumer retries it after a back-off',
        );
      }
      health.writeError = message;
      if (INVALIDATED.test(messageOf(error)) && !this.fatal) {
        this.fatal = message;
        this.logger.fatal(
          { model, err: message },
          'the store is invalidated and refuses every write until reopened: stopping so a supervisor restarts driftwatch (it resumes from the last commit)',
        );
        this.options.onFatal?.(message);
      }
      throw error;
    }
    if (health.writeError !== undefined) {
      this.logger.info({ model, after: health.writeError }, 'store writes work again');
      health.writeError = undefined;
    }
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
          return m
            ? {
                name: c.name,
                config: c,
                profile: m.profile,
                status: 'running',
                ...(m.ingest ? { consumer: { connected: m.ingest.getStatus().connected } } : {}),
              }
            : { name: c.name, config: c, profile: null, status: 'failed', error: this.failed.get(c.name) ?? 'not started' };
        }),
      ready: () => {
        const reasons = [
          ...[...this.failed].map(([n, why]) => `model ${n}: not started: ${why}`),
          // A model fed only through HTTP ingest has no consumer to wait for.
          ...this.models
            .filter((m) => m.ingest && !m.ingest.getStatus().connected)
            .map((m) => `model ${m.config.name}: Kafka consumer not connected`),
          ...this.models
            .filter((m) => m.storeHealth.writeError)
            .map((m) => `model ${m.config.name}: store writes failing: ${m.storeHealth.writeError}`),
        ];
        const stopping = this.stopping !== undefined;
        return { ok: !stopping && reasons.length === 0, reasons: stopping ? ['stopping', ...reasons] : reasons };
      },
      runCheck: (name) => this.checkByName(name),
      ingest: (name, events) => {
        const m = this.models.find((r) => r.config.name === name);
        if (!m) throw new UserError(`model '${name}' is not running`);
        return m.http.ingest(events);
      },
      extend: (app) => {
        this.options.extend?.(app);
        mountDashboard(app);
      },
    });
    this.server = await listen(app, this.config.api);
    this.logger.info({ url: this.server.url }, 'API listening');
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

  /** Builds the model's drift report of the period ending now and queues it for its email channels. */
  private async reportNow(m: RunningModel): Promise<void> {
    const report = m.config.report!;
    const now = Date.now();
    // A connection of its own: the model's check may be running on `m.checks` at the same time.
    const db = await this.store.connect();
    try {
      const digest = await buildDigest(
        db,
        m.config.name,
        { startMs: now - report.period, endMs: now },
        modelDashboardUrl(this.config.alerts, m.config.name),
      );
      const email = renderDigestEmail(digest);
      for (const channel of report.channels) {
        const id = randomUUID();
        await enqueue(db, { id, channel, model: m.config.name, kind: 'report', payload: { id, ...email } }, now);
      }
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
    }
  }

  /**
   * A scheduled check, skipped when the clock has not moved past the last report's window: only
   * an injected clock can stand still (the demo's, once its replay is over), and checking the same
   * window again would fill the history with copies of one check.
   */
  private async scheduledCheck(m: RunningModel): Promise<void> {
    if (this.options.now) {
      const now = this.options.now();
      const last = await m.checkLock.run(() => lastWindowEnd(m.checks, m.config.name, { compared: false }));
      if (last !== null && last >= now) {
        this.logger.debug({ model: m.config.name }, 'scheduled check skipped: the clock has not moved since the last check');
        return;
      }
    }
    await this.checkNow(m);
  }

  /** One check of a model's window with alerts, then a delivery pass (a scheduled run). */
  private async checkNow(m: RunningModel): Promise<LiveReport> {
    const result = await m.checkLock.run(() =>
      checkModel(m.checks, m.config, m.profile, this.config.alerts, {
        notify: true,
        ...(this.options.now ? { now: this.options.now() } : {}),
      }),
    );
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
    if (result.queued.length > 0) await this.deliver();
    return report;
  }

  /** A check of a model now (the API's "run now"), in turn with its scheduled checks. */
  checkByName(name: string): Promise<LiveReport> {
    const m = this.models.find((r) => r.config.name === name);
    if (!m) throw new UserError(`model '${name}' is not running`);
    if (this.stopping !== undefined) throw new UserError('the service is stopping; no new check starts');
    // Tracked so stop() waits for it: the HTTP server's grace (5 s) can end before a long check,
    // and closing the check's connection under a running query hung the process.
    const run = this.checkNow(m);
    this.apiChecks.add(run);
    void run.catch(() => {}).finally(() => this.apiChecks.delete(run));
    return run;
  }

  /** Models that could not start, with the reason. */
  failures(): ReadonlyMap<string, string> {
    return this.failed;
  }

  running(): readonly RunningModel[] {
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
      await this.deliverer?.idle();
      await Promise.all(
        this.models.map((m) =>
          m.ingest?.stop().catch((error) => this.logger.error({ model: m.config.name, err: messageOf(error) }, 'consumer stop failed')),
        ),
      );
      for (const channel of this.channels.values()) await channel.close?.();
      for (const m of this.models) {
        await m.http.close();
        m.connection.close();
        m.checks.close();
      }
      this.deliveryConnection?.close();
      this.store.close();
    })();
    return this.stopping;
  }
}
