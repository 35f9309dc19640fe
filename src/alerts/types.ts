import type { FeatureReport, SchemaFindings } from '../checks/report.js';
import type { StatValue } from '../stats/types.js';

/** What an alert is about (its `kind` label). */
export const ALERT_KINDS = ['drift', 'schema', 'insufficient-data', 'ingest'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The labels that identify an alert (after Alertmanager): its fingerprint is a hash of them. */
export interface AlertLabels {
  model: string;
  /** A feature name, or `*` for the whole model (insufficient data, ingest problems). */
  feature: string;
  kind: AlertKind;
}

/** One alert in a notification. */
export interface Alert {
  fingerprint: string;
  labels: AlertLabels;
  status: 'firing' | 'resolved';
  severity: Severity;
  /** One line for people: "PSI 0.31 > 0.1 and ks p = 2e-9 < 0.01". */
  summary: string;
  /** The feature's statistics at the check that fired (or resolved) it. */
  stats?: Record<string, StatValue>;
  /** ISO times. `endsAt` is set when resolved. */
  startsAt: string;
  endsAt?: string;
}

/**
 * One message to one channel: all the alerts of one check of one model that are due, firing or
 * resolved (a check that finds ten drifted features sends one notification, not ten).
 */
export interface Notification {
  /** The delivery id: the same on every retry of this notification to this channel. */
  id: string;
  /** The payload version of the webhook contract. */
  version: 1;
  status: 'firing' | 'resolved';
  model: string;
  alerts: Alert[];
  /** The checked window. */
  window: { start: string; end: string; rows: number };
  /** The stored report of the check, for links. */
  reportId: string;
  /** Link to the model's page of the dashboard (or the report), when `alerts.dashboardUrl` is set. */
  dashboardUrl: string | null;
  /** The features of the alerts, with their bins (for the charts in emails). */
  features: FeatureReport[];
  schema: SchemaFindings;
  createdAt: string;
}

/** Thrown by a channel's `send`: `retriable` says whether trying again later can help. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** A place notifications go (an email list, a webhook). One interface, one folder each. */
export interface Channel {
  readonly name: string;
  readonly type: 'email' | 'webhook';
  /** Delivers or throws a DeliveryError. Must be safe to call again with the same notification. */
  send(notification: Notification): Promise<void>;
  /** Releases connections (SMTP pools). */
  close?(): Promise<void> | void;
}
