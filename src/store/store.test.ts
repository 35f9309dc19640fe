import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventMapping } from '../config/schema.js';
import { buildBatch } from '../ingest/batch.js';
import { EventDecoder } from '../ingest/decoder.js';
import type { FeatureSpec } from '../contracts/event.js';
import { SamplesWriter } from './samples-writer.js';
import { Store } from './store.js';
import { UserError } from '../errors.js';

const spec = (name: string, kind: FeatureSpec['kind'] = 'numeric'): FeatureSpec => ({
  name,
  kind,
  expects: kind === 'numeric' ? 'number' : 'string',
  path: ['features', name],
});

async function write(store: Store, features: FeatureSpec[], events: Record<string, unknown>[], offset: number) {
  const table = await store.ensureSamplesTable('m', features);
  const writer = new SamplesWriter(store.db, 'm', table, features, 10);
  const messages = events.map((features, i) => ({
    topic: 't',
    partition: 0,
    offset: BigInt(offset + i),
    key: null,
    value: Buffer.from(JSON.stringify({ features })),
    timestampMs: Date.now(),
  }));
  await writer.write(buildBatch(messages, new EventDecoder(features, EventMapping.parse({}), 1 << 20), { rate: 1, by: 'key' }));
  return table;
}

describe('samples table and a changing baseline', () => {
  it('a baseline that gains, reorders and loses features: the table is rebuilt, shared values kept, new rows land in the right columns', async () => {
    const store = await Store.open(':memory:');
    try {
      await write(store, [spec('a'), spec('b'), spec('c', 'categorical')], [{ a: 1, b: 2, c: 'x' }], 0);
      const table = await write(store, [spec('c', 'categorical'), spec('d'), spec('a')], [{ a: 10, c: 'y', d: 4 }], 1);
      assert.deepEqual(store.rebuilt, [{ table, dropped: ['b'] }]);
      const columns = (
        await store.db.rows(`SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, [table])
      ).map((r) => r.column_name);
      assert.deepEqual(columns.slice(0, 3), ['c', 'd', 'a']);
      const rows = await store.db.rows(`SELECT c, d, a, _offset FROM ${table} ORDER BY _offset`);
      assert.deepEqual(
        rows.map((r) => [r.c, r.d, r.a, Number(r._offset)]),
        [
          ['x', null, 1, 0],
          ['y', 4, 10, 1],
        ],
      );
      await write(store, [spec('c', 'categorical'), spec('d'), spec('a')], [{ a: 5, c: 'z', d: 6 }], 2);
      assert.equal(store.rebuilt.length, 1, 'no rebuild when nothing changed');
    } finally {
      store.close();
    }
  });

  it('a feature whose kind changed is refused, naming both types', async () => {
    const store = await Store.open(':memory:');
    try {
      await store.ensureSamplesTable('m', [spec('a')]);
      await assert.rejects(
        store.ensureSamplesTable('m', [spec('a', 'categorical')]),
        /column 'a' of samples_m is DOUBLE, but the baseline makes it categorical \(VARCHAR\)/,
      );
    } finally {
      store.close();
    }
  });
});

describe('opening the store', () => {
  it('drops the window tables a check killed mid-way left behind, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-store-'));
    const path = join(dir, 'store.duckdb');
    try {
      const leftover = `window_samples_fraud_${'0123456789abcdef'.repeat(2)}`;
      const first = await Store.open(path);
      await first.ensureSamplesTable('fraud', [spec('a')]);
      await first.db.run(`CREATE TABLE "${leftover}" AS SELECT 1 AS a`);
      await first.db.run(`CREATE TABLE window_notes AS SELECT 1 AS a`);
      first.db.close();
      const second = await Store.open(path);
      try {
        const tables = (await second.db.rows(`SELECT table_name FROM duckdb_tables() ORDER BY table_name`)).map((r) =>
          String(r.table_name),
        );
        assert.ok(!tables.includes(leftover), tables.join(', '));
        assert.ok(tables.includes('samples_fraud') && tables.includes('window_notes'), tables.join(', '));
      } finally {
        second.db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('store identity', () => {
  it('is made with the file, kept across reopenings, and differs between files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-store-id-'));
    try {
      const first = await Store.open(join(dir, 'a.duckdb'));
      const id = first.id;
      first.close();
      const again = await Store.open(join(dir, 'a.duckdb'));
      assert.equal(again.id, id);
      assert.equal(
        Number((await again.db.row(`SELECT count(*) AS n FROM store_identity`)).n),
        1,
        'one row, however often the file is opened',
      );
      again.close();
      const other = await Store.open(join(dir, 'b.duckdb'));
      assert.notEqual(other.id, id);
      assert.match(id, /^[0-9a-f-]{36}$/);
      other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('opening a damaged store file', () => {
  it('says the file is corrupt (not "in use by another process") and names it, wherever the damage is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-corrupt-'));
    try {
      const base = join(dir, 'base.duckdb');
      const store = await Store.open(base);
      await store.db.run('CREATE TABLE t AS SELECT range AS x, range::VARCHAR AS y FROM range(200000)');
      await store.db.run('CHECKPOINT');
      store.close();
      // The two database headers: DuckDB's message ("... checksum ... in block ...") held the word
      // "lock", which the open took for another process's lock. (A damaged data block opens, and
      // fails the queries that read it.)
      for (const offset of [4096, 8192]) {
        const path = join(dir, `damaged-${offset}.duckdb`);
        copyFileSync(base, path);
        const fd = openSync(path, 'r+');
        writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, offset);
        closeSync(fd);
        await assert.rejects(Store.open(path), (error: Error) => {
          assert.ok(error instanceof UserError, `a UserError, not ${error.name}: ${error.message}`);
          assert.doesNotMatch(error.message, /in use by another process/);
          assert.match(error.message, new RegExp(`the store '.*damaged-${offset}\\.duckdb' is corrupt`));
          return true;
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
