import { messageOf } from '../../errors.js';
import { presentsScope } from '../auth.js';
import { defineRoute } from '../route.js';
import { Health, Readiness } from '../schemas.js';

/** GET /healthz: 200 while the process runs (a liveness probe: no dependency is asked). */
export const healthz = defineRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  summary: 'Liveness: 200 while the process runs',
  tag: 'health',
  access: 'public',
  responses: { 200: { description: 'the process runs', schema: Health } },
  handle(_input, _ctx, _req, res) {
    res.json({ status: 'ok' });
  },
});

/**
 * GET /readyz: 200 when the store answers and the service says it is ready, else 503. Open, so a
 * probe needs no token, and then it says only that: the reasons name models, baseline paths and
 * DuckDB's errors, so they need a read token.
 */
export const readyz = defineRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  summary: 'Readiness: the store is open, every configured Kafka consumer is connected, checks and writes work',
  description:
    'Open: without a token the body is the status only. With a token of scope read (or admin) it has the reasons and waitingForTopic; a token that is not valid is a 401.',
  tag: 'health',
  access: 'public',
  responses: {
    200: { description: 'ready', schema: Readiness },
    503: { description: 'not ready (the reasons with a read token)', schema: Readiness },
  },
  async handle(_input, ctx, req, res) {
    const detailed = presentsScope(ctx.deps.tokens, 'read', req, res);
    const state = ctx.deps.ready();
    const reasons = [...state.reasons];
    try {
      await ctx.withDb((db) => db.row('SELECT 1 AS one'));
    } catch (error) {
      reasons.push(`store: ${messageOf(error).split('\n')[0]}`);
    }
    const ok = state.ok && reasons.length === 0;
    const status = ok ? 'ready' : 'not_ready';
    if (!detailed) {
      res.status(ok ? 200 : 503).json({ status });
      return;
    }
    const waiting =
      state.waitingForTopic && Object.keys(state.waitingForTopic).length > 0 ? { waitingForTopic: state.waitingForTopic } : {};
    res.status(ok ? 200 : 503).json({ status, reasons, ...waiting, ...(state.notes?.length ? { notes: state.notes } : {}) });
  },
});

/** GET /metrics: Prometheus text (open when `api.metricsPublic`, else a read token). */
export const metrics = defineRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics (text exposition format)',
  description: 'Open without a token when api.metricsPublic is true; otherwise a token of scope read (or admin).',
  tag: 'health',
  access: 'metrics',
  responses: { 200: { description: 'the metrics', otherContent: { 'text/plain': 'Prometheus text format 0.0.4' } } },
  async handle(_input, ctx, _req, res) {
    const text = await ctx.deps.metrics.text();
    res.type(ctx.deps.metrics.contentType).send(text);
  },
});

export const HEALTH_ROUTES = [healthz, readyz, metrics];
