import { messageOf } from '../../errors.js';
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

/** GET /readyz: 200 when the store answers and the service says it is ready, else 503 with the reasons. */
export const readyz = defineRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  summary: 'Readiness: the store is open and every configured Kafka consumer is connected',
  tag: 'health',
  access: 'public',
  responses: {
    200: { description: 'ready', schema: Readiness },
    503: { description: 'not ready, with the reasons', schema: Readiness },
  },
  async handle(_input, ctx, _req, res) {
    const state = ctx.deps.ready();
    const reasons = [...state.reasons];
    try {
      await ctx.withDb((db) => db.row('SELECT 1 AS one'));
    } catch (error) {
      reasons.push(`store: ${messageOf(error).split('\n')[0]}`);
    }
    const ok = state.ok && reasons.length === 0;
    const waiting =
      state.waitingForTopic && Object.keys(state.waitingForTopic).length > 0 ? { waitingForTopic: state.waitingForTopic } : {};
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', reasons, ...waiting });
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
