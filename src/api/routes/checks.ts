import { renderReport } from '../../render/check/index.js';
import { ApiError, assertRunning, available, notFound } from '../errors.js';
import { getReport, listReports } from '../../store/reports.js';
import { defineRoute } from '../route.js';
import { CheckGetQuery, CheckListQuery, CheckPage, CheckParams, ErrorBody, ModelParams, Report, RunCheckQuery } from '../schemas.js';
import { summarize } from '../check-summary.js';

/** Models with a check running from the API: a second request waits for no one, it gets 409. */
const running = new Set<string>();

export const runCheck = defineRoute({
  method: 'post',
  path: '/api/v1/models/{model}/checks',
  operationId: 'runCheck',
  summary: "Check the model's window now (alerts evaluated and queued as for a scheduled check), or any window you name",
  description:
    "Without a query: the model's own window, stored, with alerts (201). With `window`, `from`/`to` or `to`: that window, in the " +
    'serving process, returned but not stored and without alerts (200), so that an old window moves neither the alert state nor ' +
    'where the next since-last window starts.',
  tag: 'checks',
  access: 'admin',
  params: ModelParams,
  query: RunCheckQuery,
  responses: {
    200: { description: 'the report of the window asked for (not stored)', schema: Report },
    201: { description: 'the stored report', schema: Report },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the model is not running, or a check of it is already running', schema: ErrorBody },
    503: { description: 'this service runs no checks', schema: ErrorBody },
  },
  async handle({ params, query }, ctx, _req, res) {
    const m = ctx.model(params.model);
    const run = available(ctx.deps.runCheck, 'run checks');
    assertRunning(m);
    if (query.window !== undefined || query.from !== undefined || query.to !== undefined) {
      const checkWindow = available(ctx.deps.checkWindow, 'check windows on request');
      const to = query.to ?? ctx.now();
      const window = query.from !== undefined ? { kind: 'duration' as const, ms: to - query.from } : (query.window ?? m.config.window);
      res.json(await checkWindow(m.name, window, to));
      return;
    }
    if (running.has(m.name)) throw new ApiError(409, 'conflict', `a check of model '${m.name}' is already running`);
    running.add(m.name);
    try {
      const report = await run(m.name);
      res
        .status(201)
        .location(`/api/v1/checks/${encodeURIComponent(report.id)}`)
        .json(report);
    } finally {
      running.delete(m.name);
    }
  },
});

export const listChecks = defineRoute({
  method: 'get',
  path: '/api/v1/models/{model}/checks',
  operationId: 'listChecks',
  summary: "The model's checks, newest first, by page and time range",
  tag: 'checks',
  access: 'read',
  params: ModelParams,
  query: CheckListQuery,
  responses: {
    200: { description: 'a page of check summaries', schema: CheckPage },
    404: { description: 'no such model', schema: ErrorBody },
  },
  async handle({ params, query }, ctx, _req, res) {
    const m = ctx.model(params.model);
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
      throw new ApiError(400, 'bad_request', 'invalid query: from must be before to');
    }
    const page = await ctx.withDb((db) => listReports(db, m.name, query));
    res.json({ total: page.total, limit: query.limit, offset: query.offset, items: page.reports.map(summarize) });
  },
});

/** The Content-Security-Policy of a report page: it has no script and loads nothing. */
const REPORT_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const getCheck = defineRoute({
  method: 'get',
  path: '/api/v1/checks/{id}',
  operationId: 'getCheck',
  summary: 'One check report, as JSON or as an HTML page',
  description: 'HTML with ?format=html, or with an Accept header that prefers text/html; JSON otherwise.',
  tag: 'checks',
  access: 'read',
  params: CheckParams,
  query: CheckGetQuery,
  responses: {
    200: { description: 'the report', schema: Report, otherContent: { 'text/html': 'the report as a self-contained page' } },
    404: { description: 'no such check', schema: ErrorBody },
  },
  async handle({ params, query }, ctx, req, res) {
    const report = await ctx.withDb((db) => getReport(db, params.id));
    if (!report) throw notFound('check', params.id);
    const format = query.format ?? (req.accepts(['json', 'html']) === 'html' ? 'html' : 'json');
    res.vary('Accept');
    if (format === 'html') {
      res.setHeader('Content-Security-Policy', REPORT_PAGE_CSP);
      res.type('html').send(renderReport(report, 'html'));
    } else {
      res.json(report);
    }
  },
});

export const CHECK_ROUTES = [runCheck, listChecks, getCheck];
