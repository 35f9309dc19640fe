import { listQuarantine } from '../../store/quarantine.js';
import { ApiError, assertRunning, available, notFound } from '../errors.js';
import { defineRoute } from '../route.js';
import { ErrorBody, ModelParams, QuarantinePage, QuarantineQuery, ReplayBody, ReplayJob, ReplayParams } from '../schemas.js';

/*
 * Inspecting a model without stopping the service that holds its store: the quarantined
 * messages, and replays of its topics run inside the serving process (ad-hoc checks of any window
 * are `POST /api/v1/models/{model}/checks` with a window).
 */

export const listQuarantined = defineRoute({
  method: 'get',
  path: '/api/v1/models/{model}/quarantine',
  operationId: 'listQuarantine',
  summary: 'Messages the ingest set aside (unreadable, or stored with a bad value), with the reason and the payload',
  description: 'Payloads are the raw events, so this needs an admin token. The exact counts of every reason are in the metrics.',
  tag: 'models',
  access: 'admin',
  params: ModelParams,
  query: QuarantineQuery,
  responses: {
    200: { description: 'a page of quarantined messages, newest first', schema: QuarantinePage },
    404: { description: 'no such model', schema: ErrorBody },
  },
  async handle({ params, query }, ctx, _req, res) {
    const m = ctx.model(params.model);
    res.json(await ctx.withDb((db) => listQuarantine(db, m.name, query)));
  },
});

export const startReplay = defineRoute({
  method: 'post',
  path: '/api/v1/models/{model}/replays',
  operationId: 'startReplay',
  summary: "Re-read a range of the model's topics into the store (a backfill), inside the serving process",
  description:
    'Starts at once and answers 202 with the job; follow it at /api/v1/replays/{id}. Each chunk replaces the rows of its offset ' +
    "range, so replaying twice stores each event once; the ranges stop at the live consumer's stored offsets.",
  tag: 'models',
  access: 'admin',
  params: ModelParams,
  body: { kind: 'json', schema: ReplayBody, description: 'the range: from (and to)' },
  responses: {
    202: { description: 'the replay, started', schema: ReplayJob },
    400: { description: 'a bound that is neither an offset, a time nor a duration; or a model without a topic', schema: ErrorBody },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the model is not running, or a replay of it is running', schema: ErrorBody },
    503: { description: 'this service runs no replays', schema: ErrorBody },
  },
  async handle({ params, body }, ctx, _req, res) {
    const m = ctx.model(params.model);
    const start = available(ctx.deps.startReplay, 'run replays');
    assertRunning(m);
    const outcome = start(m.name, body.from, body.to);
    if ('busy' in outcome)
      throw new ApiError(409, 'conflict', `a replay of model '${m.name}' is running: /api/v1/replays/${outcome.busy.id}`);
    ctx.deps.logger.info({ model: m.name, replay: outcome.started.id, from: body.from, to: body.to }, 'replay asked for over the API');
    res
      .status(202)
      .location(`/api/v1/replays/${encodeURIComponent(outcome.started.id)}`)
      .json(outcome.started);
  },
});

export const getReplay = defineRoute({
  method: 'get',
  path: '/api/v1/replays/{id}',
  operationId: 'getReplay',
  summary: 'A replay started through the API: its ranges, progress and outcome',
  tag: 'models',
  access: 'read',
  params: ReplayParams,
  responses: {
    200: { description: 'the replay', schema: ReplayJob },
    404: { description: 'no such replay (or it ended long ago)', schema: ErrorBody },
  },
  async handle({ params }, ctx, _req, res) {
    const job = ctx.deps.replayJob?.(params.id);
    if (!job) throw notFound('replay', params.id);
    res.json(job);
  },
});

export const INSPECT_ROUTES = [listQuarantined, startReplay, getReplay];
