/**
 * Quotes an identifier for DuckDB: feature names come from users' data and may hold quotes,
 * semicolons, unicode or SQL keywords, so every column name goes through here.
 * @example quoteIdent('my "odd" col') // => '"my ""odd"" col"'
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal. Used only where DuckDB takes no prepared parameter
 * (a table function's file path); values always go through parameters.
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
