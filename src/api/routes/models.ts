import type { z } from 'zod';
import { windowText } from '../../checks/live.js';
import type { Database } from '../../store/database.js';
import { ingestRates } from '../../store/ingest-rate.js';
import { type CheckSummaryBody, latestSummaries, latestSummary } from '../reports.js';
import { defineRoute } from '../route.js';
import { ErrorBody, ModelDetail, ModelList, ModelParams, type ModelSummary } from '../schemas.js';
import type { ApiModel } from '../types.js';

type ModelSummaryBody = z.infer<typeof ModelSummary>;

/** Firing alerts per model. */
async function firingCounts(db: Database): Promise<Map<string, number>> {
  const rows = await db.rows(`SELECT model, count(*)::INTEGER AS n FROM alert_state WHERE ends_at IS NULL GROUP BY model`);
  return new Map(rows.map((r) => [String(r.model), Number(r.n)]));
}

/** Events per minute, rounded to a tenth (more digits would claim a precision a 5-minute average lacks). */
function perMinute(rates: Awaited<ReturnType<typeof ingestRates>>, model: string): number {
  return Math.round((rates.get(model)?.eventsPerMinute ?? 0) * 10) / 10;
}

function summary(m: ApiModel, latest: CheckSummaryBody | null, firing: number, eventsPerMinute: number): ModelSummaryBody {
  return {
    name: m.name,
    status: m.status,
    error: m.error ?? null,
    baseline: { path: m.config.baseline, version: m.profile?.version ?? null, features: m.profile?.features.length ?? null },
    topics: m.config.source?.topics ?? [],
    window: windowText(m.config.window),
    schedule: m.config.schedule?.cron ?? null,
    consumer: m.consumer ?? null,
    latestCheck: latest,
    firingAlerts: firing,
    eventsPerMinute,
  };
}

export const listModels = defineRoute({
  method: 'get',
  path: '/api/v1/models',
  operationId: 'listModels',
  summary: 'The configured models, each with its status, newest check, firing alerts and events per minute',
  tag: 'models',
  access: 'read',
  responses: { 200: { description: 'the models, in configuration order', schema: ModelList } },
  async handle(_input, ctx, _req, res) {
    const { latest, firing, rates } = await ctx.withDb(async (db) => ({
      latest: await latestSummaries(db),
      firing: await firingCounts(db),
      rates: await ingestRates(db, ctx.now()),
    }));
    res.json({
      items: ctx.deps.models().map((m) => summary(m, latest.get(m.name) ?? null, firing.get(m.name) ?? 0, perMinute(rates, m.name))),
    });
  },
});

export const getModel = defineRoute({
  method: 'get',
  path: '/api/v1/models/{model}',
  operationId: 'getModel',
  summary: 'One model: status, baseline features, ingest counters and events per minute, newest check',
  tag: 'models',
  access: 'read',
  params: ModelParams,
  responses: {
    200: { description: 'the model', schema: ModelDetail },
    404: { description: 'no such model', schema: ErrorBody },
  },
  async handle({ params }, ctx, _req, res) {
    const m = ctx.model(params.model);
    // Not `store.counters()`: that runs on the store's main connection, which other tasks use.
    const { latest, firing, counters, rates } = await ctx.withDb(async (db) => ({
      latest: await latestSummary(db, m.name),
      firing: Number((await db.row(`SELECT count(*)::INTEGER AS n FROM alert_state WHERE model = ? AND ends_at IS NULL`, [m.name])).n),
      counters: await countersOf(db, m.name),
      rates: await ingestRates(db, ctx.now()),
    }));
    res.json({
      ...summary(m, latest, firing, perMinute(rates, m.name)),
      features: (m.profile?.features ?? []).map((f) => ({ name: f.name, kind: f.kind, dtype: f.dtype })),
      counters,
    });
  },
});

async function countersOf(db: Database, model: string): Promise<Record<string, number>> {
  const rows = await db.rows(`SELECT counter, value FROM ingest_counts WHERE model = ?`, [model]);
  return Object.fromEntries(rows.map((r) => [String(r.counter), Number(r.value)]));
}

export const MODEL_ROUTES = [listModels, getModel];
