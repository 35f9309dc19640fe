import { z } from 'zod';
import { openApiDocument, type OpenApiDocument } from '../openapi.js';
import { type ApiContext, defineRoute } from '../route.js';

/** The document of each app, built on first request (it depends on the app's routes and config, which do not change). */
const built = new WeakMap<ApiContext, OpenApiDocument>();

export const getOpenApi = defineRoute({
  method: 'get',
  path: '/api/v1/openapi.json',
  operationId: 'getOpenApi',
  summary: "This API's OpenAPI 3.1 document",
  tag: 'meta',
  access: 'read',
  responses: {
    200: {
      description: 'the OpenAPI document',
      schema: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }),
    },
  },
  handle(_input, ctx, _req, res) {
    let document = built.get(ctx);
    if (!document) {
      document = openApiDocument(ctx.routes, { metricsPublic: ctx.deps.config.api.metricsPublic });
      built.set(ctx, document);
    }
    res.json(document);
  },
});
