import type { Digest, FeatureTrend } from '../contracts/digest.js';
import type { CheckStatus } from '../contracts/report.js';
import { alertChangesInPeriod } from '../store/alerts.js';
import type { Database } from '../store/database.js';
import { quarantinedInPeriod } from '../store/quarantine.js';
import { type PeriodCheck, type PeriodReport, reportsInPeriod } from '../store/reports.js';
import { countSamples } from '../store/samples.js';
import type { Period } from '../store/sql.js';

/** How many features `topDrifted` names at most. */
export const TOP_DRIFTED_LIMIT = 5;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Builds the scheduled drift report of one model over a period, from the store alone: events
 * stored and quarantined, the checks that finished in the period by status, each feature's PSI
 * and drift at every check, the most drifted features, the last comparison's schema findings,
 * and the alerts that fired or resolved. Every figure is read with parameterised SQL.
 *
 * Counts cover what the store still holds: retention deletes old samples and trims the
 * quarantine, so a period older than the retention reads low. `alert_state` keeps one row per
 * alert, so an alert that resolved and fired again in the period shows only its latest firing.
 * @example const digest = await buildDigest(store.db, 'fraud', { startMs: Date.UTC(2026, 0, 5), endMs: Date.UTC(2026, 0, 12) }, config.alerts.dashboardUrl ?? null);
 */
export async function buildDigest(
  db: Database,
  model: string,
  period: Period,
  dashboardUrl: string | null,
  options: { now?: number } = {},
): Promise<Digest> {
  const checked = checkedPeriod(period);
  const events = await countSamples(db, model, checked);
  const quarantined = await quarantinedInPeriod(db, model, checked);
  const checks = (await reportsInPeriod(db, model, checked)).map((c) => ({
    ...c,
    byName: new Map(c.report.features.map((f) => [f.name, f])),
  }));
  const changes = await alertChangesInPeriod(db, model, checked);
  const statusCount = (status: CheckStatus) => checks.filter((c) => c.status === status).length;

  const features = featureTrends(checks).sort(worstFirst);
  // An insufficient window is not compared, so its empty findings would hide the real ones.
  const lastCompared = checks.findLast((c) => c.status !== 'insufficient_data');
  return {
    model,
    period: { start: iso(checked.startMs), end: iso(checked.endMs) },
    volume: { events, quarantined },
    checks: {
      total: checks.length,
      drift: statusCount('drift'),
      ok: statusCount('ok'),
      insufficientData: statusCount('insufficient_data'),
    },
    features,
    topDrifted: features
      .filter((f) => f.drifted > 0)
      .slice(0, TOP_DRIFTED_LIMIT)
      .map((f) => f.name),
    schema: lastCompared?.report.schema ?? { missing: [], unexpected: [], anomalies: [] },
    schemaCheckedAt: lastCompared ? iso(lastCompared.finishedAt) : null,
    alerts: {
      fired: changes.fired.map((a) => ({ ...a, at: iso(a.at) })),
      resolved: changes.resolved.map((a) => ({ ...a, at: iso(a.at) })),
    },
    dashboardUrl,
    generatedAt: iso(options.now ?? Date.now()),
  };
}

function checkedPeriod(period: Period): Period {
  const { startMs, endMs } = period;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || startMs >= endMs) {
    throw new Error(`a digest period needs finite startMs < endMs, got ${startMs} .. ${endMs}`);
  }
  return { startMs: Math.floor(startMs), endMs: Math.floor(endMs) };
}

/** One check of the period, oldest first, with its features by name. */
type StoredFeature = PeriodReport['features'][number];
type StoredCheck = PeriodCheck & { byName: Map<string, StoredFeature> };

/**
 * One trend per feature seen in any check, with a point for every check of the period (a check
 * that did not compare the feature gives a null PSI), so all charts share one time axis.
 */
function featureTrends(checks: readonly StoredCheck[]): FeatureTrend[] {
  // The newest check that has a feature gives its kind and latest statistics.
  const latest = new Map<string, StoredFeature>();
  for (const check of checks) for (const f of check.report.features) latest.set(f.name, f);
  return [...latest.values()].map((last) => {
    const points = checks.map((check) => {
      const f = check.byName.get(last.name);
      const psi = f?.stats.psi;
      return { at: iso(check.finishedAt), psi: typeof psi === 'number' && Number.isFinite(psi) ? psi : null, drift: f?.drift ?? false };
    });
    return {
      name: last.name,
      kind: last.kind,
      drifted: points.filter((p) => p.drift).length,
      points,
      // Statistics that could not be computed (NaN, null in the stored JSON) are left out.
      latest: Object.fromEntries(
        Object.entries(last.stats).filter(([, v]) => (typeof v === 'number' ? Number.isFinite(v) : Number.isFinite(v.statistic))),
      ),
      // The test and size its decision used, so the digest names the test the check report names
      // (category_shift for a categorical feature, not the chi2 it also reports).
      ...(last.decision ? { decision: decidedBy(last.decision) } : {}),
    };
  });
}

/** The parts of a stored decision a digest shows. */
function decidedBy(decision: NonNullable<StoredFeature['decision']>): NonNullable<FeatureTrend['decision']> {
  return { ...(decision.test ? { test: decision.test } : {}), ...(decision.effect ? { effect: decision.effect } : {}) };
}

/** The newest known PSI of a trend, or null when no check computed one. */
export function lastPsi(trend: Pick<FeatureTrend, 'points'>): number | null {
  return trend.points.findLast((p) => p.psi !== null)?.psi ?? null;
}

/** Most drifted checks first, then the highest last PSI, then by name (code points, the same everywhere). */
function worstFirst(a: FeatureTrend, b: FeatureTrend): number {
  const psiA = lastPsi(a) ?? -1;
  const psiB = lastPsi(b) ?? -1;
  return b.drifted - a.drifted || psiB - psiA || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
