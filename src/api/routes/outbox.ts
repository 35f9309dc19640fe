import { listOutbox as listStoredOutbox, retryDead } from '../../store/outbox.js';
import { ApiError, notFound } from '../errors.js';
import { defineRoute } from '../route.js';
import { ErrorBody, OutboxItem, OutboxList, OutboxListQuery, OutboxParams } from '../schemas.js';

export const listOutbox = defineRoute({
  method: 'get',
  path: '/api/v1/outbox',
  operationId: 'listOutbox',
  summary: 'Deliveries of the outbox: pending (waiting or retrying), dead (given up) or delivered',
  tag: 'outbox',
  access: 'read',
  query: OutboxListQuery,
  responses: { 200: { description: 'a page of deliveries', schema: OutboxList } },
  async handle({ query }, ctx, _req, res) {
    res.json(await ctx.withDb((db) => listStoredOutbox(db, query)));
  },
});

export const retryOutbox = defineRoute({
  method: 'post',
  path: '/api/v1/outbox/{id}/retry',
  operationId: 'retryOutbox',
  summary: 'Send a dead delivery again: back to pending, attempts reset, due now',
  tag: 'outbox',
  access: 'admin',
  params: OutboxParams,
  responses: {
    200: { description: 'the delivery, pending again', schema: OutboxItem },
    404: { description: 'no such delivery', schema: ErrorBody },
    409: { description: 'the delivery is not dead', schema: ErrorBody },
  },
  async handle({ params }, ctx, _req, res) {
    const outcome = await ctx.withDb((db) => retryDead(db, params.id, ctx.now()));
    if ('missing' in outcome) throw notFound('delivery', params.id);
    if ('status' in outcome) throw new ApiError(409, 'conflict', `delivery '${params.id}' is ${outcome.status}, not dead`);
    ctx.deps.logger.info({ delivery: params.id }, 'dead delivery queued again over the API');
    res.json(outcome.retried);
  },
});

export const OUTBOX_ROUTES = [listOutbox, retryOutbox];
