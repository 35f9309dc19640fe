// /metrics parsed as Prometheus text: every contract name present, values equal to what was
// ingested, checked and queued, and the same after a "restart" (a new registry on the same store).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enqueue, markDead, markDelivered } from '../store/outbox.js';
import type { LiveReport } from '../contracts/report.js';
import { fixtureEvents, type Harness, startHarness } from '../../test/helpers/api-harness.js';
import { Metrics, METRIC_NAMES } from './metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/** A parser of the Prometheus text format 0.0.4 (comments, label escapes, special values). */
function parsePrometheus(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) throw new Error(`line ${i + 1}: bad comment: ${line}`);
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
    if (!match) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    let consumed = 0;
    for (let m = label.exec(labelText); m; m = label.exec(labelText)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = label.lastIndex;
    }
    if (consumed !== labelText.length) throw new Error(`line ${i + 1}: bad labels: ${labelText}`);
    // Values are read as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case;
    // prom-client writes "Nan").
    const raw = match[3]!;
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(raw);
    const value = special ? (special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(raw);
    if (Number.isNaN(value) && !special) throw new Error(`line ${i + 1}: bad value ${raw}`);
    samples.push({ name: match[1]!, labels, value });
  }
  return { types, samples };
}

/** The value of the one sample with this name and these labels (among others). */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]?.value;
}

let h: Harness;
let report: LiveReport;
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function scrape(): Promise<Exposition> {
  const response = await h.request('/metrics');
  assert.equal(response.status, 200);
  return parsePrometheus(await response.text());
}

before(async () => {
  h = await startHarness();
  const good = fixtureEvents('synthetic_current.csv', 1000);
  const bad = [
    { features: { amount: 'lots', age: 30, score: 0.1, channel: 'web' } },
    { features: { amount: 'lots', age: 'old', score: 0.1, channel: 'web' } },
    { features: { age: 30, score: 0.1, channel: 'web' } },
  ];
  for (const events of [good.slice(0, 600), good.slice(600), bad]) {
    assert.equal((await h.request('/api/v1/models/fraud/events', { token: 'ingest', ...json(events) })).status, 200);
  }
  const run = await h.request('/api/v1/models/fraud/checks', { token: 'admin', method: 'POST' });
  assert.equal(run.status, 201);
  report = (await run.json()) as LiveReport;
  const db = await h.store.connect();
  try {
    const now = Date.now();
    for (const id of ['p1', 'p2', 'd1', 's1'])
      await enqueue(db, { id, channel: 'hook', model: 'fraud', kind: 'report', payload: { id, subject: 's', html: 'h', text: 't' } }, now);
    await markDead(db, 'd1', 10, 'gone');
    await markDelivered(db, 's1', 1, now);
  } finally {
    db.close();
  }
});
after(() => h.close());

describe('/metrics', () => {
  it('has every contract metric, with its type', async () => {
    const m = await scrape();
    const expected: Record<string, string> = {
      [METRIC_NAMES.eventsConsumed]: 'counter',
      [METRIC_NAMES.eventsSampled]: 'counter',
      [METRIC_NAMES.eventsQuarantined]: 'counter',
      [METRIC_NAMES.consumerLag]: 'gauge',
      [METRIC_NAMES.checkDuration]: 'histogram',
      [METRIC_NAMES.featureDriftScore]: 'gauge',
      [METRIC_NAMES.featureDrifted]: 'gauge',
      [METRIC_NAMES.alertsFiring]: 'gauge',
      [METRIC_NAMES.outboxPending]: 'gauge',
      [METRIC_NAMES.outboxDead]: 'gauge',
    };
    assert.deepEqual(
      Object.keys(expected).sort(),
      [
        'driftwatch_alerts_firing',
        'driftwatch_check_duration_seconds',
        'driftwatch_consumer_lag',
        'driftwatch_events_consumed_total',
        'driftwatch_events_quarantined_total',
        'driftwatch_events_sampled_total',
        'driftwatch_feature_drift_score',
        'driftwatch_feature_drifted',
        'driftwatch_outbox_dead',
        'driftwatch_outbox_pending',
      ],
      'the contract names',
    );
    for (const [name, type] of Object.entries(expected)) {
      assert.equal(m.types.get(name), type, name);
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      assert.ok(
        m.samples.some((s) => s.name === sampleName),
        `a sample of ${name}`,
      );
    }
  });

  it('ingest counters equal what was ingested, per model and reason', async () => {
    const m = await scrape();
    assert.equal(valueOf(m, METRIC_NAMES.eventsConsumed, { model: 'fraud' }), 1003);
    assert.equal(valueOf(m, METRIC_NAMES.eventsSampled, { model: 'fraud' }), 1003);
    assert.equal(valueOf(m, METRIC_NAMES.eventsQuarantined, { model: 'fraud', reason: 'wrong_type' }), 2);
    assert.equal(valueOf(m, METRIC_NAMES.eventsQuarantined, { model: 'fraud', reason: 'missing_feature' }), 1);
    assert.equal(valueOf(m, METRIC_NAMES.eventsConsumed, { model: 'broken' }), 0, 'a model without events shows 0');
  });

  it('consumer lag per model, topic and partition', async () => {
    const m = await scrape();
    assert.equal(valueOf(m, METRIC_NAMES.consumerLag, { model: 'fraud', topic: 'fraud-events', partition: '0' }), 42);
    assert.equal(valueOf(m, METRIC_NAMES.consumerLag, { model: 'fraud', topic: 'fraud-events', partition: '1' }), 0);
    h.lag.get('fraud')!.set('fraud-events/0', 7);
    assert.equal(valueOf(await scrape(), METRIC_NAMES.consumerLag, { model: 'fraud', topic: 'fraud-events', partition: '0' }), 7);
  });

  it("drift gauges equal the newest check's statistics; the check's duration is observed", async () => {
    const m = await scrape();
    assert.equal(valueOf(m, `${METRIC_NAMES.checkDuration}_count`, { model: 'fraud' }), 1);
    assert.equal(valueOf(m, `${METRIC_NAMES.checkDuration}_sum`, { model: 'fraud' }), report.timing.seconds);
    assert.ok(report.features.length > 0);
    for (const f of report.features) {
      assert.equal(valueOf(m, METRIC_NAMES.featureDrifted, { model: 'fraud', feature: f.name }), f.drift ? 1 : 0, f.name);
      for (const [stat, value] of Object.entries(f.stats)) {
        if (typeof value === 'number')
          assert.equal(valueOf(m, METRIC_NAMES.featureDriftScore, { model: 'fraud', feature: f.name, stat }), value, `${f.name} ${stat}`);
        else {
          assert.equal(valueOf(m, METRIC_NAMES.featureDriftScore, { model: 'fraud', feature: f.name, stat }), value.statistic);
          assert.equal(
            valueOf(m, METRIC_NAMES.featureDriftScore, { model: 'fraud', feature: f.name, stat: `${stat}_pvalue` }),
            value.pvalue,
          );
        }
      }
    }
  });

  it('firing alerts and the outbox equal the store', async () => {
    const m = await scrape();
    const firing = (await (await h.request('/api/v1/alerts?status=firing&model=fraud')).json()) as { total: number };
    assert.ok(firing.total > 0);
    assert.equal(valueOf(m, METRIC_NAMES.alertsFiring, { model: 'fraud' }), firing.total);
    assert.equal(valueOf(m, METRIC_NAMES.alertsFiring, { model: 'broken' }), 0);
    assert.equal(valueOf(m, METRIC_NAMES.outboxPending), 2);
    assert.equal(valueOf(m, METRIC_NAMES.outboxDead), 1);
    assert.equal(m.types.get(METRIC_NAMES.outboxDelivered), 'counter');
    assert.equal(valueOf(m, METRIC_NAMES.outboxDelivered), 1);
  });

  it('store-backed values are the same from a new registry on the same store (a restart)', async () => {
    const restarted = new Metrics({ store: h.store, models: () => ['fraud', 'broken'], lag: () => new Map() });
    const m = parsePrometheus(await restarted.text());
    const before = await scrape();
    for (const name of [
      METRIC_NAMES.eventsConsumed,
      METRIC_NAMES.eventsSampled,
      METRIC_NAMES.eventsQuarantined,
      METRIC_NAMES.featureDriftScore,
      METRIC_NAMES.featureDrifted,
      METRIC_NAMES.alertsFiring,
      METRIC_NAMES.outboxPending,
      METRIC_NAMES.outboxDead,
      METRIC_NAMES.outboxDelivered,
    ]) {
      const pick = (e: Exposition) =>
        e.samples
          .filter((s) => s.name === name)
          .map((s) => `${JSON.stringify(s.labels)}=${s.value}`)
          .sort();
      assert.deepEqual(pick(m), pick(before), name);
    }
    assert.equal(valueOf(m, `${METRIC_NAMES.checkDuration}_count`, { model: 'fraud' }), undefined, 'durations are per process');
  });

  it('a new ingest is counted at the next scrape; concurrent scrapes agree', async () => {
    assert.equal(
      (await h.request('/api/v1/models/fraud/events', { token: 'ingest', ...json(fixtureEvents('synthetic_current.csv', 10)) })).status,
      200,
    );
    const [a, b] = await Promise.all([scrape(), scrape()]);
    assert.equal(valueOf(a!, METRIC_NAMES.eventsConsumed, { model: 'fraud' }), 1013);
    assert.equal(valueOf(b!, METRIC_NAMES.eventsConsumed, { model: 'fraud' }), 1013);
  });
});

describe('parsePrometheus', () => {
  it('reads labels with escapes and special values, and refuses garbage', () => {
    const e = parsePrometheus(
      '# HELP x a help\n# TYPE x gauge\nx{a="q\\"uote",b="back\\\\slash",c="new\\nline"} +Inf\ny 1.5e3 1700000000\nz Nan\n',
    );
    assert.deepEqual(e.samples[0], { name: 'x', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: Infinity });
    assert.deepEqual(e.samples[1], { name: 'y', labels: {}, value: 1500 });
    assert.ok(Number.isNaN(e.samples[2]!.value));
    assert.throws(() => parsePrometheus('x{a=b} 1'), /bad labels/);
    assert.throws(() => parsePrometheus('x one'), /bad value/);
  });
});
