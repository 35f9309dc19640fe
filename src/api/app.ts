import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from '../log.js';
import { principalOf } from './auth.js';
import { INGEST_RATE_WINDOW_MS } from '../config/api.js';
import { ApiError, errorHandler, unknownRoute } from './errors.js';
import { createContext, registerRoutes } from './route.js';
import { API_ROUTES } from './routes/index.js';
import type { AppDeps } from './types.js';
import { type ApiTlsOptions, requireClientCertificate } from './tls.js';

export type { ApiModel, AppDeps, ReadyState } from './types.js';
export type { IngestResult } from '../contracts/event.js';

/**
 * The HTTP app of `driftwatch serve`: the REST API under /api/v1, /healthz, /readyz and /metrics,
 * secured by default (bearer tokens with scopes, helmet's headers, a body limit, a rate limit on
 * ingest, JSON errors without stack traces). It knows the service only through `deps`.
 * @example const app = createApp({ store, config, models, logger, tokens: TokenSet.fromEnv(), ready, metrics });
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(accessLog(deps.logger));
  const { api } = deps.config;
  // Before every route and the dashboard: only the health checks answer a client without a certificate.
  if (api.tls?.requestClientCert)
    app.use(requireClientCertificate(new Set(API_ROUTES.filter((r) => r.access === 'public').map((r) => r.path))));

  const ctx = createContext(deps, API_ROUTES);
  registerRoutes(app, API_ROUTES, ctx, {
    metricsPublic: api.metricsPublic,
    bodyLimit: api.bodyLimit,
    rateLimiter: rateLimit({
      windowMs: INGEST_RATE_WINDOW_MS,
      limit: api.ingestRateLimit,
      // Per token: the limiter runs after authentication, so there is always a principal.
      keyGenerator: (_req: Request, res: Response) => principalOf(res)?.id ?? 'anonymous',
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (req: Request, _res: Response, next: NextFunction) => {
        const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
        const seconds = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + INGEST_RATE_WINDOW_MS) - Date.now()) / 1000));
        next(
          new ApiError(
            429,
            'too_many_requests',
            `more than ${api.ingestRateLimit} ingest requests in ${INGEST_RATE_WINDOW_MS / 1000} s with this token; retry in ${seconds} s`,
            { 'Retry-After': String(seconds) },
          ),
        );
      },
    }),
  });
  deps.extend?.(app);
  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}

/**
 * One line per request at debug level: method, path (no query string), status, time and the
 * token's id. Headers are never logged (the Authorization header is a secret).
 */
function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          principal: principalOf(res)?.id ?? null,
        },
        'http request',
      );
    });
    next();
  };
}

/** A listening app: its URL and how to stop it. */
export interface RunningServer {
  server: Server;
  /** http(s)://host:port, with the port actually bound (port 0 picks a free one). */
  url: string;
  /** Stops taking connections, lets requests in progress end (at most `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Listens on `host:port`, HTTPS with `tls` (read by readApiTls); rejects when the port cannot be
 * bound (in use, no permission).
 */
export function listen(app: Express, options: { host: string; port: number; tls?: ApiTlsOptions | undefined }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: Server = options.tls ? createHttpsServer(options.tls, app) : app.listen(options.port, options.host);
    if (options.tls) server.listen(options.port, options.host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        server,
        url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
        close: (graceMs = 5000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
