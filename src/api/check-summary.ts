import type { z } from 'zod';
import type { LiveReport } from '../contracts/report.js';
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
    ...(report.trigger ? { trigger: report.trigger } : {}),
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
