import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { TokenSet } from '../api/auth.js';
import type { LiveReport } from '../contracts/report.js';
import { parseConfig } from '../config/load.js';
import type { DriftwatchConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import { createKafka } from '../ingest/kafka-client.js';
import type { Logger } from '../log.js';
import { Service } from '../serve.js';
import { DEMO_BASELINE, DEMO_MODEL, type FlightEvent, REPLAY, sampleDays } from './flights.js';
import { DemoMailbox } from './mailbox.js';
import { MAILBOX_PAGE, mountDemoMailbox } from './mailbox-page.js';
import { DemoWebhookLog } from './webhook-log.js';
import { ingestCounters } from '../store/counters.js';
import { outboxCounts as countOutbox } from '../store/outbox.js';

/** Options of `driftwatch demo`; the defaults are in {@link DEMO_DEFAULTS}. */
export interface DemoOptions {
  /** Replay everything as fast as it goes, print a summary, exit. */
  once: boolean;
  /** Flights replayed per day (a seeded sample of the day's 14,000–17,000). */
  perDay: number;
  /** Real milliseconds per replayed day (not with `once`). */
  dayMs: number;
  host: string;
  port: number;
  /** Folder of the store, the caught mail and the webhook log; emptied at the start. */
  dir: string;
  /** A broker, host:port: the events go through a real topic and the Kafka consumer. */
  kafka?: string;
  /** With `kafka`: the topic (default: a new one per run). */
  topic?: string;
  /** With `kafka`: only produce the events (the docker compose replay producer), no service. */
  produceOnly: boolean;
}

export const DEMO_DEFAULTS = {
  perDay: 1000,
  dayMs: 2000,
  host: '127.0.0.1',
  port: 8080,
  dir: join('data', 'demo'),
} as const;

/** Events per HTTP ingest request (about 150 kB, under api.bodyLimit's 1 MB). */
const POST_CHUNK = 1000;
/** Messages per produce request. */
const PRODUCE_CHUNK = 2000;
const DAY_MS = 86_400_000;

/** What `--once` reports (the JSON of `--json`). */
export interface DemoSummary {
  source: 'http' | 'kafka';
  range: { from: string; to: string };
  events: { replayed: number; stored: number };
  checks: { total: number; drift: number; ok: number; insufficientData: number };
  /** Days whose check found drift, with the drifted features and their PSI. */
  driftDays: { day: string; features: { name: string; psi: number }[] }[];
  /** Drifted days per feature. */
  featureDriftDays: Record<string, number>;
  alerts: { notifications: number; delivered: number; pending: number; dead: number; mails: number; webhooks: number };
  mailbox: string;
  webhookLog: string;
  seconds: number;
}

/** Where the repository's files are (the bundled baseline), from dist/demo/ or src/demo/. */
function packageRoot(): string {
  return fileURLToPath(new URL('../..', import.meta.url));
}

/**
 * `driftwatch demo`: replays the flights of February–June 2001 through the real service (HTTP or
 * Kafka ingest, the decoder, sampler and store, the scheduler, the checks against the January
 * baseline, the alert engine, the outbox and its email and webhook channels) on an accelerated
 * clock, with a local mailbox and webhook log. The events keep their 2001 times: the service's
 * clock is the replay's, so a check's window ("1d") is a day of event time.
 */
export async function runDemo(options: DemoOptions, logger: Logger, say: (line: string) => void): Promise<DemoSummary | undefined> {
  const started = Date.now();
  if (options.produceOnly && !options.kafka) throw new UserError('--produce-only needs --kafka HOST:PORT');
  if (options.kafka && !/^[^\s:]+:\d+$/.test(options.kafka)) throw new UserError(`--kafka: expected HOST:PORT, got '${options.kafka}'`);
  say(`loading ${options.perDay} flights a day of ${REPLAY.from} .. ${REPLAY.to} (vega-datasets flights-3m.parquet)`);
  const days = await sampleDays({ perDay: options.perDay });
  const total = days.reduce((n, d) => n + d.events.length, 0);

  if (options.produceOnly) {
    const kafka = demoKafka(options.kafka!, logger);
    const topic = options.topic ?? 'flights';
    await produceDays(kafka, topic, days, options.once ? 0 : options.dayMs, say);
    say(`produced ${total} events into ${topic} on ${options.kafka}`);
    return undefined;
  }

  const dir = isAbsolute(options.dir) ? options.dir : resolve(options.dir);
  // The demo owns these files: each run starts from an empty store and mailbox.
  for (const name of ['driftwatch.duckdb', 'driftwatch.duckdb.wal', 'mailbox', 'webhook.ndjson'])
    rmSync(join(dir, name), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(24).toString('hex');
  const mailbox = await new DemoMailbox(join(dir, 'mailbox')).start();
  const webhook = await new DemoWebhookLog(join(dir, 'webhook.ndjson'), secret).start();
  const readToken = `demo-read-${randomBytes(12).toString('hex')}`;
  const ingestToken = `demo-ingest-${randomBytes(12).toString('hex')}`;
  // The demo's own tokens, in the form of DRIFTWATCH_API_TOKENS.
  const tokens = TokenSet.parse(`read:${readToken},ingest:${ingestToken}`);

  const topic = options.kafka ? (options.topic ?? `driftwatch-demo-flights-${Date.now().toString(36)}`) : undefined;
  const config = demoConfig(options, dir, { mailbox: mailbox.url, webhook: webhook.url, secret, topic });
  let clock = Date.parse(`${REPLAY.from}T00:00:00Z`);
  // Ctrl-C or SIGTERM at any time, during the replay too, stops the service cleanly.
  let stopRequested = false;
  const stopSignal = new Promise<void>((done) => {
    const stop = () => {
      stopRequested = true;
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  let service: Service | undefined;
  let producer: Producer | undefined;
  try {
    // Before the service: its consumer subscribes to the topic at start.
    if (options.kafka) await ensureTopic(demoKafka(options.kafka, logger), topic!);
    service = await Service.start(config, logger, {
      tokens,
      now: () => clock,
      extend: (app) => mountDemoMailbox(app, mailbox, tokens, join(dir, 'webhook.ndjson')),
    });
    if (service.running().length === 0) throw new UserError(`the demo model did not start: ${[...service.failures().values()].join('; ')}`);
    const url = service.apiUrl()!;
    if (!options.once) {
      say('');
      say(`dashboard:  ${url}/models/${DEMO_MODEL}   (read token: ${readToken})`);
      say(`mailbox:    ${url}${MAILBOX_PAGE}   (alert emails, also as .eml files in ${join(dir, 'mailbox')})`);
      say(`webhooks:   ${join(dir, 'webhook.ndjson')}   (signed JSON, verified on receipt)`);
      say(`Each replayed day takes ${options.dayMs / 1000} s; a check of the last day of event time runs every 2 s.`);
      say('Watch the delay feature: storm days (2001-02-16, 02-25, 04-06, 04-28, 06-15) fire alerts, calm days resolve them.');
      say('');
    }
    let send: (events: FlightEvent[]) => Promise<void>;
    if (options.kafka) {
      producer = demoKafka(options.kafka, logger).producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      let produced = 0;
      const live = service;
      send = async (events) => {
        await producer!.send({ topic: topic!, acks: -1, messages: events.map((e) => ({ key: e.id, value: JSON.stringify(e) })) });
        produced += events.length;
        // The clock moves only over what the consumer has stored, so a check never sees half a day.
        await waitFor(async () => (await storedCount(live)) >= produced, 60_000, `the consumer to store ${produced} events`);
      };
      say(`producing into ${topic} on ${options.kafka}; the service consumes it with its Kafka consumer`);
    } else {
      send = (events) => postEvents(url, ingestToken, events);
    }

    const reports: LiveReport[] = [];
    for (const { day, events } of days) {
      if (stopRequested) break;
      const dayStart = Date.parse(`${day}T00:00:00Z`);
      // A day goes in four parts, so its events arrive over the replayed day; the clock moves to
      // the day's end once the whole day is stored, so a scheduled check ("1d") always sees one
      // whole calendar day, as the --once checks do. A window from noon to noon would hold two
      // half days of different hours and traffic: a drift of `hour` that nothing caused.
      const parts = options.once ? 1 : 4;
      for (let p = 0; p < parts; p++) {
        const partEnd = dayStart + ((p + 1) * DAY_MS) / parts;
        const part = events.filter((e) => {
          const t = Date.parse(e.ts);
          return t >= partEnd - DAY_MS / parts && t < partEnd;
        });
        const tick = Date.now();
        for (let i = 0; i < part.length; i += POST_CHUNK) await send(part.slice(i, i + POST_CHUNK));
        if (p === parts - 1) clock = partEnd;
        if (!options.once) await sleep(options.dayMs / parts - (Date.now() - tick));
      }
      if (options.once) reports.push(await service.checkByName(DEMO_MODEL));
    }
    if (!options.once) {
      if (!stopRequested)
        say(`replay done (${total} events up to ${REPLAY.to}); the service keeps running with the dashboard: Ctrl-C to stop`);
      await stopSignal;
      say('stopping');
      return undefined;
    }
    await waitFor(async () => (await outboxCounts(service!)).pending === 0, 30_000, 'the outbox to be delivered');
    const counts = await outboxCounts(service);
    return summarise(reports, {
      source: options.kafka ? 'kafka' : 'http',
      replayed: total,
      stored: await storedCount(service),
      alerts: {
        notifications: counts.pending + counts.delivered + counts.dead,
        ...counts,
        mails: mailbox.received,
        webhooks: webhook.verified,
      },
      mailbox: join(dir, 'mailbox'),
      webhookLog: join(dir, 'webhook.ndjson'),
      seconds: (Date.now() - started) / 1000,
    });
  } finally {
    await producer?.disconnect().catch(() => {});
    await service?.stop();
    await mailbox.stop();
    await webhook.stop();
  }
}

/** The demo's configuration, validated by the same schema as a config file. */
function demoConfig(
  options: DemoOptions,
  dir: string,
  at: { mailbox: string; webhook: string; secret: string; topic?: string },
): DriftwatchConfig {
  const port = options.once ? 0 : options.port;
  const raw = {
    ...(options.kafka ? { kafka: { brokers: [options.kafka], clientId: 'driftwatch-demo' } } : {}),
    // The rows are from 2001: retention (relative to the wall clock) would delete them all.
    storage: { path: join(dir, 'driftwatch.duckdb'), retention: '36500d' },
    alerts: {
      ...(port !== 0 ? { dashboardUrl: `http://${options.host}:${port}` } : {}),
      // In the replay's time: a drift that goes on for a week is mailed again.
      repeatInterval: '7d',
      initialBackoff: '1s',
      channels: [
        {
          name: 'demo-mailbox',
          type: 'email',
          smtpUrl: at.mailbox,
          from: 'driftwatch demo <driftwatch@localhost>',
          to: ['data-science@localhost'],
        },
        { name: 'demo-webhook', type: 'webhook', url: at.webhook, secret: at.secret },
      ],
      routes: [{ channels: ['demo-mailbox', 'demo-webhook'] }],
    },
    api: { host: options.host, port, ingestRateLimit: 1_000_000 },
    models: [
      {
        name: DEMO_MODEL,
        baseline: join(packageRoot(), DEMO_BASELINE),
        ...(at.topic
          ? {
              source: {
                topics: [at.topic],
                startFrom: 'earliest',
                groupId: `driftwatch-demo-${Date.now().toString(36)}`,
                sessionTimeout: '10s',
                // A replay waits for each day to be stored before its clock moves on: store each
                // fetch at once (the defaults pace a quiet production stream to save CPU).
                fetch: { minBytes: 1, maxWait: '100ms', storeInterval: '1ms' },
              },
            }
          : {}),
        event: { featuresPath: 'features', timestamp: 'ts', id: 'id' },
        window: '1d',
        minRows: 100,
        // Every 2 s: about one check per replayed day at the default pace. --once checks each day itself.
        ...(options.once ? {} : { schedule: { cron: '*/2 * * * * *' } }),
      },
    ],
  };
  return parseConfig(raw, "the demo's config");
}

/** Creates the topic (3 partitions) unless it exists. */
async function ensureTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

function demoKafka(broker: string, logger: Logger): Kafka {
  return createKafka({ brokers: [broker], clientId: 'driftwatch-demo', connectionTimeout: 10_000 }, logger);
}

/** Produces the days' events in time order, `dayMs` apart (0: as fast as the broker takes them). */
async function produceDays(
  kafka: Kafka,
  topic: string,
  days: { day: string; events: FlightEvent[] }[],
  dayMs: number,
  say: (line: string) => void,
): Promise<void> {
  await ensureTopic(kafka, topic);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const { day, events } of days) {
      const tick = Date.now();
      for (let i = 0; i < events.length; i += PRODUCE_CHUNK) {
        await producer.send({
          topic,
          acks: -1,
          messages: events.slice(i, i + PRODUCE_CHUNK).map((e) => ({ key: e.id, value: JSON.stringify(e) })),
        });
      }
      if (day.endsWith('-01')) say(`producing ${day}`);
      await sleep(dayMs - (Date.now() - tick));
    }
  } finally {
    await producer.disconnect();
  }
}

/** POSTs events to the model's HTTP ingest, as a client without Kafka would. */
async function postEvents(url: string, token: string, events: FlightEvent[]): Promise<void> {
  if (events.length === 0) return;
  const res = await fetch(`${url}/api/v1/models/${DEMO_MODEL}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  if (!res.ok) throw new Error(`HTTP ingest answered ${res.status}: ${await res.text()}`);
}

/** Events the demo model stored (its `stored` counter, exactly-once with the rows). */
async function storedCount(service: Service): Promise<number> {
  const db = await service.store.connect();
  try {
    return (await ingestCounters(db, DEMO_MODEL)).stored ?? 0;
  } finally {
    db.close();
  }
}

async function outboxCounts(service: Service): Promise<{ pending: number; delivered: number; dead: number }> {
  const db = await service.store.connect();
  try {
    return await countOutbox(db);
  } finally {
    db.close();
  }
}

function summarise(
  reports: LiveReport[],
  rest: Omit<DemoSummary, 'checks' | 'driftDays' | 'featureDriftDays' | 'range' | 'events'> & { replayed: number; stored: number },
): DemoSummary {
  const { replayed, stored, ...others } = rest;
  const driftDays = reports
    .filter((r) => r.status === 'drift')
    .map((r) => ({
      day: r.window.start.slice(0, 10),
      features: r.features.filter((f) => f.drift).map((f) => ({ name: f.name, psi: Math.round(Number(f.stats.psi) * 1000) / 1000 })),
    }));
  const featureDriftDays: Record<string, number> = {};
  for (const d of driftDays) for (const f of d.features) featureDriftDays[f.name] = (featureDriftDays[f.name] ?? 0) + 1;
  return {
    source: others.source,
    range: { from: REPLAY.from, to: REPLAY.to },
    events: { replayed, stored },
    checks: {
      total: reports.length,
      drift: driftDays.length,
      ok: reports.filter((r) => r.status === 'ok').length,
      insufficientData: reports.filter((r) => r.status === 'insufficient_data').length,
    },
    driftDays,
    featureDriftDays,
    alerts: others.alerts,
    mailbox: others.mailbox,
    webhookLog: others.webhookLog,
    seconds: others.seconds,
  };
}

/** The summary as a few lines for people. */
export function summaryText(s: DemoSummary): string {
  const worst = s.driftDays
    .flatMap((d) => d.features.map((f) => ({ day: d.day, ...f })))
    .sort((a, b) => b.psi - a.psi)
    .slice(0, 5)
    .map((x) => `${x.day} ${x.name} (PSI ${x.psi})`);
  const byFeature =
    Object.entries(s.featureDriftDays)
      .sort((a, b) => b[1] - a[1])
      .map(([f, n]) => `${f} ${n}`)
      .join(', ') || 'none';
  return [
    `replayed ${s.events.replayed} flights of ${s.range.from} .. ${s.range.to} through ${s.source === 'kafka' ? 'a Kafka topic' : 'HTTP ingest'}; ${s.events.stored} stored`,
    `windows checked: ${s.checks.total} (one per day); drift in ${s.checks.drift}, ok in ${s.checks.ok}, too few rows in ${s.checks.insufficientData}`,
    `features that drifted (days): ${byFeature}`,
    `largest shifts: ${worst.join('; ') || 'none'}`,
    `alerts sent: ${s.alerts.delivered} of ${s.alerts.notifications} notifications (${s.alerts.dead} dead): ${s.alerts.mails} emails in the local mailbox (${s.mailbox}), ${s.alerts.webhooks} signed webhooks (${s.webhookLog})`,
    `took ${s.seconds.toFixed(1)} s`,
  ].join('\n');
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
