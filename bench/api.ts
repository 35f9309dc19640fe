// The API load and soak benchmark: a real `driftwatch serve` (node dist/cli.js) with one model,
// driven over real HTTP by a few concurrent clients for a set time: batches of events posted to
// HTTP ingest, and reads of the models, one model, its checks and /metrics. The service also runs
// its own scheduled check every minute and retention, as in production. Reports requests/s and
// p50/p99 latency per route, errors, and the service's RSS sampled every few seconds (range and
// slope after the warm-up), so a 10-minute run shows whether memory settles or keeps growing.
import { optionText } from './args.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { createProfile } from '../src/baseline/create.js';
import { writeProfile } from '../src/baseline/profile.js';
import { ModelConfig } from '../src/config/schema.js';
import { benchEvent, benchFeaturesCsv } from './ingest-events.js';
import { machineBusySeconds, readCpuSeconds, readRss, type RssSample, rssSeries, summariseRss } from './proc.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');
const MODEL = 'bench';

/** Defaults of `npm run bench -- api`. */
const DEFAULTS = { duration: 60, clients: 4, batch: 100, sampleEvery: 5, warmup: 180 } as const;
/**
 * Bounds the run is held to: no errors, a p99 every route meets, and RSS that stops growing after
 * the warm-up (1 MB/min would be 1.4 GB a day).
 */
const TARGETS = { p99Ms: 250, rssSlopeMbPerMinute: 1 } as const;

const TOKENS = { read: 'bench-read-token-0123456789abcdef', ingest: 'bench-ingest-token-0123456789abcdef' } as const;

interface Options {
  duration: number;
  clients: number;
  batch: number;
  sampleEvery: number;
  /** Give the model a Kafka source (an empty topic) rather than HTTP ingest only. */
  kafka: boolean;
  broker: string;
  cli: string;
  /** The service's `storage.memoryLimit` (DuckDB's buffer pool), e.g. "64MB"; the config default otherwise. */
  memoryLimit: string | undefined;
}

function parseArgs(args: string[]): Options {
  const value = (name: string) => optionText(args, name);
  const number = (name: string, fallback: number, min: number) => {
    const raw = value(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got '${raw}'`);
    return n;
  };
  return {
    duration: number('--duration', DEFAULTS.duration, 5),
    clients: Math.round(number('--clients', DEFAULTS.clients, 1)),
    batch: Math.round(number('--batch', DEFAULTS.batch, 1)),
    sampleEvery: number('--sample-every', DEFAULTS.sampleEvery, 1),
    kafka: args.includes('--kafka'),
    broker: value('--broker') ?? process.env.KAFKA_BROKERS ?? `localhost:${process.env.KAFKA_PORT ?? '9092'}`,
    cli: resolve(value('--cli') ?? join(ROOT, 'dist', 'cli.js')),
    memoryLimit: value('--memory-limit'),
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const log = (line: string) => console.log(line);

// ---- the service ------------------------------------------------------------------------------

/** A running `driftwatch serve`, with the tail of its log. */
interface Service {
  child: ChildProcess;
  url: string;
  tail: string[];
  /** The service's error and warning log lines, by message, with their counts. */
  problems: Map<string, number>;
  exited: Promise<number | null>;
  /** The scheduled checks the service logged: when they ended (Date.now()) and their window's rows. */
  checks: { at: number; rows: number }[];
}

async function startService(cli: string, config: string): Promise<Service> {
  const child = spawn(process.execPath, [cli, 'serve', '--config', config], {
    cwd: ROOT,
    env: { ...process.env, DRIFTWATCH_LOG_LEVEL: 'info', DRIFTWATCH_API_TOKENS: `read:${TOKENS.read},ingest:${TOKENS.ingest}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tail: string[] = [];
  const problems = new Map<string, number>();
  const checks: Service['checks'] = [];
  let url: string | undefined;
  let serving = false;
  let buffer = '';
  child.stderr!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (/"msg":"API listening"/.test(line)) url = String(JSON.parse(line).url);
      if (/"msg":"serving"/.test(line)) serving = true;
      if (/"msg":"check done"/.test(line)) {
        checks.push({ at: Date.now(), rows: Number((JSON.parse(line) as { rows?: number }).rows) });
      }
      tail.push(line);
      if (tail.length > 40) tail.shift();
      // Errors and warnings, counted by message, so a failed request can be traced to its cause.
      const entry = /"level":(4|5)\d/.test(line) ? (JSON.parse(line) as { msg?: string; err?: unknown }) : undefined;
      if (entry) {
        const key = `${entry.msg ?? '?'}: ${typeof entry.err === 'string' ? entry.err : JSON.stringify(entry.err ?? '')}`.slice(0, 300);
        problems.set(key, (problems.get(key) ?? 0) + 1);
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  const deadline = Date.now() + 60_000;
  while (!(url && serving)) {
    if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode}) before serving:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not start within 60 s:\n${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url: url!, tail, exited, checks, problems };
}

/** SIGTERM, then SIGKILL after 30 s; returns the exit code. */
async function stopService(service: Service): Promise<number | null> {
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 30_000);
  const code = await service.exited;
  clearTimeout(timer);
  return code;
}

// ---- the load ---------------------------------------------------------------------------------

/** One kind of request the clients send. */
interface RouteLoad {
  name: string;
  /** How many of every 8 requests are of this route. */
  weight: number;
  request(i: number): { path: string; init: RequestInit };
}

/** Latencies and outcomes of one route. */
interface RouteStats {
  ms: number[];
  errors: Map<string, number>;
  /** Date.now() when each successful request had its answer (for the events-per-minute cross-check). */
  okAt: number[];
}

function routes(options: Options): RouteLoad[] {
  // Bodies made once: the clients share the machine with the service, so they should cost little.
  const bodies = Array.from(
    { length: 50 },
    (_, b) => `[${Array.from({ length: options.batch }, (_, i) => benchEvent(b * options.batch + i).value).join(',')}]`,
  );
  const read = { authorization: `Bearer ${TOKENS.read}` };
  return [
    {
      name: `POST events (${options.batch})`,
      weight: 4,
      request: (i) => ({
        path: `/api/v1/models/${MODEL}/events`,
        init: {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' },
          body: bodies[i % bodies.length],
        },
      }),
    },
    { name: 'GET models', weight: 1, request: () => ({ path: '/api/v1/models', init: { headers: read } }) },
    { name: 'GET model', weight: 1, request: () => ({ path: `/api/v1/models/${MODEL}`, init: { headers: read } }) },
    { name: 'GET checks', weight: 1, request: () => ({ path: `/api/v1/models/${MODEL}/checks?limit=20`, init: { headers: read } }) },
    { name: 'GET metrics', weight: 1, request: () => ({ path: '/metrics', init: { headers: read } }) },
  ];
}

/**
 * Closed-loop clients (each sends its next request when the previous one has answered, body
 * read), cycling through the routes by weight, until `until`. Undici's keep-alive pool reuses
 * connections, as a real client would.
 */
async function drive(url: string, load: RouteLoad[], clients: number, until: number, stats: Map<string, RouteStats>): Promise<void> {
  const cycle = load.flatMap((r) => Array.from({ length: r.weight }, () => r));
  const client = async (c: number) => {
    for (let i = c; performance.now() < until; i++) {
      const route = cycle[i % cycle.length]!;
      const { path, init } = route.request(i);
      const s = stats.get(route.name)!;
      const started = performance.now();
      let outcome: string | undefined;
      try {
        const response = await fetch(`${url}${path}`, init);
        await response.arrayBuffer();
        if (!response.ok) outcome = String(response.status);
      } catch (error) {
        outcome = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      }
      s.ms.push(performance.now() - started);
      if (outcome) s.errors.set(outcome, (s.errors.get(outcome) ?? 0) + 1);
      else s.okAt.push(Date.now());
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
}

/** The q-quantile of sorted values (the smallest value with at least q of them at or below it). */
function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** The model's eventsPerMinute as the service shows it, and when it was asked. */
async function shownRate(url: string): Promise<{ at: number; eventsPerMinute: number } | undefined> {
  try {
    const response = await fetch(`${url}/api/v1/models/${MODEL}`, { headers: { authorization: `Bearer ${TOKENS.read}` } });
    const body = (await response.json()) as { eventsPerMinute?: number };
    return typeof body.eventsPerMinute === 'number' ? { at: Date.now(), eventsPerMinute: body.eventsPerMinute } : undefined;
  } catch {
    return undefined;
  }
}

// ---- the run ----------------------------------------------------------------------------------

/** `npm run bench -- api [--duration S] [--clients N] [--batch N] [--sample-every S] [--kafka] [--broker host:port] [--cli dist/cli.js]` */
export async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  if (!existsSync(options.cli)) throw new Error(`${options.cli} is missing: run \`npm run build\` first`);
  const dir = join(OUT, `api-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  let topic: string | undefined;
  try {
    const baselineCsv = join(dir, 'baseline.csv');
    writeFileSync(baselineCsv, benchFeaturesCsv(20_000));
    const profile = join(dir, 'profile.json');
    writeProfile(profile, await createProfile(baselineCsv, { model: MODEL, version: 'v1' }));

    // HTTP ingest only when the config allows a model without a source; else (or with --kafka) an empty topic.
    const model: Record<string, unknown> = {
      name: MODEL,
      baseline: profile,
      // No timestamp path: rows get the receipt time, so the 2-minute window and the retention see them.
      event: { prediction: 'prediction' },
      window: '2m',
      minRows: 100,
      schedule: { cron: '* * * * *' },
    };
    const kafka = options.kafka || !ModelConfig.safeParse(model).success;
    if (kafka) {
      topic = `bench-api-${Date.now().toString(36)}`;
      const admin = new Kafka({ clientId: 'driftwatch-bench', brokers: [options.broker], logLevel: logLevel.ERROR }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      await admin.disconnect();
      model.source = { topics: [topic], startFrom: 'latest' };
    }
    const config = join(dir, 'driftwatch.yaml');
    writeFileSync(
      config,
      stringify({
        ...(kafka ? { kafka: { brokers: [options.broker], clientId: 'driftwatch-bench' } } : {}),
        // Short retention, run often: after about 3 minutes the store holds a steady amount of rows (as a
        // deployment keeps its days), so RSS growth after that is the service's, not the data's.
        storage: {
          path: join(dir, 'store.duckdb'),
          retention: '3m',
          retentionEvery: '30s',
          ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
        },
        // The ingest limit is per token and 100 per 10 s by default; the bench posts far more.
        api: { host: '127.0.0.1', port: 0, ingestRateLimit: 1_000_000 },
        models: [model],
      }),
    );

    log(
      `service ${options.cli}; model '${MODEL}' (20 features) fed by ${kafka ? `HTTP ingest, plus Kafka topic ${topic} (empty)` : 'HTTP ingest only'}`,
    );
    log(
      `${options.clients} clients for ${options.duration} s; each cycle of 8 requests: 4 POST events (${options.batch} events each), GET models, model, checks, metrics; a scheduled check every minute; RSS every ${options.sampleEvery} s`,
    );
    const service = await startService(options.cli, config);
    const pid = service.child.pid!;
    const load = routes(options);
    const stats = new Map(load.map((r) => [r.name, { ms: [], errors: new Map(), okAt: [] } as RouteStats]));
    const rss: RssSample[] = [];
    const started = performance.now();
    const busyBefore = machineBusySeconds();
    const cpuBefore = readCpuSeconds(pid);
    const ownBefore = process.cpuUsage();
    const sample = () => {
      const m = readRss(pid);
      if (m) rss.push({ seconds: (performance.now() - started) / 1000, mb: m.rss });
    };
    sample();
    // A progress line about every 30 s, with the rate since the previous line.
    const every = Math.max(1, Math.round(30 / options.sampleEvery));
    let ticks = 0;
    let lastCount = 0;
    const sampler = setInterval(() => {
      sample();
      if (++ticks % every !== 0) return;
      const done = [...stats.values()].reduce((n, s) => n + s.ms.length, 0);
      const elapsed = (performance.now() - started) / 1000;
      log(
        `  ${elapsed.toFixed(0).padStart(4)} s  ${fmt(done).padStart(9)} requests  ${fmt((done - lastCount) / (every * options.sampleEvery)).padStart(6)} req/s lately  RSS ${rss[rss.length - 1]?.mb.toFixed(0) ?? '?'} MB`,
      );
      lastCount = done;
    }, options.sampleEvery * 1000);
    let code: number | null;
    let seconds: number;
    let serviceCpu: number;
    let hwm: number;
    let shown: { at: number; eventsPerMinute: number } | undefined;
    try {
      await drive(service.url, load, options.clients, started + options.duration * 1000, stats);
      seconds = (performance.now() - started) / 1000;
      sample();
      shown = await shownRate(service.url);
      serviceCpu = readCpuSeconds(pid) - cpuBefore;
      hwm = readRss(pid)?.hwm ?? NaN;
    } finally {
      clearInterval(sampler);
      code = await stopService(service);
    }
    const own = process.cpuUsage(ownBefore);
    const clientCpu = (own.user + own.system) / 1e6;
    const otherCpus = (machineBusySeconds() - busyBefore - serviceCpu - clientCpu) / seconds;

    // ---- the report
    const header = ['route', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'];
    const rows: string[][] = [];
    let total = 0;
    let errors = 0;
    const all: number[] = [];
    let p99Ok = true;
    for (const [name, s] of stats) {
      const sorted = Float64Array.from(s.ms).sort();
      const errorCount = [...s.errors.values()].reduce((a, b) => a + b, 0);
      total += s.ms.length;
      errors += errorCount;
      all.push(...s.ms);
      const p99 = quantile(sorted, 0.99);
      if (!(p99 <= TARGETS.p99Ms)) p99Ok = false;
      rows.push([
        name,
        fmt(s.ms.length),
        (s.ms.length / seconds).toFixed(1),
        quantile(sorted, 0.5).toFixed(1),
        p99.toFixed(1),
        (sorted[sorted.length - 1] ?? NaN).toFixed(0),
        errorCount === 0 ? '0' : `${errorCount} (${[...s.errors].map(([k, v]) => `${k}: ${v}`).join(', ')})`,
      ]);
    }
    const allSorted = Float64Array.from(all).sort();
    rows.push([
      'all',
      fmt(total),
      (total / seconds).toFixed(1),
      quantile(allSorted, 0.5).toFixed(1),
      quantile(allSorted, 0.99).toFixed(1),
      (allSorted[allSorted.length - 1] ?? NaN).toFixed(0),
      String(errors),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd();
    const posted = stats.get(load[0]!.name)!;
    const eventsPerSecond = ((posted.ms.length - [...posted.errors.values()].reduce((a, b) => a + b, 0)) * options.batch) / seconds;
    const warmup = Math.min(DEFAULTS.warmup, seconds / 4);
    const r = summariseRss(rss, warmup);
    const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

    log(
      `\n${options.clients} clients, ${seconds.toFixed(0)} s, ${fmt(total)} requests (${(total / seconds).toFixed(0)}/s), ${fmt(eventsPerSecond)} events/s ingested over HTTP:`,
    );
    log(line(header));
    for (const row of rows) log(line(row));
    log(
      `\nservice RSS (VmRSS every ${options.sampleEvery} s, ${r.samples} samples): ${r.first.toFixed(0)} MB at start, ${r.min.toFixed(0)}-${r.max.toFixed(0)} MB over the run, ${r.last.toFixed(0)} MB at the end; peak (VmHWM) ${hwm.toFixed(0)} MB`,
    );
    log(
      `  after the first ${warmup.toFixed(0)} s: ${r.steadyMin.toFixed(0)}-${r.steadyMax.toFixed(0)} MB, slope ${r.slopeMbPerMinute >= 0 ? '+' : ''}${r.slopeMbPerMinute.toFixed(2)} MB/min (least squares); through each minute's lowest reading ${r.floorSlopeMbPerMinute >= 0 ? '+' : ''}${r.floorSlopeMbPerMinute.toFixed(2)} MB/min (${r.floors.map((f) => f.mb.toFixed(0)).join(' ')})`,
    );
    log(`  MB: ${rssSeries(rss)}`);
    const rowsOf = service.checks.map((c) => c.rows);
    if (rowsOf.length > 0)
      log(
        `scheduled checks: ${rowsOf.length}, windows of ${fmt(Math.min(...rowsOf))}-${fmt(Math.max(...rowsOf))} rows (2 minutes of ingest)`,
      );
    log(
      `CPU: service ${serviceCpu.toFixed(0)} s (${(serviceCpu / seconds).toFixed(2)} CPUs), this load generator ${clientCpu.toFixed(0)} s (${(clientCpu / seconds).toFixed(2)} CPUs), the rest of the machine ${otherCpus.toFixed(2)} CPUs`,
    );
    log(
      `targets: no errors ${mark(errors === 0)}; p99 <= ${TARGETS.p99Ms} ms on every route ${mark(p99Ok)}; RSS slope after warm-up < ${TARGETS.rssSlopeMbPerMinute} MB/min ${mark(r.slopeMbPerMinute < TARGETS.rssSlopeMbPerMinute)}`,
    );
    if (shown) {
      // The same window as the service's: from the start of the minute 4 minutes back to the answer.
      const start = Math.floor(shown.at / 60_000) * 60_000 - 4 * 60_000;
      const posts = posted.okAt.filter((t) => t >= start && t <= shown!.at).length;
      log(
        `events/min: the service's GET /api/v1/models says ${fmt(shown.eventsPerMinute)}; the bench's own count over the same window is ${fmt((posts * options.batch) / ((shown.at - start) / 60_000))}`,
      );
    }
    if (seconds < 2 * DEFAULTS.warmup)
      log(
        `note: the store fills for its first 3 minutes (retention 3m), so the RSS slope of a run under ${2 * DEFAULTS.warmup} s says little; soak with --duration 600`,
      );
    for (const [problem, n] of service.problems) log(`service logged ${n} x ${problem}`);
    log(`service exit code after SIGTERM: ${code}${code === 0 ? '' : `\n${service.tail.slice(-10).join('\n')}`}`);
    if (otherCpus > 0.5)
      log(
        `\nWARNING: other work used ${otherCpus.toFixed(1)} of this machine's ${cpus().length} CPUs during the run: the figures are low by an unknown amount.`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (topic) {
      const admin = new Kafka({ clientId: 'driftwatch-bench', brokers: [options.broker], logLevel: logLevel.ERROR }).admin();
      await admin
        .connect()
        .then(() => admin.deleteTopics({ topics: [topic!] }))
        .catch(() => {})
        .finally(() => admin.disconnect());
    }
  }
}
