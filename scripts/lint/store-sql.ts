// Only src/store/ reads or writes the service's own tables (issue 13): this finds SQL on them,
// and hand-written transactions, anywhere else in src/. `npm run lint` runs it (`node --import tsx scripts/lint/store-sql.ts`); so does
// test/layout.test.ts. Exit 1 with one line per finding.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tables the store owns (src/store/schema.ts), and the samples tables by their helper. */
export const STORE_TABLES = [
  'offsets',
  'ingest_counts',
  'ingest_minutes',
  'quarantine',
  'reports',
  'alert_state',
  'alert_groups',
  'silences',
  'outbox',
  'store_identity',
];

const TABLE_SQL = new RegExp(
  `\\b(?:FROM|INTO|UPDATE|JOIN|TABLE(?:\\s+IF\\s+(?:NOT\\s+)?EXISTS)?)\\s+"?(${STORE_TABLES.join('|')})\\b"?`,
  'g',
);
const TRANSACTION = /\brun\(\s*['"`](?:BEGIN|COMMIT|ROLLBACK)\b/g;
const SAMPLES = /\bsamplesTable\(/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Findings `{file, line, what}` of SQL on the store's tables outside src/store/. */
/** One place outside src/store/ that touches the store's tables. */
export interface StoreSqlFinding {
  file: string;
  line: number;
  what: string;
}

export function storeSqlFindings(root: string): StoreSqlFinding[] {
  const src = join(root, 'src');
  const findings: StoreSqlFinding[] = [];
  for (const file of tsFiles(src)) {
    const rel = relative(root, file);
    if (rel.startsWith(join('src', 'store'))) continue;
    const text = readFileSync(file, 'utf8');
    const lineOf = (index: number) => text.slice(0, index).split('\n').length;
    for (const m of text.matchAll(TABLE_SQL))
      findings.push({ file: rel, line: lineOf(m.index ?? 0), what: `SQL on the store's table '${m[1]}'` });
    for (const m of text.matchAll(TRANSACTION))
      findings.push({ file: rel, line: lineOf(m.index ?? 0), what: 'a hand-written transaction (use db.transaction(fn) in src/store/)' });
    for (const m of text.matchAll(SAMPLES))
      findings.push({ file: rel, line: lineOf(m.index ?? 0), what: 'a samples table named outside the store' });
  }
  return findings;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const findings = storeSqlFindings(root);
  for (const f of findings) console.log(`${f.file}:${f.line}: ${f.what}`);
  const files = new Set(findings.map((f) => f.file));
  console.log(
    findings.length === 0
      ? "store-sql: only src/store/ touches the store's tables"
      : `store-sql: ${findings.length} finding(s) in ${files.size} file(s) outside src/store/`,
  );
  process.exit(findings.length === 0 ? 0 : 1);
}
