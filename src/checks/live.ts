import { randomUUID } from 'node:crypto';
import type { BaselineProfile } from '../contracts/profile.js';
import type { ModelConfig, WindowSpecValue } from '../config/schema.js';
import type { Database } from '../store/database.js';
import { samplesTable } from '../store/schema.js';
import { quoteIdent, TIMESTAMP_MS } from '../store/sql.js';
import { compareTable } from './check.js';
import { describeDecision } from './decision.js';
import { resolveDecision } from '../config/decision.js';
import type { LiveReport } from '../contracts/report.js';

/** Counters of the ingest now, and their change since the model's previous report. */
async function ingestSincePrevious(db: Database, model: string): Promise<LiveReport['ingest']> {
  const rows = await db.rows(`SELECT counter, value FROM ingest_counts WHERE model = ?`, [model]);
  const totals = Object.fromEntries(rows.map((r) => [String(r.counter), Number(r.value)]));
  const [last] = await db.rows(
    `SELECT json_extract(report, '$.ingest.totals') AS t FROM reports WHERE model = ? ORDER BY finished_at DESC LIMIT 1`,
    [model],
  );
  const before: Record<string, number> = last?.t ? JSON.parse(String(last.t)) : {};
  const delta = (k: string) => (totals[k] ?? 0) - (before[k] ?? 0);
  const rejectedByReason = Object.fromEntries(
    Object.keys(totals)
      .filter((k) => k.startsWith('rejected:') && delta(k) > 0)
      .map((k) => [k.slice('rejected:'.length), delta(k)]),
  );
  const rejected = Object.values(rejectedByReason).reduce((a, b) => a + b, 0);
  return { totals, consumed: delta('consumed'), rejected, rejectedByReason };
}

/** Text of a window spec, as the config writes it. */
export function windowText(spec: WindowSpecValue): string {
  if (spec.kind === 'since-last') return 'since-last';
  if (spec.kind === 'events') return `events:${spec.count}`;
  return `${spec.ms / 1000}s`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The time bounds [start, end) of the window, and the extra SQL that limits it. */
async function windowBounds(
  db: Database,
  model: string,
  table: string,
  spec: WindowSpecValue,
  now: number,
): Promise<{ start: number; end: number; limit?: number }> {
  if (spec.kind === 'duration') return { start: now - spec.ms, end: now };
  if (spec.kind === 'since-last') {
    const last = await db.rows(`SELECT epoch_ms(max(window_end)) AS t FROM reports WHERE model = ? AND status <> 'insufficient_data'`, [
      model,
    ]);
    const since = last[0]?.t;
    return { start: since === null || since === undefined ? 0 : Number(since), end: now };
  }
  // The last N events before now: the window starts at the N-th newest event time.
  const nth = await db.rows(
    `SELECT epoch_ms(_ts) AS t FROM ${quoteIdent(table)} WHERE _ts < ${TIMESTAMP_MS} ORDER BY _ts DESC LIMIT 1 OFFSET ?`,
    [now, spec.count - 1],
  );
  return { start: nth[0] ? Number(nth[0].t) : 0, end: now, limit: spec.count };
}

/**
 * Checks a model's live window (rows of its samples table) against its baseline. A window with
 * fewer than `minRows` rows is "insufficient data", never drift. The report is returned, not stored.
 */
export async function runLiveCheck(
  db: Database,
  model: ModelConfig,
  profile: BaselineProfile,
  options: { window?: WindowSpecValue; now?: number } = {},
): Promise<LiveReport> {
  const started = Date.now();
  const now = options.now ?? started;
  const spec = options.window ?? model.window;
  const table = samplesTable(model.name);
  const bounds = await windowBounds(db, model.name, table, spec, now);
  // A plain table (not TEMP), so the parallel comparison's other connections can read it.
  const windowTable = `window_${table}_${randomUUID().replaceAll('-', '')}`;
  await db.run(
    `CREATE TABLE ${quoteIdent(windowTable)} AS SELECT * FROM ${quoteIdent(table)}
     WHERE _ts >= ${TIMESTAMP_MS} AND _ts < ${TIMESTAMP_MS}
     ORDER BY _ts DESC ${bounds.limit ? `LIMIT ${Math.floor(bounds.limit)}` : ''}`,
    [Math.floor(bounds.start), Math.ceil(bounds.end)],
  );
  try {
    const rows = Number((await db.row(`SELECT count(*) AS n FROM ${quoteIdent(windowTable)}`)).n);
    const columns = (
      await db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, [windowTable])
    ).map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
    const insufficient = rows < model.minRows;
    // Tests and older callers may build a model without the parsed `decision` object: defaults then.
    const decision = resolveDecision(model.decision ?? {});
    const comparison = insufficient
      ? { drift: false, features: [], schema: { missing: [], unexpected: [], anomalies: [] } }
      : await compareTable(db, profile, { table: windowTable, columns }, { decision });
    const ingest = await ingestSincePrevious(db, model.name);
    const finished = Date.now();
    return {
      id: randomUUID(),
      model: model.name,
      status: insufficient ? 'insufficient_data' : comparison.drift ? 'drift' : 'ok',
      baseline: { name: profile.model, rows: profile.source.rows, version: profile.version, source: profile.source.file },
      current: { name: table, rows },
      ...comparison,
      decision: describeDecision(decision),
      generatedAt: iso(finished),
      window: { spec: windowText(spec), start: iso(bounds.start), end: iso(bounds.end), rows, minRows: model.minRows },
      timing: { startedAt: iso(started), finishedAt: iso(finished), seconds: (finished - started) / 1000 },
      ingest,
    };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${quoteIdent(windowTable)}`);
  }
}

/** Stores a report in `reports` (one row, the JSON whole). */
export async function storeReport(db: Database, report: LiveReport): Promise<void> {
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
