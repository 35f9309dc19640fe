import type { z } from 'zod';
import type { LiveReport } from '../contracts/report.js';
import type { Database } from '../store/database.js';
import { TIMESTAMP_MS } from '../store/sql.js';
import type { CheckSummary } from './schemas.js';

export type CheckSummaryBody = z.infer<typeof CheckSummary>;

/** The short form of a report for lists: no bins, no statistics, features worst first. */
export function summarize(report: LiveReport): CheckSummaryBody {
  const features = report.features
    .map((f) => ({ name: f.name, kind: f.kind, drift: f.drift, severity: Number.isFinite(f.severity) ? f.severity : 0 }))
    .sort((a, b) => Number(b.drift) - Number(a.drift) || b.severity - a.severity || (a.name < b.name ? -1 : 1));
  return {
    id: report.id,
    model: report.model,
    status: report.status,
    drift: report.drift,
    rows: report.window.rows,
    window: { spec: report.window.spec, start: report.window.start, end: report.window.end },
    startedAt: report.timing.startedAt,
    finishedAt: report.timing.finishedAt,
    seconds: report.timing.seconds,
    features,
    schema: {
      missing: report.schema.missing.length,
      unexpected: report.schema.unexpected.length,
      anomalies: report.schema.anomalies.length,
    },
  };
}

/** Filter and page of {@link listReports}. Times are epoch ms. */
export interface ReportFilter {
  limit: number;
  offset: number;
  from?: number | undefined;
  to?: number | undefined;
  status?: LiveReport['status'] | undefined;
}

/** A model's checks, newest first, with the total that matches the filter. */
export async function listReports(
  db: Database,
  model: string,
  filter: ReportFilter,
): Promise<{ total: number; items: CheckSummaryBody[] }> {
  // Only fixed SQL fragments are added; every value is a bound parameter.
  const where = ['model = ?'];
  const values: (string | number)[] = [model];
  if (filter.from !== undefined) {
    where.push(`finished_at >= ${TIMESTAMP_MS}`);
    values.push(Math.floor(filter.from));
  }
  if (filter.to !== undefined) {
    where.push(`finished_at < ${TIMESTAMP_MS}`);
    values.push(Math.ceil(filter.to));
  }
  if (filter.status !== undefined) {
    where.push('status = ?');
    values.push(filter.status);
  }
  const condition = where.join(' AND ');
  const total = Number((await db.row(`SELECT count(*)::BIGINT AS n FROM reports WHERE ${condition}`, values)).n);
  const rows = await db.rows(`SELECT report FROM reports WHERE ${condition} ORDER BY finished_at DESC, id LIMIT ? OFFSET ?`, [
    ...values,
    filter.limit,
    filter.offset,
  ]);
  return { total, items: rows.map((r) => summarize(JSON.parse(String(r.report)) as LiveReport)) };
}

/** One stored report, or undefined. */
export async function getReport(db: Database, id: string): Promise<LiveReport | undefined> {
  const [row] = await db.rows(`SELECT report FROM reports WHERE id = ?`, [id]);
  return row ? (JSON.parse(String(row.report)) as LiveReport) : undefined;
}

/**
 * The id of each model's newest report: of any status, or only of checks that compared
 * features (`withFeatures`: an "insufficient data" check has none to show).
 */
export async function latestReportIds(db: Database, options: { withFeatures: boolean }): Promise<Map<string, string>> {
  const rows = await db.rows(
    `SELECT model, id FROM (
       SELECT model, id, row_number() OVER (PARTITION BY model ORDER BY finished_at DESC, id) AS rn
       FROM reports WHERE ${options.withFeatures ? `status <> 'insufficient_data'` : 'true'})
     WHERE rn = 1`,
  );
  return new Map(rows.map((r) => [String(r.model), String(r.id)]));
}

/** The newest report of each model (any status), summarised. */
export async function latestSummaries(db: Database): Promise<Map<string, CheckSummaryBody>> {
  // Ids first, then only those reports' JSON: the window function need not carry every report's text.
  const ids = [...(await latestReportIds(db, { withFeatures: false })).values()];
  if (ids.length === 0) return new Map();
  const rows = await db.rows(`SELECT model, report FROM reports WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
  return new Map(rows.map((r) => [String(r.model), summarize(JSON.parse(String(r.report)) as LiveReport)]));
}

/** The newest report of one model, summarised. */
export async function latestSummary(db: Database, model: string): Promise<CheckSummaryBody | null> {
  const [row] = await db.rows(`SELECT report FROM reports WHERE model = ? ORDER BY finished_at DESC, id LIMIT 1`, [model]);
  return row ? summarize(JSON.parse(String(row.report)) as LiveReport) : null;
}
