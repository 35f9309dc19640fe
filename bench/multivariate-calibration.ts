// `npm run bench -- multivariate [--workers N] [--scale X] [--seed N] [--skip-cost | --only-cost]`: the multivariate drift
// tests (domain classifier, MMD) with their defaults. Cost (CPU ms) by rows and columns; false
// alarms at alpha 0.01 on undrifted data at window sizes 200 to 100,000 (past the row caps the
// tests subsample), with the Clopper-Pearson upper 95% bound; power for a correlation flip that
// no marginal test sees (KS shown beside) and for small mean shifts of a 64-dimensional
// embedding. --scale multiplies every batch's checks (0.25 for a quick look). Prints markdown.
import { numberOption } from './args.js';
import { runWorkerPool } from './worker-pool.js';
import { availableParallelism } from 'node:os';
import { domainClassifierTest } from '../src/stats/domain-classifier.js';
import { mmdTest } from '../src/stats/mmd.js';
import { embedding, tabular } from '../test/helpers/multivariate.js';
import { upperBound95 } from './calibration-sim.js';
import { ALPHA, DEFAULTS_TEXT, RULES, rulesFor, SCENARIOS, type ScenarioName, type Tally, type Task } from './multivariate-sim.js';

const WORKER = new URL('./multivariate-worker.ts', import.meta.url).href;

/** Window sizes of the false-alarm runs and the checks at each (fewer where each check costs the most). */
const NULL_SIZES: Record<number, number> = { 200: 300, 1000: 150, 5000: 60, 10000: 60, 100000: 40 };
/** Window sizes and checks per cell of the power runs. */
const POWER_SIZES: Record<number, number> = { 200: 40, 1000: 40, 5000: 20 };

function plan(seed: number, scale: number): Task[] {
  const tasks: Omit<Task, 'id'>[] = [];
  const checks = (n: number) => Math.max(4, Math.round(n * scale));
  for (const scenario of Object.keys(SCENARIOS) as ScenarioName[]) {
    const sizes = SCENARIOS[scenario].drift ? POWER_SIZES : NULL_SIZES;
    for (const [n, reps] of Object.entries(sizes)) {
      tasks.push({
        scenario,
        n: Number(n),
        reps: checks(reps),
        seed: (seed * 1000 + tasks.length) >>> 0,
        rules: rulesFor(scenario, Number(n)),
      });
    }
  }
  return tasks.map((t, id) => ({ ...t, id })).sort((a, b) => Math.min(b.n, 5000) * b.reps - Math.min(a.n, 5000) * a.reps);
}

const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(1)}%`;

/** One table: a row per scenario and rule, a column per window size; false alarms carry the upper bound. */
function table(tasks: Task[], results: Map<number, Tally>, drift: boolean): string {
  const chosen = tasks.filter((t) => SCENARIOS[t.scenario].drift === drift);
  const sizes = [...new Set(chosen.map((t) => t.n))].sort((a, b) => a - b);
  const lines = [
    `| scenario | rule | ${sizes.map((n) => `n = ${n.toLocaleString('en-US')}`).join(' | ')} |`,
    `|---|---|${sizes.map(() => '---|').join('')}`,
  ];
  for (const scenario of Object.keys(SCENARIOS) as ScenarioName[]) {
    if (SCENARIOS[scenario].drift !== drift) continue;
    for (const rule of RULES) {
      if (!sizes.some((n) => rulesFor(scenario, n).includes(rule))) continue;
      const cells = sizes.map((n) => {
        const task = chosen.find((t) => t.scenario === scenario && t.n === n);
        const tally = task && results.get(task.id);
        if (!tally || !task.rules.includes(rule)) return '—';
        const x = tally.flagged[rule] ?? 0;
        return drift
          ? `${pct(x, tally.checks)} (${x}/${tally.checks})`
          : `${pct(x, tally.checks)} (${x}/${tally.checks}, ≤ ${pct(upperBound95(x, tally.checks), 1)})`;
      });
      lines.push(`| ${scenario} | ${rule} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** CPU ms of one call, median of `times`. */
function cpuMs(fn: () => unknown, times = 3): number {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = process.cpuUsage();
    fn();
    const u = process.cpuUsage(t);
    out.push((u.user + u.system) / 1000);
  }
  return out.sort((a, b) => a - b)[Math.floor(times / 2)]!;
}

function costTable(): string {
  const lines = ['| test | rows a side | columns | design columns / dims used | CPU ms |', '|---|---|---|---|---|'];
  for (const [rows, p] of [
    [1000, 5],
    [1000, 20],
    [5000, 5],
    [5000, 20],
  ] as const) {
    const a = tabular({ rows, p, rho: 0.5 }, 1);
    const b = tabular({ rows, p, rho: 0.5 }, 2);
    let design = 0;
    const ms = cpuMs(() => {
      design = domainClassifierTest(a, b).columns.design;
    });
    lines.push(`| classifier (with importance) | ${rows} | ${p} numeric | ${design} | ${ms.toFixed(0)} |`);
  }
  const vectorCases = [
    ['classifier', 1000, 64],
    ['classifier', 5000, 64],
    ['classifier', 1000, 1024],
    ['mmd', 1000, 5],
    ['mmd', 1000, 64],
    ['mmd', 1000, 1024],
  ] as const;
  for (const [test, rows, dim] of vectorCases) {
    const a = embedding(rows, dim, 1);
    const b = embedding(rows, dim, 2);
    let used = '';
    const ms = cpuMs(() => {
      const r = test === 'mmd' ? mmdTest(a, b) : domainClassifierTest(a, b);
      used = `${r.rows.usedPerSide}) | embedding ${dim} | ${'columns' in r ? r.columns.design : dim}`;
    }, 1);
    lines.push(`| ${test === 'mmd' ? 'mmd' : 'classifier (with importance)'} | ${rows} (used ${used} | ${ms.toFixed(0)} |`);
  }
  return lines.join('\n');
}

/** The command-line options: --workers N, --scale X, --seed N, --skip-cost, --only-cost. */
export async function run(args: string[]): Promise<void> {
  const workers = numberOption(args, '--workers', Math.min(2, availableParallelism()));
  const scale = numberOption(args, '--scale', 1);
  const seed = numberOption(args, '--seed', 1);
  const started = Date.now();
  console.log(`\nDefaults: ${DEFAULTS_TEXT}. Drift when p < ${ALPHA}. Baseline sample: 5,000 rows; windows of n rows.`);
  if (!args.includes('--skip-cost')) {
    console.log('\n### Cost (one test, CPU time on this machine)\n');
    console.log(costTable());
  }
  if (args.includes('--only-cost')) return;
  const tasks = plan(seed, scale);
  const results = await runWorkerPool<Task, Tally>(WORKER, tasks, workers);
  console.log('\n### False alarms (undrifted: baseline and window from one distribution)\n');
  console.log('Share of checks flagged; in brackets the count and the Clopper-Pearson upper 95% bound of the rate.\n');
  console.log(table(tasks, results, false));
  console.log('\n### Power (share of drifted checks flagged)\n');
  console.log(table(tasks, results, true));
  console.log('\nScenarios:');
  for (const [name, s] of Object.entries(SCENARIOS)) console.log(`- ${name}: ${s.text}`);
  // Wall time only: process.cpuUsage() in a worker counts the whole process, so per-test CPU would double count.
  console.log(`\nwall ${((Date.now() - started) / 1000).toFixed(0)} s with ${workers} workers, --scale ${scale}, --seed ${seed}`);
}
