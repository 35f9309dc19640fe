#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createProfile, PROFILE_DEFAULTS, profileNotes } from './baseline/create.js';
import { readProfile, refuseOverwrite, writeProfile } from './baseline/profile.js';
import { DEFAULT_THRESHOLD, describePredictionProfile } from './baseline/prediction.js';
import { PREDICTION_KINDS } from './contracts/prediction.js';
import { runCheck } from './checks/check.js';
import type { FileLabelsRequest } from './checks/labels.js';
import type { PerformanceTask } from './stats/performance.js';
import { runSkew, SKEW_DEFAULTS } from './checks/skew.js';
import { renderSkew, SKEW_FORMATS, type SkewFormat } from './render/skew.js';
import { CORRECTION_CHOICES, DEFAULT_DECISION, type DecisionSettings, resolveDecision } from './config/decision.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from './render/check/index.js';
import { terminalProgress } from './progress.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config/load.js';
import { type ConfigWarning, configWarnings } from './config/warnings.js';
import { UserError, messageOf } from './errors.js';
import { createLogger } from './log.js';
import { EventDecoder, featureSpecs } from './ingest/decoder.js';
import { createKafka } from './ingest/kafka-client.js';
import { parseReplayBound, planReplay, replay } from './ingest/replay.js';
import { isStoreInUse, RemoteService } from './remote.js';
import { listQuarantine } from './store/quarantine.js';
import { windowText as describeWindow } from './checks/live.js';
import { Deliverer } from './alerts/delivery.js';
import { createChannels } from './alerts/channels/index.js';
import { type DriftwatchConfig, readsKafka, WindowSpec, type WindowSpecValue } from './config/schema.js';
import { checkModel } from './alerts/pipeline.js';
import { Service } from './serve.js';
import { readApiTls } from './api/tls.js';
import { DEMO_DEFAULTS, runDemo, summaryText } from './demo/demo.js';
import { SamplesWriter } from './store/samples-writer.js';
import { Store } from './store/store.js';
import { loadOffsets } from './store/offsets.js';
import { TokenSet } from './api/auth.js';

/** Exit codes: 0 fine, 1 drift found with --fail-on-drift (or schema findings with --fail-on-schema, a performance drop with --fail-on-performance), 2 an error. */
export const EXIT = { ok: 0, drift: 1, error: 2 } as const;

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

function wholeNumber(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UserError(`${name} must be a whole number >= ${min}, got '${value}'`);
    return n;
  };
}

function probability(name: string) {
  return (value: string) => {
    const p = Number(value);
    if (!(p > 0 && p < 1)) throw new UserError(`${name} must be a probability between 0 and 1 (exclusive), got '${value}'`);
    return p;
  };
}

/** `--min-effect psi=0.1` (repeatable): statistic -> minimum, `none` to drop a default. */
function keyValue(value: string, previous: Record<string, number | null>): Record<string, number | null> {
  const match = /^([a-z_]+)=(none|\d+(\.\d+)?)$/.exec(value.trim());
  if (!match) throw new UserError(`--min-effect expects STAT=VALUE (e.g. psi=0.1, linf=none), got '${value}'`);
  return { ...previous, [match[1]!]: match[2] === 'none' ? null : Number(match[2]) };
}

/** The decision settings of `check`'s flags; an unknown statistic names the known ones. */
function decisionSettings(o: {
  alpha?: number;
  correction?: string;
  minEffect: Record<string, number | null>;
  minRows?: number;
}): DecisionSettings {
  try {
    return resolveDecision({ alpha: o.alpha, correction: o.correction, minEffect: o.minEffect, minRows: o.minRows });
  } catch (error) {
    throw new UserError(`--min-effect: ${messageOf(error)}`);
  }
}

/** `check --labels FILE --id COL [--label COL] [--prediction COL]`, checked: each flag needs the others it goes with. */
function labelsRequest(
  o: { labels?: string; id?: string; label?: string; prediction?: string; task?: PerformanceTask },
  live: boolean,
): FileLabelsRequest | undefined {
  if (o.labels === undefined) {
    const stray = (['id', 'label', 'prediction', 'task'] as const).filter((k) => o[k] !== undefined);
    if (stray.length > 0) throw new UserError(`${stray.map((k) => `--${k}`).join(', ')} go with --labels FILE`);
    return undefined;
  }
  if (live)
    throw new UserError("--labels goes with --baseline/--current; a live check joins the model's stored labels (labels: in the config)");
  if (o.id === undefined) throw new UserError('--labels needs --id COLUMN: the id column of the current file and of the label file');
  if (o.task !== undefined && o.prediction === undefined)
    throw new UserError('--task needs --prediction COLUMN: the performance is of the predictions');
  return {
    labels: o.labels,
    id: o.id,
    ...(o.label ? { label: o.label } : {}),
    ...(o.prediction ? { prediction: o.prediction } : {}),
    ...(o.task ? { task: o.task } : {}),
  };
}

/**
 * The version in package.json, read when asked: dist/cli.js and src/cli.ts both sit one level
 * below the package root, in a clone as in an installed package.
 */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function buildProgram(): Command {
  const program = new Command('driftwatch')
    .description('Data-drift and training-serving-skew monitoring: baselines, checks, alerts.')
    .version(packageVersion(), '-v, --version', 'print the version')
    // Program options only before a command: `baseline create --version v2` is the baseline's version.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();

  const baseline = program.command('baseline').description('create and inspect training baselines');
  baseline
    .command('create')
    .description('profile a training data file (CSV, Parquet, NDJSON, JSON) into a baseline profile')
    .requiredOption('--data <file>', 'training data file')
    .requiredOption('--name <model>', 'model name')
    .option('--version <version>', 'baseline version', 'v1')
    .option('--features <names>', 'only these columns (comma-separated; repeatable)', list)
    .option('--categorical <names>', 'treat these columns as categorical', list)
    .option('--numeric <names>', 'treat these columns as numeric', list)
    .option('--bins <n>', 'quantile bins of numeric features', wholeNumber('--bins', 2), PROFILE_DEFAULTS.bins)
    .option(
      '--sample-size <n>',
      'values kept per numeric feature for KS and Wasserstein',
      wholeNumber('--sample-size', 1),
      PROFILE_DEFAULTS.sampleSize,
    )
    .option('--seed <n>', 'seed of the sample', wholeNumber('--seed', 0), PROFILE_DEFAULTS.seed)
    .option('--out <path>', 'where to write the profile (default baselines/<model>/<version>.json)')
    .option('--keep <names>', 'profile these columns even when they look like ids, times as text or near-unique values', list)
    .option('--exclude <names>', 'leave these columns out (e.g. the target and the prediction)', list)
    .option('--prediction <column>', "the model's output column: profiled apart from the features, compared with the live predictions")
    .addOption(
      new Option(
        '--prediction-kind <kind>',
        'score (a probability), class, or value (regression); default: inferred from the column',
      ).choices([...PREDICTION_KINDS]),
    )
    .option('--label <column>', 'with --prediction: the true label column of a validation set; its performance is stored in the profile')
    .option(
      '--threshold <t>',
      `with --label and a score: predicted class 1 when score >= t (default ${DEFAULT_THRESHOLD})`,
      (value: string) => {
        const t = Number(value);
        if (!(value.trim() !== '' && Number.isFinite(t))) throw new UserError(`--threshold must be a number, got '${value}'`);
        return t;
      },
    )
    .option('--force', 'overwrite an existing profile of this version')
    .action(async (o) => {
      const out = o.out ?? join('baselines', o.name, `${o.version}.json`);
      if (!o.prediction && (o.predictionKind || o.label || o.threshold !== undefined))
        throw new UserError('--prediction-kind, --label and --threshold go with --prediction COLUMN');
      refuseOverwrite(out, Boolean(o.force));
      const progress = terminalProgress('profiling');
      const profile = await createProfile(o.data, {
        model: o.name,
        version: o.version,
        bins: o.bins,
        sampleSize: o.sampleSize,
        seed: o.seed,
        features: o.features,
        categorical: o.categorical,
        numeric: o.numeric,
        keep: o.keep,
        exclude: o.exclude,
        ...(o.prediction
          ? {
              prediction: {
                column: o.prediction,
                ...(o.predictionKind ? { kind: o.predictionKind } : {}),
                ...(o.label ? { label: o.label } : {}),
                ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
              },
            }
          : {}),
        onProgress: progress.update,
      }).finally(progress.stop);
      for (const note of profileNotes(profile)) process.stderr.write(`${note}\n`);
      writeProfile(out, profile, { overwrite: Boolean(o.force) });
      const kinds = profile.features.map((f) => `${f.name} (${f.kind})`).join(', ');
      process.stderr.write(`wrote ${out}: ${profile.source.rows} rows, ${profile.features.length} features: ${kinds}\n`);
      if (profile.prediction) process.stderr.write(`${describePredictionProfile(profile)}\n`);
    });

  program
    .command('check')
    .description("compare data with a baseline: two files (--baseline, --current), or a model's live window (--config, --model)")
    .option('--baseline <file>', 'baseline profile (.json from `baseline create`) or a training data file')
    .option('--current <file>', 'current data file')
    .option('--config <path>', 'with --model: the config of the running service')
    .option('--model <name>', "check this model's live window in the store, store the report, print it as JSON")
    .option('--window <window>', "with --model: 1h, 24h, since-last or events:N (default: the model's window)")
    .option('--notify', 'with --model: evaluate alerts and attempt delivery before exiting')
    .addOption(new Option('--format <format>', 'output format (default: text for files, json for --model)').choices([...REPORT_FORMATS]))
    .option('--out <path>', 'write the report to this file instead of stdout')
    .option('--fail-on-drift', 'exit 1 when drift is found')
    .option('--fail-on-schema', 'exit 1 when a feature is missing or a schema finding is raised')
    .option(
      '--fail-on-performance',
      "exit 1 when the labelled predictions' performance credibly dropped below the baseline's (docs/performance.md)",
    )
    .option('--by <column>', 'one result per value of this column (or per period with --every)')
    .option('--every <period>', 'with --by on a timestamp column: window length, e.g. 1h, 1d, 7d, or 1mo (calendar months)')
    .option('--bins <n>', 'quantile bins, when the baseline is a data file', wholeNumber('--bins', 2))
    .option('--categorical <names>', 'treat these columns as categorical, when the baseline is a data file', list)
    .option(
      '--alpha <p>',
      `chance per check that undrifted data raises any drift (default ${DEFAULT_DECISION.alpha})`,
      probability('--alpha'),
    )
    .addOption(
      new Option('--correction <name>', `multiple-testing correction over the features (default ${DEFAULT_DECISION.correction})`).choices([
        ...CORRECTION_CHOICES,
      ]),
    )
    .option(
      '--min-effect <stat=value>',
      `minimum effect of a statistic, e.g. psi=0.1 or linf=none (repeatable; default ${Object.entries(DEFAULT_DECISION.minEffect)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')})`,
      keyValue,
      {},
    )
    .option(
      '--min-rows <n>',
      `fewer finite values in a feature: insufficient data (default ${DEFAULT_DECISION.minRows})`,
      wholeNumber('--min-rows', 1),
    )
    .option('--labels <file>', 'with --current: a label file joined with it by --id, for the label coverage (docs/ingest.md, Labels)')
    .option('--id <column>', 'with --labels: the id column of both files')
    .option('--label <column>', 'with --labels: the label column of the label file (default label)')
    .option('--prediction <column>', "with --labels: the current file's prediction column, for the realized performance")
    .addOption(
      new Option('--task <task>', 'with --prediction: the model task (default: read from the labels and predictions)').choices([
        'binary',
        'multiclass',
        'regression',
      ]),
    )
    .action(async (o) => {
      const live = o.model !== undefined || o.config !== undefined;
      const labels = labelsRequest(o, live);
      const tuned = o.alpha !== undefined || o.correction !== undefined || o.minRows !== undefined || Object.keys(o.minEffect).length > 0;
      if (live && tuned)
        throw new UserError(
          "--alpha, --correction, --min-effect and --min-rows go with --baseline/--current; a live check uses the model's `decision` in the config",
        );
      if (live && (o.baseline || o.current))
        throw new UserError('use either --baseline/--current (files) or --config/--model (the live window), not both');
      if (!live && !(o.baseline && o.current))
        throw new UserError('--baseline and --current are required (or --config and --model for a live window)');
      if (!live && (o.window || o.notify)) throw new UserError('--window and --notify go with --config and --model');
      const report = live
        ? await checkLive(o.config ?? DEFAULT_CONFIG_PATH, o.model, o.window, Boolean(o.notify))
        : await runCheck({
            baseline: o.baseline,
            current: o.current,
            bins: o.bins,
            categorical: o.categorical,
            by: o.by,
            every: o.every,
            decision: decisionSettings(o),
            ...(labels ? { labels } : {}),
          });
      const format = (o.format ?? (live ? 'json' : 'text')) as ReportFormat;
      const text = renderReport(report, format, { color: !o.out && process.stdout.isTTY });
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
      const schemaIssues =
        'windows' in report
          ? report.windows.some((w) => w.schema.missing.length + alertingCount(w.schema.anomalies) > 0)
          : report.schema.missing.length + alertingCount(report.schema.anomalies) > 0;
      const performanceDrop = !('windows' in report) && report.labels?.decision?.drift === true;
      if ((o.failOnDrift && report.drift) || (o.failOnSchema && schemaIssues) || (o.failOnPerformance && performanceDrop))
        process.exitCode = EXIT.drift;
    });

  program
    .command('skew')
    .description(
      "row-level training-serving skew: join the training pipeline's rows and the served rows by id and compare every feature value by value",
    )
    .requiredOption('--serving <file>', 'the features as served (CSV, Parquet, NDJSON, JSON)')
    .requiredOption('--training <file>', "the training pipeline's features for the same ids")
    .requiredOption('--id <column>', 'the join key, a column of both files')
    .option('--features <names>', 'only these columns (comma-separated; default: every column of both files but the id)', list)
    .option(
      '--tolerance <t>',
      `numbers are equal when |training - serving| <= t x max(1, |training|, |serving|) (default ${SKEW_DEFAULTS.tolerance})`,
      (value: string) => {
        const t = Number(value);
        if (!(value.trim() !== '' && t >= 0 && Number.isFinite(t)))
          throw new UserError(`--tolerance must be a number >= 0, got '${value}'`);
        return t;
      },
    )
    .option(
      '--fail-on-skew <share>',
      `exit 1 when a feature differs on more than this share of the joined ids (default ${SKEW_DEFAULTS.failOnSkew}: any)`,
      (value: string) => {
        const share = Number(value);
        if (!(value.trim() !== '' && share >= 0 && share <= 1))
          throw new UserError(`--fail-on-skew must be a share between 0 and 1, got '${value}'`);
        return share;
      },
    )
    .addOption(new Option('--format <format>', 'output format').choices([...SKEW_FORMATS]).default('text'))
    .option('--out <path>', 'write the report to this file instead of stdout')
    .action(async (o) => {
      const report = await runSkew({
        serving: o.serving,
        training: o.training,
        id: o.id,
        ...(o.features ? { features: o.features } : {}),
        ...(o.tolerance !== undefined ? { tolerance: o.tolerance } : {}),
        ...(o.failOnSkew !== undefined ? { failOnSkew: o.failOnSkew } : {}),
      });
      const text = renderSkew(report, o.format as SkewFormat, { color: !o.out && process.stdout.isTTY });
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
      // 1, as `check --fail-on-drift` exits on drift; 2 (an error) is left to main().
      if (report.skew) process.exitCode = EXIT.drift;
    });

  program
    .command('serve')
    .description("consume the models' Kafka topics into the store (runs until SIGTERM)")
    .option('--config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .action(async (o) => {
      const config = loadConfig(o.config);
      const logger = createLogger();
      // Listen before starting: a SIGTERM during start-up then stops the service cleanly once started.
      let fatal: string | undefined;
      let fatalStop: (reason: string) => void = () => {};
      const stopSignal = new Promise<NodeJS.Signals | 'fatal'>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
        fatalStop = (reason) => {
          fatal = reason;
          resolve('fatal');
        };
      });
      // Read once at start: a malformed DRIFTWATCH_API_TOKENS stops start-up with the reason.
      const tokens = TokenSet.fromEnv();
      const service = await Service.start(config, logger, { tokens, onFatal: (reason) => fatalStop(reason) });
      if (service.running().length === 0) {
        await service.stop();
        const reasons = [...service.failures()].map(([model, why]) => `${model}: ${why}`).join('; ');
        throw new UserError(`no model could start: ${reasons}`);
      }
      // Valid but silent settings (no tokens, a channel no route names, a model never checked), said once
      // the service runs: a start-up that fails says only why it failed.
      for (const warning of configWarnings(config, process.env))
        logger.warn({ config: o.config, path: warning.path, code: warning.code }, `config: ${warning.path}: ${warning.message}`);
      logger.info({ models: service.running().map((m) => m.config.name) }, 'serving');
      const signal = await stopSignal;
      logger.info({ signal }, 'stopping: finishing the batches in hand');
      await service.stop();
      logger.info('stopped');
      // kafkajs may leave reconnect timers behind after an outage; everything is stored and closed.
      process.exit(fatal === undefined ? EXIT.ok : EXIT.error);
    });

  program
    .command('replay')
    .description("re-read a range of a model's topics into the store (backfill), beside the live consumer group")
    .option('--config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .requiredOption('--model <name>', 'the model whose topics to replay')
    .requiredOption('--from <offset|time>', 'start: an offset (every partition), a time (2024-05-02T10:00:00Z) or a duration ago (2h, 7d)')
    .option('--to <offset|time>', 'end (exclusive); default: the end of the topic when the replay starts')
    .action(async (o) => {
      const config = loadConfig(o.config);
      const model = config.models.find((m) => m.name === o.model);
      if (!model) throw new UserError(`unknown model '${o.model}'; the config has: ${config.models.map((m) => m.name).join(', ')}`);
      if (!config.kafka) throw new UserError('the config has no kafka section');
      if (!readsKafka(model))
        throw new UserError(`model '${model.name}' has no source (it is fed through HTTP ingest): there is no topic to replay`);
      const logger = createLogger(process.env.DRIFTWATCH_LOG_LEVEL ?? 'warn');
      const from = parseReplayBound(o.from);
      const to = o.to === undefined ? undefined : parseReplayBound(o.to);
      const features = featureSpecs(readProfile(model.baseline), model.event);
      const opened = await storeOrServe(config);
      const progress = terminalProgress(`replay ${model.name}`);
      if ('remote' in opened) {
        process.stderr.write('the store is held by a running serve: replaying inside it through its API\n');
        try {
          const job = await opened.remote.replay(model.name, o.from, o.to, progress.update);
          progress.stop();
          const span = job.ranges.map((r) => `${r.topic}/${r.partition} [${r.from}, ${r.to})`).join(', ') || 'nothing to replay';
          process.stderr.write(`replayed ${job.read} messages inside serve: ${span}\n`);
        } finally {
          progress.stop();
        }
        process.exit(EXIT.ok);
      }
      const { store } = opened;
      try {
        const table = await store.ensureSamplesTable(model.name, features);
        const kafka = createKafka(config.kafka, logger, '-replay');
        const admin = kafka.admin();
        await admin.connect();
        const ranges = await planReplay(admin, model, from, to, await loadOffsets(store.db, model.name)).finally(() => admin.disconnect());
        const writer = new SamplesWriter(store.db, model.name, table, features, config.storage.quarantineKeep);
        const decoder = new EventDecoder(features, model.event, model.source.maxMessageBytes);
        const span = ranges.map((r) => `${r.topic}/${r.partition} [${r.from}, ${r.to})`).join(', ') || 'nothing to replay';
        const read = await replay(kafka, model, ranges, decoder, writer, logger, progress.update);
        progress.stop();
        process.stderr.write(`replayed ${read} messages into ${table}: ${span}\n`);
      } finally {
        progress.stop();
        store.close();
      }
      process.exit(EXIT.ok);
    });

  program
    .command('quarantine')
    .description(
      "list a model's quarantined messages (reason, detail, payload), newest first; through a running serve's API if it holds the store",
    )
    .option('--config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .requiredOption('--model <name>', 'the model')
    .option('--reason <reason>', 'only this reason (malformed_json, wrong_type, ...)')
    .option('--limit <n>', 'messages to list', wholeNumber('--limit', 1), 20)
    .action(async (o) => {
      const config = loadConfig(o.config);
      const model = config.models.find((m) => m.name === o.model);
      if (!model) throw new UserError(`unknown model '${o.model}'; the config has: ${config.models.map((m) => m.name).join(', ')}`);
      const opened = await storeOrServe(config);
      const filter = { ...(o.reason ? { reason: String(o.reason) } : {}), limit: Math.min(o.limit, 500), offset: 0 };
      let page: { total: number; items: unknown[] };
      if ('remote' in opened) page = await opened.remote.quarantine(model.name, filter);
      else {
        try {
          page = await listQuarantine(opened.store.db, model.name, filter);
        } finally {
          opened.store.close();
        }
      }
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    });

  program
    .command('config')
    .description('check configuration files')
    .command('validate')
    .description(
      "load and check a config as `serve` would (the file, each model's baseline, DRIFTWATCH_API_TOKENS, api.tls's files) without starting anything; print its warnings",
    )
    .option('--config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .action((o) => {
      const { config, warnings } = validateConfig(o.config, process.env);
      for (const w of warnings) process.stderr.write(`driftwatch: warning: ${w.path}: ${w.message}\n`);
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
      process.stdout.write(
        `config '${o.config}' is valid: ${count(config.models.length, 'model')} (${config.models.map((m) => m.name).join(', ')}), ${count(
          config.alerts.channels.length,
          'channel',
        )}, ${count(config.alerts.routes.length, 'route')}; ${count(warnings.length, 'warning')}\n`,
      );
    });

  program
    .command('demo')
    .description(
      'replay real 2001 US flights against a January baseline through the real service: drift, alerts to a local mailbox, the dashboard',
    )
    .option('--once', 'replay everything as fast as it goes, print a summary and exit (for CI)')
    .option('--kafka <host:port>', 'produce the events into a topic on this broker and consume them like production')
    .option('--topic <name>', 'with --kafka: the topic (default: a new one per run; "flights" with --produce-only)')
    .option('--produce-only', 'with --kafka: only produce the replay (the docker compose producer); no service')
    .option('--per-day <n>', 'flights replayed per day', wholeNumber('--per-day', 1), DEMO_DEFAULTS.perDay)
    .option(
      '--day-seconds <s>',
      'real seconds per replayed day (not with --once)',
      (v) => {
        const n = Number(v);
        if (!(n >= 0)) throw new UserError(`--day-seconds must be a number >= 0, got '${v}'`);
        return n;
      },
      DEMO_DEFAULTS.dayMs / 1000,
    )
    .option('--host <host>', 'interface of the dashboard and API', DEMO_DEFAULTS.host)
    .option('--port <port>', 'port of the dashboard and API (--once: any free port)', wholeNumber('--port', 0), DEMO_DEFAULTS.port)
    .option('--dir <path>', "folder of the demo's store, caught mail and webhook log (emptied first)", DEMO_DEFAULTS.dir)
    .option('--json', 'with --once: print the summary as JSON')
    .action(async (o) => {
      const logger = createLogger(process.env.DRIFTWATCH_LOG_LEVEL ?? 'warn');
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const summary = await runDemo(
        {
          once: Boolean(o.once),
          kafka: o.kafka,
          topic: o.topic,
          produceOnly: Boolean(o.produceOnly),
          perDay: o.perDay,
          dayMs: o.daySeconds * 1000,
          host: o.host,
          port: o.port,
          dir: o.dir,
        },
        logger,
        say,
      );
      if (summary) process.stdout.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryText(summary)}\n`);
      // kafkajs may leave reconnect timers behind; everything is stored and closed.
      process.exit(EXIT.ok);
    });

  return program;
}

/**
 * `check --config --model`: one check of the model's live window; the report is stored, and with
 * `notify` the alerts are evaluated and one delivery pass runs (what fails stays in the outbox
 * for the service to retry).
 */
async function checkLive(configPath: string, modelName: string | undefined, windowText: string | undefined, notify: boolean) {
  const config = loadConfig(configPath);
  if (!modelName) throw new UserError('--model is required with --config');
  const model = config.models.find((m) => m.name === modelName);
  if (!model) throw new UserError(`unknown model '${modelName}'; the config has: ${config.models.map((m) => m.name).join(', ')}`);
  const window = windowText === undefined ? undefined : parseWindow(windowText);
  const profile = readProfile(model.baseline);
  const opened = await storeOrServe(config);
  if ('remote' in opened) {
    if (notify && windowText !== undefined)
      throw new UserError(
        "a serve holds the store: --notify checks the model's own window there (without --notify, any --window is checked, without alerts)",
      );
    process.stderr.write(
      `the store is held by a running serve: checking inside it through its API${notify ? ' (stored, with alerts)' : ' (not stored, no alerts)'}\n`,
    );
    return notify ? opened.remote.checkNow(model.name) : opened.remote.checkWindow(model.name, windowText ?? describeWindow(model.window));
  }
  const { store } = opened;
  const logger = createLogger(process.env.DRIFTWATCH_LOG_LEVEL ?? 'warn');
  const channels = notify ? createChannels(config.alerts) : new Map();
  try {
    await store.ensureSamplesTable(model.name, featureSpecs(profile, model.event));
    const result = await checkModel(store.db, model, profile, config.alerts, { ...(window ? { window } : {}), notify, trigger: 'cli' });
    const prediction = result.report.prediction;
    if (prediction?.status === 'absent') process.stderr.write(`prediction not compared: ${prediction.message ?? ''}\n`);
    if (notify) {
      const pass = await new Deliverer(store.db, channels, config.alerts, logger).deliverDue();
      process.stderr.write(
        `alerts: ${result.queued.length} notification(s) queued; delivered ${pass.delivered}, to retry ${pass.retried}, dead ${pass.dead}\n`,
      );
    }
    return result.report;
  } finally {
    for (const channel of channels.values()) await channel.close?.();
    store.close();
  }
}

/**
 * `config validate`: what `serve` checks before it starts anything: the file (a bad one stops here),
 * then each model's baseline and its event mapping, the API tokens and api.tls's files, all of their problems at once;
 * and the config's warnings. Opens no store and connects to nothing.
 */
function validateConfig(path: string, env: NodeJS.ProcessEnv): { config: DriftwatchConfig; warnings: ConfigWarning[] } {
  const config = loadConfig(path, env);
  const problems: string[] = [];
  const unmapped: ConfigWarning[] = [];
  config.models.forEach((model, i) => {
    try {
      const profile = readProfile(model.baseline);
      featureSpecs(profile, model.event);
      if (profile.prediction && model.event?.prediction === undefined)
        unmapped.push({
          code: 'prediction-unmapped',
          path: `models[${i}].event.prediction`,
          message: `the baseline has a prediction '${profile.prediction.column}' but event.prediction is not set: predictions are not stored or compared`,
        });
    } catch (error) {
      problems.push(`models[${i}].baseline (model '${model.name}'): ${messageOf(error)}`);
    }
  });
  const reasons = problems.length > 0 ? [`invalid config '${path}': ${problems.join('; ')}`] : [];
  try {
    TokenSet.fromEnv(env);
  } catch (error) {
    reasons.push(messageOf(error));
  }
  try {
    if (config.api.tls) readApiTls(config.api.tls, env);
  } catch (error) {
    reasons.push(messageOf(error));
  }
  if (reasons.length > 0) throw new UserError(reasons.join('; '));
  return { config, warnings: [...configWarnings(config, env), ...unmapped] };
}

/**
 * The store, or the API of the `serve` that holds it: commands that would have to stop a running
 * service run inside it instead (see remote.ts).
 */
async function storeOrServe(config: DriftwatchConfig): Promise<{ store: Store } | { remote: RemoteService }> {
  try {
    return { store: await Store.open(config.storage.path, config.storage) };
  } catch (error) {
    if (!isStoreInUse(error)) throw error;
    try {
      return { remote: RemoteService.of(config) };
    } catch (why) {
      throw new UserError(`${messageOf(error)}. To run this command inside that serve instead: ${messageOf(why)}`);
    }
  }
}

/** Schema findings that alert (`--fail-on-schema`): those under their minimum share are listed only. */
function alertingCount(anomalies: readonly { alerting?: boolean | undefined }[]): number {
  return anomalies.filter((a) => a.alerting !== false).length;
}

/** Parses --window like the config's `window`. */
function parseWindow(text: string): WindowSpecValue {
  const parsed = WindowSpec.safeParse(text);
  if (!parsed.success) throw new UserError(`--window: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Runs the CLI; user errors print one line and exit 2, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander already printed what it had to say.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    const prefix = error instanceof UserError ? 'error' : 'unexpected error';
    process.stderr.write(`driftwatch: ${prefix}: ${messageOf(error)}\n`);
    if (!(error instanceof UserError) && process.env.DRIFTWATCH_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = EXIT.error;
  }
}

await main(process.argv);
