import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StorageConfig } from '../config/schema.js';
import { UserError, messageOf } from '../errors.js';
import type { FeatureSpec } from '../contracts/event.js';
import { Database } from './database.js';
import { createSamplesTableSql, featureColumnType, MIGRATIONS, samplesTable, SYSTEM_COLUMNS } from './schema.js';
import { quoteIdent } from './sql.js';
import { WINDOW_TABLE } from './samples.js';

/**
 * The deployment's DuckDB file: one instance per process, opened once, with the tables migrated.
 * Each concurrent task takes its own connection with `connect()`.
 */
export class Store {
  private constructor(
    readonly db: Database,
    readonly path: string,
    /** This file's identity: made with the file, kept for its life (and its copies'). */
    readonly id: string,
  ) {}

  /**
   * Opens (creating) the file and brings its tables up to date. A file locked by another process,
   * or a damaged one, is a clear error naming the file, not a crash.
   */
  static async open(path: string, options: Partial<Pick<StorageConfig, 'memoryLimit' | 'checkpointThreshold'>> = {}): Promise<Store> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: Database | undefined;
    try {
      db = await Database.open(path, {
        ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
        ...(options.checkpointThreshold ? { checkpoint_threshold: options.checkpointThreshold } : {}),
      });
      for (const sql of MIGRATIONS) await db.run(sql);
      await dropLeftoverWindows(db);
      return new Store(db, path, await storeIdentity(db));
    } catch (error) {
      db?.close();
      throw openError(path, error);
    }
  }

  /** A new connection to the store, for one task (close it when done). */
  connect(): Promise<Database> {
    return this.db.connect();
  }

  /**
   * Creates the model's samples table, or brings an existing one to the baseline's features: the
   * columns are always the features in baseline order, then the system columns, because the
   * writer appends in that order. A table that differs (a baseline that gained, lost or reordered
   * features) is rebuilt in one transaction, keeping the values of the features both share;
   * columns of features the baseline no longer has are dropped (their names are returned).
   * A feature whose column exists with another type is an error naming both.
   */
  async ensureSamplesTable(model: string, features: readonly FeatureSpec[]): Promise<string> {
    const table = samplesTable(model);
    // DuckDB's column names are case-insensitive, and `in` would also find `constructor` or
    // `toString` on the prototype: compare lower-cased names against a set.
    const system = new Set(Object.keys(SYSTEM_COLUMNS));
    const seen = new Map<string, string>();
    for (const f of features) {
      const folded = f.name.toLowerCase();
      if (system.has(folded)) throw new UserError(`model '${model}': feature name '${f.name}' is reserved for driftwatch's own column`);
      const other = seen.get(folded);
      if (other !== undefined)
        throw new UserError(
          `model '${model}': features '${other}' and '${f.name}' differ only in case, and DuckDB's column names do not; rename one in the training data`,
        );
      seen.set(folded, f.name);
    }
    await this.db.run(createSamplesTableSql(table, features));
    const existing = (
      await this.db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, [table])
    ).map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
    const have = new Map(existing.map((c) => [c.name, c.type]));
    for (const f of features) {
      const type = featureColumnType(f);
      const found = have.get(f.name);
      if (found !== undefined && found !== type) {
        throw new UserError(
          `model '${model}': column '${f.name}' of ${table} is ${found}, but the baseline makes it ${f.kind} (${type}); use a new model name or migrate the table`,
        );
      }
    }
    const wanted = [...features.map((f) => f.name), ...Object.keys(SYSTEM_COLUMNS)];
    if (wanted.length === existing.length && wanted.every((name, i) => existing[i]!.name === name)) return table;
    const dropped = existing.map((c) => c.name).filter((name) => !wanted.includes(name));
    const rebuilt = `${table}__rebuild`;
    const select = wanted.map((name) => (have.has(name) ? quoteIdent(name) : `NULL AS ${quoteIdent(name)}`)).join(', ');
    await this.db.transaction(async () => {
      await this.db.run(`DROP TABLE IF EXISTS ${quoteIdent(rebuilt)}`);
      await this.db.run(createSamplesTableSql(rebuilt, features));
      await this.db.run(`INSERT INTO ${quoteIdent(rebuilt)} SELECT ${select} FROM ${quoteIdent(table)}`);
      await this.db.run(`DROP TABLE ${quoteIdent(table)}`);
      await this.db.run(`ALTER TABLE ${quoteIdent(rebuilt)} RENAME TO ${quoteIdent(table)}`);
    });
    this.rebuilt.push({ table, dropped });
    return table;
  }

  /** Samples tables rebuilt for a changed baseline since the store opened, with the columns dropped. */
  readonly rebuilt: { table: string; dropped: string[] }[] = [];

  close(): void {
    this.db.close();
  }
}

/** DuckDB's refusal to open a file another process holds ("Could not set lock on file ...: Conflicting lock"). */
const LOCKED = /Could not set lock on file|Conflicting lock/i;
/** DuckDB's messages for a damaged file: a failed block checksum, or a header it cannot read. */
const CORRUPT = /Corrupt database file|not a valid DuckDB database file|checksum/i;

/** The error of a failed open, for people: in use, corrupt, or why else it could not be opened. */
function openError(path: string, error: unknown): UserError {
  const first = messageOf(error).split('\n')[0]!;
  if (LOCKED.test(first))
    return new UserError(`the store '${path}' is in use by another process (is \`driftwatch serve\` running?): ${first}`);
  if (CORRUPT.test(first)) {
    return new UserError(
      `the store '${path}' is corrupt (${first}); restore it from a backup, or move it aside to start an empty store (samples, reports and alert state are in it)`,
    );
  }
  return new UserError(`cannot open the store '${path}': ${first}`);
}

/** The file's identity, made on first open. */
async function storeIdentity(db: Database): Promise<string> {
  const found = await db.rows(`SELECT id FROM store_identity LIMIT 1`);
  if (found[0]) return String(found[0].id);
  const id = randomUUID();
  await db.run(`INSERT INTO store_identity VALUES (?)`, [id]);
  return id;
}

/**
 * A live check copies its window into a table of its own and drops it when done
 * (`src/checks/live.ts`); a process killed mid-check leaves it behind. Only one process holds the
 * file, so any such table found on opening is a leftover.
 */
async function dropLeftoverWindows(db: Database): Promise<void> {
  const rows = await db.rows(`SELECT table_name FROM duckdb_tables() WHERE regexp_full_match(table_name, ?)`, [WINDOW_TABLE.source]);
  for (const r of rows) await db.run(`DROP TABLE IF EXISTS ${quoteIdent(String(r.table_name))}`);
}
