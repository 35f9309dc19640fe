import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SchemaFindings } from '../contracts/report.js';
import type { FeatureSpec } from '../contracts/event.js';
import type { Database } from '../store/database.js';
import { Store } from '../store/store.js';
import { buildDigest } from './digest.js';
import { renderDigestEmail } from '../render/mail/digest.js';

const MODEL = 'fraud-v2';
const PERIOD = { startMs: Date.UTC(2026, 0, 5), endMs: Date.UTC(2026, 0, 12) };
const NOW = Date.UTC(2026, 0, 12, 6);
const at = (day: number, hour = 0, ms = 0) => new Date(Date.UTC(2026, 0, day, hour) + ms).toISOString();
const START = at(5);
const END = at(12);
const JUST_BEFORE = at(5, 0, -1);

const specs: FeatureSpec[] = [
  { name: 'amount', kind: 'numeric', expects: 'number', path: ['features', 'amount'] },
  { name: 'country', kind: 'categorical', expects: 'string', path: ['features', 'country'] },
];

const NO_FINDINGS: SchemaFindings = { missing: [], unexpected: [], anomalies: [] };

interface HandFeature {
  name: string;
  kind: 'numeric' | 'categorical';
  drift: boolean;
  stats: Record<string, unknown>;
  decision?: unknown;
}

/** A `reports` row with LiveReport-shaped JSON written by hand (only what a digest reads, plus a few fields). */
async function insertReport(
  db: Database,
  r: { id: string; model?: string; status: string; finishedAt: string; features?: HandFeature[]; schema?: SchemaFindings },
): Promise<void> {
  const model = r.model ?? MODEL;
  const features = r.features ?? [];
  const report = {
    id: r.id,
    model,
    status: r.status,
    drift: features.some((f) => f.drift),
    baseline: { name: model, rows: 1000 },
    current: { rows: 500 },
    features: features.map((f) => ({ ...f, reasons: [], severity: 0 })),
    schema: r.schema ?? NO_FINDINGS,
    window: { spec: '1h', start: r.finishedAt, end: r.finishedAt, rows: 500, minRows: 100 },
    timing: { startedAt: r.finishedAt, finishedAt: r.finishedAt, seconds: 0.1 },
  };
  // JSON.stringify turns NaN into null, as it does for real reports.
  await db.run(`INSERT INTO reports VALUES (?, ?, ?, ?, NULL, NULL, 500, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?)`, [
    r.id,
    model,
    r.status,
    report.drift,
    r.finishedAt,
    r.finishedAt,
    JSON.stringify(report),
  ]);
}

async function insertAlert(
  db: Database,
  a: { fingerprint: string; model?: string; feature: string; kind: string; severity?: string; startsAt: string; endsAt: string | null },
): Promise<void> {
  await db.run(`INSERT INTO alert_state VALUES (?, ?, ?, ?, ?, 'summary', NULL, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), NULL)`, [
    a.fingerprint,
    a.model ?? MODEL,
    a.feature,
    a.kind,
    a.severity ?? 'warning',
    a.startsAt,
    a.endsAt,
  ]);
}

const ks = (statistic: number, pvalue: number) => ({ statistic, pvalue, method: 'asymp' });

describe('buildDigest', () => {
  let store: Store;
  before(async () => {
    store = await Store.open(':memory:');
    const db = store.db;

    const table = await store.ensureSamplesTable(MODEL, specs);
    assert.equal(table, 'samples_fraud_v2');
    const other = await store.ensureSamplesTable('other', specs);
    for (const [ts, model] of [
      [JUST_BEFORE, MODEL],
      [START, MODEL],
      [at(6), MODEL],
      [at(8, 12), MODEL],
      [at(11, 23), MODEL],
      [END, MODEL],
      [at(6), 'other'],
    ] as const) {
      await db.run(`INSERT INTO ${model === MODEL ? table : other} (amount, country, _ts) VALUES (1.5, 'FR', CAST(? AS TIMESTAMP))`, [ts]);
    }

    for (const [ts, model] of [
      [JUST_BEFORE, MODEL],
      [at(6), MODEL],
      [at(9), MODEL],
      [END, MODEL],
      [at(6), 'other'],
    ] as const) {
      await db.run(`INSERT INTO quarantine (model, reason, quarantined_at) VALUES (?, 'invalid_json', CAST(? AS TIMESTAMP))`, [model, ts]);
    }

    await insertReport(db, {
      id: 'r0',
      status: 'drift',
      finishedAt: JUST_BEFORE,
      features: [{ name: 'amount', kind: 'numeric', drift: true, stats: { psi: 9 } }],
    });
    await insertReport(db, {
      id: 'r1',
      status: 'ok',
      finishedAt: START,
      features: [
        { name: 'amount', kind: 'numeric', drift: false, stats: { psi: 0.02, ks: ks(0.01, 0.9) } },
        { name: 'country', kind: 'categorical', drift: false, stats: { psi: Number.NaN, chi2: ks(1, 0.5) } },
      ],
    });
    await insertReport(db, {
      id: 'r2',
      status: 'drift',
      finishedAt: at(6),
      features: [
        { name: 'amount', kind: 'numeric', drift: true, stats: { psi: 0.3, ks: ks(0.2, 1e-9) } },
        { name: 'country', kind: 'categorical', drift: false, stats: { psi: 0.05 } },
      ],
      schema: { missing: ['early'], unexpected: [], anomalies: [] },
    });
    await insertReport(db, { id: 'r3', status: 'insufficient_data', finishedAt: at(7) });
    const lastSchema: SchemaFindings = {
      missing: ['zip'],
      unexpected: ['debug'],
      anomalies: [
        {
          feature: 'country',
          kind: 'unseen_categories',
          message: '12% of values are categories the baseline never saw',
          share: 0.12,
          baselineShare: 0,
          examples: ['XX'],
        },
      ],
    };
    await insertReport(db, {
      id: 'r4',
      status: 'drift',
      finishedAt: at(8),
      features: [
        { name: 'amount', kind: 'numeric', drift: true, stats: { psi: 0.4, ks: ks(0.25, 1e-12), wasserstein_norm: 0.8 } },
        { name: 'country', kind: 'categorical', drift: true, stats: { psi: 0.22, chi2: ks(80, 1e-6), linf: 0.1 } },
        { name: 'age', kind: 'numeric', drift: false, stats: { psi: 0.15, jensen_shannon: Number.POSITIVE_INFINITY } },
      ],
      schema: lastSchema,
    });
    // An insufficient check after the last comparison: its empty findings must not hide r4's.
    await insertReport(db, { id: 'r4b', status: 'insufficient_data', finishedAt: at(11, 23) });
    await insertReport(db, {
      id: 'r5',
      status: 'ok',
      finishedAt: END,
      features: [{ name: 'late', kind: 'numeric', drift: false, stats: { psi: 0 } }],
    });
    await insertReport(db, {
      id: 'x1',
      model: 'other',
      status: 'drift',
      finishedAt: at(6),
      features: [{ name: 'elsewhere', kind: 'numeric', drift: true, stats: { psi: 1 } }],
    });

    await insertAlert(db, { fingerprint: 'a1', feature: 'amount', kind: 'drift', severity: 'critical', startsAt: at(6), endsAt: null });
    await insertAlert(db, { fingerprint: 'a2', feature: 'country', kind: 'drift', startsAt: at(4), endsAt: at(7) });
    await insertAlert(db, { fingerprint: 'a3', feature: '*', kind: 'insufficient-data', startsAt: at(7), endsAt: at(8) });
    await insertAlert(db, { fingerprint: 'a4', feature: 'amount', kind: 'schema', startsAt: END, endsAt: null });
    await insertAlert(db, { fingerprint: 'a5', feature: 'country', kind: 'drift', startsAt: at(3), endsAt: JUST_BEFORE });
    await insertAlert(db, { fingerprint: 'x1', model: 'other', feature: 'elsewhere', kind: 'drift', startsAt: at(6), endsAt: at(7) });
  });
  after(() => store.close());

  it('counts the period only: start included, end excluded, other models left out', async () => {
    const d = await buildDigest(store.db, MODEL, PERIOD, 'https://dash.example/models/fraud-v2', { now: NOW });
    assert.equal(d.model, MODEL);
    assert.deepEqual(d.period, { start: START, end: END });
    assert.deepEqual(d.volume, { events: 4, quarantined: 2 });
    assert.deepEqual(d.checks, { total: 5, ok: 1, drift: 2, insufficientData: 2 });
    assert.equal(d.dashboardUrl, 'https://dash.example/models/fraud-v2');
    assert.equal(d.generatedAt, new Date(NOW).toISOString());
  });

  it('gives each feature a point per check, worst first, with the latest statistics', async () => {
    const d = await buildDigest(store.db, MODEL, PERIOD, null, { now: NOW });
    const times = [START, at(6), at(7), at(8), at(11, 23)];
    assert.deepEqual(
      d.features.map((f) => f.name),
      ['amount', 'country', 'age'],
    );
    const [amount, country, age] = d.features;
    assert.deepEqual(amount, {
      name: 'amount',
      kind: 'numeric',
      drifted: 2,
      points: [
        [0.02, false],
        [0.3, true],
        [null, false],
        [0.4, true],
        [null, false],
      ].map(([psi, drift], i) => ({ at: times[i], psi, drift })),
      latest: { psi: 0.4, ks: { statistic: 0.25, pvalue: 1e-12, method: 'asymp' }, wasserstein_norm: 0.8 },
    });
    // A NaN PSI is stored as null: a gap, not a zero.
    assert.deepEqual(
      country?.points.map((p) => p.psi),
      [null, 0.05, null, 0.22, null],
    );
    assert.deepEqual(
      country?.points.map((p) => p.drift),
      [false, false, false, true, false],
    );
    assert.equal(country?.drifted, 1);
    assert.equal(country?.kind, 'categorical');
    assert.deepEqual(country?.latest, { psi: 0.22, chi2: { statistic: 80, pvalue: 1e-6, method: 'asymp' }, linf: 0.1 });
    // A feature the baseline gained mid-period: no points before it existed; an infinite statistic is left out.
    assert.deepEqual(
      age?.points.map((p) => p.psi),
      [null, null, null, 0.15, null],
    );
    assert.equal(age?.drifted, 0);
    assert.deepEqual(age?.latest, { psi: 0.15 });
    assert.deepEqual(d.topDrifted, ['amount', 'country'], 'only features that drifted');
  });

  it('takes the schema findings of the last check that compared data', async () => {
    const d = await buildDigest(store.db, MODEL, PERIOD, null, { now: NOW });
    assert.equal(d.schemaCheckedAt, at(8));
    assert.deepEqual(d.schema.missing, ['zip']);
    assert.deepEqual(d.schema.unexpected, ['debug']);
    assert.deepEqual(d.schema.anomalies, [
      {
        feature: 'country',
        kind: 'unseen_categories',
        message: '12% of values are categories the baseline never saw',
        share: 0.12,
        baselineShare: 0,
        examples: ['XX'],
      },
    ]);
  });

  it('lists the alerts fired and resolved in the period, oldest first', async () => {
    const d = await buildDigest(store.db, MODEL, PERIOD, null, { now: NOW });
    assert.deepEqual(d.alerts.fired, [
      { feature: 'amount', kind: 'drift', severity: 'critical', at: at(6) },
      { feature: '*', kind: 'insufficient-data', severity: 'warning', at: at(7) },
    ]);
    assert.deepEqual(d.alerts.resolved, [
      { feature: 'country', kind: 'drift', at: at(7) },
      { feature: '*', kind: 'insufficient-data', at: at(8) },
    ]);
  });

  it('names at most five top drifted features: most drifted checks, then the highest last PSI', async () => {
    const s = await Store.open(':memory:');
    try {
      const psis: Record<string, [number, boolean][]> = {
        a: [
          [0.3, true],
          [0.1, false],
        ],
        b: [
          [0.3, true],
          [0.5, true],
        ],
        c: [
          [0.2, true],
          [0.9, false],
        ],
        d: [
          [0.3, true],
          [0.3, false],
        ],
        e: [
          [0.3, true],
          [0.2, false],
        ],
        f: [
          [0.3, true],
          [0.15, false],
        ],
        g: [
          [0.01, false],
          [0.02, false],
        ],
      };
      for (const i of [0, 1]) {
        await insertReport(s.db, {
          id: `t${i}`,
          model: 'm',
          status: 'drift',
          finishedAt: at(6 + i),
          features: Object.entries(psis).map(([name, points]) => ({
            name,
            kind: 'numeric' as const,
            drift: points[i]![1],
            stats: { psi: points[i]![0] },
          })),
        });
      }
      const d = await buildDigest(s.db, 'm', PERIOD, null, { now: NOW });
      assert.deepEqual(d.topDrifted, ['b', 'c', 'd', 'e', 'f']);
      assert.deepEqual(
        d.features.map((f) => f.name),
        ['b', 'c', 'd', 'e', 'f', 'a', 'g'],
      );
    } finally {
      s.close();
    }
  });

  it('gives zeros for a model with no data (no samples table yet), and renders', async () => {
    const d = await buildDigest(store.db, 'brand-new', PERIOD, null, { now: NOW });
    assert.deepEqual(d.volume, { events: 0, quarantined: 0 });
    assert.deepEqual(d.checks, { total: 0, ok: 0, drift: 0, insufficientData: 0 });
    assert.deepEqual(d.features, []);
    assert.deepEqual(d.topDrifted, []);
    assert.deepEqual(d.schema, NO_FINDINGS);
    assert.equal(d.schemaCheckedAt, null);
    assert.deepEqual(d.alerts, { fired: [], resolved: [] });
    const email = renderDigestEmail(d);
    assert.equal(email.subject, '[driftwatch] REPORT brand-new: 0 of 0 checks drifted, 2026-01-05 – 2026-01-11');
    assert.match(email.html, /No checks ran in this period/);
    assert.match(email.text, /No checks ran in this period/);
  });

  it('rejects an empty or reversed period', async () => {
    await assert.rejects(buildDigest(store.db, MODEL, { startMs: PERIOD.endMs, endMs: PERIOD.startMs }, null), /startMs < endMs/);
    await assert.rejects(buildDigest(store.db, MODEL, { startMs: Number.NaN, endMs: PERIOD.endMs }, null), /finite/);
  });

  it('names the report and the path when a stored report cannot be read', async () => {
    const s = await Store.open(':memory:');
    try {
      await s.db.run(
        `INSERT INTO reports VALUES ('bad-1', 'm', 'ok', false, NULL, NULL, 1, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?)`,
        [at(6), at(6), JSON.stringify({ features: [{ name: 'x', kind: 'numeric', drift: 'no', stats: {} }], schema: NO_FINDINGS })],
      );
      await assert.rejects(buildDigest(s.db, 'm', PERIOD, null), /stored report bad-1 of model 'm' cannot be read: features\[0\]\.drift/);
    } finally {
      s.close();
    }
  });
});

describe("a digest's statistics are the decision's", () => {
  let store: Store;
  before(async () => {
    store = await Store.open(':memory:');
    const decision = {
      status: 'drift',
      n: 500,
      baselineN: 1000,
      test: {
        name: 'category_shift',
        statistic: 0.0931,
        critical: 0.05,
        pvalue: 2.5e-7,
        adjustedP: 5e-7,
        level: 0.005,
        features: 2,
        correction: 'holm',
        category: 'FR',
        categories: 6,
      },
      effect: { name: 'linf', value: 0.0931, threshold: 0.05, minimum: 0.05, large: true },
      sentence: "drift: linf 0.0931 >= 0.05 and 'FR' moved; p = 2.5e-7 < 0.005",
    };
    await insertReport(store.db, {
      id: 'd1',
      status: 'drift',
      finishedAt: at(8),
      features: [
        {
          name: 'country',
          kind: 'categorical',
          drift: true,
          // chi2 is reported too, but the decision used the category-shift test.
          stats: { psi: 0.22, chi2: ks(80, 1e-6), jensen_shannon: 0.12, linf: 0.0931 },
          decision,
        },
      ],
    });
  });
  after(() => store.close());

  it("shows, for a categorical feature, the category-shift test and its p-value, not chi2's", async () => {
    const { html, text } = renderDigestEmail(await buildDigest(store.db, MODEL, PERIOD, null, { now: NOW }));
    for (const [part, content] of [
      ['html', html],
      ['text', text],
    ] as const) {
      assert.ok(content.includes('2.5e-7'), `the ${part} part shows the shift test's p-value`);
      assert.match(content, /shift(&nbsp;<span[^>]*>| )0\.0931/, `the ${part} part names the test by its registry label`);
      assert.ok(!content.includes('1e-6'), `the ${part} part does not show chi2's p-value`);
      assert.ok(!content.includes('chi2'), `the ${part} part does not name chi2 as the test`);
    }
  });
});
