import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { mulberry32 } from '../../test/helpers/random.js';
import { binIndexEdges, CBPE_METRICS, type CbpeMetric, estimateCbpe, estimateCbpeChunks, fitCbpe } from './cbpe.js';

// cbpe_case.json (shared/reference): NannyML 0.13.1 CBPE estimates per 1,000-row chunk of `analysis`,
// fitted on `reference`. STATS.md: within 0.01 absolute per metric and chunk.
const Side = z.object({ y_true: z.array(z.number()), y_score: z.array(z.number()), y_pred: z.array(z.number()) });
const Case = z.object({
  reference: Side,
  analysis: Side,
  estimated: z.array(
    z.object({
      start: z.number(),
      end: z.number(),
      accuracy: z.number(),
      roc_auc: z.number(),
      precision: z.number(),
      recall: z.number(),
      f1: z.number(),
    }),
  ),
});
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));
const nannyml = Case.parse(fixture('cbpe_case.json'));

// cbpe_nannyml_details.json: the same CBPE run with what cbpe_case.json leaves out (sampling errors,
// confidence boundaries, realized values, specificity, the calibration decision), written by
// scripts/reference/gen_cbpe_fixtures.py with nannyml 0.13.1 / scikit-learn 1.9.1.
const MetricRecord = z.object({
  estimated: z.number(),
  sampling_error: z.number(),
  lower: z.number(),
  upper: z.number(),
  realized: z.number(),
});
const Details = z.object({
  chunk_size: z.number(),
  estimated: z.array(z.object({ start: z.number(), end: z.number() }).and(z.record(z.string(), z.unknown()))),
  calibration: z.object({ needs_calibration: z.boolean(), ece_before: z.number(), ece_after: z.number() }),
});
const details = Details.parse(fixture('cbpe_nannyml_details.json'));

const THRESHOLD = 0.5;
const fit = fitCbpe({ scores: nannyml.reference.y_score, labels: nannyml.reference.y_true, threshold: THRESHOLD });
const chunks = estimateCbpeChunks(fit, nannyml.analysis.y_score, 1000, nannyml.analysis.y_true);

describe('CBPE against NannyML 0.13.1 (cbpe_case.json)', () => {
  it("uses the fixture's predicted classes: y_pred = score >= 0.5", () => {
    for (const side of [nannyml.reference, nannyml.analysis])
      side.y_score.forEach((s, i) => assert.equal(s >= THRESHOLD ? 1 : 0, side.y_pred[i], `row ${i}`));
  });

  it('estimates every chunk and metric within 0.01 of NannyML (STATS.md), and far closer', (t) => {
    assert.equal(chunks.length, nannyml.estimated.length);
    let largest = { diff: 0, where: '' };
    for (const [i, want] of nannyml.estimated.entries()) {
      const got = chunks[i]!;
      assert.deepEqual([got.start, got.end], [want.start, want.end]);
      for (const metric of ['accuracy', 'roc_auc', 'precision', 'recall', 'f1'] as const) {
        const value = got.metrics[metric].estimated;
        assert.equal(typeof value, 'number', `chunk ${i} ${metric}`);
        const diff = Math.abs(value! - want[metric]);
        assert.ok(diff <= 0.01, `chunk ${i} [${want.start}, ${want.end}) ${metric}: got ${value}, NannyML ${want[metric]}`);
        if (diff > largest.diff) largest = { diff, where: `chunk ${i} ${metric}` };
      }
    }
    t.diagnostic(`largest |driftwatch - NannyML| over 8 chunks x 5 metrics: ${largest.diff.toExponential(2)} (${largest.where})`);
    // The same arithmetic as NannyML's, so the difference is float rounding, not method.
    assert.ok(largest.diff < 1e-12, `largest difference ${largest.diff} at ${largest.where}`);
  });

  it('calibrates, as NannyML decides on the same ten folds', () => {
    assert.equal(fit.calibration.applied, details.calibration.needs_calibration);
    assert.equal(fit.calibration.reason, 'lowers-calibration-error');
    assert.ok(Math.abs(fit.calibration.eceBefore! - details.calibration.ece_before) < 1e-12);
    // After calibration many rows share a probability; numpy's unstable sort and this stable one put
    // different rows at a bin edge inside such a run, so the second error agrees less closely.
    assert.ok(Math.abs(fit.calibration.eceAfter! - details.calibration.ece_after) < 1e-4);
  });

  it("has NannyML's sampling errors, confidence boundaries and realized values, specificity included", () => {
    for (const [i, want] of details.estimated.entries()) {
      const got = chunks[i]!;
      for (const metric of CBPE_METRICS) {
        const record = MetricRecord.parse(want[metric]);
        const m = got.metrics[metric];
        const where = `chunk ${i} ${metric}`;
        // ROC AUC's component sorts the reference by score: numpy's unstable order of the 45 tied scores
        // moves it by ~2e-9.
        const tolerance = metric === 'roc_auc' ? 1e-8 : 1e-12;
        for (const [key, value] of [
          ['estimated', m.estimated],
          ['sampling_error', m.samplingError],
          ['lower', m.lower],
          ['upper', m.upper],
          ['realized', m.realized],
        ] as const) {
          const wanted = record[key];
          assert.ok(Math.abs((value as number) - wanted) <= tolerance, `${where} ${key}: got ${value}, NannyML ${wanted}`);
        }
      }
    }
  });
});

describe('CBPE behaviour', () => {
  /** A calibrated model: score uniform in (0, 1), label 1 with probability score. */
  function calibratedRows(n: number, seed: number, shift = 0) {
    const random = mulberry32(seed);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = Math.min(0.999, Math.max(0.001, random() ** (1 + shift)));
      scores.push(s);
      labels.push(random() < s ? 1 : 0);
    }
    return { scores, labels };
  }

  it('tracks realized accuracy through a covariate shift of calibrated scores, inside its band', () => {
    const reference = calibratedRows(20_000, 1);
    const cbpe = fitCbpe({ ...reference, threshold: 0.5 });
    let inside = 0;
    let windows = 0;
    for (const shift of [0, 1, 2, 3]) {
      const window = calibratedRows(2_000, 100 + shift, shift);
      const estimate = estimateCbpe(cbpe, window.scores, window.labels);
      for (const metric of ['accuracy', 'f1', 'roc_auc'] as CbpeMetric[]) {
        const m = estimate.metrics[metric];
        windows++;
        if (m.realized! >= m.lower! && m.realized! <= m.upper!) inside++;
      }
    }
    // 3 sampling errors: a realized value outside its band is rare for a calibrated model.
    assert.ok(inside >= windows - 1, `${inside} of ${windows} realized values inside the band`);
  });

  it('does not calibrate a single-class reference or one that is already near perfect', () => {
    const single = fitCbpe({ scores: [0.2, 0.7, 0.9], labels: [1, 1, 1], threshold: 0.5 });
    assert.deepEqual([single.calibration.applied, single.calibration.reason], [false, 'single-class']);
    const perfect = fitCbpe({ scores: [0.1, 0.2, 0.3, 0.8, 0.9, 0.95], labels: [0, 0, 0, 1, 1, 1], threshold: 0.5 });
    assert.deepEqual([perfect.calibration.applied, perfect.calibration.reason], [false, 'auc-above-0.999']);
    // Without calibration the estimate uses the scores themselves: expected accuracy of the three
    // predicted negatives 0.9 + 0.8 + 0.7, of the positives 0.8 + 0.9 + 0.95.
    const e = estimateCbpe(perfect, [0.1, 0.2, 0.3, 0.8, 0.9, 0.95]);
    assert.ok(Math.abs(e.metrics.accuracy.estimated! - (0.9 + 0.8 + 0.7 + 0.8 + 0.9 + 0.95) / 6) < 1e-12);
    assert.equal(e.metrics.accuracy.realized, undefined);
  });

  it('leaves out non-finite scores, counts them, and gives nulls for an empty window', () => {
    const e = estimateCbpe(fit, [0.3, Number.NaN, 0.8, Number.POSITIVE_INFINITY], [0, 1, 1, 0]);
    assert.deepEqual([e.rows, e.dropped], [2, 2]);
    assert.equal(e.metrics.accuracy.realized, 1);
    const empty = estimateCbpe(fit, []);
    for (const metric of CBPE_METRICS)
      assert.deepEqual(empty.metrics[metric], { estimated: null, samplingError: null, lower: null, upper: null });
  });

  it('is plain data: a fit read back from JSON estimates the same', () => {
    const again = JSON.parse(JSON.stringify(fit));
    assert.deepEqual(
      estimateCbpe(again, nannyml.analysis.y_score.slice(0, 500)),
      estimateCbpe(fit, nannyml.analysis.y_score.slice(0, 500)),
    );
  });

  it('refuses labels that are not 0/1, mismatched lengths and non-finite reference scores', () => {
    assert.throws(() => fitCbpe({ scores: [0.1, 0.9], labels: [0, 2], threshold: 0.5 }), /label at row 1 is 2/);
    assert.throws(() => fitCbpe({ scores: [0.1], labels: [0, 1], threshold: 0.5 }), /1 scores and 2 labels/);
    assert.throws(() => fitCbpe({ scores: [Number.NaN, 0.2], labels: [0, 1], threshold: 0.5 }), /score at row 0/);
    assert.throws(() => estimateCbpe(fit, [0.1, 0.2], [1]), /2 scores and 1 labels/);
  });

  it("bins the calibration error as NannyML's _get_bin_index_edges", () => {
    assert.deepEqual(binIndexEdges(20, 4), [
      [0, 5],
      [5, 10],
      [10, 15],
      [15, 20],
    ]);
    // 25 rows in 10 bins: width 2, so twelve bins, the last of three rows.
    assert.equal(binIndexEdges(25, 10).length, 12);
    assert.deepEqual(binIndexEdges(25, 10).at(-1), [22, 25]);
    assert.throws(() => binIndexEdges(3, 10), /at least 2 calibration bins/);
  });
});
