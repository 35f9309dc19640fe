import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftwatchConfig, ModelConfig } from '../config/schema.js';
import { LabelDecoder, labelSampling, labelSource, readsLabelTopics } from './labels.js';
import { keepSample } from './sampler.js';

const message = (value: unknown, timestampMs = 1000) => ({
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  key: null,
  timestampMs,
});

describe('label decoder', () => {
  const decoder = new LabelDecoder({ id: 'event_id', label: 'outcome.fraud', timestamp: 'at' }, 1000);

  it('reads the id (as the samples write it), the label as JSON text and the label time', () => {
    assert.deepEqual(decoder.decode(message({ event_id: 42, outcome: { fraud: true }, at: '2026-01-01T00:00:00Z' })), {
      ok: true,
      label: { id: '42', label: 'true', labelMs: Date.UTC(2026, 0, 1) },
    });
    const noTime = decoder.decode(message({ event_id: 'e', outcome: { fraud: 'chargeback' }, at: 'soon' }, 5));
    assert.ok(noTime.ok);
    assert.equal(noTime.label.labelMs, 5, 'a bad label time falls back to the message time');
    assert.match(noTime.badTimestamp ?? '', /not a time/);
  });

  it('refuses what it cannot use, with a reason', () => {
    const reason = (value: unknown) => {
      const r = decoder.decode(message(value));
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason('{oops'), 'malformed_json');
    assert.equal(reason([1]), 'not_an_object');
    assert.equal(reason({ outcome: { fraud: 1 } }), 'missing_id');
    assert.equal(reason({ event_id: 'e' }), 'missing_label');
    assert.equal(reason({ event_id: 'e', outcome: { fraud: { a: 1 } } }), 'bad_label');
    assert.equal(reason('x'.repeat(2000)), 'too_large');
  });
});

describe('label sampling', () => {
  const model = (sampling: object, event: object = {}) => ModelConfig.parse({ name: 'm', baseline: 'b.json', sampling, event, labels: {} });

  it("keeps a label exactly when the sampler kept its id's prediction, where the id decides", () => {
    for (const m of [model({ rate: 0.3, by: 'id' }, { id: 'request.id' }), model({ rate: 0.3, by: 'key' })]) {
      const s = labelSampling(m);
      assert.equal(s.reproducible, true);
      for (let i = 0; i < 200; i++) assert.equal(s.keep(`evt-${i}`), keepSample(`evt-${i}`, 0.3));
    }
  });

  it('keeps every label where the id does not decide the sampling (by offset, or a key that is not the id)', () => {
    for (const m of [model({ rate: 0.3, by: 'offset' }), model({ rate: 0.3, by: 'key' }, { id: 'request.id' })]) {
      const s = labelSampling(m);
      assert.equal(s.reproducible, false);
      assert.ok(Array.from({ length: 50 }, (_, i) => s.keep(`evt-${i}`)).every(Boolean));
    }
  });
});

describe('labels config', () => {
  const parse = (labels: unknown, source?: unknown) =>
    DriftwatchConfig.safeParse({
      kafka: { brokers: ['localhost:9092'] },
      models: [{ name: 'm', baseline: 'b.json', ...(source ? { source } : {}), labels }],
    });
  const issues = (r: ReturnType<typeof parse>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

  it('a label topic needs the id and label paths; the label consumer has its own group', () => {
    assert.deepEqual(issues(parse({ topics: ['labels'] })), [
      'models.0.labels.id: required with topics: the path of the id in a label message',
      'models.0.labels.label: required with topics: the path of the label in a label message',
    ]);
    const ok = parse({ topics: ['labels'], id: 'id', label: 'y' }, { topics: ['preds'], sessionTimeout: '12s' });
    assert.ok(ok.success);
    const model = ok.data.models[0]!;
    assert.ok(readsLabelTopics(model));
    const source = labelSource(model).source;
    assert.equal(source.groupId, 'driftwatch-m-labels');
    assert.equal(source.sessionTimeout, 12_000, "the model's session");
    assert.equal(source.startFrom, 'earliest');
  });

  it('refuses Kafka paths without topics, a label topic that is also a prediction topic, and labels that take nothing', () => {
    assert.match(issues(parse({ id: 'id' })).join(), /labels\.id: id applies to a Kafka label source/);
    assert.match(
      issues(parse({ topics: ['preds'], id: 'id', label: 'y' }, { topics: ['preds'] })).join(),
      /labels\.topics: preds: also in source\.topics/,
    );
    assert.match(issues(parse({ http: false })).join(), /labels\.http: labels takes nothing/);
    const noKafka = DriftwatchConfig.safeParse({
      models: [{ name: 'm', baseline: 'b.json', labels: { topics: ['l'], id: 'i', label: 'y' } }],
    });
    assert.match(issues(noKafka).join(), /kafka: required: models with labels\.topics read Kafka/);
  });
});
