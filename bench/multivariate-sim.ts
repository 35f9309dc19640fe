// The simulation behind `npm run bench -- multivariate` and test/multivariate-calibration.test.ts:
// seeded baselines and windows of one scenario, each test run with the product's defaults
// (src/stats/domain-classifier.ts, src/stats/mmd.ts, src/stats/ks.ts), counting how often each flags.
import { DOMAIN_CLASSIFIER_DEFAULTS, domainClassifierTest } from '../src/stats/domain-classifier.js';
import { ksTwoSample } from '../src/stats/ks.js';
import { MMD_DEFAULTS, mmdTest } from '../src/stats/mmd.js';
import { type MultivariateSample, streamSeed } from '../src/stats/multivariate-sample.js';
import { embedding, tabular } from '../test/helpers/multivariate.js';

/** Rows of the baseline sample a profile keeps (the classifier's default cap a side). */
export const BASELINE_ROWS = DOMAIN_CLASSIFIER_DEFAULTS.maxRowsPerSide;

/** The level of every rule: drift when p < ALPHA (the tests' default threshold). */
export const ALPHA = 0.01;

/** What each scenario draws for the baseline and the window; `drift` says whether the window moved. */
export const SCENARIOS = {
  gaussian: {
    text: '5 normal features, x0 and x1 correlated 0.5',
    drift: false,
    draw: (rows: number, seed: number, _window: boolean) => tabular({ rows, p: 5, rho: 0.5 }, seed),
  },
  mixed: {
    text: '4 numeric (2 normal, correlated 0.3; 2 lognormal) and 1 categorical (3 categories)',
    drift: false,
    draw: (rows: number, seed: number, _window: boolean) => tabular({ rows, p: 4, rho: 0.3, skewed: true, categorical: true }, seed),
  },
  embedding: {
    text: '64-dimensional embedding, standard normal',
    drift: false,
    draw: (rows: number, seed: number, _window: boolean) => embedding(rows, 64, seed),
  },
  'correlation flip': {
    text: '5 normal features; corr(x0, x1) goes from +0.3 to -0.3, every marginal stays N(0, 1)',
    drift: true,
    draw: (rows: number, seed: number, window: boolean) => tabular({ rows, p: 5, rho: window ? -0.3 : 0.3 }, seed),
  },
  'embedding shift': {
    text: '64-dimensional embedding; mean +0.1 SD in every dimension',
    drift: true,
    draw: (rows: number, seed: number, window: boolean) => embedding(rows, 64, seed, window ? 0.1 : 0),
  },
  'embedding shift, 5% of dims': {
    text: '64-dimensional embedding; mean +0.3 SD in 3 of the 64 dimensions',
    drift: true,
    draw: (rows: number, seed: number, window: boolean) => embedding(rows, 64, seed, window ? 0.3 : 0, 3),
  },
} as const;
export type ScenarioName = keyof typeof SCENARIOS;

/** The rules the harness counts. 'classifier (Mann-Whitney)' is the classifier's asymptotic p-value, shown to judge it, not used. */
export const RULES = ['classifier', 'classifier (Mann-Whitney)', 'mmd', 'ks (Bonferroni)'] as const;
export type RuleName = (typeof RULES)[number];

/**
 * Which rules run on a scenario at a window size: MMD on numbers only, and on the tabular null
 * scenarios not at all (it is the embedding test; its cost would double the run); KS per feature
 * where a marginal test is the point of comparison; the classifier on embeddings up to 5,000 rows.
 */
export function rulesFor(scenario: ScenarioName, n: number): RuleName[] {
  const classifier: RuleName[] = ['classifier', 'classifier (Mann-Whitney)'];
  switch (scenario) {
    case 'gaussian':
      return [...classifier, 'ks (Bonferroni)'];
    case 'mixed':
      return classifier;
    case 'embedding':
      return n <= 5000 ? [...classifier, 'mmd'] : ['mmd'];
    case 'correlation flip':
      return [...classifier, 'mmd', 'ks (Bonferroni)'];
    default:
      return [...classifier, 'mmd'];
  }
}

/** One batch: `reps` checks of one scenario at one window size. */
export interface Task {
  id: number;
  scenario: ScenarioName;
  /** Window rows (the baseline keeps BASELINE_ROWS). */
  n: number;
  reps: number;
  seed: number;
  rules: RuleName[];
}

/** What a batch counted: checks flagged per rule. */
export interface Tally {
  checks: number;
  flagged: Partial<Record<RuleName, number>>;
}

/** A seed per (batch seed, rep, side), hashed: no two draws of a run share a seed (so no window repeats a baseline). */
function repSeed(seed: number, rep: number, side: number): number {
  return streamSeed(seed, rep * 2 + side);
}

/**
 * KS on every numeric column, flagged when the smallest p-value is below ALPHA / columns
 * (Bonferroni): the per-feature test a marginal drift check runs.
 */
export function ksFlags(baseline: MultivariateSample, window: MultivariateSample): boolean {
  const numeric = baseline.columns.flatMap((c, i) => (c.kind === 'numeric' ? [i] : []));
  const sorted = (s: MultivariateSample, i: number) => Float64Array.from(s.columns[i]!.values as ArrayLike<number>).sort();
  return numeric.some((i) => ksTwoSample(sorted(baseline, i), sorted(window, i)).pvalue < ALPHA / numeric.length);
}

/** Runs a batch with the tests' defaults. */
export function runTask(task: Task): Tally {
  const tally: Tally = { checks: task.reps, flagged: {} };
  const add = (rule: RuleName, flagged: boolean) => {
    tally.flagged[rule] = (tally.flagged[rule] ?? 0) + (flagged ? 1 : 0);
  };
  const scenario = SCENARIOS[task.scenario];
  for (let rep = 0; rep < task.reps; rep++) {
    const baseline = scenario.draw(BASELINE_ROWS, repSeed(task.seed, rep, 0), false);
    const window = scenario.draw(task.n, repSeed(task.seed, rep, 1), true);
    if (task.rules.includes('classifier')) {
      // Importance does not enter the p-value: left out here, it would only cost time.
      const r = domainClassifierTest(baseline, window, { seed: rep, importanceRepeats: 0 });
      add('classifier', r.pvalue < ALPHA);
      add('classifier (Mann-Whitney)', r.pvalueMannWhitney < ALPHA);
    }
    if (task.rules.includes('mmd')) add('mmd', mmdTest(baseline, window, { seed: rep }).pvalue < ALPHA);
    if (task.rules.includes('ks (Bonferroni)')) add('ks (Bonferroni)', ksFlags(baseline, window));
  }
  return tally;
}

/** The defaults the harness runs with, for the page. */
export const DEFAULTS_TEXT = `classifier: ${DOMAIN_CLASSIFIER_DEFAULTS.folds} folds, ${DOMAIN_CLASSIFIER_DEFAULTS.permutations} permutations, at most ${DOMAIN_CLASSIFIER_DEFAULTS.maxRowsPerSide} rows a side; mmd: ${MMD_DEFAULTS.permutations} permutations, bandwidth ${MMD_DEFAULTS.bandwidth}, at most ${MMD_DEFAULTS.maxRowsPerSide} rows a side`;
