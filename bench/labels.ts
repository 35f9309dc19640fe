// `npm run bench -- labels [--rows N]`: the store's cost of labels. N predictions in a samples
// table, then N labels written through LabelsWriter in chunks of 5,000 (the label consumer's
// chunk: each looks its ids up for duplicates and corrections, inside the transaction), then the
// join of the window (labelledWindow) with its pairs and with counts only. A file in a temporary
// folder, removed after.
import { numberOption } from './args.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLabelsTable, LabelsWriter, labelledWindow } from '../src/store/labels.js';
import { Store } from '../src/store/store.js';

const CHUNK = 5000;
const T0 = 1_700_000_000_000;

export async function run(args: string[]): Promise<void> {
  const rows = numberOption(args, '--rows', 1_000_000);
  if (!Number.isInteger(rows) || rows < CHUNK) throw new Error(`--rows must be a whole number >= ${CHUNK}`);
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-labels-'));
  const store = await Store.open(join(dir, 'labels.duckdb'));
  try {
    const table = await store.ensureSamplesTable('b', [{ name: 'x', kind: 'numeric', expects: 'number', path: ['x'] }]);
    await store.db.run(
      `INSERT INTO ${table} SELECT i::DOUBLE, make_timestamp((${T0} + i)::BIGINT * 1000), 't', 0, i, 'evt-' || i,
         CAST((i % 100) / 100 AS VARCHAR), NULL, NULL FROM range(${rows}) r(i)`,
    );
    await ensureLabelsTable(store.db, 'b');
    const writer = new LabelsWriter(store.db, 'b', 100);
    const times: number[] = [];
    const started = performance.now();
    for (let from = 0; from < rows; from += CHUNK) {
      const labels = Array.from({ length: Math.min(CHUNK, rows - from) }, (_, j) => {
        const i = from + j;
        return { id: `evt-${i}`, label: String(i % 2), labelMs: T0 + i, topic: 'l', partition: 0, offset: BigInt(i) };
      });
      const t = performance.now();
      await writer.write({ labels, quarantined: [], offsets: new Map([['l/0', BigInt(from + labels.length)]]), counts: new Map() });
      times.push(performance.now() - t);
    }
    const wrote = (performance.now() - started) / 1000;
    const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(
      `${rows.toLocaleString('en-US')} labels in chunks of ${CHUNK}: ${wrote.toFixed(1)} s (${Math.round(rows / wrote).toLocaleString('en-US')}/s); ` +
        `a chunk: first ${fmt(times[0]!)}, last ${fmt(times[times.length - 1]!)}`,
    );
    const bounds = { start: T0, end: T0 + rows };
    let t = performance.now();
    const joined = await labelledWindow(store.db, 'b', bounds);
    console.log(
      `labelledWindow of ${rows.toLocaleString('en-US')} predictions with their pairs: ${((performance.now() - t) / 1000).toFixed(2)} s (${joined.pairs.length} pairs)`,
    );
    t = performance.now();
    await labelledWindow(store.db, 'b', bounds, { pairs: false });
    console.log(`the same, counts only: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
