import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, type DuckDBType, type DuckDBValue, DOUBLE } from '@duckdb/node-api';
import { WriteLock } from './write-lock.js';

/**
 * Types for the parameters node-api would bind wrongly: it binds a whole JS number as INTEGER or
 * BIGINT, and throws "bigint out of int64 range" for one past int64 (1e19, or a bin edge of
 * 1e308 in a training file). Those go as DOUBLE; the others keep node-api's choice.
 */
function bindTypes(values: DuckDBValue[]): DuckDBType[] | undefined {
  let types: (DuckDBType | undefined)[] | undefined;
  values.forEach((value, i) => {
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 2 ** 63)
      (types ??= new Array(values.length))[i] = DOUBLE;
  });
  // Holes fall back to node-api's own inference (DuckDBPreparedStatement.bind).
  return types as DuckDBType[] | undefined;
}

/** The parts read chunk by chunk, as one array of `total` doubles. */
function concatDoubles(parts: readonly Float64Array[], total: number): Float64Array {
  const out = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A column of a table: its name and DuckDB's type name (DOUBLE, VARCHAR, TIMESTAMP...). */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** A row as an object of JS values (BIGINT as bigint, DOUBLE as number, VARCHAR as string...). */
export type Row = Record<string, unknown>;

/**
 * One DuckDB instance and one connection, owned together. Queries on the connection are
 * serialised by the callers (never two at once on one connection, STYLE.md rule 7).
 */
export class Database {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** Only the first handle owns the instance; the ones from `connect()` close just their connection. */
    private readonly ownsInstance: boolean,
    /** The named locks of this database, shared by every connection to it (see `lock`). */
    private readonly locks: Map<string, WriteLock> = new Map(),
  ) {}

  /**
   * A lock shared by every connection of this database, by name: writers on different connections
   * that may update one row go behind the same one (the outbox's, in store/outbox.ts).
   */
  lock(name: string): WriteLock {
    let lock = this.locks.get(name);
    if (lock === undefined) this.locks.set(name, (lock = new WriteLock()));
    return lock;
  }

  /** Opens a database file, or an in-memory one with ':memory:'. */
  static async open(path = ':memory:', options: Record<string, string> = {}): Promise<Database> {
    const instance = await DuckDBInstance.create(path, options);
    const connection = await instance.connect();
    return new Database(instance, connection, true);
  }

  /**
   * Another connection to the same database, for a task that runs at the same time as this
   * one's queries (DuckDB runs queries of different connections in parallel). Close it after use.
   */
  async connect(): Promise<Database> {
    return new Database(this.instance, await this.instance.connect(), false, this.locks);
  }

  /** Runs a statement; values bind to `?` placeholders in order. */
  async run(sql: string, values: DuckDBValue[] = []): Promise<void> {
    await this.connection.run(sql, values, bindTypes(values));
  }

  /** Runs a query and returns every row as an object. */
  async rows(sql: string, values: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, values, bindTypes(values));
    return reader.getRowObjects() as Row[];
  }

  /** The first row of a query (an error if there is none). */
  async row(sql: string, values: DuckDBValue[] = []): Promise<Row> {
    const [first] = await this.rows(sql, values);
    if (!first) throw new Error(`query returned no row: ${sql.slice(0, 80)}`);
    return first;
  }

  /**
   * Reads the first column of a query as doubles, chunk by chunk, without building an object
   * per row: the fast path for sorted samples of a million values. Nulls are skipped.
   */
  async doubles(sql: string, values: DuckDBValue[] = []): Promise<Float64Array> {
    const result = await this.connection.run(sql, values, bindTypes(values));
    const parts: Float64Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vector = chunk.getColumnVector(0);
      const part = new Float64Array(chunk.rowCount);
      let n = 0;
      for (let i = 0; i < chunk.rowCount; i++) {
        const value = vector.getItem(i);
        if (value !== null) part[n++] = Number(value);
      }
      parts.push(n === part.length ? part : part.subarray(0, n));
      total += n;
    }
    return concatDoubles(parts, total);
  }

  /**
   * Reads a query of (group, value) rows ordered by group, groups numbered 0 to `groups` - 1, as
   * one array of doubles and where each group starts in it (`starts[g]` to `starts[g + 1]`):
   * every window of a backfill in one sorted pass, without an object per row. Null values are skipped.
   */
  async groupedDoubles(sql: string, groups: number, values: DuckDBValue[] = []): Promise<{ values: Float64Array; starts: Int32Array }> {
    const result = await this.connection.run(sql, values, bindTypes(values));
    const parts: Float64Array[] = [];
    const counts = new Int32Array(groups);
    let total = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const group = chunk.getColumnVector(0);
      const vector = chunk.getColumnVector(1);
      const part = new Float64Array(chunk.rowCount);
      let n = 0;
      for (let i = 0; i < chunk.rowCount; i++) {
        const value = vector.getItem(i);
        if (value === null) continue;
        const g = Number(group.getItem(i));
        if (!(g >= 0 && g < groups)) throw new Error(`groupedDoubles: group ${g} outside 0..${groups - 1}`);
        counts[g]!++;
        part[n++] = Number(value);
      }
      parts.push(n === part.length ? part : part.subarray(0, n));
      total += n;
    }
    const out = concatDoubles(parts, total);
    const starts = new Int32Array(groups + 1);
    for (let g = 0; g < groups; g++) starts[g + 1] = starts[g]! + counts[g]!;
    return { values: out, starts };
  }

  /**
   * Runs `fn` in one transaction on this connection: committed when it resolves, rolled back when
   * it throws (the error is rethrown). The one place driftwatch writes BEGIN, COMMIT and ROLLBACK.
   * @example await db.transaction(async () => { await insertReport(db, report); await saveAlerts(db, changed, report.id); });
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await fn();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      // A failed COMMIT has ended the transaction already; the ROLLBACK then only fails, quietly.
      await this.run('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  /** An appender on a table of this connection: the fast path for many rows. Close it in `finally`. */
  appender(table: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table);
  }

  /** Cancels the query running on this connection: it fails with DuckDB's "INTERRUPT Error". */
  interrupt(): void {
    this.connection.interrupt();
  }

  /** Progress of the query running on this connection (0..100, or -1 when unknown). */
  progressPercent(): number {
    return this.connection.progress.percentage;
  }

  /** Closes the connection (and the instance, for the handle that opened it); the object is unusable after. */
  close(): void {
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}
