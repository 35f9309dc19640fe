import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError, messageOf } from '../errors.js';
import type { FeatureSpec } from '../ingest/decoder.js';
import { Database } from './database.js';
import { createSamplesTableSql, featureColumnType, MIGRATIONS, samplesTable, SYSTEM_COLUMNS } from './schema.js';
import { quoteIdent } from './sql.js';

/**
 * The deployment's DuckDB file: one instance per process, opened once, with the tables migrated.
 * Each concurrent task takes its own connection with `connect()`.
 */
export class Store {
  private constructor(readonly db: Database, readonly path: string) {}

  /** Opens (creating) the file. A file locked by another process is a clear error, not a crash. */
  static async open(path: string): Promise<Store> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: Database;
    try {
      db = await Database.open(path);
    } catch (error) {
      const message = messageOf(error);
      if (/lock/i.test(message)) {
        throw new UserError(`the store '${path}' is in use by another process (is \`driftwatch serve\` running?): ${message.split('\n')[0]}`);
      }
      throw new UserError(`cannot open the store '${path}': ${message.split('\n')[0]}`);
    }
    for (const sql of MIGRATIONS) await db.run(sql);
    return new Store(db, path);
  }

  /** A new connection to the store, for one task (close it when done). */
  connect(): Promise<Database> {
    return this.db.connect();
  }

  /**
   * Creates the model's samples table, or adds columns for features the baseline gained.
   * A feature whose column exists with another type is an error naming both.
   */
  async ensureSamplesTable(model: string, features: readonly FeatureSpec[]): Promise<string> {
    const table = samplesTable(model);
    for (const f of features) {
      if (f.name in SYSTEM_COLUMNS) throw new UserError(`model '${model}': feature name '${f.name}' is reserved for driftwatch's own column`);
    }
    await this.db.run(createSamplesTableSql(model, features));
    const existing = new Map(
      (await this.db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?`, [table]))
        .map((r) => [String(r.column_name), String(r.data_type)]),
    );
    for (const f of features) {
      const type = featureColumnType(f);
      const have = existing.get(f.name);
      if (have === undefined) await this.db.run(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(f.name)} ${type}`);
      else if (have !== type) {
        throw new UserError(`model '${model}': column '${f.name}' of ${table} is ${have}, but the baseline makes it ${f.kind} (${type}); use a new model name or migrate the table`);
      }
    }
    return table;
  }

  /** The stored next offsets of a model: "topic/partition" -> next offset to read. */
  async loadOffsets(model: string): Promise<Map<string, bigint>> {
    const rows = await this.db.rows(`SELECT topic, "partition", next_offset FROM offsets WHERE model = ?`, [model]);
    return new Map(rows.map((r) => [`${String(r.topic)}/${Number(r.partition)}`, BigInt(r.next_offset as bigint)]));
  }

  /** The persisted counters of a model (consumed, sampled, stored, and each reject reason). */
  async counters(model: string): Promise<Record<string, number>> {
    const rows = await this.db.rows(`SELECT counter, value FROM ingest_counts WHERE model = ?`, [model]);
    return Object.fromEntries(rows.map((r) => [String(r.counter), Number(r.value)]));
  }

  close(): void {
    this.db.close();
  }
}
