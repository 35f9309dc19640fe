import type { FeatureSpec } from '../contracts/event.js';
import { modelStorageKey } from '../config/schema.js';
import { quoteIdent } from './sql.js';

/**
 * The tables every store has. Offsets are per model (two models may read one topic) and are
 * written in the same transaction as the rows they cover; counts likewise, so a restart
 * neither loses nor double-counts.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS offsets (
     model VARCHAR NOT NULL, topic VARCHAR NOT NULL, "partition" INTEGER NOT NULL, next_offset BIGINT NOT NULL,
     PRIMARY KEY (model, topic, "partition"))`,
  `CREATE TABLE IF NOT EXISTS ingest_counts (
     model VARCHAR NOT NULL, counter VARCHAR NOT NULL, value BIGINT NOT NULL,
     PRIMARY KEY (model, counter))`,
  `CREATE SEQUENCE IF NOT EXISTS quarantine_id`,
  `CREATE TABLE IF NOT EXISTS quarantine (
     id BIGINT DEFAULT nextval('quarantine_id'), model VARCHAR NOT NULL, topic VARCHAR, "partition" INTEGER, "offset" BIGINT,
     reason VARCHAR NOT NULL, detail VARCHAR, payload VARCHAR, quarantined_at TIMESTAMP NOT NULL)`,
  // Every check's report (the JSON of the check contract), to follow drift over time.
  `CREATE TABLE IF NOT EXISTS reports (
     id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, status VARCHAR NOT NULL, drift BOOLEAN NOT NULL,
     window_start TIMESTAMP, window_end TIMESTAMP, "rows" BIGINT NOT NULL,
     started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, report VARCHAR NOT NULL)`,
  // One row per alert ever seen, by fingerprint: resolved is derived from ends_at, not a flag.
  `CREATE TABLE IF NOT EXISTS alert_state (
     fingerprint VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, feature VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     severity VARCHAR NOT NULL, summary VARCHAR NOT NULL, stats VARCHAR, starts_at TIMESTAMP NOT NULL, ends_at TIMESTAMP,
     last_report VARCHAR)`,
  // Per model: when the group was last notified and with which firing alerts (fingerprint:severity).
  `CREATE TABLE IF NOT EXISTS alert_groups (
     model VARCHAR PRIMARY KEY, notified_at TIMESTAMP NOT NULL, firing VARCHAR NOT NULL)`,
  // Alerts silenced through the API until a time: their state is kept, their notifications are not sent.
  `CREATE TABLE IF NOT EXISTS silences (fingerprint VARCHAR PRIMARY KEY, "until" TIMESTAMP NOT NULL)`,
  // The durable outbox: stored before it is sent, marked when delivered, dead after its last try.
  `CREATE TABLE IF NOT EXISTS outbox (
     id VARCHAR PRIMARY KEY, channel VARCHAR NOT NULL, model VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     payload VARCHAR NOT NULL, status VARCHAR NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at TIMESTAMP NOT NULL, last_error VARCHAR, created_at TIMESTAMP NOT NULL, delivered_at TIMESTAMP)`,
  // A queued notification that a newer one of the same group and channel replaced (its news carried over).
  `ALTER TABLE outbox ADD COLUMN IF NOT EXISTS superseded_by VARCHAR`,
  // When the attempt in flight was claimed (counted), before its send; cleared with its outcome. Set
  // at start-up, it marks an attempt a stopped process never finished.
  `ALTER TABLE outbox ADD COLUMN IF NOT EXISTS claimed_at TIMESTAMP`,
  // Consumed events of each write, by model and minute of commit, written with the rows (see
  // store/ingest-rate.ts). Appended, not upserted: no key to check, no conflict between writers.
  `CREATE TABLE IF NOT EXISTS ingest_minutes (model VARCHAR NOT NULL, minute TIMESTAMP NOT NULL, consumed BIGINT NOT NULL)`,
  // One row: this file's identity, made when the file is. Kafka commits carry it, so a process that
  // gets a partition back can tell another process's commit from its own (ingest/kafka-source.ts).
  `CREATE TABLE IF NOT EXISTS store_identity (id VARCHAR NOT NULL)`,
  // HTTP ingest's Idempotency-Key values, written in the transaction of the rows they stored, with
  // a hash of the request's body and its answer, to replay it (store/idempotency.ts).
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
     model VARCHAR NOT NULL, "key" VARCHAR NOT NULL, body_hash VARCHAR NOT NULL, response VARCHAR NOT NULL,
     created_at TIMESTAMP NOT NULL, PRIMARY KEY (model, "key"))`,
];

/** Columns driftwatch adds to every samples table; no feature may take these names. */
export const SYSTEM_COLUMNS = {
  _ts: 'TIMESTAMP',
  _topic: 'VARCHAR',
  _partition: 'INTEGER',
  _offset: 'BIGINT',
  _id: 'VARCHAR',
  _prediction: 'VARCHAR',
  _extra: 'VARCHAR',
  _errors: 'VARCHAR',
} as const;

/**
 * The samples table of a model: `samples_<model's storage key>` (config refuses two models with
 * one key, so no two models share a table).
 * @example samplesTable('fraud-v2.eu') // => 'samples_fraud_v2_eu'
 */
export function samplesTable(model: string): string {
  return `samples_${modelStorageKey(model)}`;
}

/** The SQL type of a feature's column. */
export function featureColumnType(feature: Pick<FeatureSpec, 'kind'>): 'DOUBLE' | 'VARCHAR' {
  return feature.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR';
}

/** CREATE TABLE of a samples table (`samplesTable(model)`, or a rebuild's temporary name): one column per feature, then the system columns. */
export function createSamplesTableSql(table: string, features: readonly Pick<FeatureSpec, 'name' | 'kind'>[]): string {
  const columns = [
    ...features.map((f) => `${quoteIdent(f.name)} ${featureColumnType(f)}`),
    ...Object.entries(SYSTEM_COLUMNS).map(([name, type]) => `${name} ${type}`),
  ];
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (${columns.join(', ')})`;
}

/**
 * The labels table of a model: `labels_<model's storage key>`. One row per label received (a
 * Kafka message, or an item of an HTTP request), never updated: an id's current label is the one
 * with the latest label time (then the latest `seq`), chosen when read, so a correction that
 * arrives late changes nothing already stored and each Kafka message is one row (by topic,
 * partition and offset) however often its id was labelled.
 * @example labelsTable('fraud-v2.eu') // => 'labels_fraud_v2_eu'
 */
export function labelsTable(model: string): string {
  return `labels_${modelStorageKey(model)}`;
}

/** CREATE TABLE of a labels table: the event id, the label as JSON text, its times, and where a Kafka label came from. */
export function createLabelsTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (
     id VARCHAR NOT NULL, label VARCHAR NOT NULL, label_ts TIMESTAMP NOT NULL, received_at TIMESTAMP NOT NULL,
     seq BIGINT NOT NULL, topic VARCHAR, "partition" INTEGER, "offset" BIGINT)`;
}
