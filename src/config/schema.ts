import { z } from 'zod';
import { Duration } from './duration.js';

/**
 * The configuration file (`driftwatch.yaml`): the one source of truth for the TypeScript types
 * (inferred below) and for the README's configuration reference (`npm run docs:config`).
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
} as const;

/** A path into a JSON event: "a.b.c", or a list of keys for names that hold dots. */
export const JsonPath = z
  .union([z.string().min(1), z.array(z.union([z.string(), z.number().int().nonnegative()])).min(1)])
  .meta({ type: 'path', description: 'path into the event: "request.user.age" (dots separate keys; [0] indexes arrays) or a list of keys ["a.b", "c"]' });

const Tls = z
  .union([
    z.boolean(),
    z.object({
      ca: z.string().optional().describe('PEM file of the CA that signed the brokers\' certificates'),
      cert: z.string().optional().describe('PEM file of the client certificate (mutual TLS)'),
      key: z.string().optional().describe('PEM file of the client key (mutual TLS)'),
      rejectUnauthorized: z.boolean().default(true).describe('refuse brokers whose certificate does not verify'),
    }).strict(),
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
    brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1).describe('bootstrap brokers, host:port'),
    clientId: z.string().default(CONFIG_DEFAULTS.clientId).describe('client id shown in broker logs'),
    tls: Tls.optional(),
    sasl: Sasl.optional(),
    connectionTimeout: Duration.prefault('10s').describe('time to wait for a broker connection'),
  })
  .strict()
  .describe('the Kafka cluster');

export const StorageConfig = z
  .object({
    path: z.string().min(1).default(CONFIG_DEFAULTS.storagePath).describe('the DuckDB file (one per deployment)'),
    retention: Duration.prefault(CONFIG_DEFAULTS.retention).describe('sampled rows older than this are deleted'),
    retentionEvery: Duration.prefault(CONFIG_DEFAULTS.retentionEvery).describe('how often retention runs'),
    quarantineKeep: z.number().int().nonnegative().default(CONFIG_DEFAULTS.quarantineKeep).describe('rejected messages kept per model (the newest), for people to inspect'),
  })
  .strict()
  .describe('where samples, offsets, reports and alerts are stored');

export const SourceConfig = z
  .object({
    topics: z.array(z.string().min(1)).min(1).describe('topics with the model\'s prediction events'),
    groupId: z.string().min(1).optional().describe('consumer group (default driftwatch-<model>)'),
    format: z.literal('json').default('json').describe('payload format'),
    startFrom: z.enum(['earliest', 'latest']).default('latest').describe('where to start on a partition driftwatch has never read'),
    maxMessageBytes: z.number().int().positive().default(CONFIG_DEFAULTS.maxMessageBytes).describe('larger payloads are quarantined unread'),
    sessionTimeout: Duration.prefault(CONFIG_DEFAULTS.sessionTimeout).describe('consumer group session: how long before a dead consumer\'s partitions move to another'),
  })
  .strict()
  .describe('where the model\'s events come from')
  .refine((s) => s.sessionTimeout >= 6000 && s.sessionTimeout <= 300_000, { message: 'sessionTimeout must be between 6s and 300s (the broker\'s group.min/max.session.timeout.ms)', path: ['sessionTimeout'] });

export const EventMapping = z
  .object({
    featuresPath: JsonPath.default(CONFIG_DEFAULTS.featuresPath).describe('object whose fields are the features (used for features with no explicit path)'),
    features: z.record(z.string(), JsonPath).default({}).describe('explicit path per feature name, overriding featuresPath'),
    timestamp: JsonPath.optional().describe('event time (ISO string or epoch ms/s); default: the Kafka message timestamp'),
    prediction: JsonPath.optional().describe('the model\'s output, stored beside the features'),
    id: JsonPath.optional().describe('event id; default: the message key'),
  })
  .strict()
  .describe('how to read an event: paths of the features, the time, the prediction and the id');

export const SamplingConfig = z
  .object({
    rate: z.number().min(0).max(1).default(CONFIG_DEFAULTS.samplingRate).describe('share of events kept, 0..1'),
    by: z.enum(['key', 'id', 'offset']).default('key').describe('what the keep/drop hash reads: the message key (no parsing; falls back to the offset when a message has no key), the event id (parses every payload), or the offset'),
  })
  .strict()
  .describe('which events are kept: a stable hash decides, so a restart or a replay keeps the same ones');

export const ScheduleConfig = z
  .object({
    cron: z.string().min(1).describe('cron expression of the check'),
    timezone: z.string().default('UTC').describe('IANA time zone of the cron expression'),
  })
  .strict()
  .describe('when the model\'s check runs (scheduled checks, next issue)');

/** A model name must also make a safe table name and URL part. */
export const ModelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (at most 64), starting with a letter or digit');

export const ModelConfig = z
  .object({
    name: ModelName.describe('model name'),
    baseline: z.string().min(1).describe('baseline profile (from `driftwatch baseline create`)'),
    source: SourceConfig,
    event: EventMapping.prefault({}),
    sampling: SamplingConfig.prefault({}),
    window: Duration.prefault(CONFIG_DEFAULTS.window).describe('how far back a scheduled check looks (scheduled checks are not run yet: next issue)'),
    minRows: z.number().int().positive().default(CONFIG_DEFAULTS.minRows).describe('below this a window is "insufficient data" (scheduled checks, next issue)'),
    schedule: ScheduleConfig.optional(),
  })
  .strict();

export const DriftwatchConfig = z
  .object({
    kafka: KafkaConfig.optional(),
    storage: StorageConfig.prefault({}),
    models: z.array(ModelConfig).min(1).describe('the monitored models'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.models.forEach((model, i) => {
      if (seen.has(model.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name '${model.name}'` });
      seen.add(model.name);
    });
    if (!config.kafka && config.models.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['kafka'], message: 'required: the models read Kafka topics (kafka.brokers)' });
    }
  });

export type KafkaConfig = z.infer<typeof KafkaConfig>;
export type StorageConfig = z.infer<typeof StorageConfig>;
export type SourceConfig = z.infer<typeof SourceConfig>;
export type EventMapping = z.infer<typeof EventMapping>;
export type SamplingConfig = z.infer<typeof SamplingConfig>;
export type ModelConfig = z.infer<typeof ModelConfig>;
export type DriftwatchConfig = z.infer<typeof DriftwatchConfig>;
export type JsonPath = z.infer<typeof JsonPath>;
