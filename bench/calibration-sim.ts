// The calibration simulation: undrifted and drifted windows drawn from feature populations,
// checked with the product's own code (computeAll + decide), beside two naive rules. Pure
// JavaScript and seeded: the same seed gives the same tables. Used by `npm run bench --
// calibration` (bench/calibration.ts) and, smaller, by test/calibration.test.ts.
import { DEFAULT_DECISION, type DecisionSettings } from '../src/config/decision.js';
import { type DecisionInput, decide } from '../src/checks/decision.js';
import { distinctEdges, edgeProbabilities, quantileSorted } from '../src/stats/bins.js';
import { computeAll } from '../src/stats/index.js';
import { meanAndStd, sortedBinCounts } from '../src/stats/sorted.js';
import type { StatValue } from '../src/stats/types.js';

/** sfc32: a small, fast, seedable generator; `next()` is uniform in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  /** Uniform in (0, 1): never 0, so logarithms are finite. */
  open(): number {
    return (Math.floor(this.next() * 4294967295) + 0.5) / 4294967296;
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.open())) * Math.cos(2 * Math.PI * this.next());
  }
}

/** A numeric feature's population: sorted values a window is drawn from (with replacement). */
export interface NumericPopulation {
  kind: 'numeric';
  name: string;
  group: string;
  population: Float64Array;
  /** When set, the baseline is these sorted values (a real training file) rather than a fresh draw. */
  fixedBaseline?: Float64Array;
}

/** A categorical feature's population: category shares a window is drawn from. */
export interface CategoricalPopulation {
  kind: 'categorical';
  name: string;
  group: string;
  labels: string[];
  shares: number[];
  /** When set, the baseline counts of a real training file rather than a fresh draw. */
  fixedBaseline?: number[];
}

export type Population = NumericPopulation | CategoricalPopulation;

/** Baseline sizes of drawn baselines: the profile's numeric sample size, and a categorical training set. */
export const BASELINE_NUMERIC = 10_000;
export const BASELINE_CATEGORICAL = 20_000;

/**
 * n sorted draws (with replacement) from sorted values, in O(n): sorted uniforms from
 * normalised cumulative exponential spacings, mapped to indices. No sort needed.
 */
export function sortedDraw(values: Float64Array, n: number, rng: Rng): Float64Array {
  const spacing = new Float64Array(n + 1);
  let total = 0;
  for (let i = 0; i <= n; i++) {
    total -= Math.log(rng.open());
    spacing[i] = total;
  }
  const out = new Float64Array(n);
  const size = values.length;
  for (let i = 0; i < n; i++) out[i] = values[Math.min(size - 1, Math.floor((spacing[i]! / total) * size))]!;
  return out;
}

/** Walker's alias table of a discrete distribution, for O(1) draws. */
export class Alias {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  constructor(shares: readonly number[]) {
    const k = shares.length;
    const total = shares.reduce((a, b) => a + b, 0);
    const scaled = shares.map((s) => (s / total) * k);
    this.prob = new Float64Array(k);
    this.alias = new Int32Array(k);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((s, i) => (s < 1 ? small : large).push(i));
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) this.prob[i] = 1;
  }
  /** Counts of n draws over the k outcomes. */
  counts(n: number, rng: Rng): number[] {
    const k = this.prob.length;
    const out = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      const u = rng.next() * k;
      const j = Math.floor(u);
      out[u - j < this.prob[j]! ? j : this.alias[j]!]!++;
    }
    return out;
  }
}

/** The drifts the harness injects into one feature of a check. */
export const DRIFTS = {
  'mean +0.1 SD': { kind: 'numeric', text: 'numeric mean shift of 0.1 standard deviation' },
  'mean +0.2 SD': { kind: 'numeric', text: 'numeric mean shift of 0.2 standard deviation' },
  'variance x1.3': { kind: 'numeric', text: 'variance times 1.3 (around the mean)' },
  'share +5 pts': { kind: 'categorical', text: "the most common category's share up 5 points (the others down in proportion)" },
  'share +10 pts': { kind: 'categorical', text: "the most common category's share up 10 points" },
  'new category 2%': { kind: 'categorical', text: 'a category the baseline never had, in 2% of the window' },
  'mean +0.03 SD (harmless)': { kind: 'numeric', text: 'a real but harmless shift of 0.03 SD: a good rule leaves it alone' },
} as const;
export type DriftName = keyof typeof DRIFTS;

/** A feature of a check with its baseline drawn: what the product would hold in a profile. */
interface PreparedFeature {
  pop: Population;
  baselineSorted?: Float64Array;
  edges?: number[];
  baselineBins: number[];
  baselineStd?: number;
  baselineMean?: number;
  /** Categorical: the alias table of the (undrifted) population shares. */
  alias?: Alias;
}

/** Draws (or takes) a feature's baseline, and everything the product derives from it. */
function prepare(pop: Population, rng: Rng): PreparedFeature {
  if (pop.kind === 'numeric') {
    const baselineSorted = pop.fixedBaseline ?? sortedDraw(pop.population, BASELINE_NUMERIC, rng);
    const edges = distinctEdges(edgeProbabilities(10).map((q) => quantileSorted(baselineSorted, q)));
    const { mean, std } = meanAndStd(baselineSorted);
    return { pop, baselineSorted, edges, baselineBins: sortedBinCounts(baselineSorted, edges), baselineStd: std, baselineMean: mean };
  }
  const alias = new Alias(pop.shares);
  const counts = pop.fixedBaseline ?? alias.counts(BASELINE_CATEGORICAL, rng);
  // Categories the drawn baseline happened not to see stay as bins with count 0, as the unseen bin does.
  return { pop, baselineBins: [...counts, 0], alias };
}

/** The shares of a categorical population after a drift (the last entry is the unseen bin). */
function driftedShares(shares: readonly number[], drift: DriftName): number[] {
  if (drift === 'new category 2%') return [...shares.map((s) => s * 0.98), 0.02];
  const delta = drift === 'share +10 pts' ? 0.1 : 0.05;
  const top = shares.indexOf(Math.max(...shares));
  const rest = 1 - shares[top]!;
  return [...shares.map((s, i) => (i === top ? s + delta : (s * (rest - delta)) / rest)), 0];
}

/** One window of a prepared feature, drifted or not, as the product's decision input. */
function window(f: PreparedFeature, n: number, rng: Rng, drift?: DriftName): DecisionInput {
  if (f.pop.kind === 'numeric') {
    const current = sortedDraw(f.pop.population, n, rng);
    const sd = f.baselineStd!;
    // Both drifts are monotone maps, so the window stays sorted.
    if (drift?.startsWith('mean')) {
      const shift = drift === 'mean +0.2 SD' ? 0.2 : drift === 'mean +0.1 SD' ? 0.1 : 0.03;
      for (let i = 0; i < n; i++) current[i] = current[i]! + shift * sd;
    } else if (drift === 'variance x1.3') {
      const mean = f.baselineMean!;
      const factor = Math.sqrt(1.3);
      for (let i = 0; i < n; i++) current[i] = mean + (current[i]! - mean) * factor;
    }
    const bins = { baseline: f.baselineBins, current: sortedBinCounts(current, f.edges!) };
    const stats = computeAll({ kind: 'numeric', bins, samples: { baseline: f.baselineSorted!, current, baselineStd: sd } });
    return {
      kind: 'numeric',
      stats,
      counts: bins,
      sampleSizes: { baseline: f.baselineSorted!.length, current: n },
      baseline: { sorted: f.baselineSorted!, std: sd },
    };
  }
  const counts = drift ? new Alias(driftedShares(f.pop.shares, drift)).counts(n, rng) : [...f.alias!.counts(n, rng), 0];
  const bins = { baseline: f.baselineBins, current: counts };
  return { kind: 'categorical', stats: computeAll({ kind: 'categorical', bins }), counts: bins, labels: [...f.pop.labels, '(unseen)'] };
}

/** The rules compared in one run: driftwatch's decision and the two naive ones. */
export const RULES = ['driftwatch', 'PSI > 0.1', 'p < 0.05'] as const;
export type RuleName = (typeof RULES)[number];

const testP = (stats: Record<string, StatValue>) => {
  const t = stats.ks ?? stats.chi2;
  return typeof t === 'object' ? t.pvalue : NaN;
};

/** Which features each rule flags in one check. */
export function flags(inputs: readonly DecisionInput[], settings: DecisionSettings): Record<RuleName, boolean[]> {
  const decisions = decide(inputs, settings);
  return {
    driftwatch: decisions.map((d) => d.drift),
    'PSI > 0.1': inputs.map((f) => (f.stats.psi as number) > 0.1),
    'p < 0.05': inputs.map((f) => testP(f.stats) < 0.05),
  };
}

/** Counts of a batch of simulated checks at one window size. */
export interface Tally {
  n: number;
  checks: number;
  /** Checks in which the rule flagged at least one undrifted feature. */
  falseAlarms: Record<RuleName, number>;
  /** Checks in which the rule flagged the drifted feature (drifted batches only). */
  detected: Record<RuleName, number>;
}

const zero = () => Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>;

/**
 * Simulates `checks` checks of all `populations` at window size n. With a drift, each check
 * injects it into one feature of the drift's kind among `targets` (in turn), and counts whether
 * each rule flags that feature; false alarms count the other features. A fresh baseline is drawn
 * every `baselineEvery` checks (fixed baselines stay), so the rate is over baselines too.
 */
export function simulate(options: {
  populations: readonly Population[];
  n: number;
  checks: number;
  seed: number;
  drift?: DriftName;
  /** Names of the features the drift may go into (default: every feature of its kind). */
  targets?: readonly string[];
  settings?: DecisionSettings;
  baselineEvery?: number;
}): Tally {
  const { populations, n, checks, drift } = options;
  const settings = options.settings ?? DEFAULT_DECISION;
  const rng = new Rng(options.seed);
  const targets = drift
    ? populations
        .map((p, i) => ({ p, i }))
        .filter(({ p }) => p.kind === DRIFTS[drift].kind && (!options.targets || options.targets.includes(p.name)))
        .map(({ i }) => i)
    : [];
  if (drift && targets.length === 0) throw new Error(`no ${DRIFTS[drift].kind} feature to inject '${drift}' into`);
  const tally: Tally = { n, checks, falseAlarms: zero(), detected: zero() };
  let prepared: PreparedFeature[] = [];
  for (let c = 0; c < checks; c++) {
    if (c % (options.baselineEvery ?? 1) === 0) prepared = populations.map((p) => prepare(p, rng));
    const target = drift ? targets[c % targets.length]! : -1;
    const inputs = prepared.map((f, i) => window(f, n, rng, i === target ? drift : undefined));
    const flagged = flags(inputs, settings);
    for (const rule of RULES) {
      if (flagged[rule].some((f, i) => f && i !== target)) tally.falseAlarms[rule]++;
      if (target >= 0 && flagged[rule][target]) tally.detected[rule]++;
    }
  }
  return tally;
}

/** ln P(X = k) for X ~ Binomial(n, p). */
function logBinomialPmf(k: number, n: number, p: number, logChoose: number): number {
  return logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/**
 * The one-sided 95% upper confidence bound of a proportion (Clopper-Pearson): the p at which
 * P(X <= x) = 0.05 for X ~ Binomial(n, p), by bisection.
 */
export function upperBound95(x: number, n: number): number {
  if (x >= n) return 1;
  const logChooses: number[] = [];
  let lc = 0;
  for (let k = 0; k <= x; k++) {
    logChooses.push(lc);
    lc += Math.log(n - k) - Math.log(k + 1);
  }
  const cdf = (p: number) => logChooses.reduce((s, l, k) => s + Math.exp(logBinomialPmf(k, n, p, l)), 0);
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) > 0.05) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Synthetic populations: numeric shapes that stress KS and the bins, categorical ones up to a 200-category Zipf. */
export function syntheticPopulations(seed: number, poolSize = 1_000_000): Population[] {
  const rng = new Rng(seed);
  const numeric = (name: string, draw: () => number): NumericPopulation => {
    const values = new Float64Array(poolSize);
    for (let i = 0; i < poolSize; i++) values[i] = draw();
    return { kind: 'numeric', name, group: 'synthetic', population: values.sort() };
  };
  const poisson = (lambda: number) => {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= rng.next();
    } while (p > l);
    return k - 1;
  };
  const zipf = (k: number, s: number) => Array.from({ length: k }, (_, i) => 1 / (i + 1) ** s);
  const categorical = (name: string, weights: number[]): CategoricalPopulation => {
    const total = weights.reduce((a, b) => a + b, 0);
    return { kind: 'categorical', name, group: 'synthetic', labels: weights.map((_, i) => `c${i}`), shares: weights.map((w) => w / total) };
  };
  return [
    numeric('normal', () => rng.normal()),
    numeric('lognormal', () => Math.exp(rng.normal())),
    numeric('gamma(2)', () => -Math.log(rng.open()) - Math.log(rng.open())),
    numeric('poisson(3)', () => poisson(3)),
    numeric('bimodal', () => (rng.next() < 0.3 ? 4 : 0) + rng.normal()),
    numeric('student-t3', () => rng.normal() / Math.sqrt((rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2) / 3)),
    numeric('zero-inflated', () => (rng.next() < 0.6 ? 0 : Math.exp(rng.normal()))),
    categorical('zipf-200', zipf(200, 1)),
    categorical('binary', [0.3, 0.7]),
    categorical('five', [0.35, 0.25, 0.2, 0.12, 0.08]),
    categorical('zipf-20', zipf(20, 1.2)),
  ];
}
