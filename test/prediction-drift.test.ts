// Prediction drift (issue 17, part 1) through the built CLI: `baseline create --prediction` on a
// file profiles the model's output apart from the features (kind inferred or given; class
// probabilities as argmax class and top score; --label stores the validation set's performance),
// and `check` finds a shift of the predictions that the features do not have, with the exit code
// of --fail-on-drift, and nothing in an undrifted file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BaselineProfile } from '../src/contracts/profile.js';
import { CheckReport, WindowedReport } from '../src/contracts/report.js';
import { runCli, tempDir } from './helpers/cli.js';
import { mulberry32, normal } from './helpers/random.js';

const tmp = tempDir('driftwatch-prediction-');
after(tmp.cleanup);

/**
 * A logistic model's rows: features x (normal) and channel, the score sigmoid(1.5 x + bias), a
 * label drawn from the score, and the class probabilities of a 3-class model as JSON text. A
 * bias moves the scores without moving the features (the model changed, or its inputs did in a
 * way the features checked do not show).
 */
function rows(n: number, seed: number, bias = 0): string {
  const random = mulberry32(seed);
  const lines = ['x,channel,pred,label,amount,probs'];
  for (let i = 0; i < n; i++) {
    const x = normal(random);
    const score = 1 / (1 + Math.exp(-(1.5 * x + bias)));
    const label = random() < score ? 1 : 0;
    const probs = JSON.stringify({ cat: score * 0.6, dog: 1 - score, owl: score * 0.4 }).replaceAll('"', '""');
    lines.push(`${x},${['app', 'web', 'store'][i % 3]},${score},${label},${(1.5 * x + bias).toFixed(6)},"${probs}"`);
  }
  return `${lines.join('\n')}\n`;
}

let baselineCsv: string;
let profilePath: string;
let profile: BaselineProfile;

before(async () => {
  baselineCsv = tmp.file('validation.csv', rows(4000, 1));
  tmp.file('same.csv', rows(2000, 2));
  tmp.file('shifted.csv', rows(2000, 3, 1.2));
  profilePath = join(tmp.dir, 'model.json');
  const r = await runCli([
    'baseline',
    'create',
    '--data',
    baselineCsv,
    '--name',
    'model',
    '--out',
    profilePath,
    '--prediction',
    'pred',
    '--label',
    'label',
    '--exclude',
    'amount,probs',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /prediction pred: a score \(numeric\), 4,000 values/);
  assert.match(r.stderr, /performance by label: binary, 4,000 labelled rows, accuracy 0\.\d+ \[0\.\d+, 0\.\d+\]; CBPE fitted/);
  profile = BaselineProfile.parse(JSON.parse(readFileSync(profilePath, 'utf8')));
});

async function check(current: string, ...extra: string[]) {
  const r = await runCli(['check', '--baseline', profilePath, '--current', join(tmp.dir, current), '--format', 'json', ...extra]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return { code: r.code, report: CheckReport.parse(JSON.parse(r.stdout)) };
}

describe('baseline create --prediction', () => {
  it('profiles the prediction apart from the features, and leaves the prediction and label out of them', () => {
    assert.deepEqual(
      profile.features.map((f) => f.name),
      ['x', 'channel'],
    );
    assert.equal(profile.prediction?.column, 'pred');
    assert.equal(profile.prediction?.kind, 'score', 'numbers in [0, 1] are a score');
    assert.equal(profile.prediction?.profile.kind, 'numeric');
    assert.equal(profile.prediction?.profile.count, 4000);
    assert.deepEqual(
      profile.ignored.map((c) => c.name),
      ['pred', 'label', 'amount', 'probs'],
    );
  });

  it('stores the validation set: task, threshold, rows, the CBPE fit and the metrics with intervals', () => {
    const perf = profile.performance!;
    assert.equal(perf.label, 'label');
    assert.equal(perf.task, 'binary');
    assert.equal(perf.threshold, 0.5);
    assert.equal(perf.rows, 4000);
    assert.equal(perf.cbpe?.reference.rows, 4000);
    assert.equal(perf.cbpe?.threshold, 0.5);
    const accuracy = perf.summary!.metrics.accuracy!;
    assert.ok(accuracy.value! > 0.6 && accuracy.value! < 0.9, String(accuracy.value));
    assert.ok(accuracy.interval!.lower < accuracy.value! && accuracy.value! < accuracy.interval!.upper);
    assert.ok(perf.summary!.metrics.roc_auc!.value! > 0.7);
  });

  it('infers a value (numbers outside [0, 1]) and class probabilities (JSON objects), or takes the kind given', async () => {
    const create = async (name: string, ...args: string[]) => {
      const out = join(tmp.dir, `${name}.json`);
      const r = await runCli(['baseline', 'create', '--data', baselineCsv, '--name', name, '--out', out, ...args]);
      assert.equal(r.code, 0, r.stderr);
      return BaselineProfile.parse(JSON.parse(readFileSync(out, 'utf8')));
    };
    const value = await create('value', '--prediction', 'amount', '--label', 'x', '--exclude', 'pred,probs');
    assert.equal(value.prediction?.kind, 'value');
    assert.equal(value.performance?.task, 'regression');
    assert.equal(value.performance?.threshold, null);
    assert.equal(value.performance?.cbpe, undefined, 'CBPE is for binary scores');
    assert.ok(Number.isFinite(value.performance?.summary?.metrics.mae?.value));

    const probs = await create('probs', '--prediction', 'probs', '--exclude', 'pred,amount');
    assert.equal(probs.prediction?.kind, 'class');
    assert.equal(probs.prediction?.probabilities, true);
    assert.equal(probs.prediction?.profile.kind, 'categorical');
    const classes = probs.prediction?.profile.kind === 'categorical' ? probs.prediction.profile.categories.map((c) => c.value) : [];
    assert.deepEqual(classes, ['cat', 'dog'], 'argmax classes (owl never wins)');
    assert.equal(probs.prediction?.topScore?.name, 'probs.top_score');
    // max(0.6 s, 1 - s) is least at s = 0.625: 0.375.
    assert.ok(probs.prediction!.topScore!.min! >= 0.375 - 1e-12 && probs.prediction!.topScore!.max! <= 1, 'the top score');

    const forced = await create('forced', '--prediction', 'channel', '--prediction-kind', 'class', '--exclude', 'pred,probs,amount');
    assert.equal(forced.prediction?.kind, 'class');
  });

  it('refuses what cannot be: an unknown column, --label without --prediction, a score whose labels are not 0/1', async () => {
    const out = join(tmp.dir, 'bad.json');
    const base = ['baseline', 'create', '--data', baselineCsv, '--name', 'bad', '--out', out];
    const unknown = await runCli([...base, '--prediction', 'nope']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--prediction column 'nope' not found; the data has: x, channel, pred, label, amount, probs/);
    const alone = await runCli([...base, '--label', 'label']);
    assert.match(alone.stderr, /--prediction-kind, --label and --threshold go with --prediction COLUMN/);
    const labels = await runCli([...base, '--prediction', 'pred', '--label', 'channel']);
    assert.match(labels.stderr, /--label 'channel' with a score prediction needs labels 0\/1 or true\/false .*found "app"/);
    const probs = await runCli([...base, '--prediction', 'probs', '--prediction-kind', 'score']);
    assert.match(probs.stderr, /holds objects of class probabilities: its kind is class/);
  });
});

describe('check: prediction drift', () => {
  it('finds the shifted predictions while no feature drifted; --fail-on-drift exits 1', async () => {
    const { code, report } = await check('shifted.csv', '--fail-on-drift');
    assert.equal(code, 1);
    assert.equal(report.drift, true);
    assert.equal(report.status, 'drift');
    assert.deepEqual(
      report.features.filter((f) => f.drift).map((f) => f.name),
      [],
      'the features did not move',
    );
    const prediction = report.prediction!;
    assert.equal(prediction.status, 'drift');
    assert.equal(prediction.source, 'column');
    const [output] = prediction.outputs;
    assert.equal(output!.name, 'pred');
    assert.equal(output!.drift, true);
    assert.equal(output!.decision?.test?.name, 'ks');
    assert.equal(output!.decision?.test?.features, 3, 'one correction over the 2 features and the prediction');
    assert.match(output!.reasons[0]!, /after Holm over 2 features and the prediction$/);
    assert.match(report.decision.description, /over the features of the check and the prediction/);
  });

  it('finds nothing in predictions from the same model on new data', async () => {
    const { code, report } = await check('same.csv', '--fail-on-drift');
    assert.equal(code, 0);
    assert.equal(report.drift, false);
    assert.equal(report.prediction?.status, 'no_drift');
  });

  it('says the prediction was not compared when the current file lacks its column', async () => {
    const lacking = tmp.file('lacking.csv', `x,channel\n${Array.from({ length: 200 }, (_, i) => `${(i % 7) - 3},app`).join('\n')}\n`);
    const r = await runCli(['check', '--baseline', profilePath, '--current', lacking, '--format', 'json']);
    const report = CheckReport.parse(JSON.parse(r.stdout));
    assert.equal(report.prediction?.status, 'absent');
    assert.match(report.prediction?.message ?? '', /the current data has no column 'pred'/);
    assert.deepEqual(report.schema.missing, [], 'the prediction is not a missing feature');
    const text = await runCli(['check', '--baseline', profilePath, '--current', lacking]);
    assert.match(text.stdout, /prediction pred \(score, from the current data\): not compared/);
  });

  it('check --by compares the prediction in each window', async () => {
    const days = (text: string, day: string) =>
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => `${day},${line}`);
    const header = `day,${rows(1, 0).split('\n')[0]}`;
    const file = tmp.file(
      'days.csv',
      `${[header, ...days(rows(1500, 4), 'a-same'), ...days(rows(1500, 5, 1.2), 'b-shifted')].join('\n')}\n`,
    );
    const r = await runCli(['check', '--baseline', profilePath, '--current', file, '--by', 'day', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = WindowedReport.parse(JSON.parse(r.stdout));
    assert.deepEqual(
      report.windows.map((w) => [w.window, w.prediction?.status, w.features.some((f) => f.drift)]),
      [
        ['a-same', 'no_drift', false],
        ['b-shifted', 'drift', false],
      ],
    );
    assert.equal(report.drift, true);
    const text = await runCli(['check', '--baseline', profilePath, '--current', file, '--by', 'day']);
    assert.match(text.stdout, /b-shifted +1,500 +yes +prediction pred/);
  });

  it('config validate warns of a baseline prediction the config does not map', async () => {
    const config = tmp.file(
      'validate.yaml',
      `models:\n  - name: model\n    baseline: ${profilePath}\n    schedule: { cron: "*/5 * * * *" }\n`,
    );
    const r = await runCli(['config', 'validate', '--config', config], { env: { DRIFTWATCH_API_TOKENS: 'read:0123456789abcdef0123' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: models\[0\]\.event\.prediction: the baseline has a prediction 'pred' but event\.prediction is not set/,
    );
    const mapped = tmp.file(
      'mapped.yaml',
      `models:\n  - name: model\n    baseline: ${profilePath}\n    schedule: { cron: "*/5 * * * *" }\n    event: { prediction: out.score }\n`,
    );
    const ok = await runCli(['config', 'validate', '--config', mapped], { env: { DRIFTWATCH_API_TOKENS: 'read:0123456789abcdef0123' } });
    assert.doesNotMatch(ok.stderr, /event\.prediction/);
  });

  it('renders the prediction apart in text and HTML', async () => {
    const current = join(tmp.dir, 'shifted.csv');
    const text = await runCli(['check', '--baseline', profilePath, '--current', current]);
    assert.match(text.stdout, /^driftwatch check: DRIFT \(0 of 2 features drifted; prediction: drift\)/);
    assert.match(text.stdout, /\nprediction pred \(score, from the current data\): DRIFT\n/);
    const page = await runCli(['check', '--baseline', profilePath, '--current', current, '--format', 'html']);
    assert.match(page.stdout, /<h2>Prediction<\/h2>/);
    assert.match(page.stdout, /id="prediction-0"/);
  });
});
