import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { formatZodError } from '../config/zod-errors.js';
import { UserError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';

/** The body of every error response: a stable code for programs and a sentence for people. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** An error with its HTTP status; the message goes to the client, so it must hold no secret. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    /** A short code: not_found, bad_request, unauthorized... */
    readonly code: string,
    message: string,
    /** Extra response headers (Retry-After, Allow...). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400 naming each zod issue's path and expectation ("query.limit: expected number"). */
export function invalid(where: 'body' | 'query' | 'path', error: z.ZodError): ApiError {
  return new ApiError(400, 'bad_request', `invalid ${where}: ${formatZodError(error)}`);
}

/** A part of the service this process does not run (a bare API, a test harness): 503 saying what. */
export function available<T>(part: T | undefined, what: string): T {
  if (part === undefined) throw new ApiError(503, 'not_available', `this service does not ${what}`);
  return part;
}

/** 409 unless the model runs (it may have failed at start-up: the reason is said). */
export function assertRunning(model: { name: string; status: string; error?: string }): void {
  if (model.status !== 'running')
    throw new ApiError(409, 'conflict', `model '${model.name}' is not running: ${model.error ?? model.status}`);
}

/** 404 for a name that is not there, listing the known ones when they are few. */
export function notFound(what: string, name: string, known?: readonly string[]): ApiError {
  const list =
    known === undefined ? '' : `; known: ${known.length === 0 ? '(none)' : known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`;
  return new ApiError(404, 'not_found', `unknown ${what} '${name}'${list}`);
}

/** The last route: anything unmatched is a JSON 404, never express's HTML page. */
export function unknownRoute(req: Request, _res: Response, next: NextFunction): void {
  next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}; the API is described at /api/v1/openapi.json`));
}

/** DuckDB's errors when it cannot get memory (its `memory_limit`) or disk space: transient, not bugs. */
const STORE_BUSY = /Out of Memory Error|could not allocate block|failed to pin block|No space left on device/i;

/** body-parser's errors carry a `type` and a `status`. */
interface ParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** An error thrown anywhere as the status and body to send. Unknown errors are 500 with a generic message. */
export function toResponse(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string>; internal: boolean } {
  if (error instanceof ApiError)
    return { status: error.status, body: { error: error.code, message: error.message }, headers: error.headers, internal: false };
  if (error instanceof UserError)
    return { status: 400, body: { error: 'bad_request', message: error.message }, headers: {}, internal: false };
  const parser = (error ?? {}) as ParserError;
  switch (parser.type) {
    case 'entity.too.large':
      return {
        status: 413,
        body: { error: 'payload_too_large', message: `the request body is larger than the limit of ${parser.limit ?? '?'} bytes` },
        headers: {},
        internal: false,
      };
    case 'entity.too.deep':
      return { status: 400, body: { error: 'bad_request', message: messageOf(error) }, headers: {}, internal: false };
    case 'entity.parse.failed':
      // The parser's own message quotes the body; the client has it already, so a plain sentence.
      return { status: 400, body: { error: 'bad_request', message: 'the request body is not valid JSON' }, headers: {}, internal: false };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        status: 415,
        body: { error: 'unsupported_media_type', message: 'unsupported body encoding or charset' },
        headers: {},
        internal: false,
      };
    case 'request.aborted':
      return { status: 400, body: { error: 'bad_request', message: 'the request was aborted' }, headers: {}, internal: false };
  }
  if (parser.status === 400)
    return { status: 400, body: { error: 'bad_request', message: 'malformed request' }, headers: {}, internal: false };
  if (STORE_BUSY.test(messageOf(error))) {
    // The store ran out of memory or disk for this request: nothing was written (the transaction
    // rolled back), and the same request may well succeed once a check or the disk frees up.
    return {
      status: 503,
      body: { error: 'store_unavailable', message: 'the store is out of memory or disk space right now; nothing was written, try again' },
      headers: { 'retry-after': '5' },
      internal: true,
    };
  }
  return {
    status: 500,
    body: { error: 'internal', message: 'internal error; the server log has the details' },
    headers: {},
    internal: true,
  };
}

/** The error handler: JSON `{error, message}`, no stack trace ever; 5xx logged with the request. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      // Half a response cannot be turned into an error body: cut the connection so the client sees a failure.
      logger.error({ method: req.method, path: req.path, err: messageOf(error) }, 'request failed after the response started');
      res.destroy();
      return;
    }
    const { status, body, headers, internal } = toResponse(error);
    if (internal) logger.error({ method: req.method, path: req.path, err: messageOf(error) }, 'request failed');
    res.status(status).set(headers).json(body);
  };
}
