// The simulation behind `npm run bench -- performance` (bench/performance-calibration.ts) and, smaller,
// test/performance-calibration.test.ts: labelled windows drawn from the same distribution as the
// baseline's validation rows (undrifted) or from a model that got worse (drifted), each scored with
// the product's own summarisePerformance and performanceDecision. Seeded: the same seed gives the
// same tables. The generator, the Clopper-Pearson bound and the flights file come from the feature
// calibration harness (bench/calibration-sim.ts, bench/calibration-data.ts).
import { type PerformanceDecisionOverrides, performanceDecision } from '../src/stats/performance-decision.js';
import { type PerformanceRows, summarisePerformance } from '../src/stats/performance.js';
import { Rng } from './calibration-sim.js';

/** Labelled rows of one model, in the shape summarisePerformance reads. */
export type Rows = PerformanceRows;

/** A source of labelled rows: a model and the data it is scored on. */
export interface Scenario {
  name: string;
  /** One line for the docs. */
  text: string;
  task: Rows['task'];
  /** n rows drawn from the undrifted distribution. */
  draw(n: number, rng: Rng): Rows;
  /** The drops a check can inject into a window (name -> rows of a worse model). */
  drops: Record<string, (n: number, rng: Rng) => Rows>;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Flips a share `f` of binary labels: accuracy falls by f (2 acc - 1), every metric with it. */
function flipLabels(rows: Rows, f: number, rng: Rng): Rows {
  if (rows.task !== 'binary') throw new Error('flipLabels needs binary rows');
  return { ...rows, labels: rows.labels.map((l) => (rng.next() < f ? 1 - (l as number) : l)) };
}

/** Replaces a share `f` of multi-class labels by another class, uniformly. */
function relabel(rows: Rows, f: number, k: number, rng: Rng): Rows {
  if (rows.task !== 'multiclass') throw new Error('relabel needs multi-class rows');
  return {
    ...rows,
    labels: rows.labels.map((l) => (rng.next() < f ? ((l as number) + 1 + Math.floor(rng.next() * (k - 1))) % k : l)),
  };
}

/** Scales every error: y + factor (ŷ - y). MAE and RMSE grow by the factor. */
function scaleErrors(rows: Rows, factor: number): Rows {
  if (rows.task !== 'regression') throw new Error('scaleErrors needs regression rows');
  const actual = rows.actual as number[];
  return { ...rows, predicted: (rows.predicted as number[]).map((p, i) => actual[i]! + factor * (p - actual[i]!)) };
}

/** The label share to flip for an accuracy drop of `points` (0.05 = 5 points), from the model's accuracy. */
const flipShare = (acc: number, points: number) => points / (2 * acc - 1);

/**
 * A logistic classifier that is right about its probabilities: x ~ N(0, 1), P(y = 1 | x) =
 * σ(a + b x), and the model's score is exactly that probability.
 */
export function logistic(name: string, a: number, b: number, text: string, options: { harmless?: boolean } = {}): Scenario {
  const draw = (n: number, rng: Rng): Rows => {
    const labels = new Array<number>(n);
    const scores = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a + b * rng.normal());
      scores[i] = p;
      labels[i] = rng.next() < p ? 1 : 0;
    }
    return { task: 'binary', labels, scores };
  };
  const acc = summarisePerformance(draw(200_000, new Rng(99))).metrics.accuracy!.value!;
  return {
    name,
    text: `${text}; accuracy ${acc.toFixed(3)}`,
    task: 'binary',
    draw,
    drops: {
      'accuracy -5 points': (n, rng) => flipLabels(draw(n, rng), flipShare(acc, 0.05), rng),
      // With balanced classes, flipped labels move every metric about as much as accuracy; with
      // rare positives they move recall and log loss far more, so there 1 point is not harmless.
      ...(options.harmless
        ? { 'accuracy -1 point (harmless)': (n: number, rng: Rng) => flipLabels(draw(n, rng), flipShare(acc, 0.01), rng) }
        : {}),
    },
  };
}

/** Four classes: logits N(0, 1) plus 1.5 on the true class; the model's probabilities are their softmax. */
export function multiclass(): Scenario {
  const k = 4;
  const draw = (n: number, rng: Rng): Rows => {
    const labels = new Array<number>(n);
    const predicted = new Array<number>(n);
    const probabilities = new Array<Record<string, number>>(n);
    const logits = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const truth = Math.floor(rng.next() * k);
      let total = 0;
      let best = 0;
      for (let c = 0; c < k; c++) {
        logits[c] = Math.exp(rng.normal() + (c === truth ? 1.5 : 0));
        total += logits[c]!;
        if (logits[c]! > logits[best]!) best = c;
      }
      const p: Record<string, number> = {};
      for (let c = 0; c < k; c++) p[c] = logits[c]! / total;
      labels[i] = truth;
      predicted[i] = best;
      probabilities[i] = p;
    }
    return { task: 'multiclass', labels, predicted, probabilities, classes: [0, 1, 2, 3] };
  };
  const acc = summarisePerformance(draw(100_000, new Rng(98))).metrics.accuracy!.value!;
  // Relabelling a share f moves accuracy from acc to acc (1 - f) + (1 - acc) f / (k - 1).
  const share = 0.05 / (acc - (1 - acc) / (k - 1));
  return {
    name: 'multi-class softmax',
    text: `4 balanced classes, logits N(0, 1) + 1.5 on the true class, probabilities their softmax; accuracy ${acc.toFixed(3)}`,
    task: 'multiclass',
    draw,
    drops: { 'accuracy -5 points': (n, rng) => relabel(draw(n, rng), share, k, rng) },
  };
}

/** A linear regression with Student t₅ noise: y = 2 + 3x + ε, ŷ = 2 + 3x. */
export function regression(): Scenario {
  const draw = (n: number, rng: Rng): Rows => {
    const actual = new Array<number>(n);
    const predicted = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      let chi = 0;
      for (let j = 0; j < 5; j++) chi += rng.normal() ** 2;
      predicted[i] = 2 + 3 * x;
      actual[i] = predicted[i]! + rng.normal() / Math.sqrt(chi / 5);
    }
    return { task: 'regression', actual, predicted };
  };
  return {
    name: 'regression, t5 noise',
    text: 'y = 2 + 3x + ε with Student t₅ noise (heavier tails than normal), ŷ = 2 + 3x',
    task: 'regression',
    draw,
    drops: { 'errors x1.25': (n, rng) => scaleErrors(draw(n, rng), 1.25) },
  };
}

/**
 * Rows of a real population, drawn with replacement: each row's label and the model's
 * prediction for it, as two parallel arrays.
 */
export interface RealPopulation {
  labels: Float64Array;
  scores: Float64Array;
}

/** A binary model on real rows: the population's label and score arrays, drawn with replacement. */
export function realBinary(name: string, text: string, pop: RealPopulation, threshold: number): Scenario {
  const draw = (n: number, rng: Rng): Rows => {
    const labels = new Array<number>(n);
    const scores = new Array<number>(n);
    const size = pop.labels.length;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rng.next() * size);
      labels[i] = pop.labels[j]!;
      scores[i] = pop.scores[j]!;
    }
    return { task: 'binary', labels, scores, threshold };
  };
  const acc = summarisePerformance(draw(200_000, new Rng(97))).metrics.accuracy!.value!;
  return {
    name,
    text: `${text}; accuracy ${acc.toFixed(3)}`,
    task: 'binary',
    draw,
    drops: { 'accuracy -5 points': (n, rng) => flipLabels(draw(n, rng), flipShare(acc, 0.05), rng) },
  };
}

/** A regression model on real rows (labels: actual values, scores: predictions), drawn with replacement. */
export function realRegression(name: string, text: string, pop: RealPopulation): Scenario {
  const draw = (n: number, rng: Rng): Rows => {
    const actual = new Array<number>(n);
    const predicted = new Array<number>(n);
    const size = pop.labels.length;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rng.next() * size);
      actual[i] = pop.labels[j]!;
      predicted[i] = pop.scores[j]!;
    }
    return { task: 'regression', actual, predicted };
  };
  return { name, text, task: 'regression', draw, drops: { 'errors x1.25': (n, rng) => scaleErrors(draw(n, rng), 1.25) } };
}

/** The synthetic scenarios, in table order. */
export function syntheticScenarios(): Scenario[] {
  return [
    logistic('logistic', 0.4, 1.6, 'binary, x ~ N(0, 1), P(y = 1) = σ(0.4 + 1.6x), the score that probability', { harmless: true }),
    logistic('logistic, 10% positives', -2.9, 1.5, 'binary, P(y = 1) = σ(-2.9 + 1.5x): about 10% positives, few predicted'),
    multiclass(),
    regression(),
  ];
}

/** Rows in the baseline's validation set. */
export const BASELINE_ROWS = 10_000;

/** Counts of a batch of checks of one scenario at one window size. */
export interface PerformanceTally {
  scenario: string;
  n: number;
  drop: string | null;
  checks: number;
  /** Checks with any metric flagged. */
  alarms: number;
  /** Checks with no decision (too few labelled rows). */
  undecided: number;
  /** Per metric: checks in which it was flagged, and in which it was tested. */
  flagged: Record<string, number>;
  tested: Record<string, number>;
}

/**
 * Runs `checks` checks of a scenario at window size n: a baseline of BASELINE_ROWS validation
 * rows (drawn afresh every `baselineEvery` checks, so the rate is over baselines too), then
 * windows of n rows, undrifted or with `drop`, each decided with `settings` (defaults unless given).
 */
export function simulatePerformance(options: {
  scenario: Scenario;
  n: number;
  checks: number;
  seed: number;
  drop?: string;
  baselineEvery?: number;
  baselineRows?: number;
  settings?: PerformanceDecisionOverrides;
}): PerformanceTally {
  const { scenario, n, checks, drop } = options;
  const rng = new Rng(options.seed);
  const windowOf = drop ? scenario.drops[drop] : scenario.draw;
  if (!windowOf) throw new Error(`scenario '${scenario.name}' has no drop '${drop}'; known: ${Object.keys(scenario.drops).join(', ')}`);
  const tally: PerformanceTally = {
    scenario: scenario.name,
    n,
    drop: drop ?? null,
    checks,
    alarms: 0,
    undecided: 0,
    flagged: {},
    tested: {},
  };
  let baseline = summarisePerformance(scenario.draw(options.baselineRows ?? BASELINE_ROWS, rng));
  for (let c = 0; c < checks; c++) {
    if (c > 0 && c % (options.baselineEvery ?? 10) === 0)
      baseline = summarisePerformance(scenario.draw(options.baselineRows ?? BASELINE_ROWS, rng));
    const decision = performanceDecision(baseline, summarisePerformance(windowOf(n, rng)), options.settings);
    if (!decision.decided) tally.undecided++;
    if (decision.drift) tally.alarms++;
    for (const m of decision.metrics) {
      if (m.tested) tally.tested[m.metric] = (tally.tested[m.metric] ?? 0) + 1;
      if (m.drifted) tally.flagged[m.metric] = (tally.flagged[m.metric] ?? 0) + 1;
    }
  }
  return tally;
}
