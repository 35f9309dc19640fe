import type { z } from 'zod';
import type { Row } from '../../store/database.js';
import { ApiError, notFound } from '../errors.js';
import { isoFromMs, TIMESTAMP_MS } from '../../store/sql.js';
import { defineRoute } from '../route.js';
import { ErrorBody, OutboxItem, OutboxList, OutboxListQuery, OutboxParams } from '../schemas.js';

const iso = isoFromMs;

/** The columns of an outbox entry without its payload (a whole rendered email is not a list item). */
const COLUMNS = `id, channel, model, kind, status, attempts, epoch_ms(next_attempt_at) AS next, last_error, epoch_ms(created_at) AS created, epoch_ms(delivered_at) AS delivered`;

function itemOf(r: Row): z.infer<typeof OutboxItem> {
  return {
    id: String(r.id),
    channel: String(r.channel),
    model: String(r.model),
    kind: String(r.kind) as z.infer<typeof OutboxItem>['kind'],
    status: String(r.status) as z.infer<typeof OutboxItem>['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: iso(r.next)!,
    lastError: r.last_error === null ? null : String(r.last_error),
    createdAt: iso(r.created)!,
    deliveredAt: iso(r.delivered),
  };
}

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
    const { total, rows } = await ctx.withDb(async (db) => ({
      total: Number((await db.row(`SELECT count(*)::BIGINT AS n FROM outbox WHERE status = ?`, [query.status])).n),
      rows: await db.rows(`SELECT ${COLUMNS} FROM outbox WHERE status = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, [
        query.status,
        query.limit,
        query.offset,
      ]),
    }));
    res.json({ total, items: rows.map(itemOf) });
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
    const now = ctx.now();
    const row = await ctx.withDb(async (db) => {
      // Only a dead entry changes, in one statement: the delivery loop never touches dead entries.
      const [updated] = await db.rows(
        `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ${TIMESTAMP_MS}, last_error = NULL
         WHERE id = ? AND status = 'dead' RETURNING ${COLUMNS}`,
        [Math.floor(now), params.id],
      );
      if (updated) return updated;
      const [current] = await db.rows(`SELECT status FROM outbox WHERE id = ?`, [params.id]);
      if (!current) throw notFound('delivery', params.id);
      throw new ApiError(409, 'conflict', `delivery '${params.id}' is ${String(current.status)}, not dead`);
    });
    ctx.deps.logger.info({ delivery: params.id }, 'dead delivery queued again over the API');
    res.json(itemOf(row));
  },
});

export const OUTBOX_ROUTES = [listOutbox, retryOutbox];
