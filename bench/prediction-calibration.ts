// `npm run bench -- prediction-calibration [--checks N] [--seed N] [--sizes 50,200]`: false alarms per check when
// the baseline has a prediction (issue 17). Each undrifted check compares 3 normal features and a
// score that depends on two of them (sigmoid(x0 + x1)) with a 5,000-row baseline drawn the same
// way, through the product's own path (numericCurrentFrom, predictionCurrentFrom, compareCurrents:
// one Holm family over the features and the prediction). It counts checks that raised any drift,
// and those where the prediction drifted, with the default rule and with the evidence alone (no
// minimum effect), so the family's bound (alpha = 0.01 per check) is seen without the size half.
import { numberOption, optionText } from './args.js';
import { numericProfile } from '../test/helpers/profiles.js';
import { compareCurrents, type FeatureCurrent } from '../src/checks/compare.js';
import { numericCurrentFrom } from '../src/checks/current.js';
import { predictionCurrentFrom } from '../src/checks/prediction.js';
import { DEFAULT_DECISION, type DecisionSettings } from '../src/config/decision.js';
import type { PredictionProfile } from '../src/contracts/profile.js';
import { mulberry32, normal } from '../test/helpers/random.js';
import { upperBound95 } from './calibration-sim.js';

const SIZES = [50, 200, 1000, 5000];
const BASELINE_ROWS = 5000;

export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) => numberOption(args, name, fallback);
  const checks = option('--checks', 2000);
  const sizes = optionText(args, '--sizes')?.split(',').map(Number) ?? SIZES;
  const random = mulberry32(option('--seed', 1));
  const draw = (n: number) =>
    Array.from({ length: n }, () => {
      const x = [normal(random), normal(random), normal(random)];
      return [...x, 1 / (1 + Math.exp(-(x[0]! + x[1]!)))];
    });
  const base = draw(BASELINE_ROWS);
  const features = [0, 1, 2].map((j) =>
    numericProfile(
      `x${j}`,
      base.map((r) => r[j]!),
    ),
  );
  const prediction: PredictionProfile = {
    column: 'score',
    kind: 'score',
    profile: numericProfile(
      'score',
      base.map((r) => r[3]!),
    ),
  };
  const rules: [string, DecisionSettings][] = [
    ['default rule', DEFAULT_DECISION],
    ['evidence alone (no minimum effect)', { ...DEFAULT_DECISION, minEffect: {} }],
  ];
  console.log(`${checks} undrifted checks per size: 3 features + a score = sigmoid(x0 + x1), baseline ${BASELINE_ROWS} rows, alpha 0.01`);
  console.log('| rule | n | checks with any drift | 95% upper bound | prediction drifted | seconds |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, decision] of rules) {
    for (const n of sizes) {
      const started = Date.now();
      let any = 0;
      let predicted = 0;
      for (let k = 0; k < checks; k++) {
        const window = draw(n);
        const sides = features.map((f, j): FeatureCurrent => {
          const column = { name: f.name, type: 'DOUBLE' };
          const sorted = Float64Array.from(window, (r) => r[j]!).sort();
          return {
            kind: 'numeric',
            column,
            current: numericCurrentFrom(column, f, { rows: n, nonnull: n, parsed: n, mismatchExamples: [] }, sorted),
          };
        });
        const side = predictionCurrentFrom(
          prediction,
          window.map((r) => r[3]),
        );
        const c = compareCurrents(
          features,
          sides,
          { missing: [], unexpected: [] },
          { decision, prediction: { profile: prediction, source: 'events', ...side } },
        );
        if (c.drift) any++;
        if (c.prediction?.drift) predicted++;
      }
      const share = (x: number) => `${((100 * x) / checks).toFixed(2)}%`;
      console.log(
        `| ${label} | ${n} | ${any} (${share(any)}) | ${(100 * upperBound95(any, checks)).toFixed(2)}% | ${predicted} | ${((Date.now() - started) / 1000).toFixed(0)} |`,
      );
    }
  }
}
