import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { pino } from 'pino';
import { createProfile } from '../../src/baseline/create.js';
import type { BaselineProfile } from '../../src/contracts/profile.js';
import { writeProfile } from '../../src/baseline/profile.js';
import type { LiveReport } from '../../src/contracts/report.js';
import { AlertsConfig, ModelConfig } from '../../src/config/schema.js';
import type { Logger } from '../../src/log.js';
import { checkModel } from '../../src/alerts/pipeline.js';
import type { Database } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { createApp, listen, type RunningServer } from '../../src/api/app.js';
import { TokenSet } from '../../src/api/auth.js';
import { ApiConfig } from '../../src/config/api.js';
import { HttpIngest } from '../../src/ingest/http-source.js';
import { Metrics } from '../../src/api/metrics.js';
import type { ApiModel, AppDeps } from '../../src/api/types.js';

/**
 * A real app over real parts for tests (and the bench): an in-memory store, a baseline profiled
 * from the synthetic fixture, HTTP ingest through the real decoder and writer, checks through
 * `checkModel`, listening on 127.0.0.1 with a free port. Nothing is faked but the Kafka
 * consumers' lag and connection state.
 */

/** The repository's test fixtures. */
export const FIXTURES = resolve(fileURLToPath(new URL('../fixtures', import.meta.url)));

/** Tokens of the harness, one per scope (long enough for TokenSet's minimum). */
export const TEST_TOKENS = {
  read: 'read-token-0123456789abcdef',
  ingest: 'ingest-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;

/** The fixture CSV's rows as events `{features: {...}}` (the fixtures hold no quoted fields). */
export function fixtureEvents(file: string, limit = Infinity): Record<string, unknown>[] {
  const [header, ...lines] = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n');
  const names = header!.split(',');
  return lines.slice(0, limit).map((line) => {
    const cells = line.split(',');
    return {
      features: Object.fromEntries(
        names.map((n, i) => {
          const cell = cells[i] ?? '';
          return [n, cell === '' ? null : Number.isNaN(Number(cell)) ? cell : Number(cell)];
        }),
      ),
    };
  });
}

let profileOnce: Promise<BaselineProfile> | undefined;

/** The synthetic baseline's profile (amount, age, score numeric; channel categorical), built once per process. */
export function fixtureProfile(): Promise<BaselineProfile> {
  profileOnce ??= createProfile(join(FIXTURES, 'synthetic_baseline.csv'), { model: 'fraud', version: 'v1' });
  return profileOnce;
}

export interface Harness {
  url: string;
  app: Express;
  store: Store;
  dir: string;
  /** The running model's config ('fraud'); a second model 'broken' failed to start. */
  model: ModelConfig;
  profile: BaselineProfile;
  metrics: Metrics;
  /** Every log line the app wrote (level trace and up). */
  logs: string[];
  /** Lag the fake consumers report: model -> "topic/partition" -> lag. */
  lag: Map<string, Map<string, number>>;
  /** `fetch` on the app with a token of the scope (or none). */
  request(path: string, options?: RequestInit & { token?: keyof typeof TEST_TOKENS | string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the harness; `api` overrides the defaults of the api section. */
export async function startHarness(
  options: { api?: Record<string, unknown>; alerts?: Record<string, unknown>; deps?: Partial<AppDeps> } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-api-'));
  const profile = await fixtureProfile();
  const baseline = join(dir, 'baselines', 'fraud', 'v1.json');
  writeProfile(baseline, profile);
  const model = ModelConfig.parse({ name: 'fraud', baseline, source: { topics: ['fraud-events'] }, minRows: 100 });
  const broken = ModelConfig.parse({
    name: 'broken',
    baseline: join(dir, 'baselines', 'broken', 'v1.json'),
    source: { topics: ['broken-events'] },
  });
  const alerts = AlertsConfig.parse(options.alerts ?? {});
  const api = ApiConfig.parse({ port: 0, ...options.api });

  const store = await Store.open(':memory:');
  const logs: string[] = [];
  const logger: Logger = pino(
    { level: 'trace', base: { service: 'driftwatch' } },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(
          ...chunk
            .toString('utf8')
            .split('\n')
            .filter((l) => l !== ''),
        );
        done();
      },
    }),
  );
  const ingest = await HttpIngest.open(store, model, profile, 100);
  const checks: Database = await store.connect();
  const lag = new Map([
    [
      'fraud',
      new Map([
        ['fraud-events/0', 42],
        ['fraud-events/1', 0],
      ]),
    ],
  ]);
  const models = (): ApiModel[] => [
    { name: 'fraud', config: model, profile, status: 'running', consumer: { connected: true } },
    { name: 'broken', config: broken, profile: null, status: 'failed', error: `cannot read baseline profile '${broken.baseline}'` },
  ];
  const metrics = new Metrics({ store, models: () => models().map((m) => m.name), lag: () => lag });
  let checking = Promise.resolve();
  const runCheck = (name: string): Promise<LiveReport> => {
    const run = checking.then(async () => {
      if (name !== 'fraud') throw new Error(`no checks for ${name}`);
      // As serve runs a check asked for over the API: recorded as manual (trigger 'api').
      const { report } = await checkModel(checks, model, profile, alerts, { notify: true, trigger: 'api' });
      metrics.recordCheck(report);
      return report;
    });
    checking = run.then(
      () => {},
      () => {},
    );
    return run;
  };
  const app = createApp({
    store,
    config: { api },
    models,
    logger,
    tokens: TokenSet.parse(
      Object.entries(TEST_TOKENS)
        .map(([scope, token]) => `${scope}:${token}`)
        .join(','),
    ),
    ready: () => ({ ok: true, reasons: [] }),
    metrics,
    runCheck,
    ingest: (name, events, key) => {
      if (name !== 'fraud') throw new Error(`no ingest for ${name}`);
      return ingest.ingest(events, key === undefined ? {} : { key });
    },
    ...options.deps,
  });
  let server: RunningServer;
  try {
    server = await listen(app, { host: '127.0.0.1', port: 0 });
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    url: server.url,
    app,
    store,
    dir,
    model,
    profile,
    metrics,
    logs,
    lag,
    request(path, init = {}) {
      const { token = 'read', headers, ...rest } = init;
      const secret = token === null ? undefined : ((TEST_TOKENS as Record<string, string>)[token] ?? token);
      return fetch(`${server.url}${path}`, {
        ...rest,
        headers: { ...(secret ? { authorization: `Bearer ${secret}` } : {}), ...(headers as Record<string, string> | undefined) },
      });
    },
    async close() {
      await server.close(1000);
      await checking.catch(() => {});
      await ingest.close();
      checks.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
