// Regenerates the demo's bundled baseline, baselines/flights/v1.json, from January 2001 of the
// vega-datasets flights (508,239 flights) with driftwatch's own `baseline create`.
// Run: npm run build && node --import tsx scripts/demo-baseline.ts
// The profile depends only on the data and the settings (seeded sample), except `createdAt`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_BASELINE, DEMO_MODEL, writeTrainingFile } from '../src/demo/flights.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'driftwatch-demo-baseline-'));
try {
  // The file name is recorded in the profile's `source.file`.
  const training = join(dir, 'flights-2001-01.parquet');
  const rows = await writeTrainingFile(training);
  process.stderr.write(`training data: ${rows} flights of January 2001 -> ${training}\n`);
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'dist', 'cli.js'),
      'baseline',
      'create',
      '--data',
      training,
      '--name',
      DEMO_MODEL,
      '--version',
      'v1',
      '--out',
      join(root, DEMO_BASELINE),
    ],
    { stdio: 'inherit', cwd: root },
  );
  if (result.status !== 0) throw new Error(`baseline create exited ${result.status}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
