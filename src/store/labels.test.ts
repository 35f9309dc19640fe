import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureSpec } from '../contracts/event.js';
import { LABEL_COUNTERS, type LabelBatch, type StoredLabel } from '../contracts/label.js';
import { ingestCounters } from './counters.js';
import { deleteExpiredLabels, ensureLabelsTable, labelledWindow, LabelsWriter } from './labels.js';
import { SamplesWriter } from './samples-writer.js';
import { Store } from './store.js';

const features: FeatureSpec[] = [{ name: 'x', kind: 'numeric', expects: 'number', path: ['features', 'x'] }];
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** A store with model `m`: predictions p0..p9 at T0 + i hours (p9 has no id), and its labels table. */
async function storeWithPredictions(): Promise<{ store: Store; labels: LabelsWriter }> {
  const store = await Store.open(':memory:');
  const table = await store.ensureSamplesTable('m', features);
  const samples = new SamplesWriter(store.db, 'm', table, features, 100);
  await samples.write({
    events: Array.from({ length: 10 }, (_, i) => ({
      topic: 't',
      partition: 0,
      offset: BigInt(i),
      event: {
        values: [i],
        timestampMs: T0 + i * HOUR,
        id: i === 9 ? null : `p${i}`,
        prediction: String(i / 10),
        extra: null,
        errors: null,
        problems: [],
      },
    })),
    quarantined: [],
    offsets: new Map([['t/0', 10n]]),
    counts: new Map(),
  });
  await ensureLabelsTable(store.db, 'm');
  return { store, labels: new LabelsWriter(store.db, 'm', 100, () => T0 + 100 * HOUR) };
}

const label = (id: string, value: unknown, labelMs: number, offset: number | null = null): StoredLabel => ({
  id,
  label: JSON.stringify(value),
  labelMs,
  topic: offset === null ? null : 'labels',
  partition: offset === null ? null : 0,
  offset: offset === null ? null : BigInt(offset),
});

const batch = (labels: StoredLabel[], extra: Partial<LabelBatch> = {}): LabelBatch => ({
  labels,
  quarantined: [],
  offsets: new Map(),
  counts: new Map(),
  ...extra,
});

describe('labels store', () => {
  it('joins labels to the predictions of a window by id, whenever they came; counts coverage and unmatched labels', async () => {
    const { store, labels } = await storeWithPredictions();
    try {
      const window = { start: T0, end: T0 + 5 * HOUR }; // p0..p4
      await labels.write(batch([label('p1', 1, T0), label('p3', 0, T0), label('p7', 1, T0), label('ghost', 1, T0)]));
      let w = await labelledWindow(store.db, 'm', window);
      assert.equal(w.predictions, 5);
      assert.equal(w.labelled, 2);
      assert.equal(w.withoutId, 0);
      assert.equal(w.labelIds, 4);
      assert.equal(w.unmatched, 1, 'only ghost has no prediction (p7 is outside the window, not unmatched)');
      assert.deepEqual(w.pairs.map((p) => [p.prediction, p.label]).sort(), [
        ['0.1', '1'],
        ['0.3', '0'],
      ]);
      // A week later a label of p0 arrives: the same window, looked at again, sees it.
      await labels.write(batch([label('p0', 0, T0 + 7 * 24 * HOUR)]));
      w = await labelledWindow(store.db, 'm', window, { pairs: false });
      assert.equal(w.labelled, 3);
      assert.deepEqual(w.pairs, [], 'no pairs read when not asked for');
      // The id-less prediction can never be labelled; the newest-N form of a window is honoured.
      const all = await labelledWindow(store.db, 'm', { start: T0, end: T0 + 10 * HOUR });
      assert.equal(all.withoutId, 1);
      const newest = await labelledWindow(store.db, 'm', { start: T0, end: T0 + 10 * HOUR, limit: 4 });
      assert.equal(newest.predictions, 4);
      assert.equal(newest.labelled, 1, 'of p6..p9 only p7 is labelled');
    } finally {
      store.close();
    }
  });

  it('the latest label time wins; corrections and duplicates are counted in the transaction; HTTP resends are not stored again', async () => {
    const { store, labels } = await storeWithPredictions();
    try {
      const window = { start: T0, end: T0 + 10 * HOUR };
      assert.deepEqual(await labels.write(batch([label('p1', 1, T0 + HOUR, 0)])), { stored: 1, duplicates: 0, corrections: 0 });
      // An older label of p1 with another value: a correction that does not win.
      assert.deepEqual(await labels.write(batch([label('p1', 0, T0, 1)])), { stored: 1, duplicates: 0, corrections: 1 });
      let pair = (await labelledWindow(store.db, 'm', window)).pairs.find((p) => p.prediction === '0.1');
      assert.equal(pair?.label, '1', 'the label with the latest label time is current');
      // A newer one wins; the same value again (from Kafka) is a duplicate, stored by its offset.
      await labels.write(batch([label('p1', 0, T0 + 2 * HOUR, 2), label('p1', 0, T0 + 2 * HOUR, 3)]));
      pair = (await labelledWindow(store.db, 'm', window)).pairs.find((p) => p.prediction === '0.1');
      assert.equal(pair?.label, '0');
      // Over HTTP (skipDuplicates) the same label again is not stored.
      assert.deepEqual(await labels.write(batch([label('p1', 0, T0 + 3 * HOUR)], { skipDuplicates: true })), {
        stored: 0,
        duplicates: 1,
        corrections: 0,
      });
      const counts = await ingestCounters(store.db, 'm');
      assert.equal(counts[LABEL_COUNTERS.stored], 4);
      assert.equal(counts[LABEL_COUNTERS.corrected], 2);
      assert.equal(counts[LABEL_COUNTERS.duplicate], 2);
      const rows = await store.db.row(`SELECT count(*)::INTEGER AS n, count(DISTINCT "offset")::INTEGER AS d FROM labels_m`);
      assert.deepEqual(rows, { n: 4, d: 4 }, 'one row per Kafka message');
    } finally {
      store.close();
    }
  });

  it('rolls the labels back with their offsets and counters when the write fails', async () => {
    const { store, labels } = await storeWithPredictions();
    try {
      const bad = batch([label('p1', 1, T0, 0)], { offsets: new Map([['labels/0', 1n]]), counts: new Map([['labels:consumed', 1.5]]) });
      await assert.rejects(labels.write(bad), /integer/);
      assert.equal(Number((await store.db.row(`SELECT count(*) AS n FROM labels_m`)).n), 0);
      assert.equal((await store.db.rows(`SELECT * FROM offsets WHERE topic = 'labels'`)).length, 0);
      await labels.write(batch([label('p1', 1, T0, 0)], { offsets: new Map([['labels/0', 1n]]) }));
      assert.equal(Number((await store.db.row(`SELECT count(*) AS n FROM labels_m`)).n), 1);
    } finally {
      store.close();
    }
  });

  it('retention deletes a label with its prediction, and any label received before the cutoff', async () => {
    const { store, labels } = await storeWithPredictions();
    try {
      await labels.write(batch([label('p1', 1, T0), label('p8', 1, T0), label('ghost', 1, T0)]));
      // Cutoff at T0 + 5 h: p1's prediction is older (its label goes), p8's is not (kept); ghost was received at T0 + 100 h (kept).
      assert.equal(await deleteExpiredLabels(store.db, 'm', T0 + 5 * HOUR), 1);
      const left = (await store.db.rows(`SELECT id FROM labels_m ORDER BY id`)).map((r) => r.id);
      assert.deepEqual(left, ['ghost', 'p8']);
      // Everything received before the cutoff goes, matched or not.
      assert.equal(await deleteExpiredLabels(store.db, 'm', T0 + 101 * HOUR), 2);
    } finally {
      store.close();
    }
  });
});
