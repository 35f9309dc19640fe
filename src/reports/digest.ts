import { z } from 'zod';
import type { AnomalyKind } from '../contracts/report.js';
import { formatZodError } from '../config/zod-errors.js';
import { messageOf } from '../errors.js';
import type { Database } from '../store/database.js';
import { samplesTable } from '../store/schema.js';
import { quoteIdent, TIMESTAMP_MS } from '../store/sql.js';
import type { Digest, FeatureTrend } from './types.js';

/** How many features `topDrifted` names at most. */
export const TOP_DRIFTED_LIMIT = 5;

/** A digest's period in epoch milliseconds: from `startMs` (included) to `endMs` (excluded). */
export interface DigestPeriod {
  startMs: number;
  endMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

// Every period filter compares a TIMESTAMP column with the bounds as microseconds, the way the
// live check bounds its window: half-open, so back-to-back periods count each row once.
const inPeriod = (column: string) => `${column} >= ${TIMESTAMP_MS} AND ${column} < ${TIMESTAMP_MS}`;

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
  period: DigestPeriod,
  dashboardUrl: string | null,
  options: { now?: number } = {},
): Promise<Digest> {
  const { startMs, endMs } = checkedPeriod(period);
  const bounds = [startMs, endMs];

  const events = await countEvents(db, model, bounds);
  const quarantined = Number(
    (await db.row(`SELECT count(*) AS n FROM quarantine WHERE model = ? AND ${inPeriod('quarantined_at')}`, [model, ...bounds])).n,
  );

  const counts = await db.row(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE status = 'ok') AS ok,
            count(*) FILTER (WHERE status = 'drift') AS drift,
            count(*) FILTER (WHERE status = 'insufficient_data') AS insufficient
     FROM reports WHERE model = ? AND ${inPeriod('finished_at')}`,
    [model, ...bounds],
  );
  const checks = await loadChecks(db, model, bounds);

  const fired = await db.rows(
    `SELECT feature, kind, severity, epoch_ms(starts_at) AS at FROM alert_state
     WHERE model = ? AND ${inPeriod('starts_at')} ORDER BY starts_at, feature, kind`,
    [model, ...bounds],
  );
  const resolved = await db.rows(
    `SELECT feature, kind, epoch_ms(ends_at) AS at FROM alert_state
     WHERE model = ? AND ${inPeriod('ends_at')} ORDER BY ends_at, feature, kind`,
    [model, ...bounds],
  );

  const features = featureTrends(checks).sort(worstFirst);
  // An insufficient window is not compared, so its empty findings would hide the real ones.
  const lastCompared = checks.findLast((c) => c.status !== 'insufficient_data');
  return {
    model,
    period: { start: iso(startMs), end: iso(endMs) },
    volume: { events, quarantined },
    checks: {
      total: Number(counts.total),
      drift: Number(counts.drift),
      ok: Number(counts.ok),
      insufficientData: Number(counts.insufficient),
    },
    features,
    topDrifted: features
      .filter((f) => f.drifted > 0)
      .slice(0, TOP_DRIFTED_LIMIT)
      .map((f) => f.name),
    schema: lastCompared?.report.schema ?? { missing: [], unexpected: [], anomalies: [] },
    schemaCheckedAt: lastCompared?.at ?? null,
    alerts: {
      fired: fired.map((r) => ({ feature: String(r.feature), kind: String(r.kind), severity: String(r.severity), at: iso(Number(r.at)) })),
      resolved: resolved.map((r) => ({ feature: String(r.feature), kind: String(r.kind), at: iso(Number(r.at)) })),
    },
    dashboardUrl,
    generatedAt: iso(options.now ?? Date.now()),
  };
}

function checkedPeriod(period: DigestPeriod): DigestPeriod {
  const { startMs, endMs } = period;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || startMs >= endMs) {
    throw new Error(`a digest period needs finite startMs < endMs, got ${startMs} .. ${endMs}`);
  }
  return { startMs: Math.floor(startMs), endMs: Math.floor(endMs) };
}

/** Rows of the model's samples table in the period; 0 before ingest has created the table. */
async function countEvents(db: Database, model: string, bounds: number[]): Promise<number> {
  const table = samplesTable(model);
  const exists = await db.rows(`SELECT 1 FROM duckdb_tables() WHERE table_name = ? AND NOT temporary`, [table]);
  if (exists.length === 0) return 0;
  return Number((await db.row(`SELECT count(*) AS n FROM ${quoteIdent(table)} WHERE ${inPeriod('_ts')}`, bounds)).n);
}

// ---------------------------------------------------------------------------------------------
// The stored reports: only the parts a digest reads, checked with zod (the JSON is a boundary:
// rows written by older versions must read, or fail naming the report and the path).
// ---------------------------------------------------------------------------------------------

const ANOMALY_KINDS = [
  'type_mismatch',
  'null_share',
  'all_null',
  'non_finite',
  'out_of_range',
  'unseen_categories',
] as const satisfies readonly AnomalyKind[];

// JSON turns NaN and Infinity into null, so any statistic may read back as null.
const StoredStat = z.union([z.number(), z.object({ statistic: z.number(), pvalue: z.number() }), z.null()]);

const StoredFeature = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  drift: z.boolean(),
  stats: z.record(z.string(), StoredStat),
});

const StoredSchema = z.object({
  missing: z.array(z.string()),
  unexpected: z.array(z.string()),
  anomalies: z.array(
    z.object({
      feature: z.string(),
      kind: z.enum(ANOMALY_KINDS),
      message: z.string(),
      share: z.number(),
      baselineShare: z.number().optional(),
      examples: z.array(z.string()).optional(),
    }),
  ),
});

const StoredReport = z.object({ features: z.array(StoredFeature), schema: StoredSchema });
type StoredReport = z.infer<typeof StoredReport>;
type StoredFeature = z.infer<typeof StoredFeature>;

/** One check of the period, oldest first. */
interface StoredCheck {
  id: string;
  status: string;
  at: string;
  report: StoredReport;
  byName: Map<string, StoredFeature>;
}

async function loadChecks(db: Database, model: string, bounds: number[]): Promise<StoredCheck[]> {
  const rows = await db.rows(
    `SELECT id, status, epoch_ms(finished_at) AS at, report FROM reports
     WHERE model = ? AND ${inPeriod('finished_at')} ORDER BY finished_at, id`,
    [model, ...bounds],
  );
  return rows.map((row) => {
    const id = String(row.id);
    let json: unknown;
    try {
      json = JSON.parse(String(row.report));
    } catch (error) {
      throw new Error(`stored report ${id} of model '${model}' is not JSON: ${messageOf(error)}`);
    }
    const parsed = StoredReport.safeParse(json);
    if (!parsed.success) throw new Error(`stored report ${id} of model '${model}' cannot be read: ${formatZodError(parsed.error)}`);
    return {
      id,
      status: String(row.status),
      at: iso(Number(row.at)),
      report: parsed.data,
      byName: new Map(parsed.data.features.map((f) => [f.name, f])),
    };
  });
}

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
      return { at: check.at, psi: typeof psi === 'number' && Number.isFinite(psi) ? psi : null, drift: f?.drift ?? false };
    });
    return {
      name: last.name,
      kind: last.kind,
      drifted: points.filter((p) => p.drift).length,
      points,
      latest: Object.fromEntries(
        Object.entries(last.stats).filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => entry[1] !== null),
      ),
    };
  });
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
