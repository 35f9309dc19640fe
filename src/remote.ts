import type { DriftwatchConfig } from './config/schema.js';
import type { ReplayJob } from './contracts/replay.js';
import type { LiveReport } from './contracts/report.js';
import { messageOf, UserError } from './errors.js';
import type { ProgressFn } from './progress.js';

/**
 * The CLI through a running `serve`: `serve` holds the DuckDB file, so `check --config`,
 * `replay` and `quarantine` ask its API instead of stopping it. The API's address is the
 * config's (`api.host`, `api.port`), the token is DRIFTWATCH_API_TOKEN (an admin token), never a
 * flag or a file.
 */

/** The environment variable of the token the CLI sends to a running `serve`. */
export const CLI_TOKEN_ENV = 'DRIFTWATCH_API_TOKEN';

/** True for the store's "in use by another process" error (see store.ts). */
export function isStoreInUse(error: unknown): boolean {
  return error instanceof UserError && /is in use by another process/.test(error.message);
}

/** A client of the API of the `serve` that holds a config's store. */
export class RemoteService {
  private constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** The serve of `config`, or a UserError that says what is missing (its port, the token). */
  static of(config: Pick<DriftwatchConfig, 'api'>, env: NodeJS.ProcessEnv = process.env): RemoteService {
    if (config.api.port === 0) throw new UserError('its api.port is 0 (any free port): set api.port so that the CLI finds its API');
    const token = env[CLI_TOKEN_ENV];
    if (!token) throw new UserError(`set ${CLI_TOKEN_ENV} to one of its admin tokens, and this command runs inside it through its API`);
    const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
    return new RemoteService(`http://${host.includes(':') ? `[${host}]` : host}:${config.api.port}`, token);
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
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new UserError(`the store is in use, but no serve answers at ${this.base} (api.host, api.port): ${messageOf(error)}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      throw new UserError(`serve at ${this.base} answered ${response.status} to ${method} ${path.split('?')[0]}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
}
