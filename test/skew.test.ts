// Row-level training-serving skew through the built CLI (issue 17 part 5): a serving pipeline with
// transformation bugs that keep the distribution - the carrier of 10% of the ids swapped in pairs
// between rows, and the distance of 5% of the rows in nautical instead of statute miles - passes
// `driftwatch check` without drift, and `driftwatch skew` finds both, with the exact counts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SkewReport, SkewReportSchema } from '../src/contracts/skew.js';
import { Database } from '../src/store/database.js';
import { quoteLiteral } from '../src/store/sql.js';
import { runCli, tempDir } from './helpers/cli.js';
import { mulberry32, normal } from './helpers/random.js';

const tmp = tempDir('driftwatch-skew-');
after(tmp.cleanup);

const IDS = 6_000;
const CARRIERS = ['AA', 'DL', 'UA', 'WN', 'B6', 'AS'];
const CARRIER_SHARES = [0.3, 0.25, 0.2, 0.12, 0.08, 0.05];
const ORIGINS = Array.from({ length: 20 }, (_, i) => `O${i}`);
/** Statute miles per nautical mile: the unit bug of 5% of the served rows. */
const NAUTICAL = 1 / 1.150779;
/** Ids only in training, only in serving, and served twice (each on two rows). */
const TRAINING_ONLY = 40;
const SERVING_ONLY = 25;
const DUPLICATED = [11, 12, 13];

interface Row {
  id: number;
  carrier: string;
  origin: string;
  distance: number;
  hour: number;
  delay: number;
}

const random = mulberry32(17);
const pick = <T>(values: readonly T[], shares?: readonly number[]): T => {
  let u = random();
  if (!shares) return values[Math.floor(u * values.length)]!;
  for (let i = 0; i < values.length; i++) if ((u -= shares[i]!) < 0) return values[i]!;
  return values[values.length - 1]!;
};
const makeRow = (id: number): Row => ({
  id,
  carrier: pick(CARRIERS, CARRIER_SHARES),
  origin: pick(ORIGINS),
  distance: Math.round(Math.exp(6.3 + 0.6 * normal(random))),
  hour: Math.floor(random() * 24),
  delay: Math.round((normal(random) * 20 + 8) * 10) / 10,
});

const training = Array.from({ length: IDS + TRAINING_ONLY }, (_, i) => makeRow(i + 1));
// Serving: the same requests (the ids only in training left out), plus some training never saw.
const serving = training.slice(0, IDS).map((r) => ({ ...r }));
for (let i = 0; i < SERVING_ONLY; i++) serving.push(makeRow(IDS + TRAINING_ONLY + i + 1));

// Pick the rows to damage among ids 100.. (the duplicated ids stay intact), in a seeded shuffle.
const candidates = Array.from({ length: IDS - 100 }, (_, i) => i + 99);
for (let i = candidates.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
}
const swapped = candidates.slice(0, IDS * 0.1);
const rescaled = candidates.slice(IDS * 0.1, IDS * 0.1 + IDS * 0.05);
let carrierDiffers = 0;
for (let k = 0; k < swapped.length; k += 2) {
  const a = serving[swapped[k]!]!;
  const b = serving[swapped[k + 1]!]!;
  if (a.carrier !== b.carrier) carrierDiffers += 2;
  [a.carrier, b.carrier] = [b.carrier, a.carrier];
}
for (const i of rescaled) serving[i]!.distance = Math.round(serving[i]!.distance * NAUTICAL * 100) / 100;
for (const id of DUPLICATED) serving.push({ ...serving[id - 1]! });

const csv = (rows: readonly Row[]) =>
  `id,carrier,origin,distance,hour,delay\n${rows.map((r) => `${r.id},${r.carrier},${r.origin},${r.distance},${r.hour},${r.delay}`).join('\n')}\n`;
const trainingCsv = tmp.file('training.csv', csv(training));
const servingCsv = tmp.file('serving.csv', csv(serving));
const servingParquet = join(tmp.dir, 'serving.parquet');

before(async () => {
  const db = await Database.open();
  try {
    await db.run(`COPY (SELECT * FROM read_csv(${quoteLiteral(servingCsv)})) TO ${quoteLiteral(servingParquet)} (FORMAT parquet)`);
  } finally {
    db.close();
  }
});

async function skew(args: string[]): Promise<{ code: number | null; report: SkewReport; stderr: string }> {
  const r = await runCli(['skew', '--format', 'json', ...args]);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return { code: r.code, report: SkewReportSchema.parse(JSON.parse(r.stdout)), stderr: r.stderr };
}

const feature = (report: SkewReport, name: string) => {
  const f = report.features.find((x) => x.name === name);
  assert.ok(f, `feature ${name} in the report`);
  return f;
};

describe('driftwatch skew', () => {
  it('the damage keeps the distributions: check finds no drift in any feature', async (t) => {
    const r = await runCli(['check', '--baseline', trainingCsv, '--current', servingCsv, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { drift: boolean; features: { name: string; drift: boolean; stats: Record<string, unknown> }[] };
    for (const f of report.features) t.diagnostic(`check ${f.name}: drift ${f.drift}, ${JSON.stringify(f.stats)}`);
    assert.equal(report.drift, false);
    assert.deepEqual(
      report.features.filter((f) => f.drift).map((f) => f.name),
      [],
    );
  });

  it('finds the swapped carriers and the rescaled distances, with exact counts, and exits 1', async (t) => {
    const { code, report } = await skew(['--training', trainingCsv, '--serving', servingCsv, '--id', 'id']);
    for (const f of report.features) t.diagnostic(`skew ${f.name}: ${f.differing} of ${f.compared} differ (${f.share})`);
    assert.equal(code, 1);
    assert.equal(report.skew, true);
    const joined = IDS - DUPLICATED.length;
    assert.equal(report.joined, joined);

    const carrier = feature(report, 'carrier');
    assert.equal(carrier.comparison, 'categorical');
    assert.equal(carrier.differing, carrierDiffers);
    // A pair of equal carriers swaps to no difference: 1 - sum of squared shares = 78.5% of the pairs differ.
    assert.ok(carrierDiffers > 0.07 * IDS, `most swapped pairs differ: ${carrierDiffers}`);
    assert.equal(carrier.share, carrierDiffers / joined);
    assert.equal(carrier.skew, true);
    // A swap moves values both ways: AA -> DL as often as DL -> AA, so the top pairs come in mirrored couples.
    assert.ok(carrier.topPairs && carrier.topPairs.length === 10);
    const pairs = new Map(carrier.topPairs.map((p) => [`${p.training}>${p.serving}`, p.count]));
    assert.ok(carrier.topPairs.every((p) => p.training !== p.serving));
    const [top] = carrier.topPairs;
    assert.ok(top!.count > 0 && pairs.has(`${top!.serving}>${top!.training}`));
    assert.equal(carrier.samples.length, 5);
    for (const s of carrier.samples) {
      const row = training[Number(s.id) - 1]!;
      assert.equal(s.training, row.carrier);
      assert.notEqual(s.serving, row.carrier);
    }

    const distance = feature(report, 'distance');
    assert.equal(distance.comparison, 'numeric');
    assert.equal(distance.differing, rescaled.length);
    assert.equal(distance.share, rescaled.length / joined);
    assert.ok(distance.maxAbsDifference! > 0);
    assert.equal(distance.topPairs, undefined);
    for (const s of distance.samples) assert.ok(Math.abs(Number(s.serving) / Number(s.training) - NAUTICAL) < 0.01, JSON.stringify(s));

    for (const name of ['origin', 'hour', 'delay']) {
      const f = feature(report, name);
      assert.deepEqual([f.differing, f.share, f.skew, f.samples], [0, 0, false, []], name);
    }
  });

  it('counts ids on one side only and reports duplicated ids instead of joining them', async () => {
    const { report } = await skew(['--training', trainingCsv, '--serving', servingCsv, '--id', 'id']);
    assert.equal(report.training.rows, IDS + TRAINING_ONLY);
    assert.equal(report.serving.rows, IDS + SERVING_ONLY + DUPLICATED.length);
    assert.equal(report.training.only.count, TRAINING_ONLY);
    assert.deepEqual(report.training.only.examples, ['6001', '6002', '6003', '6004', '6005']);
    assert.equal(report.serving.only.count, SERVING_ONLY);
    assert.deepEqual(report.serving.duplicateIds, { count: 3, rows: 6, examples: ['11', '12', '13'] });
    assert.equal(report.training.duplicateIds.count, 0);
    assert.deepEqual([report.training.nullIds, report.serving.nullIds], [0, 0]);
  });

  it('reads Parquet like CSV, and the tolerance decides what a float difference is', async () => {
    const parquet = await skew(['--training', trainingCsv, '--serving', servingParquet, '--id', 'id', '--features', 'distance,carrier']);
    assert.deepEqual(
      parquet.report.features.map((f) => [f.name, f.differing]),
      [
        ['distance', rescaled.length],
        ['carrier', carrierDiffers],
      ],
    );
    // Within 20% relative, 1.15 is no difference.
    const loose = await skew([
      '--training',
      trainingCsv,
      '--serving',
      servingCsv,
      '--id',
      'id',
      '--features',
      'distance',
      '--tolerance',
      '0.2',
    ]);
    assert.deepEqual([loose.code, feature(loose.report, 'distance').differing], [0, 0]);
  });

  it('exits 0 when every share is at most --fail-on-skew, or the chosen features are clean', async () => {
    const lenient = await skew(['--training', trainingCsv, '--serving', servingCsv, '--id', 'id', '--fail-on-skew', '0.2']);
    assert.equal(lenient.code, 0);
    assert.equal(lenient.report.skew, false);
    assert.equal(feature(lenient.report, 'carrier').differing, carrierDiffers);
    const clean = await skew(['--training', trainingCsv, '--serving', servingCsv, '--id', 'id', '--features', 'hour,origin']);
    assert.equal(clean.code, 0);
  });

  it('compares null against a value as a difference and two nulls as equal; quotes ids in their own order', async () => {
    const t = tmp.file('nulls-t.csv', 'id,a,b\n1,,x\n2,5,\n3,,\n10,1.5,y\n,7,q\n');
    const s = tmp.file('nulls-s.csv', 'id,a,b\n1,,x\n2,,z\n3,2,\n10,1.5,\n');
    const { report } = await skew(['--training', t, '--serving', s, '--id', 'id']);
    // The row without an id is counted and left out.
    assert.deepEqual([report.training.nullIds, report.joined], [1, 4]);
    assert.deepEqual(feature(report, 'a').nullOnlyIn, { training: 1, serving: 1 });
    assert.equal(feature(report, 'a').differing, 2);
    assert.deepEqual(feature(report, 'b').samples, [
      { id: '2', training: null, serving: 'z' },
      // Numbers as numbers: 2 before 10.
      { id: '10', training: 'y', serving: null },
    ]);
  });

  it('prints a text table with the findings', async () => {
    const r = await runCli(['skew', '--training', trainingCsv, '--serving', servingCsv, '--id', 'id']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^driftwatch skew: SKEW \(2 of 5 features/);
    assert.match(r.stdout, /duplicated training 0 ids; serving 3 ids on 6 rows \(e\.g\. 11, 12, 13\)/);
    assert.match(r.stdout, /carrier: most frequent \(training -> serving\) pairs/);
    assert.match(r.stdout, /distance\s+numeric\s+5,997\s+300\s+5%/);
  });

  it('names what is wrong in bad input and exits 2', async () => {
    const noId = tmp.file('no-id.csv', 'request,carrier\n1,AA\n');
    const cases: [string[], RegExp][] = [
      [
        ['--training', trainingCsv, '--serving', noId, '--id', 'id'],
        /--id: 'id' is not a column of the serving file 'no-id.csv'; its columns: request, carrier/,
      ],
      [['--training', noId, '--serving', servingCsv, '--id', 'id'], /--id: 'id' is not a column of the training file 'no-id.csv'/],
      [
        ['--training', trainingCsv, '--serving', servingCsv, '--id', 'id', '--features', 'carrier,speed'],
        /--features: 'speed' is not a column of the training file 'training.csv'/,
      ],
      [['--training', trainingCsv, '--serving', servingCsv, '--id', 'id', '--features', 'id'], /'id' is the --id column/],
      [
        ['--training', trainingCsv, '--serving', join(tmp.dir, 'missing.csv'), '--id', 'id'],
        /--serving: data file not found: '.*missing.csv'/,
      ],
      [['--training', tmp.file('empty.csv', ''), '--serving', servingCsv, '--id', 'id'], /--training: data file is empty/],
      [
        ['--training', trainingCsv, '--serving', servingCsv, '--id', 'id', '--tolerance', '-1'],
        /--tolerance must be a number >= 0, got '-1'/,
      ],
      [
        ['--training', trainingCsv, '--serving', servingCsv, '--id', 'id', '--fail-on-skew', '2'],
        /--fail-on-skew must be a share between 0 and 1/,
      ],
      [['--training', trainingCsv, '--serving', servingCsv], /required option '--id <column>'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['skew', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /unexpected error|\n\s+at /);
    }
  });
});
