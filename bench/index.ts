// `npm run bench -- <name> [options]`: runs one benchmark (or lists them). Benchmarks are never
// timed tests: they print measurements for the docs (docs/benchmarks.md), with the machine they ran on.
import { cpus, totalmem } from 'node:os';

const BENCHES: Record<string, { description: string; load: () => Promise<{ run: (args: string[]) => Promise<void> }> }> = {
  check: {
    description: '1,000,000 rows x 20 features checked against a profile: wall time, peak RSS, vs plain JavaScript',
    load: () => import('./check.js'),
  },
  ingest: {
    description:
      '5,000,000 events x 20 features from Kafka: no-op kafkajs consumer vs driftwatch serve at sampling 1.0 and 0.1, events/s and RSS; with --duration S, a soak at --rate events/s; with --rate N alone, the CPU of a low-rate stream (one event per send) per 1,000 events and as a share of a core; --memory-limit and --node-options for a memory-bounded service; --checkpoint-threshold to compare DuckDB checkpoint sizes',
    load: () => import('./ingest.js'),
  },
  backfill: {
    description:
      "January 2001 flights as the baseline, each day of February-June (150 windows) through check --by date --every 1d: wall, CPU and peak RSS with the stored profile and with the data file, their verdicts compared, and NannyML's univariate drift on the same files when Python has it",
    load: () => import('./backfill.js'),
  },
  calibration: {
    description:
      "false alarms per check and power by window size (50 to 100,000), driftwatch's decision beside PSI > 0.1 and p < 0.05; --write updates docs/statistics.md and docs/calibration.svg",
    load: () => import('./calibration.js'),
  },
  'prediction-calibration': {
    description:
      'false alarms per check with a prediction in the family: 3 features and a dependent score, undrifted, n = 50 to 5,000 (--checks N, default 2000), default rule and evidence alone',
    load: () => import('./prediction-calibration.js'),
  },
  multivariate: {
    description:
      'the domain classifier and MMD (src/stats/): CPU cost by rows and columns, false alarms at alpha 0.01 from 200 to 100,000 rows with Clopper-Pearson bounds, power for a correlation flip (KS beside) and embedding mean shifts; --scale X for fewer checks',
    load: () => import('./multivariate-calibration.js'),
  },
  skew: {
    description:
      'driftwatch skew on 1,000,000 ids x 5 features (--rows N), training and serving files as CSV and as Parquet: wall, CPU and peak RSS, with what it found',
    load: () => import('./skew.js'),
  },
  performance: {
    description:
      'model performance decision: false alarms per check on undrifted labelled windows and power for a real drop, window sizes 50 to 100,000, simulated models and 2001 US flights; --write updates docs/performance.md and docs/performance-calibration.json',
    load: () => import('./performance-calibration.js'),
  },
  labels: {
    description:
      'labels in the store: 1,000,000 predictions (--rows N), as many labels written in chunks of 5,000 (with the look-up of duplicates and corrections), then the join of the window with and without its pairs',
    load: () => import('./labels.js'),
  },
  api: {
    description:
      'a real driftwatch serve under HTTP load for --duration s (default 60): ingest posts and reads, req/s, p50/p99 per route, errors, RSS slope',
    load: () => import('./api.js'),
  },
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  const list = Object.entries(BENCHES)
    .map(([n, b]) => `  ${n.padEnd(12)} ${b.description}`)
    .join('\n');
  process.stderr.write(
    `${name ? `unknown benchmark '${name}'; known: ${Object.keys(BENCHES).join(', ')}\n` : ''}usage: npm run bench -- <name>\n${list}\n`,
  );
  process.exit(name ? 2 : 0);
}
const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(`machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
await (await bench.load()).run(args);
