import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError, messageOf } from '../errors.js';
import type { Database } from '../store/database.js';
import { quoteIdent, quoteLiteral } from '../store/sql.js';

/** The data file formats DuckDB reads for us, by file extension. */
export const DATA_FORMATS = {
  csv: ['.csv', '.tsv', '.txt', '.csv.gz', '.tsv.gz'],
  parquet: ['.parquet', '.pq'],
  ndjson: ['.ndjson', '.jsonl', '.ndjson.gz', '.jsonl.gz'],
  json: ['.json', '.json.gz'],
} as const;

export type DataFormat = keyof typeof DATA_FORMATS;

/** Finds a file's format from its name; an unknown extension lists the known ones. */
export function detectFormat(file: string): DataFormat {
  const name = file.toLowerCase();
  for (const [format, extensions] of Object.entries(DATA_FORMATS) as [DataFormat, readonly string[]][]) {
    if (extensions.some((ext) => name.endsWith(ext))) return format;
  }
  const known = Object.values(DATA_FORMATS).flat().join(', ');
  throw new UserError(`unknown data format of '${file}' (extension '${extname(file) || 'none'}'); known: ${known}`);
}

/** A column of a loaded table, with DuckDB's type name. */
export interface ColumnInfo {
  name: string;
  type: string;
}

/** A data file loaded into a DuckDB table. */
export interface LoadedTable {
  table: string;
  /** A view reads the file on each query (Parquet); a table holds the parsed rows. */
  kind: 'TABLE' | 'VIEW';
  file: string;
  format: DataFormat;
  rows: number;
  columns: ColumnInfo[];
}

function readerSql(file: string, format: DataFormat, strictTypes: boolean): string {
  const path = quoteLiteral(file);
  switch (format) {
    case 'csv':
      // A full scan for type detection is slower, but a numeric column with a stray string on
      // row 30,000 then loads as text (reported as a type mismatch) instead of failing the load.
      return strictTypes ? `read_csv(${path}, auto_detect = true)` : `read_csv(${path}, auto_detect = true, sample_size = -1)`;
    case 'parquet':
      return `read_parquet(${path})`;
    case 'ndjson':
      return `read_json(${path}, format = 'newline_delimited', sample_size = -1)`;
    case 'json':
      return `read_json(${path}, format = 'auto', sample_size = -1)`;
  }
}

/** Explains DuckDB's load errors in the user's terms, naming the file. */
function loadError(file: string, format: DataFormat, error: unknown): UserError {
  const message = messageOf(error).split('\n')[0] ?? '';
  return new UserError(`cannot read '${file}' as ${format}: ${message}`);
}

/**
 * Loads a data file into a table of the database through DuckDB's readers (no row passes
 * through JavaScript). Missing, unreadable and empty files give a UserError naming the file.
 */
export async function loadTable(db: Database, file: string, table: string, options: { materialize?: boolean } = {}): Promise<LoadedTable> {
  if (!existsSync(file)) throw new UserError(`data file not found: '${file}'`);
  const stat = statSync(file);
  if (!stat.isFile()) throw new UserError(`not a file: '${file}'`);
  if (stat.size === 0) throw new UserError(`data file is empty: '${file}'`);
  const format = detectFormat(file);
  const target = quoteIdent(table);
  // Parquet is columnar and typed: a view reads each column straight from the file when a query
  // needs it. Text formats are parsed once into a table.
  // Tables that need a stable rowid (seeded samples) ask for `materialize`.
  const kind = format === 'parquet' && !options.materialize ? 'VIEW' : 'TABLE';
  try {
    await db.run(`CREATE OR REPLACE ${kind} ${target} AS SELECT * FROM ${readerSql(file, format, true)}`);
  } catch (first) {
    if (format !== 'csv') throw loadError(file, format, first);
    try {
      await db.run(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${readerSql(file, format, false)}`);
    } catch (second) {
      throw loadError(file, format, second);
    }
  }
  const columns = (await db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, [table]))
    .map((row) => ({ name: String(row.column_name), type: String(row.data_type) }));
  const { n } = await db.row(`SELECT count(*)::DOUBLE AS n FROM ${target}`);
  const rows = Number(n);
  if (rows === 0) throw new UserError(`data file has no rows: '${file}'`);
  return { table, kind, file: basename(file), format, rows, columns };
}

const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const TEMPORAL_TYPES = /^(DATE|TIME.*|TIMESTAMP.*|INTERVAL)$/;

/** True for DuckDB's number types: such a column is a numeric feature (STATS.md "Inputs"). */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPES.test(type);
}

/** True for dates and times, which are not features by default (they are window keys). */
export function isTemporalType(type: string): boolean {
  return TEMPORAL_TYPES.test(type);
}
