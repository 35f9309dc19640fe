import { z } from 'zod';
import { Duration } from './duration.js';

/** Defaults of the `api` section, in one place (sizes as written in the file; the schema parses them). */
export const API_DEFAULTS = {
  port: 8080,
  // Loopback by default: exposing the API is a decision (a reverse proxy, or host 0.0.0.0).
  host: '127.0.0.1',
  metricsPublic: false,
  bodyLimit: '1mb',
  uploadLimit: '100mb',
  // A training table has tens to hundreds of features; 100,000 columns held the upload queue for minutes at 2.9 GB.
  uploadMaxColumns: 2000,
  uploadTimeout: '2m',
  uploadMemoryLimit: '1gb',
  ingestRateLimit: 100,
  /** How long an Idempotency-Key (and an event id) of HTTP ingest is remembered, as Stripe's 24 h. */
  idempotencyWindow: '24h',
  idempotencyMaxKeys: 100_000,
} as const;

/** The environment variable the API's tokens come from (never the config file: it is often committed). */
export const TOKENS_ENV = 'DRIFTWATCH_API_TOKENS';

/** The window `ingestRateLimit` counts requests in. */
export const INGEST_RATE_WINDOW_MS = 10_000;

const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;

/**
 * Parses "512kb", "1mb", "2gb", "100b" (or a bare number of bytes) into bytes, 1024-based as
 * body-parser counts; undefined when malformed.
 * @example parseByteSize('1mb') // => 1048576
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2]?.toLowerCase() ?? 'b') as keyof typeof BYTE_UNITS;
  return Math.floor(Number(match[1]) * BYTE_UNITS[unit]);
}

/** A size in config: "1mb", "512kb"... parsed to bytes. */
export const ByteSize = z
  .string()
  .transform((text, ctx) => {
    const bytes = parseByteSize(text);
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a size like 512kb, 1mb, 100mb; got '${text}'` });
      return z.NEVER;
    }
    return bytes;
  })
  .meta({ type: 'size' });

/** The environment variable of the passphrase of an encrypted `api.tls.key` (never the config file). */
export const TLS_KEY_PASSPHRASE_ENV = 'DRIFTWATCH_API_TLS_KEY_PASSPHRASE';

/**
 * HTTPS on the API itself, for a deployment without a proxy in front; with `ca` and
 * `requestClientCert`, mutual TLS. The files are read and checked once at start-up (src/api/tls.ts).
 */
export const ApiTlsConfig = z
  .object({
    cert: z.string().min(1).describe('PEM file of the server certificate (intermediate certificates may follow it in the file)'),
    key: z
      .string()
      .min(1)
      .describe(`PEM file of its private key; an encrypted one is opened with the passphrase in ${TLS_KEY_PASSPHRASE_ENV}`),
    ca: z.string().min(1).optional().describe('PEM file of the CA certificates that sign client certificates (with requestClientCert)'),
    requestClientCert: z
      .boolean()
      .default(false)
      .describe('require a client certificate signed by ca (mutual TLS) on every route but /healthz and /readyz'),
  })
  .strict()
  // Either both or neither: a ca alone would be read and never used, a requirement without a CA verifies nothing.
  .superRefine((tls, ctx) => {
    if (tls.requestClientCert && tls.ca === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['ca'],
        message: 'requestClientCert needs ca: the PEM file of the CA that signs the client certificates',
      });
    if (!tls.requestClientCert && tls.ca !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['requestClientCert'],
        message: 'ca is the CA of client certificates: set requestClientCert: true to require them, or remove ca',
      });
  })
  .describe('serve HTTPS with these files instead of HTTP (omit for HTTP, e.g. behind a TLS-terminating proxy)');

export type ApiTlsConfig = z.infer<typeof ApiTlsConfig>;

/** The HTTP API, dashboard and /metrics of `driftwatch serve`. Tokens come from DRIFTWATCH_API_TOKENS, never from this file. */
export const ApiConfig = z
  .object({
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(API_DEFAULTS.port)
      .describe('TCP port of the API, dashboard and /metrics (0: any free port)'),
    host: z
      .string()
      .min(1)
      .default(API_DEFAULTS.host)
      .describe('interface to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)'),
    metricsPublic: z
      .boolean()
      .default(API_DEFAULTS.metricsPublic)
      .describe('serve /metrics without a token (for a Prometheus that scrapes without credentials)'),
    bodyLimit: ByteSize.prefault(API_DEFAULTS.bodyLimit).describe('largest JSON request body (HTTP ingest, silences); larger ones get 413'),
    uploadLimit: ByteSize.prefault(API_DEFAULTS.uploadLimit).describe(
      'largest training-data upload of POST /api/v1/models/{model}/baselines; larger ones get 413',
    ),
    uploadMaxColumns: z
      .number()
      .int()
      .positive()
      .default(API_DEFAULTS.uploadMaxColumns)
      .describe('most columns a training-data upload may have; more get 413 before the file is parsed'),
    uploadTimeout: Duration.prefault(API_DEFAULTS.uploadTimeout).describe(
      'longest a training-data upload may take to profile (after it is received); then the profile is cancelled and the upload gets 503',
    ),
    uploadMemoryLimit: ByteSize.prefault(API_DEFAULTS.uploadMemoryLimit).describe(
      "DuckDB memory of an upload's profile (its own database); past it DuckDB spills to disk or fails the profile with 400",
    ),
    ingestRateLimit: z
      .number()
      .int()
      .positive()
      .default(API_DEFAULTS.ingestRateLimit)
      .describe('HTTP ingest requests per 10 s per token; more get 429'),
    idempotencyWindow: Duration.prefault(API_DEFAULTS.idempotencyWindow).describe(
      'HTTP ingest: a request with the same Idempotency-Key within this gets the first answer again and stores nothing',
    ),
    idempotencyMaxKeys: z
      .number()
      .int()
      .positive()
      .default(API_DEFAULTS.idempotencyMaxKeys)
      .describe('Idempotency-Key values kept per model; the oldest beyond it are dropped at each retention pass (storage.retentionEvery)'),
    tls: ApiTlsConfig.optional(),
  })
  .strict()
  .describe('the HTTP API, dashboard and Prometheus metrics (bearer tokens from DRIFTWATCH_API_TOKENS="read:TOKEN,admin:TOKEN,...")');

export type ApiConfig = z.infer<typeof ApiConfig>;
