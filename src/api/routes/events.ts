import { assertRunning, available } from '../errors.js';
import { defineRoute } from '../route.js';
import { ErrorBody, EventsBody, IngestResultBody, ModelParams } from '../schemas.js';

export const ingestEvents = defineRoute({
  method: 'post',
  path: '/api/v1/models/{model}/events',
  operationId: 'ingestEvents',
  summary: 'Store prediction events of the model (HTTP ingest, for teams without Kafka)',
  description:
    "A JSON array of events, read with the model's event mapping and sampled, decoded, quarantined and stored exactly as Kafka messages are. " +
    'Rate-limited per token (api.ingestRateLimit requests per 10 s).',
  tag: 'ingest',
  access: 'ingest',
  rateLimited: true,
  params: ModelParams,
  body: { kind: 'json', schema: EventsBody, description: 'the events' },
  responses: {
    200: { description: 'what became of the events', schema: IngestResultBody },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the model is not running', schema: ErrorBody },
    503: {
      description: 'this service takes no HTTP ingest; or the store is out of memory or disk right now (nothing written, see Retry-After)',
      schema: ErrorBody,
    },
  },
  async handle({ params, body }, ctx, _req, res) {
    const m = ctx.model(params.model);
    const ingest = available(ctx.deps.ingest, 'take HTTP ingest');
    assertRunning(m);
    res.json(await ingest(m.name, body));
  },
});

export const EVENT_ROUTES = [ingestEvents];
