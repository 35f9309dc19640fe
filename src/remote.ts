import { readFileSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { DriftwatchConfig } from './config/schema.js';
import type { ReplayJob } from './contracts/replay.js';
import type { LiveReport } from './contracts/report.js';
import { messageOf, UserError } from './errors.js';
import type { ProgressFn } from './progress.js';

/**
 * The CLI through a running `serve`: `serve` holds the DuckDB file, so `check --config`,
 * `replay` and `quarantine` ask its API instead of stopping it. The API's address is the
 * config's (`api.host`, `api.port`), the token is DRIFTWATCH_API_TOKEN (an admin token), never a
 * flag or a file. With `api.tls` it speaks HTTPS: the server's certificate is verified against the
 * system's CAs, or the PEM file in DRIFTWATCH_API_CA (a private CA), and it must name the host the
 * CLI connects to; with `requestClientCert`, DRIFTWATCH_API_CLIENT_CERT and _KEY are its certificate.
 */

/** The environment variable of the token the CLI sends to a running `serve`. */
export const CLI_TOKEN_ENV = 'DRIFTWATCH_API_TOKEN';

/** The environment variables of the CLI's TLS to a `serve` with `api.tls`: PEM files. */
export const CLI_TLS_ENV = {
  ca: 'DRIFTWATCH_API_CA',
  cert: 'DRIFTWATCH_API_CLIENT_CERT',
  key: 'DRIFTWATCH_API_CLIENT_KEY',
} as const;

/** The TLS options of the CLI's requests, from its environment (files read here: a missing one names its variable). */
function clientTls(env: NodeJS.ProcessEnv): Pick<RequestOptions, 'ca' | 'cert' | 'key'> {
  const read = (name: keyof typeof CLI_TLS_ENV) => {
    const path = env[CLI_TLS_ENV[name]];
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new UserError(`${CLI_TLS_ENV[name]}: cannot read '${path}': ${messageOf(error)}`);
    }
  };
  const [ca, cert, key] = [read('ca'), read('cert'), read('key')];
  if ((cert === undefined) !== (key === undefined))
    throw new UserError(`set both ${CLI_TLS_ENV.cert} and ${CLI_TLS_ENV.key} (the client certificate and its key), or neither`);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** True for the store's "in use by another process" error (see store.ts). */
export function isStoreInUse(error: unknown): boolean {
  return error instanceof UserError && /is in use by another process/.test(error.message);
}

/** A client of the API of the `serve` that holds a config's store. */
export class RemoteService {
  private constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key'> | undefined,
  ) {}

  /** The serve of `config`, or a UserError that says what is missing (its port, the token). */
  static of(config: Pick<DriftwatchConfig, 'api'>, env: NodeJS.ProcessEnv = process.env): RemoteService {
    if (config.api.port === 0) throw new UserError('its api.port is 0 (any free port): set api.port so that the CLI finds its API');
    const token = env[CLI_TOKEN_ENV];
    if (!token) throw new UserError(`set ${CLI_TOKEN_ENV} to one of its admin tokens, and this command runs inside it through its API`);
    const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
    const scheme = config.api.tls ? 'https' : 'http';
    return new RemoteService(
      `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.api.port}`,
      token,
      config.api.tls ? clientTls(env) : undefined,
    );
  }

  /** A check of the model's own window inside serve, stored with alerts (as a scheduled one). */
  checkNow(model: string): Promise<LiveReport> {
    return this.call<LiveReport>('POST', `/api/v1/models/${encodeURIComponent(model)}/checks`);
  }

  /** A check of any window inside serve: returned, not stored, no alerts. */
  checkWindow(model: string, window: string): Promise<LiveReport> {
    return this.call<LiveReport>('POST', `/api/v1/models/${encodeURIComponent(model)}/checks?window=${encodeURIComponent(window)}`);
  }

  /** The model's quarantined messages, newest first. */
  quarantine(model: string, filter: { reason?: string; limit: number }): Promise<{ total: number; items: Record<string, unknown>[] }> {
    const q = new URLSearchParams({ limit: String(filter.limit), ...(filter.reason ? { reason: filter.reason } : {}) });
    return this.call('GET', `/api/v1/models/${encodeURIComponent(model)}/quarantine?${q}`);
  }

  /** Starts a replay inside serve and follows it to its end, reporting progress. */
  async replay(model: string, from: string, to: string | undefined, onProgress: ProgressFn, pollMs = 500): Promise<ReplayJob> {
    let job = await this.call<ReplayJob>('POST', `/api/v1/models/${encodeURIComponent(model)}/replays`, { from, ...(to ? { to } : {}) });
    while (job.status === 'planning' || job.status === 'running') {
      await new Promise((r) => setTimeout(r, pollMs));
      job = await this.call<ReplayJob>('GET', `/api/v1/replays/${encodeURIComponent(job.id)}`);
      onProgress(job.progress, `${job.read} of ${job.total}`);
    }
    if (job.status === 'failed') throw new UserError(`the replay in serve failed: ${job.error}`);
    return job;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: { status: number; text: string };
    try {
      response = await this.request(method, path, body === undefined ? undefined : JSON.stringify(body));
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A handshake that fails is not "no serve": say which side's certificate and what to set.
      const tlsHint =
        this.tls && code && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|IP_/.test(code)
          ? `; its certificate does not verify (${code}): set ${CLI_TLS_ENV.ca} to the PEM file of the CA that signed it, and use a certificate that names ${new URL(this.base).hostname}`
          : '';
      throw new UserError(`the store is in use, but no serve answers at ${this.base} (api.host, api.port): ${messageOf(error)}${tlsHint}`);
    }
    const { text } = response;
    if (response.status < 200 || response.status >= 300) {
      let message = text.slice(0, 300);
      let code: string | undefined;
      try {
        ({ message = message, error: code } = JSON.parse(text) as { message?: string; error?: string });
      } catch {}
      const hint =
        code === 'client_certificate_required' ? `; set ${CLI_TLS_ENV.cert} and ${CLI_TLS_ENV.key} to a client certificate it accepts` : '';
      throw new UserError(`serve at ${this.base} answered ${response.status} to ${method} ${path.split('?')[0]}: ${message}${hint}`);
    }
    return JSON.parse(text) as T;
  }

  /** One request with node:http(s), which takes a CA and a client certificate (fetch takes neither). */
  private request(method: string, path: string, body: string | undefined): Promise<{ status: number; text: string }> {
    const url = new URL(`${this.base}${path}`);
    const headers = { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    return new Promise((resolve, reject) => {
      const done = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      };
      const req = this.tls ? httpsRequest(url, { method, headers, ...this.tls }, done) : httpRequest(url, { method, headers }, done);
      req.on('error', reject);
      req.end(body);
    });
  }
}
