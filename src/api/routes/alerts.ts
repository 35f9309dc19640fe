import type { z } from 'zod';
import type { Database, Row } from '../../store/database.js';
import { notFound } from '../errors.js';
import { isoFromMs } from '../../store/sql.js';
import { defineRoute } from '../route.js';
import { type AlertItem, AlertList, AlertListQuery, AlertParams, ErrorBody, SilenceBody, SilenceState } from '../schemas.js';
import { silence, unsilence } from '../silences.js';

const iso = isoFromMs;

function alertOf(r: Row, now: number): z.infer<typeof AlertItem> {
  const until = r.silenced_until === null || r.silenced_until === undefined ? null : Number(r.silenced_until);
  return {
    fingerprint: String(r.fingerprint),
    model: String(r.model),
    feature: String(r.feature),
    kind: String(r.kind) as z.infer<typeof AlertItem>['kind'],
    severity: String(r.severity) as z.infer<typeof AlertItem>['severity'],
    status: r.ends === null ? 'firing' : 'resolved',
    summary: String(r.summary),
    stats: r.stats ? (JSON.parse(String(r.stats)) as Record<string, unknown>) : null,
    startsAt: iso(r.starts)!,
    endsAt: iso(r.ends),
    lastReport: r.last_report === null ? null : String(r.last_report),
    silencedUntil: until !== null && until > now ? iso(until) : null,
  };
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
    await ctx.tables;
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (query.status === 'firing') where.push('a.ends_at IS NULL');
    if (query.status === 'resolved') where.push('a.ends_at IS NOT NULL');
    if (query.model !== undefined) {
      where.push('a.model = ?');
      values.push(query.model);
    }
    const condition = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const { total, rows } = await ctx.withDb(async (db) => ({
      total: Number((await db.row(`SELECT count(*)::BIGINT AS n FROM alert_state a ${condition}`, values)).n),
      rows: await db.rows(
        `SELECT a.fingerprint, a.model, a.feature, a.kind, a.severity, a.summary, a.stats, epoch_ms(a.starts_at) AS starts,
                epoch_ms(a.ends_at) AS ends, a.last_report, epoch_ms(s."until") AS silenced_until
         FROM alert_state a LEFT JOIN silences s ON s.fingerprint = a.fingerprint
         ${condition}
         ORDER BY a.ends_at IS NULL DESC, a.starts_at DESC, a.fingerprint LIMIT ? OFFSET ?`,
        [...values, query.limit, query.offset],
      ),
    }));
    const now = ctx.now();
    res.json({ total, items: rows.map((r) => alertOf(r, now)) });
  },
});

/** 404 unless the alert was ever seen (a silence of a mistyped fingerprint would mute nothing). */
async function requireAlert(db: Database, fingerprint: string): Promise<void> {
  const [row] = await db.rows(`SELECT 1 AS one FROM alert_state WHERE fingerprint = ?`, [fingerprint]);
  if (!row) throw notFound('alert', fingerprint);
}

export const silenceAlert = defineRoute({
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
    await ctx.tables;
    const until = ctx.now() + body.duration;
    await ctx.withDb(async (db) => {
      await requireAlert(db, params.fingerprint);
      await silence(db, params.fingerprint, until);
    });
    ctx.deps.logger.info({ fingerprint: params.fingerprint, until: new Date(until).toISOString() }, 'alert silenced over the API');
    res.json({ fingerprint: params.fingerprint, silencedUntil: new Date(until).toISOString() });
  },
});

export const unsilenceAlert = defineRoute({
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
    await ctx.tables;
    const removed = await ctx.withDb(async (db) => {
      await requireAlert(db, params.fingerprint);
      return unsilence(db, params.fingerprint);
    });
    if (removed) ctx.deps.logger.info({ fingerprint: params.fingerprint }, 'alert silence removed over the API');
    res.status(204).end();
  },
});

export const ALERT_ROUTES = [listAlerts, silenceAlert, unsilenceAlert];
