import { firingCounts } from '../../store/alerts.js';
import { ingestCounters, ingestRates } from '../../store/counters.js';
import { latestReport, latestReports } from '../../store/reports.js';
import { type CheckSummaryBody, summarize } from '../check-summary.js';
import type { z } from 'zod';
import { windowText } from '../../checks/live.js';
import { defineRoute } from '../route.js';
import { ErrorBody, ModelDetail, ModelList, ModelParams, type ModelSummary } from '../schemas.js';
import type { ApiModel } from '../types.js';

type ModelSummaryBody = z.infer<typeof ModelSummary>;

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
    consumer: m.consumer ? { connected: m.consumer.connected } : null,
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
      latest: await latestReports(db),
      firing: await firingCounts(db),
      rates: await ingestRates(db, ctx.now()),
    }));
    res.json({
      items: ctx.deps.models().map((m) => {
        const report = latest.get(m.name);
        return summary(m, report ? summarize(report) : null, firing.get(m.name) ?? 0, perMinute(rates, m.name));
      }),
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
    const { latest, firing, counters, rates } = await ctx.withDb(async (db) => ({
      latest: await latestReport(db, m.name),
      firing: await firingCounts(db),
      counters: await ingestCounters(db, m.name),
      rates: await ingestRates(db, ctx.now()),
    }));
    res.json({
      ...summary(m, latest ? summarize(latest) : null, firing.get(m.name) ?? 0, perMinute(rates, m.name)),
      features: (m.profile?.features ?? []).map((f) => ({ name: f.name, kind: f.kind, dtype: f.dtype })),
      counters,
    });
  },
});

export const MODEL_ROUTES = [listModels, getModel];
