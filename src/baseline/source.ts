import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError, messageOf } from '../errors.js';
import type { Database } from '../store/database.js';
import { quoteIdent, quoteLiteral } from '../store/sql.js';
import type { ColumnInfo } from '../store/database.js';

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

/** The most columns a data file may have, and the setting that says so (named in the refusal). */
export interface ColumnLimit {
  max: number;
  setting: string;
}

/** A UserError for a data file over a limit (an API answers it 413, not 400). */
export class DataLimitError extends UserError {}

function tooManyColumns(file: string, columns: number, limit: ColumnLimit, atLeast: boolean): DataLimitError {
  return new DataLimitError(
    `'${basename(file)}' has ${atLeast ? 'more than ' : ''}${columns.toLocaleString('en-US')} columns; at most ${limit.max.toLocaleString('en-US')} are profiled (${limit.setting}): send only the feature columns`,
  );
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

/**
 * Explains DuckDB's load errors in the user's terms, naming the file. DuckDB's first line is
 * often only "CSV Error on Line: 2"; the reason ("This file is not utf-8 encoded") follows, so the
 * lines up to the first blank one are kept, without the row's text and the generic advice.
 */
function loadError(file: string, format: DataFormat, error: unknown): UserError {
  const lines = messageOf(error).split('\n');
  const end = lines.findIndex((line, i) => i > 0 && line.trim() === '');
  const kept = lines.slice(0, end < 0 ? 1 : end).filter((line) => !/^(Original Line|Possible Solution|LINE \d)/.test(line.trim()));
  let message = kept.join(' ').replace(/\s+/g, ' ').trim();
  if (message.length > 400) message = `${message.slice(0, 400)}…`;
  const hint = /not utf-?8|invalid unicode/i.test(message)
    ? ' (driftwatch reads text files as UTF-8: convert it first, e.g. iconv -f latin1 -t utf-8)'
    : '';
  return new UserError(`cannot read '${file}' as ${format}: ${message}${hint}`);
}

/** Bytes of a CSV file read to check its encoding and shape before DuckDB loads it. */
const CSV_CHECK_BYTES = 1 << 20;
const DELIMITERS = [',', ';', '\t', '|'] as const;

/** Splits CSV text into records of fields (RFC 4180 quotes; a quoted field may hold the delimiter and newlines). */
function csvRecords(text: string, delimiter: string, complete: boolean): { fields: number; line: number }[] {
  const records: { fields: number; line: number }[] = [];
  let fields = 1;
  let quoted = false;
  let line = 1;
  let start = 1;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      } else if (c === '\n') line++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      empty = false;
    } else if (c === delimiter) {
      fields++;
      empty = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (!empty) records.push({ fields, line: start });
      line++;
      start = line;
      fields = 1;
      empty = true;
    } else empty = false;
  }
  // The last record of a prefix may be cut in the middle.
  if (!empty && complete) records.push({ fields, line: start });
  return records;
}

/**
 * Checks the start of a CSV file (its first MiB) before DuckDB reads it: DuckDB's dialect sniffer
 * does not fail on ragged rows, it silently picks another reading (one column named "a,b,c", or
 * the widest row's columns with no header), which would make a wrong baseline. Text that is not
 * UTF-8 is named here too, with its line. Gzipped files are left to DuckDB.
 */
export function checkCsvText(file: string, columnLimit?: ColumnLimit): void {
  if (file.toLowerCase().endsWith('.gz')) return;
  const buffer = Buffer.alloc(Math.min(CSV_CHECK_BYTES, statSync(file).size));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  const complete = buffer.length < CSV_CHECK_BYTES;
  let text: string;
  try {
    // `stream: true` on a prefix: a character cut at the end is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer, { stream: !complete });
  } catch {
    const at = firstInvalidUtf8(buffer);
    const line = buffer.subarray(0, at).toString('latin1').split('\n').length;
    const where = at < buffer.length ? ` (byte 0x${buffer[at]!.toString(16).padStart(2, '0')} on line ${line})` : '';
    throw new UserError(
      `cannot read '${file}': it is not UTF-8${where}; driftwatch reads text files as UTF-8: convert it first, e.g. iconv -f latin1 -t utf-8`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The first line that is not blank: CSV readers skip blank lines.
  const header = /^[^\r\n]*\S[^\r\n]*$/m.exec(text)?.[0] ?? '';
  // The delimiter: the one that splits the header most; with a one-field header, the first that
  // splits any later row (a one-column header over two-field rows is ragged too).
  const best = DELIMITERS.map((d) => ({ d, n: csvRecords(header, d, true)[0]?.fields ?? 1 })).sort((a, b) => b.n - a.n)[0]!;
  const chosen = file.toLowerCase().endsWith('.tsv')
    ? '\t'
    : best.n > 1
      ? best.d
      : DELIMITERS.find((d) => csvRecords(text, d, complete).some((r) => r.fields > 1));
  if (chosen === undefined) return;
  if (columnLimit) {
    // Before anything is parsed: DuckDB's reader of a 100,000-column file took minutes and GBs.
    // A header cut at the end of the checked prefix gives a lower bound, which is enough to refuse.
    const cut = !complete && !/[\r\n]/.test(text.slice(text.indexOf(header) + header.length));
    const width = csvRecords(header, chosen, true)[0]?.fields ?? 1;
    if (width > columnLimit.max) throw tooManyColumns(file, width, columnLimit, cut);
  }
  const records = csvRecords(text, chosen, complete);
  const width = records[0]?.fields ?? 0;
  const ragged = records.find((r) => r.fields !== width);
  if (ragged) {
    const shown = chosen === '\t' ? 'tab' : `'${chosen}'`;
    throw new UserError(
      `cannot read '${file}' as csv: line ${ragged.line} has ${ragged.fields} fields where line ${records[0]!.line} has ${width} (delimiter ${shown}); every row needs the same number of fields: fix the row, or quote a field that holds the delimiter`,
    );
  }
}

/** The offset of the first byte that starts a broken UTF-8 sequence (a close approximation: overlong forms are not told apart). */
function firstInvalidUtf8(buffer: Buffer): number {
  for (let i = 0; i < buffer.length; ) {
    const c = buffer[i]!;
    const more = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (more < 0 || i + more >= buffer.length) return i;
    for (let k = 1; k <= more; k++) if ((buffer[i + k]! & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return buffer.length;
}

/**
 * Loads a data file into a table of the database through DuckDB's readers (no row passes
 * through JavaScript). Missing, unreadable and empty files give a UserError naming the file.
 */
export async function loadTable(
  db: Database,
  file: string,
  table: string,
  options: { materialize?: boolean; columnLimit?: ColumnLimit } = {},
): Promise<LoadedTable> {
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
  if (format === 'csv') checkCsvText(file, options.columnLimit);
  if (options.columnLimit) {
    // The reader's columns, before the rows are parsed into a table (Parquet reads its footer only).
    let described: number;
    try {
      described = (await db.rows(`DESCRIBE SELECT * FROM ${readerSql(file, format, true)}`)).length;
    } catch (error) {
      throw loadError(file, format, error);
    }
    if (described > options.columnLimit.max) throw tooManyColumns(file, described, options.columnLimit, false);
  }
  try {
    await db.run(`CREATE OR REPLACE ${kind} ${target} AS SELECT * FROM ${readerSql(file, format, true)}`);
  } catch (first) {
    // A cancelled load (Database.interrupt) is not a reason to read the file a second way.
    if (/^INTERRUPT Error/.test(messageOf(first))) throw first;
    if (format !== 'csv') throw loadError(file, format, first);
    try {
      await db.run(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${readerSql(file, format, false)}`);
    } catch (second) {
      throw loadError(file, format, second);
    }
  }
  const columns = (
    await db.rows(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, [table])
  ).map((row) => ({ name: String(row.column_name), type: String(row.data_type) }));
  const { n } = await db.row(`SELECT count(*)::DOUBLE AS n FROM ${target}`);
  const rows = Number(n);
  if (rows === 0) throw new UserError(`data file has no rows: '${file}'`);
  return { table, kind, file: basename(file), format, rows, columns };
}

const NUMERIC_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const TEMPORAL_TYPES = /^(DATE|TIME.*|TIMESTAMP.*|INTERVAL)$/;

/** True for DuckDB's number types: such a column is a numeric feature (STATS.md "Inputs"). */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPES.test(type);
}

/** True for dates and times, which are not features by default (they are window keys). */
export function isTemporalType(type: string): boolean {
  return TEMPORAL_TYPES.test(type);
}
