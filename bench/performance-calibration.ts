// `npm run bench -- performance [--quick] [--workers N] [--seed N] [--write]`: how often the
// performance decision (src/stats/performance-decision.ts) pages people for nothing (false alarms
// per check on undrifted labelled windows) and how often it finds a real drop (power), by window
// size from 50 to 100,000, for simulated models and a real one (2001 US flights). `--write` puts
// the tables into docs/performance.md (between the performance-calibration markers) and the
// counts into docs/performance-calibration.json.
import { numberOption } from './args.js';
import { runWorkerPool } from './worker-pool.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PERFORMANCE_DECISION } from '../src/stats/performance-decision.js';
import { Database } from '../src/store/database.js';
import { FLIGHTS_PARQUET } from './calibration-data.js';
import { upperBound95 } from './calibration-sim.js';
import {
  BASELINE_ROWS,
  type PerformanceTally,
  type RealPopulation,
  realBinary,
  realRegression,
  type Scenario,
  syntheticScenarios,
} from './performance-calibration-sim.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PAGE = join(ROOT, 'docs', 'performance.md');
export const RESULTS = join(ROOT, 'docs', 'performance-calibration.json');
const WORKER = new URL('./performance-calibration-worker.ts', import.meta.url).href;
const START = '<!-- performance-calibration:start -->';
const END = '<!-- performance-calibration:end -->';

/** Window sizes of the run. */
export const SIZES = [50, 200, 500, 1000, 5000, 10_000, 50_000, 100_000];

/**
 * Undrifted checks per window size: many where false alarms can happen (small n, cheap), and at
 * least 300 everywhere, the fewest for which 0 alarms puts the upper 95% bound under 1%.
 */
const NULL_CHECKS: Record<number, number> = { 50: 3000, 200: 2000, 500: 1500, 1000: 1000, 5000: 400, 10000: 300, 50000: 300, 100000: 300 };
/** Drifted checks per window size: fewer at 100,000, where every drop of the run is found. */
const POWER_CHECKS: Record<number, number> = { 50: 200, 200: 200, 500: 200, 1000: 200, 5000: 200, 10000: 100, 50000: 50, 100000: 30 };

/** Flights with a delay of more than 15 minutes are late. */
const LATE_MINUTES = 15;
const FLIGHTS_THRESHOLD = 0.3;

/**
 * The real-data models on 2001 US flights (vega-datasets' 3,000,000 rows): a classifier of
 * "more than 15 minutes late" whose score is the late share of the flight's (origin, hour of
 * day) over the whole year, and a regression of the delay on the mean delay of the same group.
 * Lookup tables fitted on the population itself, so they are as good on every draw from it;
 * delays are heavy-tailed (minutes, up to hours), the hard case for MAE and RMSE intervals.
 */
export async function flightsScenarios(): Promise<Scenario[]> {
  const db = await Database.open();
  try {
    await db.run(
      `CREATE TEMP TABLE flights AS
       SELECT row_number() OVER () AS r, delay::DOUBLE AS delay, (delay > ${LATE_MINUTES})::DOUBLE AS late,
              avg((delay > ${LATE_MINUTES})::DOUBLE) OVER (PARTITION BY origin, hour(date)) AS score,
              avg(delay::DOUBLE) OVER (PARTITION BY origin, hour(date)) AS predicted
       FROM read_parquet('${FLIGHTS_PARQUET.replaceAll("'", "''")}') WHERE delay IS NOT NULL`,
    );
    const column = (name: string) => db.doubles(`SELECT ${name} FROM flights ORDER BY r`);
    const late: RealPopulation = { labels: await column('late'), scores: await column('score') };
    const delay: RealPopulation = { labels: await column('delay'), scores: await column('predicted') };
    return [
      realBinary(
        'flights, late',
        `2001 US flights, ${late.labels.length.toLocaleString('en-US')} rows: late by more than ${LATE_MINUTES} min, score = the late share of the flight's (origin, hour), threshold ${FLIGHTS_THRESHOLD}`,
        late,
        FLIGHTS_THRESHOLD,
      ),
      realRegression(
        'flights, delay',
        "2001 US flights: delay in minutes, predicted by the mean delay of the flight's (origin, hour)",
        delay,
      ),
    ];
  } finally {
    db.close();
  }
}

/** Every scenario of a run, in table order. */
export async function allScenarios(): Promise<Scenario[]> {
  return [...syntheticScenarios(), ...(await flightsScenarios())];
}

/** One batch of checks, as a worker receives it. */
export interface PerformanceTask {
  id: number;
  scenario: string;
  n: number;
  checks: number;
  seed: number;
  drop: string | null;
}

function batchSeed(seed: number, key: string): number {
  let h = 2166136261 ^ seed;
  for (const ch of key) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

function plan(scenarios: readonly Scenario[], seed: number, quick: boolean): PerformanceTask[] {
  const tasks: Omit<PerformanceTask, 'id' | 'seed'>[] = [];
  for (const s of scenarios) {
    for (const n of SIZES)
      tasks.push({ scenario: s.name, n, checks: quick ? Math.ceil(NULL_CHECKS[n]! / 10) : NULL_CHECKS[n]!, drop: null });
    for (const drop of Object.keys(s.drops)) {
      for (const n of SIZES) tasks.push({ scenario: s.name, n, checks: quick ? 10 : POWER_CHECKS[n]!, drop });
    }
  }
  // The multi-class model costs ~4 times as much per row (four one-vs-rest AUCs, an object per row).
  const weight = (name: string) => (scenarios.find((s) => s.name === name)?.task === 'multiclass' ? 4 : 1);
  const cost = (t: Omit<PerformanceTask, 'id' | 'seed'>) => weight(t.scenario) * t.checks * (t.n + BASELINE_ROWS / 10);
  return tasks
    .map((t, id) => ({ ...t, id, seed: batchSeed(seed, `${t.scenario}|${t.n}|${t.drop ?? 'none'}`) }))
    .sort((a, b) => cost(b) - cost(a));
}

const percent = (x: number) =>
  x === 0 ? '0%' : x < 0.001 ? `${(x * 100).toFixed(2)}%` : x < 0.1 ? `${(x * 100).toFixed(1)}%` : `${Math.round(x * 100)}%`;
const count = (n: number) => n.toLocaleString('en-US');

/** False alarms per check: one row per scenario and window size. */
export function falseAlarmTable(tallies: readonly PerformanceTally[], scenarios: readonly Scenario[]): string {
  const lines = [
    '| model | window n | checks | false alarms | rate | upper 95% bound | undecided | metrics that fired |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of scenarios) {
    for (const t of tallies.filter((x) => x.scenario === s.name && x.drop === null).sort((a, b) => a.n - b.n)) {
      const fired = Object.entries(t.flagged)
        .sort((a, b) => b[1] - a[1])
        .map(([m, c]) => `${m} ${c}`)
        .join(', ');
      lines.push(
        `| ${s.name} | ${count(t.n)} | ${count(t.checks)} | ${t.alarms} | ${percent(t.alarms / t.checks)} | ${(upperBound95(t.alarms, t.checks) * 100).toFixed(2)}% | ${t.undecided ? count(t.undecided) : ''} | ${fired} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Power: share of drifted checks with an alarm, per scenario and drop, by window size. */
export function powerTable(tallies: readonly PerformanceTally[], scenarios: readonly Scenario[]): string {
  const lines = [`| model | drop | ${SIZES.map(count).join(' | ')} |`, `|---|---|${SIZES.map(() => '---:').join('|')}|`];
  for (const s of scenarios) {
    for (const drop of Object.keys(s.drops)) {
      const cells = SIZES.map((n) => {
        const t = tallies.find((x) => x.scenario === s.name && x.drop === drop && x.n === n);
        return t ? percent(t.alarms / t.checks) : '';
      });
      lines.push(`| ${s.name} | ${drop} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The target of issue 17 checked against the results: false alarms at most 1% per check in every cell. */
export function targetLine(tallies: readonly PerformanceTally[]): string {
  const nulls = tallies.filter((t) => t.drop === null);
  const worst = nulls.reduce((w, t) => (upperBound95(t.alarms, t.checks) > upperBound95(w.alarms, w.checks) ? t : w));
  const bound = upperBound95(worst.alarms, worst.checks);
  return `- false alarms at most 1% per check in every cell (upper 95% bound): worst ${(bound * 100).toFixed(2)}% (${worst.scenario}, n = ${count(worst.n)}, ${worst.alarms} of ${count(worst.checks)}), **${bound <= 0.01 ? 'met' : 'missed'}**`;
}

function section(
  tallies: PerformanceTally[],
  scenarios: Scenario[],
  meta: { command: string; machine: string; seconds: number; cpuSeconds: number },
): string {
  const d = DEFAULT_PERFORMANCE_DECISION;
  const minDrops = Object.entries(d.minDrop)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    START,
    `Measured with \`${meta.command}\` (${meta.machine}; ${Math.round(meta.seconds)} s wall, ${Math.round(meta.cpuSeconds)} s of CPU). Each check compares a window with a baseline of`,
    `${count(BASELINE_ROWS)} validation rows of the same model (a fresh baseline every 10 checks), with the defaults: alpha ${d.alpha} per check, Holm,`,
    `at least ${d.minRows} labelled rows and ${d.minClassRows} per class, minimum drops ${minDrops} (relative for the losses). The models:`,
    '',
    ...scenarios.map((s) => `- **${s.name}**: ${s.text}.`),
    '',
    '**False alarms per check** (undrifted windows drawn from the same distribution as the baseline; a check is a false alarm when any',
    'metric fires; the Clopper-Pearson upper 95% bound of the rate):',
    '',
    falseAlarmTable(tallies, scenarios),
    '',
    '**Power** (share of checks with an alarm when the window comes from a worse model). `accuracy -5 points` flips a share of the labels',
    "chosen so that the model's accuracy falls by 5 points (multi-class: relabels to another class); `errors x1.25` moves every prediction",
    '25% further from the truth; `accuracy -1 point (harmless)` is a real drop smaller than the 2 points that matter, which a good rule leaves alone:',
    '',
    powerTable(tallies, scenarios),
    '',
    'Target of issue 17:',
    '',
    targetLine(tallies),
    END,
  ].join('\n');
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const write = args.includes('--write');
  const flag = (name: string, fallback: number) => numberOption(args, name, fallback);
  const seed = flag('--seed', 17);
  const workers = Math.max(1, flag('--workers', Math.min(2, availableParallelism())));
  const started = Date.now();
  // The whole process, worker threads included (getrusage), so the cost shows on a shared machine too.
  const cpuStarted = process.cpuUsage();
  const scenarios = await allScenarios();
  const tasks = plan(scenarios, seed, quick);
  console.log(
    `performance calibration: ${scenarios.length} models, ${tasks.length} batches, ${count(tasks.reduce((s, t) => s + t.checks, 0))} checks, ${workers} worker(s), seed ${seed}${quick ? ', quick' : ''}`,
  );
  const results = await runWorkerPool<PerformanceTask, PerformanceTally>(WORKER, tasks, workers);
  const seconds = (Date.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpuStarted);
  const cpuSeconds = (user + system) / 1e6;
  const tallies = tasks.map((t) => results.get(t.id)!);
  console.log('\nFalse alarms per check:\n');
  console.log(falseAlarmTable(tallies, scenarios));
  console.log('\nPower:\n');
  console.log(powerTable(tallies, scenarios));
  console.log(`\n${targetLine(tallies)}\n\n${seconds.toFixed(0)} s wall, ${cpuSeconds.toFixed(0)} s of CPU`);
  if (write) {
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
    const command = `npm run bench -- performance --write${seed !== 17 ? ` --seed ${seed}` : ''}${quick ? ' --quick' : ''}`;
    writeFileSync(
      RESULTS,
      `${JSON.stringify({ command, machine, seconds: Math.round(seconds), cpuSeconds: Math.round(cpuSeconds), seed, baselineRows: BASELINE_ROWS, settings: DEFAULT_PERFORMANCE_DECISION, tallies }, null, 1)}\n`,
    );
    const page = readFileSync(PAGE, 'utf8');
    const from = page.indexOf(START);
    const to = page.indexOf(END);
    if (from < 0 || to < from) throw new Error(`docs/performance.md has no ${START} ... ${END} section to write into`);
    writeFileSync(
      PAGE,
      page.slice(0, from) + section(tallies, scenarios, { command, machine, seconds, cpuSeconds }) + page.slice(to + END.length),
    );
    console.log(`wrote ${RESULTS} and the calibration section of docs/performance.md`);
  }
}
