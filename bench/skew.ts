// The skew benchmark: `driftwatch skew` through the real CLI (node dist/cli.js) on a training file
// and a serving file of N ids x 5 features (2 categorical, 3 numeric), CSV and Parquet, with the
// damage of test/skew.test.ts at scale: carriers swapped for 10% of the ids, 5% of the distances
// rescaled, 1,000 ids on one side only and 100 ids served twice.
import { numberOption } from './args.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../src/store/database.js';
import { measure } from './measure.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');

async function generate(rows: number, files: Record<'trainingCsv' | 'servingCsv' | 'trainingParquet' | 'servingParquet', string>) {
  if (Object.values(files).every(existsSync)) return;
  const db = await Database.open();
  try {
    await db.run('SELECT setseed(0.17)');
    await db.run(
      `CREATE TABLE t AS SELECT range + 1 AS id,
         ['AA','DL','UA','WN','B6','AS'][1 + floor(pow(random(), 2) * 6)::INTEGER] AS carrier,
         'O' || floor(random() * 300)::INTEGER AS origin,
         round(exp(6.3 + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))) AS distance,
         floor(random() * 24)::INTEGER AS hour,
         round((sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) * 20 + 8, 1) AS delay
       FROM range(${rows + 1000})`,
    );
    // Serving: the first N ids; ids 10% apart in a hashed order swap carriers in pairs, 5% rescaled.
    await db.run(
      `CREATE TABLE s AS
       WITH base AS (SELECT *, hash(id) % 100 AS bucket FROM t WHERE id <= ${rows}),
       swapped AS (
         SELECT id, carrier, row_number() OVER (ORDER BY hash(id)) AS r FROM base WHERE bucket < 10
       ),
       partner AS (
         SELECT a.id, b.carrier FROM swapped a JOIN swapped b ON b.r = CASE WHEN a.r % 2 = 1 THEN a.r + 1 ELSE a.r - 1 END
       )
       SELECT base.id, coalesce(partner.carrier, base.carrier) AS carrier, origin,
              CASE WHEN bucket BETWEEN 10 AND 14 THEN round(distance / 1.150779, 2) ELSE distance END AS distance,
              hour, delay
       FROM base LEFT JOIN partner USING (id)
       UNION ALL SELECT id, carrier, origin, distance, hour, delay FROM base WHERE id <= 100`,
    );
    for (const [table, csv, parquet] of [
      ['t', files.trainingCsv, files.trainingParquet],
      ['s', files.servingCsv, files.servingParquet],
    ] as const) {
      await db.run(`COPY ${table} TO '${csv}' (FORMAT csv, HEADER true)`);
      await db.run(`COPY ${table} TO '${parquet}' (FORMAT parquet)`);
    }
  } finally {
    db.close();
  }
}

/** `npm run bench -- skew [--rows N]` */
export async function run(args: string[]): Promise<void> {
  const rows = numberOption(args, '--rows', 1_000_000);
  mkdirSync(OUT, { recursive: true });
  const files = {
    trainingCsv: join(OUT, `skew-training-${rows}.csv`),
    servingCsv: join(OUT, `skew-serving-${rows}.csv`),
    trainingParquet: join(OUT, `skew-training-${rows}.parquet`),
    servingParquet: join(OUT, `skew-serving-${rows}.parquet`),
  };
  console.log(`generating ${rows.toLocaleString('en-US')} ids x 5 features in ${OUT} (cached between runs)...`);
  await generate(rows, files);
  const cli = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  for (const [format, training, serving] of [
    ['csv', files.trainingCsv, files.servingCsv],
    ['parquet', files.trainingParquet, files.servingParquet],
  ] as const) {
    const out = join(OUT, `skew-report-${format}.json`);
    const m = await measure(process.execPath, [
      cli,
      'skew',
      '--training',
      training,
      '--serving',
      serving,
      '--id',
      'id',
      '--format',
      'json',
      '--out',
      out,
    ]);
    if (m.code !== 1) throw new Error(`skew exited ${m.code} (expected 1: skew found): ${m.stderr}`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      joined: number;
      features: { name: string; differing: number }[];
      training: { only: { count: number } };
      serving: { duplicateIds: { count: number } };
    };
    const found = report.features.map((f) => `${f.name} ${f.differing.toLocaleString('en-US')}`).join(', ');
    console.log(
      `${format.padEnd(8)} wall ${m.seconds.toFixed(2)} s, CPU ${m.cpuSeconds.toFixed(2)} s, peak RSS ${m.peakRssMb.toFixed(0)} MB; joined ${report.joined.toLocaleString('en-US')}, training-only ${report.training.only.count}, serving duplicated ${report.serving.duplicateIds.count}; differing: ${found}`,
    );
  }
}
