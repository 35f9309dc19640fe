import { formatZodError } from '../config/zod-errors.js';
import { z } from 'zod';
import { type CheckStatus, FeatureReport, type LiveReport, SchemaFindings } from '../contracts/report.js';
import { messageOf } from '../errors.js';
import type { Database } from './database.js';
import { inPeriod, type Period, periodValues, TIMESTAMP_MS } from './sql.js';

/**
 * The `reports` table: every check's report (the JSON of the check contract, whole), to follow
 * drift over time. Written once per check, never changed.
 */

/** Stores a report (one row, the JSON whole); inside the caller's transaction when there is one. */
export async function insertReport(db: Database, report: LiveReport): Promise<void> {
  await db.run(`INSERT INTO reports VALUES (?, ?, ?, ?, ${TIMESTAMP_MS}, ${TIMESTAMP_MS}, ?, ${TIMESTAMP_MS}, ${TIMESTAMP_MS}, ?)`, [
    report.id,
    report.model,
    report.status,
    report.drift,
    Date.parse(report.window.start),
    Date.parse(report.window.end),
    report.window.rows,
    Date.parse(report.timing.startedAt),
    Date.parse(report.timing.finishedAt),
    JSON.stringify(report),
  ]);
}

/**
 * The end of the model's newest checked window (epoch ms), or null before its first check.
 * `compared`: only checks that compared features (not "insufficient data"), where a
 * `since-last` window starts.
 */
export async function lastWindowEnd(db: Database, model: string, options: { compared: boolean }): Promise<number | null> {
  const [row] = await db.rows(
    `SELECT epoch_ms(max(window_end)) AS t FROM reports WHERE model = ? ${options.compared ? `AND status <> 'insufficient_data'` : ''}`,
    [model],
  );
  return row?.t === null || row?.t === undefined ? null : Number(row.t);
}

/** The ingest counters recorded with the model's newest report (empty before its first check). */
export async function lastIngestTotals(db: Database, model: string): Promise<Record<string, number>> {
  const [last] = await db.rows(
    `SELECT json_extract(report, '$.ingest.totals') AS t FROM reports WHERE model = ? ORDER BY finished_at DESC LIMIT 1`,
    [model],
  );
  return last?.t ? (JSON.parse(String(last.t)) as Record<string, number>) : {};
}

/** Filter and page of {@link listReports}. Times are epoch ms, of the checks' end. */
export interface ReportFilter {
  limit: number;
  offset: number;
  from?: number | undefined;
  to?: number | undefined;
  status?: CheckStatus | undefined;
}

/** A model's reports, newest first, with the total that matches the filter. */
export async function listReports(db: Database, model: string, filter: ReportFilter): Promise<{ total: number; reports: LiveReport[] }> {
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
  return { total, reports: rows.map((r) => JSON.parse(String(r.report)) as LiveReport) };
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

/** The newest report of each model (any status). */
export async function latestReports(db: Database): Promise<Map<string, LiveReport>> {
  // Ids first, then only those reports' JSON: the window function need not carry every report's text.
  const ids = [...(await latestReportIds(db, { withFeatures: false })).values()];
  if (ids.length === 0) return new Map();
  const rows = await db.rows(`SELECT model, report FROM reports WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
  return new Map(rows.map((r) => [String(r.model), JSON.parse(String(r.report)) as LiveReport]));
}

/** The id of the newest report of one model (any status), or null before its first check. */
export async function latestReportId(db: Database, model: string): Promise<string | null> {
  const [row] = await db.rows(`SELECT id FROM reports WHERE model = ? ORDER BY finished_at DESC, id LIMIT 1`, [model]);
  return row ? String(row.id) : null;
}

/** The newest report of one model (any status), or null before its first check. */
export async function latestReport(db: Database, model: string): Promise<LiveReport | null> {
  const [row] = await db.rows(`SELECT report FROM reports WHERE model = ? ORDER BY finished_at DESC, id LIMIT 1`, [model]);
  return row ? (JSON.parse(String(row.report)) as LiveReport) : null;
}

/**
 * What the period's readers (the digest) take of a stored report, checked against the contract:
 * the features' outcomes, statistics and decisions, and the schema findings.
 */
export const PeriodReport = z.object({
  features: z.array(FeatureReport.pick({ name: true, kind: true, drift: true, stats: true, decision: true })),
  schema: SchemaFindings,
});
export type PeriodReport = z.infer<typeof PeriodReport>;

/** A check of a period, with its report. */
export interface PeriodCheck {
  id: string;
  status: CheckStatus;
  /** When it finished, epoch ms. */
  finishedAt: number;
  report: PeriodReport;
}

/**
 * The model's checks that finished in the period, oldest first, each report's features and
 * schema validated against the contract: rows written by older versions must read, or fail naming the report and the path.
 */
export async function reportsInPeriod(db: Database, model: string, period: Period): Promise<PeriodCheck[]> {
  const rows = await db.rows(
    `SELECT id, status, epoch_ms(finished_at) AS at, report FROM reports
     WHERE model = ? AND ${inPeriod('finished_at')} ORDER BY finished_at, id`,
    [model, ...periodValues(period)],
  );
  return rows.map((row) => {
    const id = String(row.id);
    let json: unknown;
    try {
      json = JSON.parse(String(row.report));
    } catch (error) {
      throw new Error(`stored report ${id} of model '${model}' is not JSON: ${messageOf(error)}`);
    }
    const parsed = PeriodReport.safeParse(json);
    if (!parsed.success) throw new Error(`stored report ${id} of model '${model}' cannot be read: ${formatZodError(parsed.error)}`);
    return { id, status: String(row.status) as CheckStatus, finishedAt: Number(row.at), report: parsed.data };
  });
}
