import { createHash } from 'node:crypto';
import { CONFIG_DEFAULTS } from '../config/schema.js';
import type { LiveReport } from '../contracts/report.js';
import type { Alert, AlertKind, AlertLabels, Severity } from '../contracts/alert.js';
import type { FoundAlert, GroupNotice, StoredAlert } from '../contracts/alert.js';
import type { CheckFailures } from '../contracts/check-health.js';
import { ALERT_KIND_INFO, ALERT_KINDS } from '../contracts/alert.js';
import type { StatValue } from '../stats/types.js';

/**
 * The fingerprint of an alert: a hash of its sorted labels (Alertmanager's identity). The same
 * model, feature and kind always give the same fingerprint, across restarts and versions.
 * @example fingerprint({ model: 'fraud', feature: 'age', kind: 'drift' }) // 16 hex digits
 */
export function fingerprint(labels: AlertLabels): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Severity and alerting rules, from the config (`alerts`). */
export interface SeverityRules {
  /** A drifted feature is critical from this PSI on. */
  criticalPsi: number;
  /**
   * Hysteresis: a drift alert that is critical stays critical until its PSI falls below this
   * (default {@link CRITICAL_PSI_CLEAR_RATIO} × criticalPsi), so a PSI hovering around
   * `criticalPsi` does not flip the severity at every check.
   */
  criticalPsiClear?: number | undefined;
}

/** Without `criticalPsiClear`, a critical drift alert goes back to warning below this share of `criticalPsi`. */
export const CRITICAL_PSI_CLEAR_RATIO = CONFIG_DEFAULTS.criticalPsiClearRatio;

/** The PSI below which a critical drift alert becomes a warning again. */
export function criticalPsiClear(rules: SeverityRules): number {
  return rules.criticalPsiClear ?? CRITICAL_PSI_CLEAR_RATIO * rules.criticalPsi;
}

/**
 * A drifted feature's severity, with hysteresis: critical from `criticalPsi` on; once critical,
 * critical until PSI falls below `criticalPsiClear`.
 */
export function driftSeverity(psi: unknown, wasCritical: boolean, rules: SeverityRules): Severity {
  if (typeof psi !== 'number' || !Number.isFinite(psi)) return wasCritical ? 'critical' : 'warning';
  return psi >= (wasCritical ? criticalPsiClear(rules) : rules.criticalPsi) ? 'critical' : 'warning';
}

/** The alert kinds a report can speak about: an insufficient window says nothing of drift or schema, a window without predictions nothing of prediction drift. */
export function evaluatedKinds(report: Pick<LiveReport, 'status' | 'prediction' | 'labels'>): AlertKind[] {
  if (report.status === 'insufficient_data') return ALERT_KINDS.filter((kind) => !ALERT_KIND_INFO[kind].comparesData);
  // A window without a decided performance decision (no labels yet, too few) says nothing of a drop: its alert stays as it was.
  const undecided = report.labels?.decision?.decided !== true;
  // A window without predictions (none mapped, or all null) says nothing of prediction drift: its alert stays as it was.
  const absent = report.prediction?.status === 'absent';
  return ALERT_KINDS.filter((kind) => !(kind === 'performance_drop' && undecided) && !(kind === 'prediction_drift' && absent));
}

/**
 * The performance alert of a live report: one per model (`feature` is `*`), when the decision
 * found a credible drop; the dropped metrics in its summary and statistics (the drop of each).
 * Critical when a metric dropped by more than twice its minimum drop.
 */
export function performanceAlert(report: Pick<LiveReport, 'model' | 'labels'>): FoundAlert[] {
  const decision = report.labels?.decision;
  if (!decision?.drift) return [];
  const dropped = decision.metrics.filter((m) => m.drifted);
  const stats: Record<string, StatValue> = {};
  for (const m of dropped) {
    if (m.window !== null) stats[m.metric] = m.window;
    if (m.drop !== null) stats[`${m.metric}_drop`] = m.drop;
  }
  const critical = dropped.some((m) => m.drop !== null && m.minDrop !== null && m.drop > 2 * m.minDrop);
  return [
    {
      labels: { model: report.model, feature: '*', kind: 'performance_drop' },
      severity: critical ? 'critical' : 'warning',
      summary: dropped.map((m) => m.reason).join('; '),
      stats,
    },
  ];
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

/**
 * The alert of a model whose checks keep failing (a corrupt block, a query error): once `count`
 * reaches `after` (alerts.checkFailingAfter). Drift detection is blind meanwhile, so it is critical.
 */
export function checkFailingAlert(failures: CheckFailures, after: number): FoundAlert[] {
  if (failures.count < after) return [];
  return [
    {
      labels: { model: failures.model, feature: '*', kind: 'check-failing' },
      severity: 'critical',
      summary: `${failures.count} checks in a row failed since ${new Date(failures.since).toISOString()}: ${failures.error}`,
    },
  ];
}

/**
 * The conditions a live report finds: drifted features, schema findings, too few rows.
 * `previous` (the model's stored alerts) gives the severity its hysteresis.
 */
export function alertsFromReport(report: LiveReport, rules: SeverityRules, previous: readonly StoredAlert[] = []): FoundAlert[] {
  const model = report.model;
  const wasCritical = new Set(previous.filter((a) => a.endsAt === null && a.severity === 'critical').map((a) => a.fingerprint));
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
      .map((f) => {
        const labels = { model, feature: f.name, kind: 'drift' as const };
        return {
          labels,
          severity: driftSeverity(f.stats.psi, wasCritical.has(fingerprint(labels)), rules),
          summary: f.reasons[0] ?? 'drift',
          stats: f.stats,
        };
      }),
  ];
  found.push(...performanceAlert(report));
  // The model's output: one alert on its column, whichever of its outputs (class, top score) drifted.
  const prediction = report.prediction;
  if (prediction?.drift) {
    const worst = [...prediction.outputs].filter((o) => o.drift).sort((a, b) => b.severity - a.severity)[0]!;
    const labels = { model, feature: prediction.column, kind: 'prediction_drift' as const };
    found.push({
      labels,
      severity: driftSeverity(worst.stats.psi, wasCritical.has(fingerprint(labels)), rules),
      summary: `prediction ${worst.name}: ${worst.reasons[0] ?? 'drift'}`,
      stats: worst.stats,
    });
  }
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
  for (const a of report.schema.anomalies) {
    // Listed in the report, but below its minimum share (schema.minUnseenShare, minTypeMismatchShare):
    // one odd value in thousands is not an incident. Reports stored before the mark alert as before.
    if (a.alerting === false) continue;
    byFeature.set(a.feature, [...(byFeature.get(a.feature) ?? []), a.message]);
  }
  for (const [feature, messages] of byFeature) {
    if (report.schema.missing.includes(feature)) continue;
    found.push({ labels: { model, feature, kind: 'schema' }, severity: 'warning', summary: messages.join('; ') });
  }
  return found;
}

const key = (a: { fingerprint: string; severity: Severity }) => `${a.fingerprint}:${a.severity}`;
const SEVERITY_RANK: Record<string, number> = { warning: 0, critical: 1 };

/** What changed in the firing set since the last notification: new alerts, and alerts whose severity went up. */
export interface GroupChanges {
  /** Fingerprints firing now that the last notification did not have. */
  new: string[];
  /** Fingerprints whose severity is higher than in the last notification. */
  escalated: string[];
}

/**
 * The firing keys ("fingerprint:severity") that are news since the last notification. A lower
 * severity than the one last sent is no news: de-escalation does not notify (and the next
 * escalation back is no news either, since the higher one was already sent).
 */
export function changesSince(last: GroupNotice | null, firing: readonly string[]): GroupChanges {
  const sent = new Map<string, number>();
  for (const k of last?.firing ?? []) {
    const [fp, severity] = splitKey(k);
    sent.set(fp, Math.max(sent.get(fp) ?? -1, SEVERITY_RANK[severity] ?? 0));
  }
  const changes: GroupChanges = { new: [], escalated: [] };
  for (const k of firing) {
    const [fp, severity] = splitKey(k);
    const before = sent.get(fp);
    if (before === undefined) changes.new.push(fp);
    else if ((SEVERITY_RANK[severity] ?? 0) > before) changes.escalated.push(fp);
  }
  return changes;
}

function splitKey(k: string): [string, string] {
  const i = k.lastIndexOf(':');
  return i < 0 ? [k, 'warning'] : [k.slice(0, i), k.slice(i + 1)];
}

/**
 * Send now or not: one pure function of the last notification, the firing and resolved sets,
 * the repeat interval and `now` (Alertmanager's group logic). A new or escalated alert, or a
 * resolved one, is sent at once; a de-escalated one is not (it is news to nobody); a group that
 * only keeps firing, once per repeat interval.
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
  const changes = changesSince(last, firing);
  if (changes.new.length > 0 || changes.escalated.length > 0) return true;
  return now - last.notifiedAt >= repeatIntervalMs;
}

/** The outcome of evaluating one check: the states to store and what (if anything) to send. */
export interface Evaluation {
  /** Alerts whose stored state changes (new, still firing with new details, or resolved now). */
  changed: StoredAlert[];
  /** All alerts firing after this check (with those held over). */
  firing: StoredAlert[];
  /**
   * Firing alerts the check could not speak about (drift and schema after an insufficient
   * window), kept as they were: they stay in the state but are not restated in notifications.
   */
  held: StoredAlert[];
  /** Alerts resolved by this check. */
  resolved: StoredAlert[];
  /** What is news in the firing set since the group's last notification. */
  changes: GroupChanges;
  /** Set when a notification is due: the group's new notice. */
  notice: GroupNotice | null;
}

/** What a resolved alert says: the finding of the check that resolved it (its sentence and statistics). */
export type Clearance = (alert: StoredAlert) => { summary: string; stats?: FoundAlert['stats'] };

/**
 * Evaluates a check's conditions against the stored alerts of its model. Alerts of kinds the
 * check could not speak about (drift and schema after an insufficient window) stay as they were.
 * A resolved alert takes its summary (and statistics) from `clear`: the check that resolved it,
 * not the one that fired it.
 */
export function evaluate(
  previous: readonly StoredAlert[],
  found: readonly FoundAlert[],
  kinds: readonly AlertKind[],
  last: GroupNotice | null,
  repeatIntervalMs: number,
  now: number,
  clear: Clearance = defaultClearance,
): Evaluation {
  const before = new Map(previous.filter((a) => a.endsAt === null).map((a) => [a.fingerprint, a]));
  const changed: StoredAlert[] = [];
  const firing: StoredAlert[] = [];
  const held: StoredAlert[] = [];
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
      held.push(old);
      continue;
    }
    const { stats: _firingStats, ...rest } = old;
    const cleared = clear(old);
    const done: StoredAlert = { ...rest, summary: cleared.summary, ...(cleared.stats ? { stats: cleared.stats } : {}), endsAt: now };
    resolved.push(done);
    changed.push(done);
  }
  const keys = firing.map(key).sort();
  const due = shouldNotify(last, keys, resolved.length, repeatIntervalMs, now);
  return { changed, firing, held, resolved, changes: changesSince(last, keys), notice: due ? { notifiedAt: now, firing: keys } : null };
}

/** What a resolved alert says when nothing more is known of the check that resolved it. */
function defaultClearance(alert: StoredAlert): { summary: string } {
  const what = alert.labels.feature === '*' ? '' : `${alert.labels.feature}: `;
  const text: Record<AlertKind, string> = {
    drift: 'no drift in this window',
    prediction_drift: 'no prediction drift in this window',
    performance_drop: 'no credible performance drop in this window',
    schema: 'no schema finding in this window',
    'insufficient-data': 'enough rows in this window to check',
    ingest: 'the messages since the previous check could be used',
    'check-failing': 'checks work again',
  };
  return { summary: `${what}${text[alert.labels.kind]}` };
}

/**
 * What the check of `report` says of each alert it resolves: a drifted feature's sentence and
 * statistics in this window (its n, its PSI), or what the window has instead of the old finding.
 */
export function clearanceFromReport(report: LiveReport): Clearance {
  const features = new Map(report.features.map((f) => [f.name, f]));
  return (alert) => {
    const feature = features.get(alert.labels.feature);
    if (alert.labels.kind === 'drift' && feature)
      return { summary: feature.reasons[0] ?? `${feature.name}: no drift`, stats: feature.stats };
    if (alert.labels.kind === 'prediction_drift' && report.prediction?.column === alert.labels.feature) {
      const output = report.prediction.outputs[0];
      if (!output) return { summary: `prediction ${alert.labels.feature}: ${report.prediction.message ?? 'not compared'}` };
      return { summary: `prediction ${output.name}: ${output.reasons[0] ?? 'no drift'}`, stats: output.stats };
    }
    if (alert.labels.kind === 'performance_drop' && report.labels?.decision) {
      return { summary: report.labels.decision.reason };
    }
    if (alert.labels.kind === 'insufficient-data') {
      return {
        summary: `${report.window.rows} rows in the window (${report.window.spec}), enough to check (at least ${report.window.minRows})`,
      };
    }
    if (alert.labels.kind === 'check-failing') {
      return { summary: `checks work again: the check of ${report.window.spec} (${report.window.rows} rows) succeeded` };
    }
    if (alert.labels.kind === 'ingest') {
      const { consumed, rejected } = report.ingest;
      return { summary: `${rejected} of ${consumed} messages since the last check could not be used, under the alert's threshold` };
    }
    return defaultClearance(alert);
  };
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
