import { z } from 'zod';
import { ApiConfig } from './api.js';
import { validCron, validTimezone } from './cron.js';
import { Duration, parseDuration } from './duration.js';
import { CORRECTION_CHOICES, DEFAULT_DECISION } from './decision.js';
import { OpsgenieChannelConfig, PagerDutyChannelConfig } from './paging.js';
import { SchemaCheckConfig } from './schema-check.js';
import { EFFECT_STATISTICS, type EffectStatistic } from '../stats/index.js';
import { ALERT_KINDS, AlertKind, SEVERITIES, Severity } from '../contracts/alert.js';

/**
 * The configuration file (`driftwatch.yaml`): the one source of truth for the TypeScript types
 * (inferred below) and for the configuration reference in docs/configuration.md (`npm run docs:config`).
 * Every field has a `.describe()` that the reference prints.
 */

/** Defaults, in one place (durations as written in the file; the schema parses them). */
export const CONFIG_DEFAULTS = {
  clientId: 'driftwatch',
  storagePath: './data/driftwatch.duckdb',
  retention: '7d',
  retentionEvery: '1h',
  featuresPath: 'features',
  samplingRate: 1,
  window: '1h',
  minRows: 100,
  quarantineKeep: 1000,
  maxMessageBytes: 1_048_576,
  sessionTimeout: '30s',
  /** Without `alerts.criticalPsiClear`, a critical drift alert goes back to warning below this share of `criticalPsi`. */
  criticalPsiClearRatio: 0.8,
  fetchMinBytes: 65_536,
  fetchMaxWait: '1s',
  storeInterval: '5s',
  metadataInterval: '10s',
  /** Failed checks in a row after which the model's `check-failing` alert fires. */
  checkFailingAfter: 3,
} as const;

/** A path into a JSON event: "a.b.c", or a list of keys for names that hold dots. */
export const JsonPath = z.union([z.string().min(1), z.array(z.union([z.string(), z.number().int().nonnegative()])).min(1)]).meta({
  type: 'path',
  description: 'path into the event: "request.user.age" (dots separate keys; [0] indexes arrays) or a list of keys ["a.b", "c"]',
});

const Tls = z
  .union([
    z.boolean(),
    z
      .object({
        ca: z.string().optional().describe("PEM file of the CA that signed the brokers' certificates"),
        cert: z.string().optional().describe('PEM file of the client certificate (mutual TLS)'),
        key: z.string().optional().describe('PEM file of the client key (mutual TLS)'),
        rejectUnauthorized: z.boolean().default(true).describe('refuse brokers whose certificate does not verify'),
      })
      .strict(),
  ])
  .describe('TLS to the brokers: true, or the files to use');

const Sasl = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism'),
    username: z.string().min(1).describe('user name (use ${ENV_VAR})'),
    password: z.string().min(1).describe('password: always ${ENV_VAR}, never written in the file'),
  })
  .strict()
  .describe('SASL authentication');

export const KafkaConfig = z
  .object({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'))
      .min(1)
      .describe('bootstrap brokers, host:port'),
    clientId: z.string().default(CONFIG_DEFAULTS.clientId).describe('client id shown in broker logs'),
    tls: Tls.optional(),
    sasl: Sasl.optional(),
    connectionTimeout: Duration.prefault('10s').describe('time to wait for a broker connection'),
  })
  .strict()
  .describe('the Kafka cluster (required when a model has a source)');

/** A size as DuckDB takes it: 256MB, 1GB, 512KiB. */
const Size = z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'expected a size like 256MB or 1GB');

export const StorageConfig = z
  .object({
    path: z.string().min(1).default(CONFIG_DEFAULTS.storagePath).describe('the DuckDB file (one per deployment)'),
    retention: Duration.prefault(CONFIG_DEFAULTS.retention).describe('sampled rows older than this are deleted'),
    retentionEvery: Duration.prefault(CONFIG_DEFAULTS.retentionEvery).describe('how often retention runs'),
    quarantineKeep: z
      .number()
      .int()
      .nonnegative()
      .default(CONFIG_DEFAULTS.quarantineKeep)
      .describe('rejected messages kept per model (the newest), for people to inspect'),
    memoryLimit: Size.default('256MB').describe(
      "DuckDB's memory limit: without one it keeps written blocks cached up to 80% of RAM; past it, large operations spill to disk",
    ),
    checkpointThreshold: Size.default('256MB').describe(
      "DuckDB moves its write-ahead log into the file once the log holds this much: each such checkpoint recompresses the newest rows, and at DuckDB's own 16MB that was about a quarter of the ingest's CPU at sampling 1.0; a larger one means a larger .wal file and a longer replay after a crash (about 2 s per 80 MB on the test machine)",
    ),
  })
  .strict()
  .describe('where samples, offsets, reports and alerts are stored');

/**
 * How the consumer fetches and how often it stores: on a quiet stream a fetch that returns as soon
 * as one message is there, and a transaction per fetch, cost a core's worth of CPU for a few
 * events a second (issue 14, item 13); these defaults wait for 64 KiB or 1 s, and store a
 * caught-up partition at most every 5 s (a transaction costs DuckDB milliseconds whatever it holds).
 */
export const FetchConfig = z
  .object({
    minBytes: z
      .number()
      .int()
      .positive()
      .default(CONFIG_DEFAULTS.fetchMinBytes)
      .describe('a fetch waits for this many bytes (or maxWait) before the broker answers'),
    maxWait: Duration.prefault(CONFIG_DEFAULTS.fetchMaxWait).describe(
      'longest the broker holds a fetch waiting for minBytes (at most 10s)',
    ),
    storeInterval: Duration.prefault(CONFIG_DEFAULTS.storeInterval).describe(
      'a caught-up partition is stored at most this often: a batch that comes sooner waits (Kafka keeps what arrives meanwhile for the next fetch), so a quiet stream writes few transactions; a partition that is behind stores at once. An event is stored within about maxWait + storeInterval (at most 60s; 1ms: store each fetch at once)',
    ),
  })
  .strict()
  .describe("the consumer's fetch and store pace (the defaults keep a low-rate stream cheap)")
  .refine((f) => f.maxWait <= 10_000, { message: 'maxWait must be at most 10s', path: ['maxWait'] })
  .refine((f) => f.storeInterval <= 60_000, { message: 'storeInterval must be at most 60s', path: ['storeInterval'] });

export const SourceConfig = z
  .object({
    topics: z.array(z.string().min(1)).min(1).describe("topics with the model's prediction events"),
    groupId: z.string().min(1).optional().describe('consumer group (default driftwatch-<model>)'),
    format: z.literal('json').default('json').describe('payload format'),
    startFrom: z.enum(['earliest', 'latest']).default('latest').describe('where to start on a partition driftwatch has never read'),
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(CONFIG_DEFAULTS.maxMessageBytes)
      .describe('larger payloads are quarantined unread'),
    sessionTimeout: Duration.prefault(CONFIG_DEFAULTS.sessionTimeout).describe(
      "consumer group session: how long before a dead consumer's partitions move to another",
    ),
    fetch: FetchConfig.prefault({}),
    metadataInterval: Duration.prefault(CONFIG_DEFAULTS.metadataInterval).describe(
      "how often the topics' partitions and log ends are read from the broker: the consumer lag of every assigned partition, partitions added to a topic (read from their start), a stored position that retention deleted or a topic deleted and created again (read from the log's start, what was lost counted)",
    ),
  })
  .strict()
  .describe(
    "where the model's events come from: its Kafka topics (omit for a model fed only through HTTP ingest, POST /api/v1/models/{model}/events)",
  )
  .refine((s) => s.sessionTimeout >= 6000 && s.sessionTimeout <= 300_000, {
    message: "sessionTimeout must be between 6s and 300s (the broker's group.min/max.session.timeout.ms)",
    path: ['sessionTimeout'],
  });

export const EventMapping = z
  .object({
    featuresPath: JsonPath.default(CONFIG_DEFAULTS.featuresPath).describe(
      'object whose fields are the features (used for features with no explicit path)',
    ),
    features: z.record(z.string(), JsonPath).default({}).describe('explicit path per feature name, overriding featuresPath'),
    timestamp: JsonPath.optional().describe('event time (ISO string or epoch ms/s); default: the Kafka message timestamp'),
    prediction: JsonPath.optional().describe("the model's output, stored beside the features"),
    id: JsonPath.optional().describe('event id; default: the message key'),
    ignore: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'fields of the features object the schema check leaves out (never "unexpected"), named as the report names them; fields on the path of a mapped feature are never unexpected',
      ),
  })
  .strict()
  .describe('how to read an event: paths of the features, the time, the prediction and the id');

export const SamplingConfig = z
  .object({
    rate: z.number().min(0).max(1).default(CONFIG_DEFAULTS.samplingRate).describe('share of events kept, 0..1'),
    by: z
      .enum(['key', 'id', 'offset'])
      .default('key')
      .describe(
        'what the keep/drop hash reads: the message key (no parsing; falls back to the offset when a message has no key), the event id (parses every payload), or the offset',
      ),
  })
  .strict()
  .describe('which events are kept: a stable hash decides, so a restart or a replay keeps the same ones');

/**
 * Where a model's labels (the true outcomes, known later) come from: a Kafka topic read by a second
 * consumer group of the model, and/or `POST /api/v1/models/{model}/labels`. They join the stored
 * predictions by event id at check time (docs/ingest.md, "Labels").
 */
export const LabelsConfig = z
  .object({
    topics: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Kafka topics with the label messages (omit to take labels only over HTTP)'),
    id: JsonPath.optional().describe(
      "path of the event id in a label message: the id of the prediction it labels (the samples' _id); required with topics",
    ),
    label: JsonPath.optional().describe('path of the label (a class, true/false, or a number) in a label message; required with topics'),
    timestamp: JsonPath.optional().describe(
      'path of the label time (ISO string or epoch ms/s); default: the Kafka message timestamp. The latest label time of an id wins',
    ),
    groupId: z.string().min(1).optional().describe('consumer group of the label topics (default driftwatch-<model>-labels)'),
    startFrom: z
      .enum(['earliest', 'latest'])
      .default('earliest')
      .describe('where to start on a label partition driftwatch has never read (earliest: labels may be older than driftwatch)'),
    http: z.boolean().default(true).describe('take labels over HTTP (POST /api/v1/models/{model}/labels, ingest scope)'),
    task: z
      .enum(['binary', 'multiclass', 'regression'])
      .optional()
      .describe("the model's task, for the realized performance of labelled windows (default: read from the labels and predictions)"),
  })
  .strict()
  .describe('labels that arrive later (minutes or weeks): joined with the stored predictions by event id at each check')
  .superRefine((labels, ctx) => {
    if (labels.topics) {
      for (const key of ['id', 'label'] as const)
        if (labels[key] === undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `required with topics: the path of the ${key} in a label message` });
    } else {
      for (const key of ['id', 'label', 'timestamp', 'groupId'] as const)
        if (labels[key] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} applies to a Kafka label source: add topics, or remove ${key} (HTTP labels carry id, label and timestamp fields)`,
          });
      if (!labels.http)
        ctx.addIssue({ code: 'custom', path: ['http'], message: 'labels takes nothing: give topics, or leave http at true' });
    }
  });

/** A cron expression node-cron accepts. */
const Cron = z.string().refine(validCron, { message: 'not a valid cron expression (5 fields, or 6 with seconds: "*/15 * * * *")' });
/** An IANA time zone. */
const Timezone = z.string().refine(validTimezone, { message: 'unknown time zone (use an IANA name such as Europe/Paris or UTC)' });

export const ScheduleConfig = z
  .object({
    cron: Cron.describe('cron expression of the check'),
    timezone: Timezone.default('UTC').describe('IANA time zone of the cron expression'),
  })
  .strict()
  .describe("when the model's check runs");

/** A check's window: a duration back from now ("1h"), "since-last" (since the previous check), or "events:N" (the last N rows). */
export const WindowSpec = z
  .string()
  .transform((text, ctx): WindowSpecValue => {
    if (text === 'since-last') return { kind: 'since-last' };
    const events = /^events:(\d+)$/.exec(text);
    if (events && Number(events[1]) > 0) return { kind: 'events', count: Number(events[1]) };
    const ms = parseDuration(text);
    if (ms !== undefined && ms > 0) return { kind: 'duration', ms };
    ctx.addIssue({ code: 'custom', message: `expected a duration (1h, 24h), since-last or events:N; got '${text}'` });
    return z.NEVER;
  })
  .meta({
    type: 'window',
    description:
      'what a check compares: a duration back from now (1h, 24h), since-last (since the previous check) or events:N (the last N events)',
  });

export type WindowSpecValue = { kind: 'duration'; ms: number } | { kind: 'since-last' } | { kind: 'events'; count: number };

export const ReportScheduleConfig = z
  .object({
    cron: Cron.describe('cron expression of the digest (e.g. "0 8 * * *": daily at 08:00)'),
    timezone: Timezone.default('UTC').describe('IANA time zone of the cron expression'),
    period: Duration.prefault('24h').describe('the period the digest covers, ending when it runs'),
    channels: z.array(z.string().min(1)).min(1).describe('email channels (from alerts.channels) that receive the digest'),
  })
  .strict()
  .describe('a scheduled drift report (digest) of the period, by email');

/** One minimum-effect setting per size statistic of the registry, with its default and what it measures. */
const minEffect = (stat: EffectStatistic) =>
  z
    .union([z.number().nonnegative(), z.null()])
    .default(DEFAULT_DECISION.minEffect[stat.name] ?? null)
    .describe(`${stat.appliesTo.length === 1 ? `${stat.appliesTo[0]}: ` : ''}${stat.effect.text}; null: not used`);

/** When a feature drifts (`src/checks/decision.ts`): credible after the correction, and large enough. */
export const DecisionConfig = z
  .object({
    alpha: z
      .number()
      .gt(0)
      .lt(1)
      .default(DEFAULT_DECISION.alpha)
      .describe('chance per check that undrifted data raises any drift (family-wise; the false-discovery rate with benjamini-hochberg)'),
    correction: z
      .enum(CORRECTION_CHOICES)
      .default(DEFAULT_DECISION.correction)
      .describe('multiple-testing correction over the features of a check (bh = benjamini-hochberg)'),
    minEffect: z
      .object(Object.fromEntries(EFFECT_STATISTICS.map((stat) => [stat.name, minEffect(stat)])))
      .strict()
      .prefault({})
      .describe(
        'the size a change must reach to matter: a feature is large enough when any statistic set here for its kind reaches its minimum',
      ),
    minRows: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_DECISION.minRows)
      .describe('a feature with fewer finite values in the window is "insufficient data", never drift'),
  })
  .strict()
  .describe(
    "when a feature drifts: a test credible after the correction over the check's features, and a change at least a minimum effect",
  );

/**
 * The key a model's rows are stored under (its samples table is `samples_<key>`): the name lower
 * cased, with `.` and `-` made `_`, because DuckDB's identifiers ignore case and SQL names take
 * neither. Two models with one key would share a table, so the config refuses them.
 * @example modelStorageKey('Fraud-v2.eu') // => 'fraud_v2_eu'
 */
export function modelStorageKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** A model name must also make a safe table name and URL part. */
export const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (at most 64), starting with a letter or digit');

export const ModelConfig = z
  .object({
    name: ModelName.describe('model name'),
    baseline: z.string().min(1).describe('baseline profile (from `driftwatch baseline create`)'),
    source: SourceConfig.optional(),
    event: EventMapping.prefault({}),
    sampling: SamplingConfig.prefault({}),
    window: WindowSpec.prefault(CONFIG_DEFAULTS.window),
    minRows: z
      .number()
      .int()
      .positive()
      .default(CONFIG_DEFAULTS.minRows)
      .describe('a window with fewer rows is "insufficient data", never drift'),
    decision: DecisionConfig.prefault({}),
    schema: SchemaCheckConfig.prefault({}),
    schedule: ScheduleConfig.optional(),
    report: ReportScheduleConfig.optional(),
    labels: LabelsConfig.optional(),
  })
  .strict()
  .superRefine((model, ctx) => {
    const shared = model.labels?.topics?.filter((t) => model.source?.topics.includes(t)) ?? [];
    if (shared.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['labels', 'topics'],
        message: `${shared.join(', ')}: also in source.topics; labels need topics of their own (each message is a prediction or a label)`,
      });
  });

const EmailChannelConfig = z
  .object({
    name: z.string().min(1).describe('channel name, used by routes'),
    type: z.literal('email').describe('the kind of channel; it decides which of the fields below apply'),
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\//, 'expected smtp://[user:pass@]host:port or smtps://...')
      .describe('SMTP server: "${SMTP_URL}" (credentials from the environment)'),
    from: z.string().min(3).describe('sender address'),
    to: z.array(z.string().min(3)).min(1).describe('recipients'),
    requireTLS: z.boolean().default(false).describe('refuse to send unless the server offers STARTTLS'),
    rejectUnauthorized: z.boolean().default(true).describe('refuse servers whose TLS certificate does not verify'),
  })
  .strict();

const WebhookChannelConfig = z
  .object({
    name: z.string().min(1).describe('channel name, used by routes'),
    type: z.literal('webhook').describe('the kind of channel; it decides which of the fields below apply'),
    url: z
      .string()
      .regex(/^https?:\/\//, 'expected an http(s) URL')
      .describe('where to POST (from configuration only)'),
    secret: z
      .string()
      .min(16, 'at least 16 characters')
      .optional()
      .describe('HMAC-SHA256 key of X-Driftwatch-Signature: "${WEBHOOK_SECRET}"; required with format json'),
    format: z
      .enum(['json', 'slack', 'teams'])
      .default('json')
      .describe(
        'json: the versioned driftwatch payload; slack: a Slack-compatible message; teams: an Adaptive Card for a Teams Incoming Webhook or Workflows URL',
      ),
    timeout: Duration.prefault('10s').describe('time to wait for the receiver'),
  })
  .strict()
  .refine((c) => c.format !== 'json' || c.secret !== undefined, {
    message: 'a json webhook needs a secret (receivers verify X-Driftwatch-Signature with it)',
    path: ['secret'],
  });

export const ChannelConfig = z
  .discriminatedUnion('type', [EmailChannelConfig, WebhookChannelConfig, PagerDutyChannelConfig, OpsgenieChannelConfig])
  .describe('a named email, webhook, pagerduty or opsgenie channel');

export const RouteConfig = z
  .object({
    models: z.array(z.string().min(1)).default(['*']).describe('model names, or "*" for all'),
    severities: z
      .array(Severity)
      .default([...SEVERITIES])
      .describe('severities this route takes'),
    kinds: z
      .array(AlertKind)
      .default([...ALERT_KINDS])
      .describe('alert kinds this route takes'),
    channels: z.array(z.string().min(1)).min(1).describe('channel names'),
  })
  .strict();

export const AlertsConfig = z
  .object({
    dashboardUrl: z
      .string()
      .regex(/^https?:\/\//, 'expected an http(s) URL')
      .optional()
      .describe('base URL of the dashboard, for links in notifications'),
    repeatInterval: Duration.prefault('4h').describe('a still-firing alert is sent again only after this'),
    criticalPsi: z
      .number()
      .positive()
      .default(0.25)
      .describe('a drifted feature is critical from this PSI on (warning below); missing features are critical'),
    criticalPsiClear: z
      .number()
      .positive()
      .optional()
      .describe(
        'hysteresis: a critical drift alert stays critical until its PSI falls below this (default 0.8 × criticalPsi), so a PSI hovering around criticalPsi does not flip the severity',
      ),
    maxAttempts: z.number().int().min(1).default(10).describe('delivery attempts before a notification is kept as dead'),
    checkFailingAfter: z
      .number()
      .int()
      .min(1)
      .default(CONFIG_DEFAULTS.checkFailingAfter)
      .describe(
        'failed checks of a model in a row after which its check-failing alert fires (it resolves at the next check that succeeds)',
      ),
    initialBackoff: Duration.prefault('5s').describe('wait before the first retry; doubles each attempt'),
    maxBackoff: Duration.prefault('15m').describe('longest wait between retries'),
    channels: z.array(ChannelConfig).default([]).describe('where notifications can go'),
    routes: z.array(RouteConfig).default([]).describe('which alerts go to which channels'),
  })
  .strict()
  .refine((a) => a.criticalPsiClear === undefined || a.criticalPsiClear <= a.criticalPsi, {
    message: 'criticalPsiClear must not be above criticalPsi (a critical alert returns to warning below it)',
    path: ['criticalPsiClear'],
  })
  .describe('alerting: channels, routes, repeat and delivery');

export const DriftwatchConfig = z
  .object({
    kafka: KafkaConfig.optional(),
    storage: StorageConfig.prefault({}),
    alerts: AlertsConfig.prefault({}),
    api: ApiConfig.prefault({}),
    models: z.array(ModelConfig).min(1).describe('the monitored models'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const keys = new Map<string, string>();
    config.models.forEach((model, i) => {
      const other = keys.get(modelStorageKey(model.name));
      if (other === model.name)
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name '${model.name}'` });
      else if (other !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'name'],
          message: `model names '${other}' and '${model.name}' differ only by case, '.', '-' or '_', and would share one samples table (samples_${modelStorageKey(model.name)}); rename one`,
        });
      else keys.set(modelStorageKey(model.name), model.name);
    });
    const channels = new Map(config.alerts.channels.map((c) => [c.name, c]));
    if (channels.size !== config.alerts.channels.length)
      ctx.addIssue({ code: 'custom', path: ['alerts', 'channels'], message: 'channel names must be unique' });
    config.alerts.routes.forEach((route, i) =>
      route.channels.forEach((name, j) => {
        if (!channels.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['alerts', 'routes', i, 'channels', j],
            message: `unknown channel '${name}'; known: ${[...channels.keys()].join(', ') || '(none)'}`,
          });
      }),
    );
    config.models.forEach((model, i) =>
      model.report?.channels.forEach((name, j) => {
        const channel = channels.get(name);
        if (channel?.type !== 'email')
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'report', 'channels', j],
            message: channel
              ? `'${name}' is a ${channel.type} channel; reports go to email channels`
              : `unknown channel '${name}'; known: ${[...channels.keys()].join(', ') || '(none)'}`,
          });
      }),
    );
    const readers = config.models.filter((m) => m.source).map((m) => m.name);
    if (!config.kafka && readers.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka'],
        message: `required: models with a source read Kafka topics (kafka.brokers): ${readers.join(', ')}`,
      });
    }
    const labelReaders = config.models.filter((m) => m.labels?.topics).map((m) => m.name);
    if (!config.kafka && readers.length === 0 && labelReaders.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['kafka'],
        message: `required: models with labels.topics read Kafka topics (kafka.brokers): ${labelReaders.join(', ')}`,
      });
  });

export type KafkaConfig = z.infer<typeof KafkaConfig>;
export type StorageConfig = z.infer<typeof StorageConfig>;
export type SourceConfig = z.infer<typeof SourceConfig>;
export type EventMapping = z.infer<typeof EventMapping>;
export type SamplingConfig = z.infer<typeof SamplingConfig>;
export type ModelConfig = z.infer<typeof ModelConfig>;
export type LabelsConfig = z.infer<typeof LabelsConfig>;
/** A model that reads Kafka topics (it has a `source`); the others are fed only through HTTP ingest. */
export type KafkaModelConfig = ModelConfig & { source: SourceConfig };
/** True when the model reads Kafka topics. */
export function readsKafka(model: ModelConfig): model is KafkaModelConfig {
  return model.source !== undefined;
}
export type DriftwatchConfig = z.infer<typeof DriftwatchConfig>;
export type AlertsConfig = z.infer<typeof AlertsConfig>;
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type RouteConfig = z.infer<typeof RouteConfig>;
export type JsonPath = z.infer<typeof JsonPath>;
