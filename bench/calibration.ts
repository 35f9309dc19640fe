// `npm run bench -- calibration [--quick] [--workers N] [--seed N] [--write]`: how often each rule
// pages people for nothing (false alarms per check of 20 undrifted features) and how often it
// finds a real drift (power), by window size from 50 to 100,000, with driftwatch's decision (the
// product's own computeAll + decide) beside the naive rules in the same run. `--write` puts the
// tables into docs/statistics.md (between the calibration markers) and the chart into docs/calibration.svg.
import { numberOption } from './args.js';
import { runWorkerPool } from './worker-pool.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DECISION } from '../src/config/decision.js';
import { chartSvg, driftList, falseAlarmTable, powerTable, type Result, targetLines } from './calibration-report.js';
import { DRIFTS, type DriftName, type Tally } from './calibration-sim.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CHART = join(ROOT, 'docs', 'calibration.svg');
const PAGE = join(ROOT, 'docs', 'statistics.md');
const WORKER = new URL('./calibration-worker.ts', import.meta.url).href;
const START = '<!-- calibration:start -->';
const END = '<!-- calibration:end -->';

/** Window sizes of the run. */
export const SIZES = [50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

/** Undrifted checks per window size: many where false alarms can happen (small n, cheap), fewer where they cannot. */
const NULL_CHECKS: Record<number, number> = {
  50: 4000,
  100: 4000,
  200: 3000,
  500: 2000,
  1000: 1500,
  2000: 1000,
  5000: 600,
  10000: 600,
  20000: 400,
  50000: 500,
  100000: 500,
};
const POWER_CHECKS = 100;

/** One batch of simulated checks, as a worker receives it. */
export interface Task {
  id: number;
  n: number;
  checks: number;
  seed: number;
  drift: DriftName | null;
  targets: 'large' | 'seattle';
}

/** A seed per batch from the run's seed, the window size and the drift: the same batch gets the same draws. */
function batchSeed(seed: number, n: number, drift: string | null, targets: string): number {
  let h = 2166136261 ^ seed;
  for (const ch of `${n}|${drift ?? 'none'}|${targets}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

function plan(seed: number, quick: boolean): Task[] {
  const tasks: Omit<Task, 'id' | 'seed'>[] = [];
  for (const n of SIZES) tasks.push({ n, checks: quick ? 300 : NULL_CHECKS[n]!, drift: null, targets: 'large' });
  for (const drift of Object.keys(DRIFTS) as DriftName[]) {
    for (const n of SIZES) tasks.push({ n, checks: quick ? 30 : POWER_CHECKS, drift, targets: 'large' });
  }
  for (const drift of ['mean +0.2 SD', 'share +10 pts'] as const) {
    for (const n of SIZES) tasks.push({ n, checks: quick ? 30 : POWER_CHECKS, drift, targets: 'seattle' });
  }
  // Biggest batches first, so the workers finish together.
  return tasks
    .map((t, id) => ({ ...t, id, seed: batchSeed(seed, t.n, t.drift, t.targets) }))
    .sort((a, b) => b.n * b.checks - a.n * a.checks);
}

function section(results: Result[], meta: { command: string; machine: string; seconds: number }): string {
  const settings = DEFAULT_DECISION;
  return [
    START,
    `Measured with \`${meta.command}\` (${meta.machine}; ${Math.round(meta.seconds / 60)} min). Every check has the same 20 features:`,
    '7 synthetic numeric (normal, lognormal, gamma, Poisson counts, bimodal, Student t₃, zero-inflated), 4 synthetic categorical',
    '(a 200-category Zipf, binary, 5 and 20 categories), the 5 features of the Seattle weather of 2012 (`test/fixtures/seattle_2012.csv`,',
    'its 366 rows as the baseline) and 4 of the 3,000,000 real 2001 US flights of `vega-datasets` (delay, distance, origin, destination).',
    `driftwatch runs with its defaults: alpha ${settings.alpha} per check, ${settings.correction}, minimum effects ${Object.entries(
      settings.minEffect,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    '**False alarms per check** (share of undrifted checks in which the rule flags any feature; the count in brackets, and the',
    "Clopper-Pearson upper 95% bound of driftwatch's rate):",
    '',
    falseAlarmTable(results),
    '',
    '**Power** (share of checks in which driftwatch flags the drifted feature; one feature of the check drifts, in turn each',
    `feature of the drift's kind whose baseline has 10,000+ values, ${results.find((r) => r.drift !== null)?.tally.checks ?? 0} checks per cell). The drifts:`,
    '',
    driftList(),
    '',
    powerTable(results),
    '',
    'The naive rules on the same drifted checks (they find more at small n only because they fire on everything, see above):',
    '',
    powerTable(
      results.filter((r) => r.targets === 'large'),
      ['PSI > 0.1', 'p < 0.05'],
    ),
    '',
    'Targets of issue 6:',
    '',
    ...targetLines(results),
    '',
    '![False alarms per check and power against window size](calibration.svg)',
    END,
  ].join('\n');
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const write = args.includes('--write');
  const flag = (name: string, fallback: number) => numberOption(args, name, fallback);
  const seed = flag('--seed', 6);
  const workers = Math.max(1, flag('--workers', Math.min(2, availableParallelism())));
  const tasks = plan(seed, quick);
  console.log(
    `calibration: ${tasks.length} batches, ${tasks.reduce((s, t) => s + t.checks, 0).toLocaleString('en-US')} checks of 20 features, ${workers} worker(s), seed ${seed}${quick ? ', quick' : ''}`,
  );
  const started = Date.now();
  const tallies = await runWorkerPool<Task, Tally>(WORKER, tasks, workers, { seed });
  const seconds = (Date.now() - started) / 1000;
  const results: Result[] = tasks.map((t) => ({ drift: t.drift, targets: t.targets, tally: tallies.get(t.id)! }));

  console.log('\nFalse alarms per check (20 undrifted features):\n');
  console.log(falseAlarmTable(results));
  console.log('\nPower, driftwatch:\n');
  console.log(powerTable(results));
  console.log('\nPower, naive rules:\n');
  console.log(
    powerTable(
      results.filter((r) => r.targets === 'large'),
      ['PSI > 0.1', 'p < 0.05'],
    ),
  );
  console.log(`\nDrifts:\n${driftList()}\n\nTargets:\n${targetLines(results).join('\n')}\n`);
  console.log(`${seconds.toFixed(0)} s`);

  if (write) {
    mkdirSync(dirname(CHART), { recursive: true });
    writeFileSync(CHART, chartSvg(results));
    const readme = readFileSync(PAGE, 'utf8');
    const from = readme.indexOf(START);
    const to = readme.indexOf(END);
    if (from < 0 || to < from) throw new Error(`docs/statistics.md has no ${START} ... ${END} section to write into`);
    const { cpus } = await import('node:os');
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
    const command = `npm run bench -- calibration --write${seed !== 6 ? ` --seed ${seed}` : ''}${quick ? ' --quick' : ''}`;
    writeFileSync(PAGE, readme.slice(0, from) + section(results, { command, machine, seconds }) + readme.slice(to + END.length));
    console.log(`wrote ${CHART} and the calibration section of docs/statistics.md`);
  }
}
