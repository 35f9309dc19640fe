// The ingest benchmark: one topic of N prediction events (20 features each) read three ways in
// one run: (a) a kafkajs consumer that does nothing (bench/noop-consumer.ts: the client's own
// ceiling), (b) the real service (`node dist/cli.js serve`) keeping every event, (c) the service
// keeping 10%. Each is timed from its spawn until its consumer group has committed the end of
// every partition, with the process's RSS read from /proc every second. With `--duration S` it is
// a soak instead: events produced at `--rate` per second for S seconds while the service keeps up,
// RSS read every few seconds, its slope after the warm-up held to a bound (see SOAK).
import { optionText } from './args.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { stringify } from 'yaml';
import { createProfile } from '../src/baseline/create.js';
import { writeProfile } from '../src/baseline/profile.js';
import { keepSample } from '../src/ingest/sampler.js';
import { samplesTable } from '../src/store/schema.js';
import { Database } from '../src/store/database.js';
import { benchEvent, benchFeaturesCsv } from './ingest-events.js';
import { machineBusySeconds, readCpuSeconds, readRss, type RssSample, rssSeries, summariseRss } from './proc.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');
const MODEL = 'bench';

/** Defaults of `npm run bench -- ingest`, and the targets the runs are held to. */
const DEFAULTS = { events: 5_000_000, partitions: 3, sendMessages: 3000, sendsInFlight: 4 } as const;
/** Above this many CPUs busy outside the measured process (broker included), a run is flagged as disturbed. */
const OTHER_CPUS_WARNING = 0.9;
const TARGETS = { tenthVsNoop: 0.8, fullEventsPerSecond: 50_000, rssMb: 400, rssGrowth: 0.1 } as const;
/**
 * The soak (`--duration`): its default rate, RSS sampling, and warm-up before the slope is fitted
 * (the store holds 3 minutes of rows by then). Its bound: RSS grows by less than 1 MB a minute
 * after the warm-up (1.4 GB a day would be a leak), and the service keeps up with the producer.
 */
const SOAK = { rate: 10_000, sampleEvery: 5, warmupSeconds: 180, slopeMbPerMinute: 1, catchUpSeconds: 120 } as const;

/**
 * The low-rate run (`--rate N` without `--duration`): N events/s, one event per send (a producer
 * that does not linger), for `seconds`, after the service has sat idle for `idleSeconds`. The
 * target: the service uses less than 5% of a core at 100 events/s.
 */
const LOW_RATE = { seconds: 60, idleSeconds: 15, coreShare: 0.05, catchUpSeconds: 30 } as const;

interface Options {
  events: number;
  broker: string;
  /** Which runs: any of noop, 1.0, 0.1 (all by default). */
  only: Set<string>;
  /** Run the service under `node --cpu-prof`, profiles into bench/out/profiles. */
  cpuProf: boolean;
  /** The driftwatch CLI the service runs from (another build, to compare before and after). */
  cli: string;
  /** Extra node flags for the service process (e.g. "--max-semi-space-size=8"). */
  nodeOptions: string[];
  /** The service's `storage.memoryLimit` (DuckDB's buffer pool), e.g. "96MB"; the config default otherwise. */
  memoryLimit: string | undefined;
  /** The service's `storage.checkpointThreshold`, e.g. "16MB" (DuckDB's own default); the config default otherwise. */
  checkpointThreshold: string | undefined;
  /** A soak instead of the three timed runs: seconds of events produced at `rate` while the service consumes them. */
  duration: number | undefined;
  /** Events per second the soak produces. */
  rate: number;
  /** Seconds between RSS samples in the soak. */
  sampleEvery: number;
  /** `--rate` without `--duration`: the low-rate CPU run (one event per send) instead of the timed runs. */
  lowRate: boolean;
  /** Seconds the low-rate run produces for. */
  lowRateSeconds: number;
  /** The model's `source.fetch` settings for the service (e.g. minBytes=1,maxWait=100ms), to compare them; its defaults otherwise. */
  fetch: Record<string, string | number> | undefined;
}

function parseArgs(args: string[]): Options {
  const value = (name: string) => optionText(args, name);
  const events = Number(value('--events') ?? DEFAULTS.events);
  if (!Number.isInteger(events) || events < 1000) throw new Error(`--events must be a whole number >= 1000, got '${value('--events')}'`);
  const broker = value('--broker') ?? process.env.KAFKA_BROKERS ?? `localhost:${process.env.KAFKA_PORT ?? '9092'}`;
  const runs = ['noop', '1.0', '0.1'];
  const only = new Set((value('--only') ?? runs.join(',')).split(','));
  for (const r of only) if (!runs.includes(r)) throw new Error(`unknown run '${r}' in --only; known: ${runs.join(', ')}`);
  const duration = value('--duration') === undefined ? undefined : Number(value('--duration'));
  if (duration !== undefined && !(duration >= 10))
    throw new Error(`--duration must be a number of seconds >= 10, got '${value('--duration')}'`);
  const rate = Number(value('--rate') ?? SOAK.rate);
  if (!Number.isInteger(rate) || rate < 10) throw new Error(`--rate must be a whole number of events/s >= 10, got '${value('--rate')}'`);
  const lowRateSeconds = Number(value('--seconds') ?? LOW_RATE.seconds);
  if (!(lowRateSeconds >= 10)) throw new Error(`--seconds must be a number of seconds >= 10, got '${value('--seconds')}'`);
  const fetch = value('--fetch')
    ? Object.fromEntries(
        value('--fetch')!
          .split(',')
          .map((kv) => {
            const [k, v = ''] = kv.split('=');
            return [k!, /^\d+$/.test(v) ? Number(v) : v];
          }),
      )
    : undefined;
  const sampleEvery = Number(value('--sample-every') ?? SOAK.sampleEvery);
  if (!(sampleEvery >= 1)) throw new Error(`--sample-every must be a number of seconds >= 1, got '${value('--sample-every')}'`);
  return {
    events,
    broker,
    only,
    cpuProf: args.includes('--cpu-prof'),
    cli: resolve(value('--cli') ?? join(ROOT, 'dist', 'cli.js')),
    nodeOptions: (value('--node-options') ?? '').split(' ').filter(Boolean),
    duration,
    rate,
    sampleEvery,
    lowRate: duration === undefined && value('--rate') !== undefined,
    lowRateSeconds,
    fetch,
    memoryLimit: value('--memory-limit'),
    checkpointThreshold: value('--checkpoint-threshold'),
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const log = (line: string) => console.log(line);

/** The service's storage settings given on the command line (the config's defaults otherwise). */
function storageOptions(options: Options): { memoryLimit?: string; checkpointThreshold?: string } {
  return {
    ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
    ...(options.checkpointThreshold ? { checkpointThreshold: options.checkpointThreshold } : {}),
  };
}

// ---- the topic ------------------------------------------------------------------------------

/** Messages in a topic (sum over partitions of high - low), or undefined when it does not exist. */
async function topicSize(admin: Admin, topic: string): Promise<number | undefined> {
  if (!(await admin.listTopics()).includes(topic)) return undefined;
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

/**
 * Makes `topic` hold events 0..n-1, unless it already does (a topic is kept between runs: making
 * 5M events takes longer than reading them). Returns the produce rate, or undefined when cached.
 */
async function ensureTopic(kafka: Kafka, admin: Admin, topic: string, n: number): Promise<number | undefined> {
  const size = await topicSize(admin, topic);
  if (size === n) {
    log(`topic ${topic}: ${fmt(n)} events already there (cached; delete the topic to produce again)`);
    return undefined;
  }
  if (size !== undefined) {
    log(`topic ${topic} holds ${fmt(size)} events, not ${fmt(n)}: deleting it`);
    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    // Topic deletion is asynchronous in the broker; creating too soon fails with TOPIC_ALREADY_EXISTS.
    while ((await admin.listTopics()).includes(topic)) await new Promise((r) => setTimeout(r, 500));
  }
  await admin.createTopics({ topics: [{ topic, numPartitions: DEFAULTS.partitions, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await produceEvents(producer, topic, n);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Sends events in sends of 3,000 (1,000 per partition: a record batch well under the broker's
 * 1 MiB message.max.bytes), a few sends in flight, acks=1, no compression.
 */
async function produceEvents(producer: Producer, topic: string, n: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  let acked = 0;
  let lastReport = started;
  const sender = async () => {
    while (next < n) {
      const from = next;
      const to = Math.min(n, from + DEFAULTS.sendMessages);
      next = to;
      const messages = [];
      for (let i = from; i < to; i++) messages.push({ ...benchEvent(i), partition: i % DEFAULTS.partitions });
      await producer.send({ topic, acks: 1, messages });
      acked += to - from;
      const now = performance.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        log(`  produced ${fmt(acked)} / ${fmt(n)} (${fmt(acked / ((now - started) / 1000))} events/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: DEFAULTS.sendsInFlight }, sender));
  const seconds = (performance.now() - started) / 1000;
  log(`produced ${fmt(n)} events in ${seconds.toFixed(1)} s: ${fmt(n / seconds)} events/s`);
  return n / seconds;
}

// ---- one timed consumer process ---------------------------------------------------------------

interface RunResult {
  label: string;
  events: number;
  seconds: number;
  /** Spawn until the process said it consumes. */
  startupSeconds: number;
  peakRssMb: number;
  rss: RssSample[];
  /** CPU seconds the process used (user + system), all its threads. */
  cpuSeconds: number;
  /** CPUs busy with everything else meanwhile (the broker included), averaged over the run. */
  otherCpus: number;
}

/** Committed offsets of a group on a topic, summed (a partition with none counts 0). */
async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  let committed: Awaited<ReturnType<Admin['fetchOffsets']>>[number] | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      break;
    } catch (error) {
      // A broker just started moves its group coordinators while the group forms: ask again.
      if (attempt >= 20 || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return (committed?.partitions ?? []).reduce((sum, p) => sum + (p.offset === '-1' ? 0 : Number(p.offset)), 0);
}

/** Spawns a node process, keeping the last 40 lines of its stderr (its log) and passing each line to `onLine`. */
function spawnWithTail(
  args: string[],
  onLine: (line: string) => void,
): { child: ChildProcess; tail: string[]; exited: Promise<number | null> } {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DRIFTWATCH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tail: string[] = [];
  let buffer = '';
  child.stderr!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      onLine(line);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  return { child, tail, exited };
}

/** A `driftwatch serve` of the soak or the low-rate run, started and ready (its consumer runs). */
interface BenchService {
  child: ChildProcess;
  pid: number;
  tail: string[];
  exited: Promise<number | null>;
}

/** Starts `serve` with `config` and waits (60 s at most) for its model's ingest to start. */
async function startService(options: Options, config: string): Promise<BenchService> {
  let ready = false;
  const { child, tail, exited } = spawnWithTail([...options.nodeOptions, options.cli, 'serve', '--config', config], (line) => {
    if (/model ingest started/.test(line)) ready = true;
  });
  for (const deadline = Date.now() + 60_000; !ready; ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not start:\n${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, pid: child.pid!, tail, exited };
}

/** Stops the service with SIGTERM (SIGKILL after 60 s), saying how it ended, and deletes the run's topic. */
async function stopService(service: BenchService, admin: Admin, topic: string): Promise<void> {
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 60_000);
  const code = await service.exited;
  clearTimeout(timer);
  if (code !== 0) log(`  the service exited with ${code} after SIGTERM:\n${service.tail.slice(-10).join('\n')}`);
  // A long run at 10,000/s leaves millions of events: not left on the broker.
  await admin.deleteTopics({ topics: [topic], timeout: 30_000 }).catch((error) => log(`  could not delete ${topic}: ${String(error)}`));
}

/** Waits until the group has committed `produced` events; throws after `limitSeconds`, saying how far behind. */
async function waitCommitted(
  admin: Admin,
  group: string,
  topic: string,
  produced: number,
  limitSeconds: number,
  what: string,
  pollMs: number,
): Promise<void> {
  const deadline = performance.now() + limitSeconds * 1000;
  for (;;) {
    const done = await committedTotal(admin, group, topic);
    if (done >= produced) return;
    if (performance.now() > deadline)
      throw new Error(`the service did not ${what} within ${limitSeconds} s: ${fmt(produced - done)} events behind`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The model's `consumed` counter and its rows in a stopped service's store, which is then deleted. */
async function storedCounts(store: string): Promise<{ consumed: number; rows: number }> {
  const db = await Database.open(store);
  try {
    return {
      consumed: Number(
        (await db.row(`SELECT coalesce(sum(value), 0) AS n FROM ingest_counts WHERE model = ? AND counter = 'consumed'`, [MODEL])).n,
      ),
      rows: Number((await db.row(`SELECT count(*) AS n FROM ${samplesTable(MODEL)}`)).n),
    };
  } finally {
    db.close();
    for (const f of [store, `${store}.wal`]) rmSync(f, { force: true });
  }
}

/**
 * Spawns a consumer process and times it until `groupId` has committed all `n` events (the
 * topic's partitions start at offset 0), then stops it with SIGTERM.
 */
async function timeConsumer(
  admin: Admin,
  label: string,
  args: string[],
  groupId: string,
  topic: string,
  n: number,
  ready: RegExp,
): Promise<RunResult> {
  const busyBefore = machineBusySeconds();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let startupSeconds = NaN;
  const { child, tail, exited } = spawnWithTail(args, (line) => {
    if (Number.isNaN(startupSeconds) && ready.test(line)) startupSeconds = elapsed();
  });
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const pid = child.pid!;
  const rss: RssSample[] = [];
  const sampler = setInterval(() => {
    const m = readRss(pid);
    if (m) rss.push({ seconds: elapsed(), mb: m.rss });
  }, 1000);
  let peakRssMb = 0;
  try {
    let lastReport = 0;
    let lastProgress = { at: 0, done: -1 };
    for (;;) {
      if (exitCode !== undefined) throw new Error(`${label}: the process exited (${exitCode}) before the end:\n${tail.join('\n')}`);
      const done = await committedTotal(admin, groupId, topic);
      const now = elapsed();
      if (done >= n) break;
      if (done !== lastProgress.done) lastProgress = { at: now, done };
      else if (now - lastProgress.at > 120) throw new Error(`${label}: no progress for 120 s at ${fmt(done)} events:\n${tail.join('\n')}`);
      if (now - lastReport >= 10) {
        lastReport = now;
        const last = rss[rss.length - 1];
        log(
          `  [${label}] ${now.toFixed(0).padStart(4)} s  ${fmt(done).padStart(11)} / ${fmt(n)} committed  ${fmt(done / now).padStart(9)} events/s  RSS ${last ? last.mb.toFixed(0) : '?'} MB`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = elapsed();
    peakRssMb = Math.max(readRss(pid)?.hwm ?? 0, ...rss.map((s) => s.mb));
    const cpuSeconds = readCpuSeconds(pid);
    const own = process.cpuUsage(ownBefore);
    const otherCpus = (machineBusySeconds() - busyBefore - cpuSeconds - (own.user + own.system) / 1e6) / seconds;
    return { label, events: n, seconds, startupSeconds, peakRssMb, rss, cpuSeconds, otherCpus };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0 && peakRssMb > 0) log(`  [${label}] exited with ${code} after SIGTERM:\n${tail.slice(-10).join('\n')}`);
  }
}

// ---- the runs ---------------------------------------------------------------------------------

/** A fresh group id per run, so every run reads the topic from its beginning. */
const freshGroup = (run: string) => `bench-ingest-${run}-${Date.now().toString(36)}`;

async function runNoop(admin: Admin, broker: string, topic: string, n: number): Promise<RunResult> {
  const group = freshGroup('noop');
  log(`\n(a) no-op kafkajs consumer, group ${group}`);
  return timeConsumer(
    admin,
    'no-op consumer',
    ['--import', 'tsx', join(ROOT, 'bench', 'noop-consumer.ts'), broker, topic, group],
    group,
    topic,
    n,
    /noop consumer running/,
  );
}

async function runService(admin: Admin, options: Options, topic: string, profile: string, rate: number): Promise<RunResult> {
  const { broker, events: n, cpuProf, cli, nodeOptions } = options;
  const tag = rate === 1 ? 'full' : `rate-${rate}`;
  const group = freshGroup(tag);
  const store = join(OUT, `ingest-${tag}.duckdb`);
  for (const f of [store, `${store}.wal`]) rmSync(f, { force: true });
  const config = join(OUT, `ingest-${tag}.yaml`);
  writeFileSync(
    config,
    stringify({
      kafka: { brokers: [broker], clientId: 'driftwatch-bench' },
      storage: { path: store, retention: '36500d', ...storageOptions(options) },
      models: [
        {
          name: MODEL,
          baseline: profile,
          source: { topics: [topic], groupId: group, startFrom: 'earliest' },
          event: { timestamp: 'ts', prediction: 'prediction' },
          sampling: { rate, by: 'key' },
        },
      ],
    }),
  );
  const label = `service, sampling ${rate.toFixed(1)}`;
  log(`\n(${rate === 1 ? 'b' : 'c'}) driftwatch serve at sampling ${rate}, group ${group}, store ${store}`);
  const profiling = cpuProf
    ? ['--cpu-prof', '--cpu-prof-dir', join(OUT, 'profiles'), '--cpu-prof-name', `serve-${tag}-${Date.now()}.cpuprofile`]
    : [];
  if (cpuProf) log(`  CPU profile into ${join(OUT, 'profiles')} (written when the service exits)`);
  const result = await timeConsumer(
    admin,
    label,
    [...nodeOptions, ...profiling, cli, 'serve', '--config', config],
    group,
    topic,
    n,
    /model ingest started/,
  );
  // What the store holds must be what the sampler keeps: a fast run that lost rows is no result.
  const expected = rate >= 1 ? n : Array.from({ length: n }, (_, i) => i).filter((i) => keepSample(`evt-${i}`, rate)).length;
  const db = await Database.open(store);
  try {
    const rows = Number((await db.row(`SELECT count(*) AS n FROM ${samplesTable(MODEL)}`)).n);
    log(`  store: ${fmt(rows)} rows (expected ${fmt(expected)})${rows === expected ? '' : '  MISMATCH'}`);
    if (rows !== expected) throw new Error(`${label}: ${rows} rows stored, expected ${expected}`);
  } finally {
    db.close();
  }
  for (const f of [store, `${store}.wal`]) rmSync(f, { force: true });
  return result;
}

// ---- the report -------------------------------------------------------------------------------

/** The second half of a run's RSS samples, and whether it grows (median of the last quarter vs the third). */
function secondHalf(rss: RssSample[], seconds: number): { min: number; max: number; growth: number | undefined } {
  const half = rss.filter((s) => s.seconds >= seconds / 2 && s.seconds <= seconds);
  if (half.length === 0) return { min: NaN, max: NaN, growth: undefined };
  const mbs = half.map((s) => s.mb);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mid = Math.floor(half.length / 2);
  const growth = half.length >= 4 ? median(mbs.slice(mid)) / median(mbs.slice(0, mid)) - 1 : undefined;
  return { min: Math.min(...mbs), max: Math.max(...mbs), growth };
}

/** At most ~30 RSS values, evenly spaced, as "MB every k s". */
function series(rss: RssSample[], seconds: number): string {
  const within = rss.filter((s) => s.seconds <= seconds + 0.5);
  const step = Math.max(1, Math.ceil(within.length / 30));
  return `every ${step} s: ${within
    .filter((_, i) => i % step === 0)
    .map((s) => s.mb.toFixed(0))
    .join(' ')}`;
}

/**
 * The shortest a run could have been on this machine: the CPU seconds it used plus those of the
 * rest of the machine meanwhile (the broker serving it), over the CPU count. No arrangement of
 * the same work over threads beats it; only doing less work does.
 */
function cpuFloor(r: RunResult): { cpu: number; seconds: number } {
  const cpu = r.cpuSeconds + r.otherCpus * r.seconds;
  return { cpu, seconds: cpu / cpus().length };
}

function report(results: RunResult[], produceRate: number | undefined): void {
  const noop = results.find((r) => r.label === 'no-op consumer');
  const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const header = ['run', 'events', 'seconds', 'events/s', 'vs no-op', 'CPU s', 'peak RSS MB', 'RSS 2nd half MB', 'targets'];
  const rows = results.map((r) => {
    const rate = r.events / r.seconds;
    const ratio = noop ? rate / (noop.events / noop.seconds) : undefined;
    const h = secondHalf(r.rss, r.seconds);
    const checks: string[] = [];
    if (r.label !== 'no-op consumer') {
      if (r.label.endsWith('0.1') && ratio !== undefined)
        checks.push(`>=${TARGETS.tenthVsNoop} x no-op ${mark(ratio >= TARGETS.tenthVsNoop)}`);
      if (r.label.endsWith('1.0')) checks.push(`>=${fmt(TARGETS.fullEventsPerSecond)}/s ${mark(rate >= TARGETS.fullEventsPerSecond)}`);
      checks.push(`RSS<${TARGETS.rssMb} ${mark(r.peakRssMb < TARGETS.rssMb)}`);
      if (h.growth !== undefined) checks.push(`flat ${mark(h.growth < TARGETS.rssGrowth)}`);
    }
    return [
      r.label,
      fmt(r.events),
      r.seconds.toFixed(1),
      fmt(rate),
      ratio === undefined ? '-' : `${ratio.toFixed(2)}x`,
      r.cpuSeconds.toFixed(1),
      r.peakRssMb.toFixed(0),
      Number.isNaN(h.min)
        ? '-'
        : `${h.min.toFixed(0)}-${h.max.toFixed(0)}${h.growth === undefined ? '' : ` (${h.growth >= 0 ? '+' : ''}${(h.growth * 100).toFixed(0)}%)`}`,
      checks.join(', '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  log(
    `\ningest of ${fmt(results[0]?.events ?? 0)} events x 20 features (14 numeric, 6 categorical), ${DEFAULTS.partitions} partitions${produceRate ? `; produced at ${fmt(produceRate)} events/s` : ''}:`,
  );
  log(line(header));
  for (const r of rows) log(line(r));
  log(`\nseconds: from spawn (startup included) until the group committed the end of every partition.`);
  log(
    `RSS 2nd half: min-max of VmRSS sampled each second over the second half of the run, (growth: median of its last half vs its first half; flat means < ${TARGETS.rssGrowth * 100}%).`,
  );
  log(
    `CPU s: user + system time of the process (all threads) over the run. Other CPUs: the rest of the machine meanwhile, the broker included.`,
  );
  for (const r of results)
    log(
      `  ${r.label.padEnd(22)} startup ${r.startupSeconds.toFixed(1)} s; other CPUs ${r.otherCpus.toFixed(2)}; RSS MB ${series(r.rss, r.seconds)}`,
    );
  const floors = results.filter((r) => r !== noop).map((r) => ({ r, ...cpuFloor(r) }));
  if (floors.length > 0) {
    log(
      `\nCPU floor: on ${cpus().length} CPUs a run cannot take less than the CPU time it used, the broker's included, spread over all of them (perfect parallelism):`,
    );
    for (const { r, seconds, cpu } of floors) {
      const best = noop ? `, so at best ${(noop.seconds / seconds).toFixed(2)}x the no-op` : '';
      log(
        `  ${r.label.padEnd(22)} ${cpu.toFixed(1)} CPU s / ${cpus().length} = ${seconds.toFixed(1)} s${best} (it took ${r.seconds.toFixed(1)} s)`,
      );
    }
  }
  // The broker serving one consumer takes well under a CPU; more than that was someone else's work.
  const busy = results.filter((r) => r.otherCpus > OTHER_CPUS_WARNING);
  if (busy.length > 0)
    log(
      `\nWARNING: other work ran on this ${cpus().length}-CPU machine during ${busy.map((r) => `${r.label} (${r.otherCpus.toFixed(1)} CPUs)`).join(', ')}: those rates are low by an unknown amount.`,
    );
}

// ---- the soak ---------------------------------------------------------------------------------

/**
 * `--duration S`: events produced at `--rate` per second for S seconds into a fresh topic while
 * the real service (sampling 1.0) consumes them, RSS read every few seconds. Events carry no
 * timestamp path, so rows get the Kafka time and a 3-minute retention (every 30 s) keeps the
 * store at a steady size, as a deployment keeps its days: RSS growth after that is the service's.
 * Ends when the service has caught up; its `consumed` counter must equal what was produced.
 */
async function runSoak(kafka: Kafka, admin: Admin, options: Options, profile: string): Promise<void> {
  const duration = options.duration!;
  const topic = `bench-soak-${Date.now().toString(36)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: DEFAULTS.partitions, replicationFactor: 1 }], waitForLeaders: true });
  const group = freshGroup('soak');
  const store = join(OUT, 'ingest-soak.duckdb');
  for (const f of [store, `${store}.wal`]) rmSync(f, { force: true });
  const config = join(OUT, 'ingest-soak.yaml');
  writeFileSync(
    config,
    stringify({
      kafka: { brokers: [options.broker], clientId: 'driftwatch-bench' },
      storage: { path: store, retention: '3m', retentionEvery: '30s', ...storageOptions(options) },
      models: [
        {
          name: MODEL,
          baseline: profile,
          source: { topics: [topic], groupId: group, startFrom: 'earliest' },
          event: { prediction: 'prediction' },
          sampling: { rate: 1, by: 'key' },
        },
      ],
    }),
  );
  log(
    `soak: ${fmt(options.rate)} events/s for ${duration} s into ${topic} (${DEFAULTS.partitions} partitions), driftwatch serve at sampling 1.0, retention 3m, RSS every ${options.sampleEvery} s`,
  );

  const service = await startService(options, config);
  const { pid, tail } = service;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const rss: RssSample[] = [];
  let produced = 0;
  let caughtUpSeconds = NaN;
  let seconds = NaN;
  let cpuSeconds = NaN;
  let hwm = NaN;
  let otherCpus = NaN;
  let producerCpus = NaN;
  /** The largest lag seen at the progress lines (every ~30 s). */
  let maxLag = 0;
  try {
    await producer.connect();
    const busyBefore = machineBusySeconds();
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const sample = () => {
      const m = readRss(pid);
      if (m) rss.push({ seconds: elapsed(), mb: m.rss });
    };
    sample();
    let ticks = 0;
    const every = Math.max(1, Math.round(30 / options.sampleEvery));
    const sampler = setInterval(() => {
      sample();
      if (++ticks % every === 0) {
        void committedTotal(admin, group, topic).then(
          (done) => {
            const lag = produced - done;
            maxLag = Math.max(maxLag, lag);
            log(
              `  ${elapsed().toFixed(0).padStart(4)} s  produced ${fmt(produced).padStart(10)}  lag ${fmt(lag).padStart(8)}  RSS ${rss[rss.length - 1]?.mb.toFixed(0) ?? '?'} MB`,
            );
          },
          () => {},
        );
      }
    }, options.sampleEvery * 1000);
    try {
      // Paced: every 100 ms, whatever the rate says is due by now, in sends of at most 3,000.
      const total = Math.floor(options.rate * duration);
      while (produced < total) {
        const due = Math.min(Math.floor(options.rate * elapsed()), total);
        while (produced < due) {
          const to = Math.min(due, produced + DEFAULTS.sendMessages);
          const messages = [];
          for (let i = produced; i < to; i++) messages.push({ ...benchEvent(i), partition: i % DEFAULTS.partitions });
          await producer.send({ topic, acks: 1, messages });
          produced = to;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const producedSeconds = elapsed();
      await waitCommitted(admin, group, topic, produced, SOAK.catchUpSeconds, 'catch up', 200).catch((error) => {
        throw new Error(`${error.message}\n${tail.slice(-10).join('\n')}`);
      });
      caughtUpSeconds = elapsed() - producedSeconds;
      seconds = elapsed();
      sample();
    } finally {
      clearInterval(sampler);
    }
    cpuSeconds = readCpuSeconds(pid);
    hwm = readRss(pid)?.hwm ?? NaN;
    const own = process.cpuUsage(ownBefore);
    producerCpus = (own.user + own.system) / 1e6 / seconds;
    otherCpus = (machineBusySeconds() - busyBefore - cpuSeconds) / seconds - producerCpus;
  } finally {
    await producer.disconnect().catch(() => {});
    await stopService(service, admin, topic);
  }
  const { consumed, rows } = await storedCounts(store);

  const warmup = Math.min(SOAK.warmupSeconds, seconds / 4);
  const r = summariseRss(rss, warmup);
  const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  log(
    `\nsoak: ${fmt(produced)} events produced over ${duration} s (${fmt(produced / duration)}/s); the service caught up ${caughtUpSeconds.toFixed(1)} s after the last one; largest lag seen (every ~30 s) ${fmt(maxLag)}`,
  );
  log(
    `  consumed counter ${fmt(consumed)}${consumed === produced ? ' (= produced)' : '  MISMATCH'}; ${fmt(rows)} rows in the store at the end (3 minutes of retention)`,
  );
  log(
    `  service RSS (VmRSS every ${options.sampleEvery} s, ${r.samples} samples): ${r.first.toFixed(0)} MB at start, ${r.min.toFixed(0)}-${r.max.toFixed(0)} MB over the run, ${r.last.toFixed(0)} MB at the end; peak (VmHWM) ${hwm.toFixed(0)} MB`,
  );
  log(
    `  after the first ${warmup.toFixed(0)} s: ${r.steadyMin.toFixed(0)}-${r.steadyMax.toFixed(0)} MB, slope ${r.slopeMbPerMinute >= 0 ? '+' : ''}${r.slopeMbPerMinute.toFixed(2)} MB/min (least squares); through each minute's lowest reading ${r.floorSlopeMbPerMinute >= 0 ? '+' : ''}${r.floorSlopeMbPerMinute.toFixed(2)} MB/min (${r.floors.map((f) => f.mb.toFixed(0)).join(' ')})`,
  );
  log(`  MB: ${rssSeries(rss)}`);
  log(
    `  CPU: service ${cpuSeconds.toFixed(0)} s (${(cpuSeconds / seconds).toFixed(2)} CPUs); this process (the producer) ${producerCpus.toFixed(2)} CPUs; the rest of the machine, the broker included, ${otherCpus.toFixed(2)} CPUs`,
  );
  log(
    `  bound: RSS slope after warm-up < ${SOAK.slopeMbPerMinute} MB/min ${mark(r.slopeMbPerMinute < SOAK.slopeMbPerMinute)}; consumed = produced ${mark(consumed === produced)}; peak RSS < ${TARGETS.rssMb} MB ${mark(hwm < TARGETS.rssMb)}`,
  );
  if (seconds < 2 * SOAK.warmupSeconds)
    log(
      `  note: the store fills for its first 3 minutes (retention 3m), so the RSS slope of a run under ${2 * SOAK.warmupSeconds} s says little`,
    );
  if (consumed !== produced) throw new Error(`soak: consumed ${consumed}, produced ${produced}`);
}

// ---- the low-rate run -------------------------------------------------------------------------

/**
 * `--rate N` without `--duration`: what the service costs on a quiet stream. N events per second
 * for `--seconds` (60), each in a send of its own (a producer that does not linger: the case where
 * every fetch returns a message or two), into a fresh 3-partition topic. The service's CPU time is
 * read from /proc over an idle stretch first (no events: the price of polling alone), then over
 * the production, and reported per 1,000 events and as the share of one core. Ends when the
 * service has stored everything; its `consumed` counter must equal what was produced.
 */
async function runLowRate(kafka: Kafka, admin: Admin, options: Options, profile: string): Promise<void> {
  const seconds = options.lowRateSeconds;
  const topic = `bench-lowrate-${Date.now().toString(36)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: DEFAULTS.partitions, replicationFactor: 1 }], waitForLeaders: true });
  const group = freshGroup('lowrate');
  const store = join(OUT, 'ingest-lowrate.duckdb');
  for (const f of [store, `${store}.wal`]) rmSync(f, { force: true });
  const config = join(OUT, 'ingest-lowrate.yaml');
  writeFileSync(
    config,
    stringify({
      kafka: { brokers: [options.broker], clientId: 'driftwatch-bench' },
      storage: { path: store, retention: '36500d', ...storageOptions(options) },
      models: [
        {
          name: MODEL,
          baseline: profile,
          source: { topics: [topic], groupId: group, startFrom: 'earliest', ...(options.fetch ? { fetch: options.fetch } : {}) },
          event: { prediction: 'prediction' },
          sampling: { rate: 1, by: 'key' },
        },
      ],
    }),
  );
  log(
    `low rate: ${fmt(options.rate)} events/s for ${seconds} s into ${topic} (${DEFAULTS.partitions} partitions), one event per send, acks=1; driftwatch serve at sampling 1.0${options.fetch ? `, source.fetch ${JSON.stringify(options.fetch)}` : ' (default fetch settings)'}; service ${options.cli}`,
  );
  const service = await startService(options, config);
  const { pid } = service;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let produced = 0;
  let idleCpu = NaN;
  let cpu = NaN;
  let producedSeconds = NaN;
  let caughtUpSeconds = NaN;
  let otherCpus = NaN;
  try {
    await producer.connect();
    // The group forms and the consumer settles before the idle stretch is measured.
    await new Promise((r) => setTimeout(r, 5000));
    const idleStart = readCpuSeconds(pid);
    await new Promise((r) => setTimeout(r, LOW_RATE.idleSeconds * 1000));
    idleCpu = readCpuSeconds(pid) - idleStart;
    const busyBefore = machineBusySeconds();
    const ownBefore = process.cpuUsage();
    const cpuBefore = readCpuSeconds(pid);
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const total = Math.floor(options.rate * seconds);
    // Paced every 5 ms: each due event goes out in a send of its own, awaited (no batching on the producer's side).
    while (produced < total) {
      const due = Math.min(Math.floor(options.rate * elapsed()), total);
      while (produced < due) {
        await producer.send({ topic, acks: 1, messages: [{ ...benchEvent(produced), partition: produced % DEFAULTS.partitions }] });
        produced++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    producedSeconds = elapsed();
    cpu = readCpuSeconds(pid) - cpuBefore;
    const own = process.cpuUsage(ownBefore);
    otherCpus = (machineBusySeconds() - busyBefore - cpu - (own.user + own.system) / 1e6) / producedSeconds;
    await waitCommitted(admin, group, topic, produced, LOW_RATE.catchUpSeconds, 'store everything', 100);
    caughtUpSeconds = elapsed() - producedSeconds;
  } finally {
    await producer.disconnect().catch(() => {});
    await stopService(service, admin, topic);
  }
  const { consumed } = await storedCounts(store);
  const share = cpu / producedSeconds;
  const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  log(
    `\nlow rate: ${fmt(produced)} events in ${producedSeconds.toFixed(1)} s (${(produced / producedSeconds).toFixed(1)}/s, one per send); all committed ${caughtUpSeconds.toFixed(1)} s after the last send`,
  );
  log(`  consumed counter ${fmt(consumed)}${consumed === produced ? ' (= produced)' : '  MISMATCH'}`);
  log(
    `  service CPU: ${cpu.toFixed(2)} s over the production = ${((cpu / produced) * 1000).toFixed(3)} CPU s per 1,000 events, ${(share * 100).toFixed(1)}% of a core; idle (no events, ${LOW_RATE.idleSeconds} s): ${((idleCpu / LOW_RATE.idleSeconds) * 100).toFixed(1)}% of a core`,
  );
  log(`  the rest of the machine meanwhile (the broker included, the producer excluded): ${otherCpus.toFixed(2)} CPUs`);
  log(
    `  target: under ${LOW_RATE.coreShare * 100}% of a core ${mark(share < LOW_RATE.coreShare)}; consumed = produced ${mark(consumed === produced)}`,
  );
  if (consumed !== produced) throw new Error(`low rate: consumed ${consumed}, produced ${produced}`);
}

/**
 * `npm run bench -- ingest [--events N] [--broker host:port] [--only noop,1.0,0.1] [--cpu-prof] [--cli dist/cli.js] [--node-options "<flags>"]`,
 * or the soak: `npm run bench -- ingest --duration S [--rate N] [--sample-every S]`,
 * or the low-rate CPU run: `npm run bench -- ingest --rate N [--seconds S] [--fetch minBytes=65536,maxWait=1s,storeInterval=1s]`.
 */
export async function run(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const n = options.events;
  if (!existsSync(options.cli)) throw new Error(`${options.cli} is missing: run \`npm run build\` first`);
  mkdirSync(OUT, { recursive: true });

  // check.ts's baseline when it is there (same 20 columns); else one from the events' generator.
  let baselineCsv = join(OUT, 'baseline-200k.csv');
  if (!existsSync(baselineCsv)) {
    baselineCsv = join(OUT, 'ingest-baseline-200k.csv');
    if (!existsSync(baselineCsv)) writeFileSync(baselineCsv, benchFeaturesCsv(200_000));
  }
  const profile = join(OUT, 'ingest-profile.json');
  writeProfile(profile, await createProfile(baselineCsv, { model: MODEL, version: 'v1' }));

  const kafka = new Kafka({
    clientId: 'driftwatch-bench',
    brokers: [options.broker],
    logLevel: logLevel.ERROR,
    retry: { retries: 10, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (options.duration !== undefined) return await runSoak(kafka, admin, options, profile);
    if (options.lowRate) return await runLowRate(kafka, admin, options, profile);
    const topic = `bench-ingest-${n}`;
    log(`broker ${options.broker}, topic ${topic}, service ${options.cli}`);
    const produceRate = await ensureTopic(kafka, admin, topic, n);
    const results: RunResult[] = [];
    if (options.only.has('noop')) results.push(await runNoop(admin, options.broker, topic, n));
    if (options.only.has('1.0')) results.push(await runService(admin, options, topic, profile, 1));
    if (options.only.has('0.1')) results.push(await runService(admin, options, topic, profile, 0.1));
    report(results, produceRate);
  } finally {
    await admin.disconnect();
  }
}
