import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { outboxCounts } from '../store/outbox.js';
import type { LiveReport } from '../contracts/report.js';
import type { EstimatedPerformance, FeatureReport, LabelsReport } from '../contracts/report.js';
import { LABEL_COUNTERS } from '../contracts/label.js';
import { COUNTERS } from '../contracts/event.js';
import type { Database } from '../store/database.js';
import type { Store } from '../store/store.js';
import { getReport, latestReportIds } from '../store/reports.js';
import { firingCounts } from '../store/alerts.js';
import { allIngestCounters } from '../store/counters.js';
import { counterReason, quarantineReason } from '../contracts/event.js';
import type { CheckHealth } from '../contracts/check-health.js';

/** The metric names of the contract (issue 5): dashboards and alert rules are written against them. */
export const METRIC_NAMES = {
  eventsConsumed: 'driftwatch_events_consumed_total',
  eventsSampled: 'driftwatch_events_sampled_total',
  eventsQuarantined: 'driftwatch_events_quarantined_total',
  eventsDuplicate: 'driftwatch_events_duplicate_total',
  consumerLag: 'driftwatch_consumer_lag',
  checkDuration: 'driftwatch_check_duration_seconds',
  featureDriftScore: 'driftwatch_feature_drift_score',
  featureDrifted: 'driftwatch_feature_drifted',
  alertsFiring: 'driftwatch_alerts_firing',
  outboxPending: 'driftwatch_outbox_pending',
  outboxDead: 'driftwatch_outbox_dead',
  outboxDelivered: 'driftwatch_outbox_delivered_total',
  topicMissing: 'driftwatch_kafka_topic_missing',
  messagesLost: 'driftwatch_kafka_messages_lost_total',
  logResets: 'driftwatch_kafka_log_resets_total',
  checksSkipped: 'driftwatch_checks_skipped_total',
  clockSteps: 'driftwatch_clock_steps_total',
  scheduleLateRuns: 'driftwatch_schedule_late_runs_total',
  checkFailures: 'driftwatch_check_failures_total',
  lastCheckTimestamp: 'driftwatch_last_check_timestamp_seconds',
  lastCheckSuccess: 'driftwatch_last_check_success',
  checkConsecutiveFailures: 'driftwatch_check_consecutive_failures',
  labelsStored: 'driftwatch_labels_stored_total',
  labelsDuplicate: 'driftwatch_labels_duplicate_total',
  labelsCorrected: 'driftwatch_labels_corrected_total',
  labelsSampledOut: 'driftwatch_labels_sampled_out_total',
  labelsRejected: 'driftwatch_labels_rejected_total',
  labelCoverage: 'driftwatch_label_coverage',
  labelsUnmatched: 'driftwatch_labels_unmatched',
  estimatedPerformance: 'driftwatch_estimated_performance',
} as const;

/** What the metrics read at scrape time. */
export interface MetricsDeps {
  store: Store;
  /** The configured model names: each has its counters, at 0 before its first event. */
  models: () => readonly string[];
  /** Per model, "topic/partition" -> messages behind the high watermark (the consumers' view). */
  lag: () => ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per model, its topics that do not exist on the broker yet. */
  missingTopics?: () => ReadonlyMap<string, readonly string[]>;
  /** Per running model, what its checks did lately (this process). */
  checks?: () => ReadonlyMap<string, CheckHealth>;
}

/** Buckets of the check duration, from a small window in DuckDB to a million-row window. */
const CHECK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** What the gauges read of a model's newest report with features. */
interface LatestReport {
  features: FeatureReport[];
  labels?: LabelsReport;
  estimated?: EstimatedPerformance;
}

/** What the store holds for the metrics, read once per scrape. */
interface Snapshot {
  counts: { model: string; counter: string; value: number }[];
  firing: Map<string, number>;
  outbox: { pending: number; dead: number; delivered: number };
  /** Per model, the features of its newest report that compared features. */
  features: Map<string, FeatureReport[]>;
  /** Per model, the labels section of that report, when it has one. */
  labels: Map<string, LabelsReport>;
  /** Per model, the estimated performance (CBPE) of that report, when it has one. */
  estimated: Map<string, EstimatedPerformance>;
}

/**
 * driftwatch's Prometheus metrics, on a registry of their own (not prom-client's global one, so
 * two apps in one process, as in tests, do not share counters). What lives in the store
 * (ingest counts, alerts, outbox, the newest reports) is read at scrape time, so the values are
 * exact across restarts and agree with the API; check durations are observed in process.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly checkDuration: Histogram<'model'>;
  private readonly checksSkipped: Counter<'model' | 'reason'>;
  private readonly clockSteps: Counter<'direction'>;
  private readonly scheduleLateRuns: Counter<'job'>;
  /** The snapshot being read for the scrape in progress: every metric of one scrape shares it. */
  private inFlight: Promise<Snapshot> | undefined;
  /** Parsed features of the reports already seen, by report id (a report never changes). */
  private readonly reportCache = new Map<string, { id: string } & LatestReport>();

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    const snapshot = () => this.snapshot();
    const models = () => deps.models();
    // A per-model counter read from `ingest_counts` at scrape time (exact across restarts).
    const storedCounter = (name: string, help: string, counter: string) =>
      new Counter({
        name,
        help,
        labelNames: ['model'],
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          for (const model of models()) this.inc({ model }, 0);
          for (const c of s.counts) if (c.counter === counter) this.inc({ model: c.model }, c.value);
        },
      });
    storedCounter(
      METRIC_NAMES.eventsConsumed,
      "Events read from the model's topics (or HTTP ingest), as stored in the same transaction as the rows.",
      COUNTERS.consumed,
    );
    storedCounter(METRIC_NAMES.eventsSampled, 'Events kept by the sampler.', COUNTERS.sampled);
    storedCounter(
      METRIC_NAMES.eventsDuplicate,
      'HTTP ingest events not stored because their id (event.id) is stored already (while its row is kept: storage.retention).',
      COUNTERS.duplicate,
    );
    storedCounter(
      METRIC_NAMES.labelsStored,
      'Labels stored (Kafka label topics and HTTP), in the same transaction as the rows.',
      LABEL_COUNTERS.stored,
    );
    storedCounter(
      METRIC_NAMES.labelsDuplicate,
      "Labels equal to their id's current label (over HTTP not stored again; from Kafka stored, changing nothing).",
      LABEL_COUNTERS.duplicate,
    );
    storedCounter(
      METRIC_NAMES.labelsCorrected,
      "Labels that differ from their id's current label (stored; the latest label time wins).",
      LABEL_COUNTERS.corrected,
    );
    storedCounter(
      METRIC_NAMES.labelsSampledOut,
      "Labels not stored because the model's sampler leaves their id out (their prediction was not stored either).",
      LABEL_COUNTERS.sampledOut,
    );
    // A per-model counter by reason, from the `ingest_counts` rows whose name `reasonOf` reads.
    const storedReasons = (name: string, help: string, reasonOf: (counter: string) => string | undefined) =>
      new Counter({
        name,
        help,
        labelNames: ['model', 'reason'],
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          for (const c of s.counts) {
            const reason = reasonOf(c.counter);
            if (reason !== undefined) this.inc({ model: c.model, reason }, c.value);
          }
        },
      });
    storedReasons(
      METRIC_NAMES.eventsQuarantined,
      'Sampled events set aside, by reason: unreadable messages (malformed_json, too_large...) and stored events with a bad value (missing_feature, wrong_type...).',
      quarantineReason,
    );
    storedReasons(
      METRIC_NAMES.messagesLost,
      "Messages Kafka deleted before driftwatch read them, by reason (retention: the stored position was older than the log's start).",
      counterReason(COUNTERS.lost('')),
    );
    storedReasons(
      METRIC_NAMES.logResets,
      "Times a partition's stored position was moved to its log's start, by reason: retention (messages deleted unread) or new_log (the topic deleted and created again).",
      counterReason(COUNTERS.logReset('')),
    );
    storedReasons(
      METRIC_NAMES.labelsRejected,
      'Label messages set aside, by reason (missing_id, missing_label, bad_label, malformed_json...).',
      counterReason(LABEL_COUNTERS.rejected('')),
    );
    // From the newest report with features, as the drift gauges: the coverage as the last check joined it.
    const labelGauge = (name: string, help: string, value: (l: LabelsReport) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['model'],
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          for (const [model, labels] of s.labels) this.set({ model }, value(labels));
        },
      });
    labelGauge(
      METRIC_NAMES.labelCoverage,
      "Share of the window's predictions with a label, in the model's newest check with features (labels joined when it ran).",
      (l) => l.coverage,
    );
    labelGauge(
      METRIC_NAMES.labelsUnmatched,
      "Stored labels whose id matches no stored prediction, at the model's newest check with features.",
      (l) => l.unmatched,
    );
    new Gauge({
      name: METRIC_NAMES.estimatedPerformance,
      help: "The window's performance estimated by CBPE from its prediction scores (no labels needed), per metric, in the model's newest check with features; a leading indicator, never alerted on.",
      labelNames: ['model', 'metric'],
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        for (const [model, estimated] of s.estimated)
          for (const m of estimated.metrics) if (m.estimate !== null) this.set({ model, metric: m.metric }, m.estimate);
      },
    });
    new Gauge({
      name: METRIC_NAMES.consumerLag,
      help: 'Messages behind the log end (high watermark) of each assigned partition, from the stored position: read from the broker every source.metadataInterval, so it grows while nothing is stored.',
      labelNames: ['model', 'topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const [model, partitions] of deps.lag()) {
          for (const [where, lag] of partitions) {
            const slash = where.lastIndexOf('/');
            this.set({ model, topic: where.slice(0, slash), partition: where.slice(slash + 1) }, lag);
          }
        }
      },
    });
    new Gauge({
      name: METRIC_NAMES.topicMissing,
      help: "1 for each of the model's topics that does not exist on the broker yet: the model's consumer waits for it (driftwatch does not create topics).",
      labelNames: ['model', 'topic'],
      registers,
      collect() {
        this.reset();
        for (const [model, topics] of deps.missingTopics?.() ?? []) for (const topic of topics) this.set({ model, topic }, 1);
      },
    });
    this.checksSkipped = new Counter({
      name: METRIC_NAMES.checksSkipped,
      help: "Scheduled checks not run, by reason (waiting_for_topic: the model's topics do not exist yet), since this process started.",
      labelNames: ['model', 'reason'],
      registers,
    });
    this.clockSteps = new Counter({
      name: METRIC_NAMES.clockSteps,
      help: 'Steps of the wall clock (over 1 s away from the monotonic clock) the scheduler saw, by direction; after a step back every schedule is planned from the new time (since this process started).',
      labelNames: ['direction'],
      registers,
    });
    for (const direction of ['backward', 'forward']) this.clockSteps.inc({ direction }, 0);
    this.scheduleLateRuns = new Counter({
      name: METRIC_NAMES.scheduleLateRuns,
      help: 'Scheduled runs made over 1 s after their time (the wall clock stepped forward or the process stalled), by job (check:<model>, report:<model>); the times in between were not run (since this process started).',
      labelNames: ['job'],
      registers,
    });
    const checks = () => deps.checks?.() ?? new Map<string, CheckHealth>();
    // Like Prometheus' prometheus_rule_evaluation_failures_total: at 0 for each running model before its first failure.
    new Counter({
      name: METRIC_NAMES.checkFailures,
      help: 'Checks of the model (scheduled or asked for) that failed: a query error, a corrupt block. Since this process started.',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const [model, health] of checks()) this.inc({ model }, health.failedTotal);
      },
    });
    new Gauge({
      name: METRIC_NAMES.lastCheckTimestamp,
      help: "When the model's last check (scheduled or asked for) ended, successful or not, in seconds since the epoch; no series before its first check in this process.",
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const [model, health] of checks()) if (health.last) this.set({ model }, health.last.at / 1000);
      },
    });
    new Gauge({
      name: METRIC_NAMES.lastCheckSuccess,
      help: "1 when the model's last check succeeded, 0 when it failed (then the drift metrics are those of an older check).",
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const [model, health] of checks()) if (health.last) this.set({ model }, health.last.ok ? 1 : 0);
      },
    });
    new Gauge({
      name: METRIC_NAMES.checkConsecutiveFailures,
      help: 'Checks of the model that failed in a row up to now (0 after one succeeds); its check-failing alert fires at alerts.checkFailingAfter.',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const [model, health] of checks()) this.set({ model }, health.failing?.count ?? 0);
      },
    });
    this.checkDuration = new Histogram({
      name: METRIC_NAMES.checkDuration,
      help: "Time of a check of a model's window (since this process started).",
      labelNames: ['model'],
      buckets: CHECK_BUCKETS,
      registers,
    });
    new Gauge({
      name: METRIC_NAMES.featureDriftScore,
      help: "A statistic of the feature in the model's newest check with features: a distance, or a test's statistic (stat) and p-value (stat_pvalue).",
      labelNames: ['model', 'feature', 'stat'],
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        for (const [model, features] of s.features) {
          for (const f of features) {
            for (const [stat, value] of Object.entries(f.stats)) {
              if (typeof value === 'number') this.set({ model, feature: f.name, stat }, value);
              else {
                this.set({ model, feature: f.name, stat }, value.statistic);
                this.set({ model, feature: f.name, stat: `${stat}_pvalue` }, value.pvalue);
              }
            }
          }
        }
      },
    });
    new Gauge({
      name: METRIC_NAMES.featureDrifted,
      help: "1 when the feature drifted in the model's newest check with features, else 0.",
      labelNames: ['model', 'feature'],
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        for (const [model, features] of s.features) for (const f of features) this.set({ model, feature: f.name }, f.drift ? 1 : 0);
      },
    });
    new Gauge({
      name: METRIC_NAMES.alertsFiring,
      help: 'Alerts of the model that are firing (silenced ones included).',
      labelNames: ['model'],
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        for (const model of new Set([...models(), ...s.firing.keys()])) this.set({ model }, s.firing.get(model) ?? 0);
      },
    });
    new Gauge({
      name: METRIC_NAMES.outboxPending,
      help: 'Notifications waiting in the outbox to be delivered or retried.',
      registers,
      async collect() {
        this.set((await snapshot()).outbox.pending);
      },
    });
    new Gauge({
      name: METRIC_NAMES.outboxDead,
      help: 'Notifications given up after their last attempt (retry them with POST /api/v1/outbox/{id}/retry).',
      registers,
      async collect() {
        this.set((await snapshot()).outbox.dead);
      },
    });
    // A counter, not a gauge: delivered rows are never deleted nor sent again, so the count only grows.
    new Counter({
      name: METRIC_NAMES.outboxDelivered,
      help: 'Notifications the outbox delivered (every channel, alerts and reports), as stored: exact across restarts.',
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        this.inc(s.outbox.delivered);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Observes a check's duration (call it after every check, scheduled or asked for). */
  recordCheck(report: Pick<LiveReport, 'model' | 'timing'>): void {
    this.checkDuration.observe({ model: report.model }, report.timing.seconds);
  }

  /** Counts a scheduled check that was not run, and why. */
  recordSkippedCheck(model: string, reason: 'waiting_for_topic'): void {
    this.checksSkipped.inc({ model, reason });
  }

  /** Counts a step of the wall clock the scheduler saw (negative: back). */
  recordClockStep(stepMs: number): void {
    this.clockSteps.inc({ direction: stepMs < 0 ? 'backward' : 'forward' });
  }

  /** Counts a scheduled run made late, catching up with its time. */
  recordLateRun(job: string): void {
    this.scheduleLateRuns.inc({ job });
  }

  /** The Prometheus text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private snapshot(): Promise<Snapshot> {
    this.inFlight ??= this.readSnapshot().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async readSnapshot(): Promise<Snapshot> {
    const db = await this.deps.store.connect();
    try {
      const counts = await allIngestCounters(db);
      const firing = await firingCounts(db);
      const outbox = await outboxCounts(db);
      const latest = await this.latestReports(db);
      const labels = new Map<string, LabelsReport>();
      const estimated = new Map<string, EstimatedPerformance>();
      for (const [model, r] of latest) {
        if (r.labels) labels.set(model, r.labels);
        if (r.estimated) estimated.set(model, r.estimated);
      }
      return { counts, firing, outbox, features: new Map([...latest].map(([model, r]) => [model, r.features])), labels, estimated };
    } finally {
      db.close();
    }
  }

  /** The features (and labels) of each model's newest report, parsing only reports not seen before. */
  private async latestReports(db: Database): Promise<Map<string, LatestReport>> {
    const latest = await latestReportIds(db, { withFeatures: true });
    const out = new Map<string, LatestReport>();
    for (const [model, id] of latest) {
      let cached = this.reportCache.get(model);
      if (cached?.id !== id) {
        const report = await getReport(db, id);
        if (!report) continue; // deleted since the ids were read
        cached = {
          id,
          features: report.features,
          ...(report.labels ? { labels: report.labels } : {}),
          ...(report.estimatedPerformance ? { estimated: report.estimatedPerformance } : {}),
        };
        this.reportCache.set(model, cached);
      }
      out.set(model, cached);
    }
    return out;
  }
}
