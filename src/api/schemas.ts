import { z } from 'zod';
import { ModelName, WindowSpec } from '../config/schema.js';
import { ReplayJob } from '../contracts/replay.js';
import { parseDuration } from '../config/duration.js';
import { PredictionEvent } from '../contracts/event.js';
import { LabelInput } from '../contracts/label.js';
import { parseTimestamp } from '../ingest/decoder.js';
import { AlertKind, AlertStatus, OUTBOX_STATUSES, Severity } from '../contracts/alert.js';
import { CheckStatus, CheckTrigger, FeatureKindSchema, LabelsReport, LiveReport } from '../contracts/report.js';

/**
 * The API's shapes, in zod: requests are parsed with them, responses are documented with them
 * in the OpenAPI document, and the tests parse real responses with them, so the document cannot
 * drift from what the API answers.
 */

const Iso = z.string().describe('ISO 8601 time');

/** `{error, message}`: every error response. */
export const ErrorBody = z.object({
  error: z
    .string()
    .describe(
      'short code: bad_request, unauthorized, forbidden, not_found, conflict, payload_too_large, unsupported_media_type, too_many_requests, not_available, internal',
    ),
  message: z.string().describe('what went wrong, for people'),
});

// --- path and query ----------------------------------------------------------------------------

export const ModelParams = z.object({ model: ModelName.describe('model name, as configured') });

/** A baseline version: a file name under the model's baseline folder, so nothing that can leave it. */
export const BaselineVersion = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (at most 64), starting with a letter or digit')
  .refine((v) => !v.includes('..'), { message: "must not contain '..'" })
  .describe('baseline version (the profile file is <version>.json in the baseline folder)');

export const BaselineParams = ModelParams.extend({ version: BaselineVersion });

export const CheckParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'a check id')
    .describe('check (report) id'),
});

export const AlertParams = z.object({
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{16}$/, '16 hex digits')
    .describe('alert fingerprint (hash of model, feature, kind)'),
});

export const OutboxParams = z.object({ id: z.string().min(1).max(100).describe('delivery id') });

const Time = z
  .string()
  .refine((t) => !Number.isNaN(Date.parse(t)), { message: 'expected an ISO 8601 time like 2024-05-01T00:00:00Z' })
  .transform((t) => Date.parse(t));

const Limit = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback).describe(`page size (1..${max})`);
const Offset = z.coerce.number().int().min(0).default(0).describe('rows to skip');

export const CheckListQuery = z
  .object({
    limit: Limit(50, 200),
    offset: Offset,
    from: Time.optional().describe('only checks finished at or after this time (ISO 8601)'),
    to: Time.optional().describe('only checks finished before this time (ISO 8601)'),
    status: CheckStatus.optional().describe('only checks that ended so'),
  })
  .strict();

export const RunCheckQuery = z
  .object({
    window: WindowSpec.optional().describe("a window of your choice: 1h, 7d, since-last or events:N (default: the model's window)"),
    from: Time.optional().describe('with to: the window [from, to) (ISO 8601)'),
    to: Time.optional().describe('the end of the window (ISO 8601; default now)'),
  })
  .strict()
  .refine((q) => !(q.from !== undefined && q.window !== undefined), {
    message: 'give either from (with to) or window, not both',
    path: ['from'],
  })
  .refine((q) => q.from === undefined || q.to !== undefined, { message: 'from needs to', path: ['to'] })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['from'] });

export const QuarantineQuery = z
  .object({
    reason: z.string().min(1).max(100).optional().describe('only messages set aside for this reason (malformed_json, wrong_type, ...)'),
    limit: Limit(50, 500),
    offset: Offset,
  })
  .strict();

export const QuarantineItem = z.object({
  id: z.number().int(),
  topic: z.string().nullable(),
  partition: z.number().int().nullable(),
  offset: z.string().nullable().describe('the Kafka offset, as a decimal string'),
  reason: z.string(),
  detail: z.string().nullable(),
  payload: z.string().nullable().describe('the message as text, cut to a readable length'),
  quarantinedAt: Iso,
});

export const QuarantinePage = z.object({
  total: z.number().int().describe('quarantined messages that match (the quarantine keeps the newest storage.quarantineKeep per model)'),
  items: z.array(QuarantineItem).describe('newest first'),
});

export const ReplayBody = z
  .object({
    from: z
      .string()
      .min(1)
      .max(100)
      .describe('start: an offset (every partition), a time (2024-05-02T10:00:00Z) or a duration ago (2h, 7d)'),
    to: z.string().min(1).max(100).optional().describe('end (exclusive), in the same forms; default: the end of the topic now'),
  })
  .strict();

export const ReplayParams = z.object({ id: z.string().min(1).max(100).describe('replay id') });

export { ReplayJob };

export const CheckGetQuery = z
  .object({ format: z.enum(['json', 'html']).optional().describe('json (default) or html; without it, the Accept header decides') })
  .strict();

export const AlertListQuery = z
  .object({
    status: AlertStatus.optional().describe('only firing, or only resolved, alerts (default both)'),
    model: ModelName.optional().describe("only this model's alerts"),
    limit: Limit(100, 1000),
    offset: Offset,
  })
  .strict();

export const OutboxListQuery = z
  .object({
    status: z
      .enum(OUTBOX_STATUSES)
      .default('pending')
      .describe(
        'deliveries waiting (pending), given up (dead), done (delivered), or replaced by a newer one before they were sent (superseded)',
      ),
    limit: Limit(100, 1000),
    offset: Offset,
  })
  .strict();

/** Longest silence: an alert silenced for longer should be fixed or its rule changed. */
export const MAX_SILENCE_MS = 90 * 86_400_000;

export const SilenceBody = z
  .object({
    duration: z
      .string()
      .transform((text, ctx) => {
        const ms = parseDuration(text);
        if (ms === undefined || ms <= 0 || ms > MAX_SILENCE_MS) {
          ctx.addIssue({ code: 'custom', message: `expected a duration from 1s to 90d, like 30m, 2h, 7d; got '${text.slice(0, 40)}'` });
          return z.NEVER;
        }
        return ms;
      })
      .describe('how long: 30m, 2h, 7d (at most 90d)'),
  })
  .strict();

/** Most events one ingest request may carry (the body limit usually comes first). */
export const MAX_EVENTS_PER_REQUEST = 10_000;

export const EventsBody = z
  .array(PredictionEvent)
  .min(1, 'expected at least one event')
  .max(MAX_EVENTS_PER_REQUEST, `at most ${MAX_EVENTS_PER_REQUEST} events per request`)
  .describe('prediction events, as the model logs them to Kafka');

export const BaselineUploadQuery = z
  .object({
    version: BaselineVersion,
    format: z
      .enum(['csv', 'parquet', 'ndjson', 'json'])
      .optional()
      .describe('data format; default from the Content-Type or the uploaded file name'),
    features: z.string().optional().describe('comma-separated columns to profile (default: every column that is not a date or time)'),
    categorical: z.string().optional().describe('comma-separated columns to treat as categorical'),
    numeric: z.string().optional().describe('comma-separated columns to treat as numeric'),
    bins: z.coerce.number().int().min(2).max(1000).optional().describe('numeric bins (default 10)'),
  })
  .strict();

// --- responses ---------------------------------------------------------------------------------

export const Health = z.object({ status: z.literal('ok') });

export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  reasons: z.array(z.string()).optional().describe('why not ready (empty when ready); only with a read token'),
  waitingForTopic: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .describe(
      'models whose Kafka topics do not exist on the broker yet, with those topics: they consume once the topics exist (only with a read token)',
    ),
  notes: z
    .array(z.string())
    .optional()
    .describe(
      'what a ready service still warns of, e.g. a baseline prediction that the events do not carry (never makes it not ready; only with a read token)',
    ),
});

export const FeatureOutcome = z.object({
  name: z.string(),
  kind: FeatureKindSchema,
  drift: z.boolean(),
  severity: z.number().describe('0 = no evidence; higher is worse'),
});

export const CheckSummary = z.object({
  id: z.string(),
  model: z.string(),
  trigger: CheckTrigger.optional().describe('what ran the check: schedule, api (check now) or cli; absent for older checks'),
  status: CheckStatus,
  drift: z.boolean(),
  rows: z.number().int(),
  window: z.object({ spec: z.string(), start: Iso, end: Iso }),
  startedAt: Iso,
  finishedAt: Iso,
  seconds: z.number(),
  features: z.array(FeatureOutcome).describe('every checked feature, worst first'),
  schema: z
    .object({ missing: z.number().int(), unexpected: z.number().int(), anomalies: z.number().int() })
    .describe('how many schema findings of each kind'),
});

export const CheckPage = z.object({
  total: z.number().int().describe('checks matching the filter'),
  limit: z.number().int(),
  offset: z.number().int(),
  items: z.array(CheckSummary).describe('newest first'),
});

/** The stored check report: the contract itself (src/contracts/report.ts), so the document cannot drift from it. */
export const Report = LiveReport.describe(
  'a check report: the check contract (baseline, current, drift, features, schema, decision) with the window, timing and ingest counters',
);

export const ModelSummary = z.object({
  name: z.string(),
  status: z.enum(['running', 'failed']),
  error: z.string().nullable().describe('why the model is not running'),
  baseline: z.object({ path: z.string(), version: z.string().nullable(), features: z.number().int().nullable() }),
  topics: z.array(z.string()),
  window: z.string().describe("the checks' window: 1h, since-last, events:N"),
  schedule: z.string().nullable().describe('cron of the scheduled check'),
  consumer: z.object({ connected: z.boolean() }).nullable(),
  latestCheck: CheckSummary.nullable(),
  firingAlerts: z.number().int(),
  eventsPerMinute: z
    .number()
    .min(0)
    .describe(
      'events consumed (Kafka and HTTP ingest, before sampling) per minute over the last 5 minutes (the current minute and the 4 before it), from per-minute counts stored with the rows',
    ),
});

export const ModelList = z.object({ items: z.array(ModelSummary) });

export const ModelDetail = ModelSummary.extend({
  features: z.array(z.object({ name: z.string(), kind: FeatureKindSchema, dtype: z.string() })).describe("the baseline's features"),
  counters: z
    .record(z.string(), z.number())
    .describe('ingest counters since the store was created: consumed, sampled, stored, rejected:<reason>, problem:<reason>'),
});

export const BaselineEntry = z.object({
  version: z.string().describe('the file name without .json: the {version} of the URL'),
  file: z.string().describe('path of the profile file'),
  inUse: z.boolean().describe("the model's configured baseline"),
  model: z.string(),
  profileVersion: z.string().describe('the version written in the profile'),
  createdAt: Iso,
  source: z.object({ file: z.string(), format: z.string(), rows: z.number().int() }),
  features: z.number().int(),
});

export const BaselineList = z.object({ folder: z.string(), items: z.array(BaselineEntry).describe('newest first') });

/** A baseline profile (DESIGN.md "Baseline profile", a contract). */
export const Profile = z
  .looseObject({
    schemaVersion: z.number(),
    model: z.string(),
    version: z.string(),
    createdAt: Iso,
    features: z.array(z.looseObject({ name: z.string(), kind: z.string() })),
  })
  .describe('a baseline profile: schema, bins, shares, sample per feature');

export const AlertItem = z.object({
  fingerprint: z.string(),
  model: z.string(),
  feature: z.string().describe('a feature name, or * for the whole model'),
  kind: AlertKind,
  severity: Severity,
  status: AlertStatus.describe('resolved is derived from endsAt'),
  summary: z.string(),
  stats: z.record(z.string(), z.unknown()).nullable(),
  startsAt: Iso,
  endsAt: Iso.nullable(),
  lastReport: z.string().nullable().describe('id of the check that last changed the alert'),
  silencedUntil: Iso.nullable().describe('notifications are held until then'),
});

export const AlertList = z.object({ total: z.number().int(), items: z.array(AlertItem).describe('firing first, then newest first') });

export const SilenceState = z.object({ fingerprint: z.string(), silencedUntil: Iso });

export const OutboxItem = z.object({
  id: z.string(),
  channel: z.string(),
  model: z.string(),
  kind: z.enum(['alert', 'report']),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: Iso,
  lastError: z.string().nullable(),
  createdAt: Iso,
  deliveredAt: Iso.nullable(),
  supersededBy: z
    .string()
    .nullable()
    .describe('the newer delivery of the same group and channel that replaced this one before it was sent'),
});

export const OutboxList = z.object({ total: z.number().int(), items: z.array(OutboxItem).describe('newest first') });

export const IngestResultBody = z.object({
  received: z.number().int(),
  sampled: z.number().int(),
  stored: z.number().int(),
  duplicates: z.number().int().describe('events not stored because their id (event.id) is stored already (or came earlier in the request)'),
  quarantined: z
    .record(z.string(), z.number().int())
    .describe('events set aside, by reason (malformed_json, missing_feature, wrong_type...)'),
});

// --- labels ------------------------------------------------------------------------------------

/** The largest labels request (as for events). */
export const MAX_LABELS_PER_REQUEST = 10_000;

export const LabelsBody = z
  .array(LabelInput)
  .min(1, 'expected at least one label')
  .max(MAX_LABELS_PER_REQUEST, `at most ${MAX_LABELS_PER_REQUEST} labels per request`)
  .superRefine((labels, ctx) =>
    labels.forEach((l, i) => {
      if (l.timestamp !== undefined && parseTimestamp(l.timestamp) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'timestamp'],
          message: 'expected an ISO 8601 time (2024-05-01T00:00:00Z) or epoch seconds or milliseconds',
        });
    }),
  )
  .describe('labels: {id, label, timestamp?} each; id is the event id of the prediction it labels');

export const LabelResultBody = z.object({
  received: z.number().int(),
  stored: z.number().int(),
  sampledOut: z
    .number()
    .int()
    .describe("labels whose id the model's sampler leaves out: their prediction is not stored, so they are not either"),
  duplicates: z.number().int().describe("labels equal to their id's current label: not stored again"),
  corrections: z.number().int().describe("labels that differ from their id's current label: stored; the latest label time wins"),
});

export const CoverageQuery = z
  .object({
    window: WindowSpec.optional().describe("the window: 1h, 7d, since-last or events:N (default: the model's window)"),
  })
  .strict();

export const CoverageBody = LabelsReport.extend({
  model: z.string(),
  window: z.object({ spec: z.string(), start: Iso, end: Iso }),
});
