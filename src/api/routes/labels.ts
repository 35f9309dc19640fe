import { windowBounds, windowText } from '../../checks/live.js';
import { liveLabels } from '../../checks/labels.js';
import { ApiError, assertRunning, available } from '../errors.js';
import { defineRoute } from '../route.js';
import { CoverageBody, CoverageQuery, ErrorBody, LabelResultBody, LabelsBody, ModelParams } from '../schemas.js';
import type { ApiModel } from '../types.js';
import { answerIdempotent } from './events.js';

/** A 409 for a model without `labels` in its config. */
function requireLabels(m: ApiModel): void {
  if (!m.config.labels)
    throw new ApiError(409, 'conflict', `model '${m.name}' takes no labels: add a labels section to its config (docs/ingest.md, Labels)`);
}

export const ingestLabels = defineRoute({
  method: 'post',
  path: '/api/v1/models/{model}/labels',
  operationId: 'ingestLabels',
  summary: "Store labels of the model's predictions (the true outcomes, known later), joined by event id at each check",
  description:
    'A JSON array of {id, label, timestamp?}: id is the event id of the prediction (event.id, or its Kafka key), label a class, true/false or a number, ' +
    'timestamp when the outcome was known (default: now); the latest label time of an id wins. A label whose id the sampler leaves out is not stored (sampledOut). ' +
    "A resend is safe: an Idempotency-Key header gets the first answer again within api.idempotencyWindow (Idempotent-Replayed: true), and a label equal to its id's current label is not stored again (duplicates). " +
    'Rate-limited per token like events.',
  tag: 'labels',
  access: 'ingest',
  rateLimited: true,
  params: ModelParams,
  body: { kind: 'json', schema: LabelsBody, description: 'the labels' },
  responses: {
    200: { description: 'what became of the labels', schema: LabelResultBody },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the model is not running, or takes no labels over HTTP', schema: ErrorBody },
    422: { description: 'the Idempotency-Key was used with other labels within api.idempotencyWindow (nothing stored)', schema: ErrorBody },
    503: { description: 'this service takes no HTTP ingest; or the store refused the write (nothing written)', schema: ErrorBody },
  },
  async handle({ params, body }, ctx, req, res) {
    const m = ctx.model(params.model);
    const ingest = available(ctx.deps.ingestLabels, 'take labels');
    assertRunning(m);
    requireLabels(m);
    if (!m.config.labels?.http) throw new ApiError(409, 'conflict', `model '${m.name}' takes no labels over HTTP (labels.http is false)`);
    await answerIdempotent(req, res, (key) => ingest(m.name, body, key));
  },
});

export const labelCoverage = defineRoute({
  method: 'get',
  path: '/api/v1/models/{model}/labels/coverage',
  operationId: 'labelCoverage',
  summary: "Label coverage of a window of the model's predictions, joined now",
  description:
    "Of the window's stored predictions (default: the model's window, ending now), how many have a label, joined by event id now: " +
    'a later look at an old window counts the labels that came since. Also the stored labels that match no stored prediction, ' +
    "and the labels the sampler dropped (null where the model's sampling cannot be decided on a label's id).",
  tag: 'labels',
  access: 'read',
  params: ModelParams,
  query: CoverageQuery,
  responses: {
    200: { description: 'the coverage', schema: CoverageBody },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the model takes no labels', schema: ErrorBody },
  },
  async handle({ params, query }, ctx, _req, res) {
    const m = ctx.model(params.model);
    requireLabels(m);
    const spec = query.window ?? m.config.window;
    const now = ctx.now();
    const body = await ctx.withDb(async (db) => {
      const bounds = await windowBounds(db, m.name, spec, now);
      const { report } = await liveLabels(db, m.config, bounds, { pairs: false });
      return {
        model: m.name,
        window: { spec: windowText(spec), start: new Date(bounds.start).toISOString(), end: new Date(bounds.end).toISOString() },
        ...report,
      };
    });
    res.json(body);
  },
});

export const LABEL_ROUTES = [ingestLabels, labelCoverage];
