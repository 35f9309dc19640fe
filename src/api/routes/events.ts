import type { Request, Response } from 'express';
import { IdempotencyKeyReused } from '../../ingest/http-source.js';
import { ApiError, assertRunning, available } from '../errors.js';
import { defineRoute } from '../route.js';
import { ErrorBody, EventsBody, IngestResultBody, ModelParams } from '../schemas.js';

export const ingestEvents = defineRoute({
  method: 'post',
  path: '/api/v1/models/{model}/events',
  operationId: 'ingestEvents',
  summary: 'Store prediction events of the model (HTTP ingest, for teams without Kafka)',
  description:
    "A JSON array of events, read with the model's event mapping and sampled, decoded, quarantined and stored exactly as Kafka messages are. " +
    'Rate-limited per token (api.ingestRateLimit requests per 10 s). ' +
    'An Idempotency-Key header (1-255 printable ASCII characters) makes a resend safe: within api.idempotencyWindow the same key gets the first answer again (header Idempotent-Replayed: true) and stores nothing; ' +
    'the same key with other events is a 422. With event.id configured, an id already stored (storage.retention keeps rows) is not stored again (counted in duplicates).',
  tag: 'ingest',
  access: 'ingest',
  rateLimited: true,
  params: ModelParams,
  body: { kind: 'json', schema: EventsBody, description: 'the events' },
  responses: {
    200: { description: 'what became of the events', schema: IngestResultBody },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the model is not running', schema: ErrorBody },
    422: { description: 'the Idempotency-Key was used with other events within api.idempotencyWindow (nothing stored)', schema: ErrorBody },
    503: {
      description: 'this service takes no HTTP ingest; or the store is out of memory or disk right now (nothing written, see Retry-After)',
      schema: ErrorBody,
    },
  },
  async handle({ params, body }, ctx, req, res) {
    const m = ctx.model(params.model);
    const ingest = available(ctx.deps.ingest, 'take HTTP ingest');
    assertRunning(m);
    await answerIdempotent(req, res, (key) => ingest(m.name, body, key));
  },
});

/**
 * Answers a write that takes the request's Idempotency-Key (events and labels): the result, with
 * `Idempotent-Replayed: true` when it is the stored answer of an earlier request, and the key
 * reused with another body as a 422.
 */
export async function answerIdempotent(
  req: Request,
  res: Response,
  write: (key: string | undefined) => Promise<{ replayed?: true }>,
): Promise<void> {
  const key = idempotencyKey(req);
  try {
    const { replayed, ...result } = await write(key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.json(result);
  } catch (error) {
    if (error instanceof IdempotencyKeyReused) throw new ApiError(422, 'idempotency_key_reused', error.message);
    throw error;
  }
}

/** The request's Idempotency-Key header, checked (as Stripe's: at most 255 characters). */
function idempotencyKey(req: Request): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key))
    throw new ApiError(400, 'bad_request', 'Idempotency-Key: expected 1 to 255 printable ASCII characters without spaces (a UUID, say)');
  return key;
}

export const EVENT_ROUTES = [ingestEvents];
