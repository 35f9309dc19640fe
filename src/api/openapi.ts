import { z } from 'zod';
import { type AnyRoute, neededScope, type ResponseDoc } from './route.js';
import { ErrorBody } from './schemas.js';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1). */
type JsonSchema = Record<string, unknown>;

/** The OpenAPI 3.1 document, as plain JSON. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: Record<string, unknown>;
  responses: Record<string, Record<string, unknown>>;
  security: Record<string, string[]>[];
  'x-scope': string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

const TAGS = [
  { name: 'health', description: 'liveness, readiness and Prometheus metrics' },
  { name: 'models', description: 'the configured models and their status' },
  { name: 'baselines', description: 'training baselines: list, read, create from a data file' },
  { name: 'checks', description: 'drift checks: run now, list, read as JSON or HTML' },
  { name: 'alerts', description: 'alerts firing and past, silences' },
  { name: 'outbox', description: 'notification deliveries: pending, dead, retry' },
  { name: 'ingest', description: 'prediction events over HTTP' },
  { name: 'labels', description: 'labels that arrive later: over HTTP, and their coverage of a window' },
  { name: 'meta', description: 'this document' },
];

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** A zod schema as JSON Schema, without the `$schema` key (OpenAPI sets the dialect). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Parameter[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error(`${where} schema must be an object`);
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, prop]) => {
    const { description, ...rest } = jsonSchema(prop, 'input');
    return {
      name,
      in: where,
      required: where === 'path' || !prop.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function errorResponse(description: string): Record<string, unknown> {
  return { description, content: { 'application/json': { schema: ERROR_REF } } };
}

function response(doc: ResponseDoc): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (doc.schema) content['application/json'] = { schema: doc.schema === ErrorBody ? ERROR_REF : jsonSchema(doc.schema, 'output') };
  for (const [type, description] of Object.entries(doc.otherContent ?? {})) content[type] = { schema: { type: 'string', description } };
  return Object.keys(content).length > 0 ? { description: doc.description, content } : { description: doc.description };
}

function requestBody(route: AnyRoute): Record<string, unknown> | undefined {
  const body = route.body;
  if (!body) return undefined;
  if (body.kind === 'json') {
    return { required: true, description: body.description, content: { 'application/json': { schema: jsonSchema(body.schema, 'input') } } };
  }
  const content: Record<string, unknown> = {};
  for (const type of body.mediaTypes) {
    content[type] =
      type === 'multipart/form-data'
        ? {
            schema: {
              type: 'object',
              properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'the data file' } },
              required: ['file'],
            },
          }
        : { schema: { type: 'string', contentMediaType: type } };
  }
  return { required: true, description: body.description, content };
}

/** The responses every route of its kind can give, beside its own. */
function standardResponses(route: AnyRoute, scope: string | null): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (route.query || route.body) out['400'] = errorResponse("invalid query or body; the message names each problem's path");
  if (scope) {
    out['401'] = errorResponse('no bearer token, or an unknown one');
    out['403'] = errorResponse(`the token's scope does not allow this (needs ${scope}${scope === 'admin' ? '' : ' or admin'})`);
  }
  if (route.params) out['404'] ??= errorResponse('not found');
  if (route.body?.kind === 'json') {
    out['413'] = errorResponse('the body is larger than api.bodyLimit');
    out['415'] = errorResponse('the body is not application/json');
  }
  if (route.rateLimited) out['429'] = errorResponse('more than api.ingestRateLimit requests in 10 s with this token; see Retry-After');
  out['500'] = errorResponse('internal error (details in the server log only)');
  return out;
}

/**
 * The OpenAPI 3.1 document of the routes: paths, parameters and bodies from their zod schemas,
 * responses, and the bearer scheme with each operation's scope (`x-scope`).
 */
export function openApiDocument(routes: readonly AnyRoute[], options: { metricsPublic: boolean }): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const scope = neededScope(route.access, options.metricsPublic);
    const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
    const body = requestBody(route);
    const own = Object.fromEntries(Object.entries(route.responses).map(([status, doc]) => [status, response(doc)]));
    const operation: Operation = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: { ...standardResponses(route, scope), ...own },
      security: scope ? [{ bearerAuth: [] }] : [],
      'x-scope': scope ?? 'none',
    };
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'driftwatch',
      version: '1.0.0',
      description:
        'Data-drift monitoring: models, baselines, checks, alerts, outbox, HTTP ingest. ' +
        'Every route but /healthz and /readyz (and /metrics when api.metricsPublic) needs `Authorization: Bearer <token>`; ' +
        'tokens and their scopes (read, ingest, admin; admin may do everything) come from DRIFTWATCH_API_TOKENS. Errors are JSON {error, message}.',
    },
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'a token of DRIFTWATCH_API_TOKENS ("scope:token,..."); scopes read, ingest, admin',
        },
      },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
  };
}
