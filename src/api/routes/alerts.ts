import type { z } from 'zod';
import { silenceAlert, UnknownAlertError, unsilenceAlert } from '../../alerts/silences.js';
import { type AlertRecord, listAlerts as listStoredAlerts } from '../../store/alerts.js';
import { notFound } from '../errors.js';
import { defineRoute } from '../route.js';
import { type AlertItem, AlertList, AlertListQuery, AlertParams, ErrorBody, SilenceBody, SilenceState } from '../schemas.js';

/** An alert as the API answers it: its silence shown only while in force. */
function alertOf(r: AlertRecord, now: number): z.infer<typeof AlertItem> {
  const { silencedUntil, ...rest } = r;
  return { ...rest, silencedUntil: silencedUntil !== null && silencedUntil > now ? new Date(silencedUntil).toISOString() : null };
}

/** 404 for a fingerprint never seen (a silence of a mistyped one would mute nothing). */
async function orNotFound<T>(fingerprint: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UnknownAlertError) throw notFound('alert', fingerprint);
    throw error;
  }
}

export const listAlerts = defineRoute({
  method: 'get',
  path: '/api/v1/alerts',
  operationId: 'listAlerts',
  summary: 'Alerts, firing and past, with their silences',
  tag: 'alerts',
  access: 'read',
  query: AlertListQuery,
  responses: { 200: { description: 'a page of alerts', schema: AlertList } },
  async handle({ query }, ctx, _req, res) {
    const { total, items } = await ctx.withDb((db) => listStoredAlerts(db, query));
    const now = ctx.now();
    res.json({ total, items: items.map((r) => alertOf(r, now)) });
  },
});

export const silenceAlertRoute = defineRoute({
  method: 'post',
  path: '/api/v1/alerts/{fingerprint}/silence',
  operationId: 'silenceAlert',
  summary: "Hold the alert's notifications for a duration",
  description:
    'The alert keeps firing and resolving as checks find; only its notifications are held. A new silence replaces the previous one.',
  tag: 'alerts',
  access: 'admin',
  params: AlertParams,
  body: { kind: 'json', schema: SilenceBody, description: 'how long, e.g. {"duration": "2h"}' },
  responses: {
    200: { description: 'the alert is silenced until then', schema: SilenceState },
    404: { description: 'no such alert', schema: ErrorBody },
  },
  async handle({ params, body }, ctx, _req, res) {
    const until = await orNotFound(params.fingerprint, () =>
      ctx.withDb((db) => silenceAlert(db, params.fingerprint, body.duration, ctx.now())),
    );
    ctx.deps.logger.info({ fingerprint: params.fingerprint, until: new Date(until).toISOString() }, 'alert silenced over the API');
    res.json({ fingerprint: params.fingerprint, silencedUntil: new Date(until).toISOString() });
  },
});

export const unsilenceAlertRoute = defineRoute({
  method: 'delete',
  path: '/api/v1/alerts/{fingerprint}/silence',
  operationId: 'unsilenceAlert',
  summary: "End the alert's silence (idempotent)",
  tag: 'alerts',
  access: 'admin',
  params: AlertParams,
  responses: {
    204: { description: 'the alert is not silenced (any more)' },
    404: { description: 'no such alert', schema: ErrorBody },
  },
  async handle({ params }, ctx, _req, res) {
    const removed = await orNotFound(params.fingerprint, () => ctx.withDb((db) => unsilenceAlert(db, params.fingerprint)));
    if (removed) ctx.deps.logger.info({ fingerprint: params.fingerprint }, 'alert silence removed over the API');
    res.status(204).end();
  },
});

export const ALERT_ROUTES = [listAlerts, silenceAlertRoute, unsilenceAlertRoute];
