import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Database } from '../store/database.js';
import { requireScope, type Scope } from './auth.js';
import { ApiError, invalid, notFound } from './errors.js';
import { checkJsonDepth } from './json-depth.js';
import type { ApiModel, AppDeps } from './types.js';

/**
 * Who may call a route: anyone (`public`), a token of a scope, or `metrics` (anyone when
 * `api.metricsPublic`, else a read token).
 */
export type Access = 'public' | 'metrics' | Scope;

/** A documented response of a route (OpenAPI). */
export interface ResponseDoc {
  description: string;
  /** The JSON body; none for 204. */
  schema?: z.ZodType;
  /** Other media types the route answers with (text/html, text/plain), as `{type: description}`. */
  otherContent?: Record<string, string>;
}

/** A request body: JSON checked by a schema, or a raw upload the handler reads itself. */
export type BodySpec<B extends z.ZodType> =
  | { kind: 'json'; schema: B; description: string }
  | { kind: 'upload'; mediaTypes: readonly string[]; description: string };

/** What the app gives every handler. */
export interface ApiContext {
  deps: AppDeps;
  now(): number;
  /** Runs `fn` on a connection of its own (never two queries at once on one connection). */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  /** A configured model, or a 404 listing the configured ones. */
  model(name: string): ApiModel;
  /** The app's routes (for its OpenAPI document). */
  routes: readonly AnyRoute[];
}

/** The validated input of a request. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * One route: how it is called, who may call it, what it takes and answers (the OpenAPI document
 * is built from these), and its handler. Path, query and JSON body are parsed with their zod
 * schemas before the handler runs; a failure is a 400 that names the path of each problem.
 */
export interface RouteSpec<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
> {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `/api/v1/models/{model}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: BodySpec<B>;
  /** Counted against `api.ingestRateLimit` per token (429 beyond). */
  rateLimited?: boolean;
  /** The route's own responses; 400/401/403/413/415/429/500 are added from the spec. */
  responses: Record<number, ResponseDoc>;
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>, ctx: ApiContext, req: Request, res: Response): Promise<void> | void;
}

// The registry holds routes of different input types; each was checked by `defineRoute`.
// biome-ignore lint/suspicious/noExplicitAny: a registry of routes with different input types; each one was checked by defineRoute.
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with its input types inferred from its schemas. */
export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

/** `/models/{model}` -> `/models/:model` (express's form). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The scope a route needs, or null when it is open (with this config). */
export function neededScope(access: Access, metricsPublic: boolean): Scope | null {
  if (access === 'public') return null;
  if (access === 'metrics') return metricsPublic ? null : 'read';
  return access;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** 415 for a body that is not JSON, 400 for a missing one: checked before the parser reads anything. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const type = req.is(JSON_TYPES);
  const empty = type === null || (req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined);
  if (empty) throw new ApiError(400, 'bad_request', 'a JSON body is required (Content-Type: application/json)');
  if (type === false)
    throw new ApiError(
      415,
      'unsupported_media_type',
      `expected Content-Type: application/json, got '${String(req.headers['content-type'] ?? '').slice(0, 100)}'`,
    );
  next();
}

/** Options of {@link registerRoutes}. */
export interface RegisterOptions {
  metricsPublic: boolean;
  bodyLimit: number;
  /** The rate limiter of `rateLimited` routes (runs after authentication, so it counts per token). */
  rateLimiter: RequestHandler;
}

/** Adds the routes to the app: authentication, rate limit, body parser, validation, then the handler. */
export function registerRoutes(app: Express, routes: readonly AnyRoute[], ctx: ApiContext, options: RegisterOptions): void {
  // The nesting is checked on the raw bytes before JSON.parse runs (see json-depth.ts).
  const jsonParser = express.json({
    limit: options.bodyLimit,
    type: JSON_TYPES,
    strict: false,
    verify: (_req, _res, buf) => checkJsonDepth(buf),
  });
  for (const route of routes) {
    const chain: RequestHandler[] = [];
    const scope = neededScope(route.access, options.metricsPublic);
    if (scope) chain.push(requireScope(ctx.deps.tokens, scope));
    if (route.rateLimited) chain.push(options.rateLimiter);
    if (route.body?.kind === 'json') chain.push(requireJsonBody, jsonParser);
    chain.push(async (req, res) => {
      const params = parse(route.params, req.params, 'path');
      const query = parse(route.query, req.query, 'query');
      const body = route.body?.kind === 'json' ? parse(route.body.schema, req.body, 'body') : undefined;
      await route.handle({ params, query, body }, ctx, req, res);
    });
    app[route.method](expressPath(route.path), ...chain);
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    // A path that names nothing known is "not found", not "bad request" (GET /models/..%2F).
    if (where === 'path')
      throw new ApiError(404, 'not_found', `not found: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    throw invalid(where, result.error);
  }
  return result.data;
}

/** Builds the context handlers get. */
export function createContext(deps: AppDeps, routes: readonly AnyRoute[]): ApiContext {
  return {
    deps,
    routes,
    now: deps.now ?? Date.now,
    async withDb(fn) {
      const db = await deps.store.connect();
      try {
        return await fn(db);
      } finally {
        db.close();
      }
    },
    model(name) {
      const models = deps.models();
      const found = models.find((m) => m.name === name);
      if (!found)
        throw notFound(
          'model',
          name,
          models.map((m) => m.name),
        );
      return found;
    },
  };
}
