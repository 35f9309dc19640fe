import { createHash } from 'node:crypto';
import type { LiveReport } from '../contracts/report.js';
import type { Alert, AlertKind, AlertLabels, Severity } from '../contracts/alert.js';
import type { FoundAlert, GroupNotice, StoredAlert } from '../contracts/alert.js';
import { ALERT_KIND_INFO, ALERT_KINDS } from '../contracts/alert.js';

/**
 * The fingerprint of an alert: a hash of its sorted labels (Alertmanager's identity). The same
 * model, feature and kind always give the same fingerprint, across restarts and versions.
 * @example fingerprint({ model: 'fraud', feature: 'age', kind: 'drift' }) // 16 hex digits
 */
export function fingerprint(labels: AlertLabels): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Severity rules, from the config. */
export interface SeverityRules {
  criticalPsi: number;
}

/** The alert kinds a report can speak about: an insufficient window says nothing of drift or schema. */
export function evaluatedKinds(report: Pick<LiveReport, 'status'>): AlertKind[] {
  return report.status === 'insufficient_data' ? ALERT_KINDS.filter((kind) => !ALERT_KIND_INFO[kind].comparesData) : [...ALERT_KINDS];
}

/** Share of consumed messages set aside (malformed, not objects, too large...) above which an ingest alert fires. */
export const INGEST_REJECT_SHARE = 0.01;
/** ... and the least number of them, so two bad messages out of a hundred do not page anyone. */
export const INGEST_REJECT_MIN = 10;

/** An ingest alert when, since the previous check, too many messages could not be used at all. */
function ingestAlert(report: LiveReport): FoundAlert[] {
  const { consumed, rejected, rejectedByReason } = report.ingest;
  if (rejected < INGEST_REJECT_MIN || rejected <= INGEST_REJECT_SHARE * consumed) return [];
  const reasons = Object.entries(rejectedByReason)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  return [
    {
      labels: { model: report.model, feature: '*', kind: 'ingest' },
      severity: rejected > 0.1 * consumed ? 'critical' : 'warning',
      summary: `${rejected} of ${consumed} messages since the last check could not be used (${reasons})`,
    },
  ];
}

/** The conditions a live report finds: drifted features, schema findings, too few rows. */
export function alertsFromReport(report: LiveReport, rules: SeverityRules): FoundAlert[] {
  const model = report.model;
  if (report.status === 'insufficient_data') {
    return [
      ...ingestAlert(report),
      {
        labels: { model, feature: '*', kind: 'insufficient-data' },
        severity: 'warning',
        summary:
          report.window.rows < report.window.minRows
            ? `${report.window.rows} rows in the window (${report.window.spec}), fewer than the ${report.window.minRows} needed`
            : `${report.window.rows} rows in the window (${report.window.spec}), but no feature had the ${report.decision.minRows ?? 'required'} finite values needed to test it`,
      },
    ];
  }
  const found: FoundAlert[] = [
    ...ingestAlert(report),
    ...report.features
      .filter((f) => f.drift)
      .map((f) => ({
        labels: { model, feature: f.name, kind: 'drift' as const },
        severity: typeof f.stats.psi === 'number' && f.stats.psi >= rules.criticalPsi ? ('critical' as const) : ('warning' as const),
        summary: f.reasons[0] ?? 'drift',
        stats: f.stats,
      })),
  ];
  for (const name of report.schema.missing) {
    found.push({ labels: { model, feature: name, kind: 'schema' }, severity: 'critical', summary: `${name}: missing from the events` });
  }
  for (const name of report.schema.unexpected) {
    found.push({
      labels: { model, feature: name, kind: 'schema' },
      severity: 'warning',
      summary: `${name}: a field the baseline does not have`,
    });
  }
  const byFeature = new Map<string, string[]>();
  for (const a of report.schema.anomalies) byFeature.set(a.feature, [...(byFeature.get(a.feature) ?? []), a.message]);
  for (const [feature, messages] of byFeature) {
    if (report.schema.missing.includes(feature)) continue;
    found.push({ labels: { model, feature, kind: 'schema' }, severity: 'warning', summary: messages.join('; ') });
  }
  return found;
}

const key = (a: { fingerprint: string; severity: Severity }) => `${a.fingerprint}:${a.severity}`;

/**
 * Send now or not: one pure function of the last notification, the firing and resolved sets,
 * the repeat interval and `now` (Alertmanager's group logic). A new or escalated alert, or a
 * resolved one, is sent at once; a group that only keeps firing, once per repeat interval.
 */
export function shouldNotify(
  last: GroupNotice | null,
  firing: readonly string[],
  resolved: number,
  repeatIntervalMs: number,
  now: number,
): boolean {
  if (resolved > 0) return true;
  if (firing.length === 0) return false;
  if (!last) return true;
  if (firing.some((k) => !last.firing.includes(k))) return true;
  return now - last.notifiedAt >= repeatIntervalMs;
}

/** The outcome of evaluating one check: the states to store and what (if anything) to send. */
export interface Evaluation {
  /** Alerts whose stored state changes (new, still firing with new details, or resolved now). */
  changed: StoredAlert[];
  /** All alerts firing after this check. */
  firing: StoredAlert[];
  /** Alerts resolved by this check. */
  resolved: StoredAlert[];
  /** Set when a notification is due: the group's new notice. */
  notice: GroupNotice | null;
}

/**
 * Evaluates a check's conditions against the stored alerts of its model. Alerts of kinds the
 * check could not speak about (drift and schema after an insufficient window) stay as they were.
 */
export function evaluate(
  previous: readonly StoredAlert[],
  found: readonly FoundAlert[],
  kinds: readonly AlertKind[],
  last: GroupNotice | null,
  repeatIntervalMs: number,
  now: number,
): Evaluation {
  const before = new Map(previous.filter((a) => a.endsAt === null).map((a) => [a.fingerprint, a]));
  const changed: StoredAlert[] = [];
  const firing: StoredAlert[] = [];
  const seen = new Set<string>();
  for (const f of found) {
    const fp = fingerprint(f.labels);
    if (seen.has(fp)) continue;
    seen.add(fp);
    const old = before.get(fp);
    const alert: StoredAlert = { ...f, fingerprint: fp, startsAt: old?.startsAt ?? now, endsAt: null };
    firing.push(alert);
    changed.push(alert);
  }
  const resolved: StoredAlert[] = [];
  for (const old of before.values()) {
    if (seen.has(old.fingerprint)) continue;
    if (!kinds.includes(old.labels.kind)) {
      firing.push(old);
      continue;
    }
    const done = { ...old, endsAt: now };
    resolved.push(done);
    changed.push(done);
  }
  const keys = firing.map(key).sort();
  const due = shouldNotify(last, keys, resolved.length, repeatIntervalMs, now);
  return { changed, firing, resolved, notice: due ? { notifiedAt: now, firing: keys } : null };
}

/** A stored alert as notifications carry it. */
export function toAlert(a: StoredAlert): Alert {
  return {
    fingerprint: a.fingerprint,
    labels: a.labels,
    status: a.endsAt === null ? 'firing' : 'resolved',
    severity: a.severity,
    summary: a.summary,
    ...(a.stats ? { stats: a.stats } : {}),
    startsAt: new Date(a.startsAt).toISOString(),
    ...(a.endsAt !== null ? { endsAt: new Date(a.endsAt).toISOString() } : {}),
  };
}
