import assert from 'node:assert/strict';
import { numericProfile } from '../../test/helpers/profiles.js';
import { describe, it } from 'node:test';
import type { CategoricalFeatureProfile, NumericFeatureProfile, PredictionProfile } from '../contracts/profile.js';
import { mulberry32 } from '../../test/helpers/random.js';
import { compareCurrents, type FeatureCurrent, statusOf } from './compare.js';
import { numericCurrentFrom } from './current.js';
import { predictionCurrentFrom } from './prediction.js';

function categoricalProfile(name: string, counts: Record<string, number>): CategoricalFeatureProfile {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    name,
    kind: 'categorical',
    dtype: 'VARCHAR',
    rows: total,
    count: total,
    nulls: 0,
    nullShare: 0,
    cardinality: Object.keys(counts).length,
    categories: Object.entries(counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([value, count]) => ({ value, count })),
    other: { categories: 0, count: 0 },
  };
}

const random = mulberry32(7);
const uniform = (n: number, lo = 0, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * random());

/** An undrifted numeric feature's side: `values` against the profile. */
function featureSide(profile: NumericFeatureProfile, values: number[]): FeatureCurrent {
  const column = { name: profile.name, type: 'DOUBLE' };
  const sorted = Float64Array.from(values).sort();
  return {
    kind: 'numeric',
    column,
    current: numericCurrentFrom(
      column,
      profile,
      { rows: values.length, nonnull: values.length, parsed: values.length, mismatchExamples: [] },
      sorted,
    ),
  };
}

const NO_SCHEMA = { missing: [], unexpected: [] };

describe('prediction drift', () => {
  const x = numericProfile('x', uniform(2000));
  const score: PredictionProfile = { column: 'pred', kind: 'score', profile: numericProfile('pred', uniform(2000)) };

  it('finds a shift of the scores that the features do not have, and counts the prediction in the one correction', () => {
    const scores = uniform(1000, 0.3, 1);
    const side = predictionCurrentFrom(score, scores);
    const c = compareCurrents([x], [featureSide(x, uniform(1000))], NO_SCHEMA, {
      prediction: { profile: score, source: 'events', ...side },
    });
    assert.equal(c.features[0]!.drift, false);
    assert.equal(c.prediction?.status, 'drift');
    assert.equal(c.drift, true, 'the check drifts when only the prediction does');
    assert.equal(statusOf(c), 'drift');
    const output = c.prediction!.outputs[0]!;
    assert.equal(output.name, 'pred');
    assert.equal(output.decision?.test?.features, 2, 'the correction counted the feature and the prediction');
    assert.match(output.reasons[0]!, /^drift: .* after Holm over 1 feature and the prediction$/);
    assert.match(c.features[0]!.reasons[0]!, /Holm over 1 feature and the prediction$/);
  });

  it('finds no drift in scores from the baseline distribution', () => {
    const side = predictionCurrentFrom(score, uniform(1000));
    const c = compareCurrents([x], [featureSide(x, uniform(1000))], NO_SCHEMA, {
      prediction: { profile: score, source: 'events', ...side },
    });
    assert.equal(c.prediction?.status, 'no_drift');
    assert.equal(c.drift, false);
  });

  it('counts values of the wrong type as a type mismatch of the prediction, apart from the features', () => {
    const values: unknown[] = [...uniform(900), ...Array.from({ length: 100 }, () => 'high')];
    const side = predictionCurrentFrom(score, values);
    const c = compareCurrents([x], [featureSide(x, uniform(1000))], NO_SCHEMA, {
      prediction: { profile: score, source: 'events', ...side },
    });
    const mismatch = c.prediction!.anomalies.find((a) => a.kind === 'type_mismatch');
    assert.ok(mismatch, JSON.stringify(c.prediction!.anomalies));
    assert.equal(mismatch.feature, 'pred');
    assert.deepEqual(mismatch.examples, ['"high"']);
    assert.deepEqual(c.schema.anomalies, [], "the features' findings do not hold the prediction's");
    assert.equal(c.prediction!.outputs[0]!.current.count, 900);
  });

  it('reads class probabilities as the argmax class and the top score, two outputs of one prediction', () => {
    const probabilities: PredictionProfile = {
      column: 'probs',
      kind: 'class',
      probabilities: true,
      profile: categoricalProfile('probs', { cat: 700, dog: 300 }),
      topScore: numericProfile('probs.top_score', uniform(1000, 0.5, 1)),
    };
    // The classes keep their shares; the model grows unsure (top scores near 0.5).
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const top = 0.5 + 0.1 * random();
      return i % 10 < 7 ? { cat: top, dog: 1 - top } : { cat: 1 - top, dog: top };
    });
    const side = predictionCurrentFrom(probabilities, rows);
    assert.deepEqual(
      side.currents.map((s) => s.kind),
      ['categorical', 'numeric'],
    );
    const c = compareCurrents([], [], NO_SCHEMA, { prediction: { profile: probabilities, source: 'events', ...side } });
    const [classes, top] = c.prediction!.outputs;
    assert.equal(classes!.drift, false, classes!.reasons[0]);
    assert.equal(top!.name, 'probs.top_score');
    assert.equal(top!.drift, true, top!.reasons[0]);
    assert.match(top!.reasons[0]!, /Holm over 0 features and 2 prediction outputs/);
  });

  it('reports a prediction with nothing to compare as absent, never drift', () => {
    const c = compareCurrents([x], [featureSide(x, uniform(500))], NO_SCHEMA, {
      prediction: { profile: score, source: 'events', absent: 'no predictions' },
    });
    assert.deepEqual(
      { status: c.prediction?.status, message: c.prediction?.message, outputs: c.prediction?.outputs },
      { status: 'absent', message: 'no predictions', outputs: [] },
    );
    assert.equal(c.drift, false);
    assert.match(c.features[0]!.reasons[0]!, /Holm over 1 feature$/, 'an absent prediction is not counted');
  });
});
