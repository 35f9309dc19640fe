// The check benchmark: a 1,000,000-row x 20-feature current file against a baseline profile,
// through the real CLI (`node dist/cli.js check`), beside a plain JavaScript implementation of
// the same statistics (bench/plain-check.ts) on the same data, in the same run.
import { numberOption } from './args.js';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProfile } from '../src/baseline/create.js';
import { writeProfile } from '../src/baseline/profile.js';
import { Database } from '../src/store/database.js';
import { measure } from './measure.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');

/** 14 numeric and 6 categorical columns; `shift` moves some of them, as drift would. */
function featureSql(shift: number): string {
  const normal = (i: number) => `sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())${i < 4 ? ` + ${shift * 0.3}` : ''}`;
  const numeric = Array.from({ length: 14 }, (_, i) => {
    const kind = i % 3;
    if (kind === 0) return `round((${normal(i)}) * 10 + 50, 3) AS num_${i}`;
    if (kind === 1) return `round(exp(${normal(i)}), 4) AS num_${i}`;
    return `floor(random() * ${20 + i})::INTEGER AS num_${i}`;
  });
  const categorical = Array.from({ length: 6 }, (_, i) => {
    const k = [3, 5, 12, 40, 200, 8][i]!;
    // A skewed pick (random()^2) so categories have unequal shares.
    return `'c' || floor(pow(random(), ${shift > 0 && i === 0 ? 1.5 : 2}) * ${k})::INTEGER AS cat_${i}`;
  });
  return [...numeric, ...categorical].join(', ');
}

async function generate(rows: number, shift: number, files: string[]): Promise<void> {
  if (files.every(existsSync)) return;
  const db = await Database.open();
  try {
    await db.run('SELECT setseed(0.42)');
    await db.run(`CREATE TABLE t AS SELECT ${featureSql(shift)} FROM range(${rows})`);
    for (const file of files) {
      const format = file.endsWith('.parquet') ? '(FORMAT parquet)' : '(FORMAT csv, HEADER true)';
      await db.run(`COPY t TO '${file}' ${format}`);
    }
  } finally {
    db.close();
  }
}

/** `npm run bench -- check [--rows N]` */
export async function run(args: string[]): Promise<void> {
  const rows = numberOption(args, '--rows', 1_000_000);
  mkdirSync(OUT, { recursive: true });
  const baselineCsv = join(OUT, 'baseline-200k.csv');
  const currentCsv = join(OUT, `current-${rows}.csv`);
  const currentParquet = join(OUT, `current-${rows}.parquet`);
  const profilePath = join(OUT, 'bench-profile.json');
  console.log(`generating data in ${OUT} (cached between runs)...`);
  await generate(200_000, 0, [baselineCsv]);
  await generate(rows, 1, [currentCsv, currentParquet]);
  // Rebuilt each run (about a second), so it always has the current profile format.
  writeProfile(profilePath, await createProfile(baselineCsv, { model: 'bench', version: 'v1' }));

  const cli = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const results: { label: string; seconds: number; peakRssMb: number }[] = [];
  const record = async (label: string, args: string[]) => {
    const m = await measure(process.execPath, args);
    if (m.code !== 0) throw new Error(`${label} failed (exit ${m.code}): ${m.stderr}`);
    results.push({ label, seconds: m.seconds, peakRssMb: m.peakRssMb });
    console.log(`${label.padEnd(44)} ${m.seconds.toFixed(2).padStart(7)} s  ${m.peakRssMb.toFixed(0).padStart(6)} MB peak RSS`);
  };
  console.log(`\ncheck of ${rows.toLocaleString('en')} rows x 20 features against a profile (14 numeric, 6 categorical):`);
  await record('driftwatch check, Parquet current', [
    cli,
    'check',
    '--baseline',
    profilePath,
    '--current',
    currentParquet,
    '--format',
    'json',
    '--out',
    '/dev/null',
  ]);
  await record('driftwatch check, CSV current', [
    cli,
    'check',
    '--baseline',
    profilePath,
    '--current',
    currentCsv,
    '--format',
    'json',
    '--out',
    '/dev/null',
  ]);
  await record('plain JavaScript, same CSV, same statistics', [
    '--import',
    'tsx',
    join(ROOT, 'bench', 'plain-check.ts'),
    profilePath,
    currentCsv,
  ]);
  const [parquet, csv, plain] = results;
  console.log(
    `\nplain JavaScript / driftwatch (CSV): ${(plain!.seconds / csv!.seconds).toFixed(1)}x the time, ${(plain!.peakRssMb / csv!.peakRssMb).toFixed(1)}x the memory`,
  );
  console.log(`plain JavaScript / driftwatch (Parquet): ${(plain!.seconds / parquet!.seconds).toFixed(1)}x the time`);
}
