import { z } from 'zod';
import type { StatValue } from '../stats/types.js';
import { FeatureReport, PredictionReport, SchemaFindings, StatValueSchema } from './report.js';

/**
 * Alerts and notifications: what the alert engine stores and what every channel (email, webhook,
 * Slack) is sent. Zod first, the types inferred. Adding an alert kind is one entry in
 * {@link ALERT_KIND_INFO} plus the code that finds it: routes, the API's schemas and every
 * renderer read the kinds from here.
 */

/**
 * Every alert kind, with what people read about it, and whether only a check that compared data
 * can find it (an insufficient window says nothing of drift or schema, so their alerts stay as
 * they were). Order: the order of lists and subjects.
 */
export const ALERT_KIND_INFO = {
  drift: {
    label: 'drift',
    description: "a feature's distribution moved away from the baseline (credible and large enough)",
    comparesData: true,
  },
  prediction_drift: {
    label: 'prediction drift',
    description: "the model's output (its score, class or value) moved away from the baseline's predictions (credible and large enough)",
    comparesData: true,
  },
  performance_drop: {
    label: 'performance drop',
    description:
      "the labelled predictions' realized performance fell below the baseline's (credibly, and by more than the minimum drop of a metric)",
    comparesData: true,
  },
  schema: {
    label: 'schema',
    description: 'missing or unexpected fields, wrong types, nulls, values outside the training range, unseen categories',
    comparesData: true,
  },
  'insufficient-data': { label: 'insufficient data', description: 'the window had too few rows, or values, to check', comparesData: false },
  ingest: { label: 'ingest', description: 'too many messages could not be used since the previous check', comparesData: false },
  'check-failing': {
    label: 'check failing',
    description: "the model's checks failed several times in a row (alerts.checkFailingAfter): its drift is not being watched",
    comparesData: false,
  },
} as const satisfies Record<string, { label: string; description: string; comparesData: boolean }>;

/** What an alert is about (its `kind` label). */
export const ALERT_KINDS = Object.keys(ALERT_KIND_INFO) as (keyof typeof ALERT_KIND_INFO)[];
export const AlertKind = z.enum(ALERT_KINDS as [keyof typeof ALERT_KIND_INFO, ...(keyof typeof ALERT_KIND_INFO)[]]);
export type AlertKind = z.infer<typeof AlertKind>;

export const SEVERITIES = ['warning', 'critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Firing or resolved: derived from an alert's end time, never a flag that could disagree. */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export const AlertStatus = z.enum(ALERT_STATUSES);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** The labels that identify an alert (after Alertmanager): its fingerprint is a hash of them. */
export const AlertLabels = z.object({
  model: z.string(),
  /** A feature name, or `*` for the whole model (insufficient data, ingest problems). */
  feature: z.string(),
  kind: AlertKind,
});
export type AlertLabels = z.infer<typeof AlertLabels>;

/** One alert in a notification. */
export const Alert = z.object({
  fingerprint: z.string(),
  labels: AlertLabels,
  status: AlertStatus,
  severity: Severity,
  /** One line for people: the decision's sentence, or the schema finding. */
  summary: z.string(),
  /** The feature's statistics at the check that fired (or resolved) it. */
  stats: z.record(z.string(), StatValueSchema).optional(),
  /** ISO times. `endsAt` is set when resolved. */
  startsAt: z.string(),
  endsAt: z.string().optional(),
});
export type Alert = z.infer<typeof Alert>;

/** Fingerprints of what changed since the group's previous notification. */
export const NotificationChanges = z.object({
  new: z.array(z.string()),
  escalated: z.array(z.string()),
  resolved: z.array(z.string()),
});
export type NotificationChanges = z.infer<typeof NotificationChanges>;

/**
 * The statuses of an outbox entry: waiting or retrying, sent, given up, or replaced before it was
 * sent by a newer notification of the same group and channel (which carries its news).
 */
export const OUTBOX_STATUSES = ['pending', 'delivered', 'dead', 'superseded'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** The payload version of the webhook contract. */
export const NOTIFICATION_VERSION = 1;

/**
 * One message to one channel: all the alerts of one check of one model that are due, firing or
 * resolved (a check that finds ten drifted features sends one notification, not ten).
 */
export const Notification = z.object({
  /** The delivery id: the same on every retry of this notification to this channel. */
  id: z.string(),
  version: z.literal(NOTIFICATION_VERSION),
  status: AlertStatus,
  model: z.string(),
  alerts: z.array(Alert),
  /** The checked window; for a `check-failing` notification, from the first failed check of the run to the last, 0 rows. */
  window: z.object({ start: z.string(), end: z.string(), rows: z.number() }),
  /**
   * The stored report of the check, for links. A check that failed stored none: a `check-failing`
   * notification names the model's newest stored report ('' when it has none).
   */
  reportId: z.string(),
  /** Link to the model's page of the dashboard (or the report), when `alerts.dashboardUrl` is set. */
  dashboardUrl: z.string().nullable(),
  /** The features of the alerts, with their bins (for the charts in emails). */
  features: z.array(FeatureReport),
  schema: SchemaFindings,
  /** The check's prediction section, when the notification carries a `prediction_drift` alert (its outputs' bins, for the charts). */
  prediction: PredictionReport.optional(),
  /**
   * What this notification says that the previous one of the group did not: fingerprints of the
   * alerts that are new, that escalated (warning to critical) and that resolved. The others keep
   * firing. Absent in notifications queued before it existed.
   */
  changes: NotificationChanges.optional(),
  /**
   * Delivery ids of older notifications of the same group and channel that were still queued when
   * this one was made: they will not be sent, this one carries their news (see alerts/supersede.ts).
   */
  supersedes: z.array(z.string()).optional(),
  createdAt: z.string(),
});
export type Notification = z.infer<typeof Notification>;

/** A condition a check found: an alert that should be firing now. */
export interface FoundAlert {
  labels: AlertLabels;
  severity: Severity;
  summary: string;
  stats?: Record<string, StatValue>;
}

/** An alert as stored: resolved is derived from `endsAt`, never a flag that could disagree. */
export interface StoredAlert extends FoundAlert {
  fingerprint: string;
  startsAt: number;
  endsAt: number | null;
}

/** When a model's group was last notified, and with which firing alerts ("fingerprint:severity"). */
export interface GroupNotice {
  notifiedAt: number;
  firing: string[];
}

/** A message rendered before it was queued: a scheduled drift report (digest), as the outbox keeps it. */
export interface RenderedMessage {
  id: string;
  subject: string;
  html: string;
  text: string;
}
