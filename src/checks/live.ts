import { randomUUID } from 'node:crypto';
import { resolveDecision } from '../config/decision.js';
import type { ModelConfig, WindowSpecValue } from '../config/schema.js';
import type { BaselineProfile } from '../contracts/profile.js';
import type { CheckTrigger, LiveReport } from '../contracts/report.js';
import { ingestCounters } from '../store/counters.js';
import type { Database } from '../store/database.js';
import { lastIngestTotals, lastWindowEnd } from '../store/reports.js';
import { nthNewestEventTime, openWindow } from '../store/samples.js';
import { fieldsNotExtra } from '../ingest/decoder.js';
import { compareTable, readEstimate, statusOf } from './check.js';
import { describeDecision } from './decision.js';
import { liveLabels } from './labels.js';
import { PREDICTION_COLUMN } from './prediction.js';

/** Counters of the ingest now, and their change since the model's previous report. */
async function ingestSincePrevious(db: Database, model: string): Promise<LiveReport['ingest']> {
  const totals = await ingestCounters(db, model);
  const before = await lastIngestTotals(db, model);
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

/** The time bounds [start, end) of a model's window ending at `now`, and how many of its newest rows it keeps. */
export async function windowBounds(
  db: Database,
  model: string,
  spec: WindowSpecValue,
  now: number,
): Promise<{ start: number; end: number; limit?: number }> {
  if (spec.kind === 'duration') return { start: now - spec.ms, end: now };
  if (spec.kind === 'since-last') return { start: (await lastWindowEnd(db, model, { compared: true })) ?? 0, end: now };
  // The last N events before now: the window starts at the N-th newest event time.
  return { start: await nthNewestEventTime(db, model, now, spec.count), end: now, limit: spec.count };
}

/**
 * Checks a model's live window (rows of its samples table) against its baseline. A window with
 * fewer than `minRows` rows is "insufficient data", never drift. The report is returned, not stored.
 */
export async function runLiveCheck(
  db: Database,
  model: ModelConfig,
  profile: BaselineProfile,
  options: { window?: WindowSpecValue; now?: number; trigger?: CheckTrigger } = {},
): Promise<LiveReport> {
  const started = Date.now();
  const now = options.now ?? started;
  const spec = options.window ?? model.window;
  const bounds = await windowBounds(db, model.name, spec, now);
  const window = await openWindow(db, model.name, bounds);
  try {
    const { rows } = window;
    const insufficient = rows < model.minRows;
    // Tests and older callers may build a model without the parsed `decision` object: defaults then.
    const decision = resolveDecision(model.decision ?? {});
    const comparison = insufficient
      ? { drift: false, features: [], schema: { missing: [], unexpected: [], anomalies: [] } }
      : await compareTable(
          db,
          profile,
          { table: window.table, columns: window.columns },
          // Rows stored before a field was ignored (or before parents of mapped paths were known) still carry it in `_extra`.
          {
            decision,
            ...(model.schema ? { schemaCheck: model.schema } : {}),
            ...(model.event ? { ignoreColumns: fieldsNotExtra(model.event) } : {}),
            predictionMapped: model.event?.prediction !== undefined,
          },
        );
    const ingest = await ingestSincePrevious(db, model.name);
    // Joined now, whenever the labels came: a later check of the same window sees the newer ones.
    const labels = model.labels ? (await liveLabels(db, model, bounds, { baseline: profile.performance })).report : undefined;
    // The estimate reads every stored score of the window, labelled or not (a model without labels too).
    const estimated =
      model.event?.prediction === undefined
        ? undefined
        : await readEstimate(db, profile, { table: window.table, columns: window.columns }, PREDICTION_COLUMN, labels?.performance);
    const finished = Date.now();
    return {
      id: randomUUID(),
      model: model.name,
      ...(options.trigger ? { trigger: options.trigger } : {}),
      // The same rule as a file's check: too few rows, or no feature with enough finite values to test.
      status: insufficient ? 'insufficient_data' : statusOf(comparison),
      baseline: { name: profile.model, rows: profile.source.rows, version: profile.version, source: profile.source.file },
      current: { name: window.source, rows },
      ...comparison,
      decision: describeDecision(decision, { prediction: comparison.prediction !== undefined }),
      ...(labels ? { labels } : {}),
      ...(estimated ? { estimatedPerformance: estimated } : {}),
      generatedAt: iso(finished),
      window: { spec: windowText(spec), start: iso(bounds.start), end: iso(bounds.end), rows, minRows: model.minRows },
      timing: { startedAt: iso(started), finishedAt: iso(finished), seconds: (finished - started) / 1000 },
      ingest,
    };
  } finally {
    await window.close();
  }
}
