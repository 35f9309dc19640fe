// `baseline create` on a typical training file (issue 14, item 11): the id, a row number, a time
// written as text and a free-text column are skipped with a reason each; the target and the
// prediction are kept with a word; an existing version is never overwritten without --force.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir('driftwatch-baseline-create-');
after(tmp.cleanup);

const ROWS = 2000;
const header = 'txn_id,row,event_time,comment,amount,cents,channel,label,prediction';
const lines = Array.from({ length: ROWS }, (_, i) => {
  // A few unreadable times first, so DuckDB's sniffer reads the column as text, as exports often are.
  const time = i < 10 ? 'unknown' : new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
  const cents = (i * 7919) % 1_000_003;
  return [
    `t-${String(i).padStart(6, '0')}`,
    i + 1,
    time,
    `note ${(i * 7919) % 10_007} ok`,
    (i % 97) + 0.5,
    cents,
    i % 3 ? 'app' : 'web',
    i % 2,
    (i % 10) / 10,
  ].join(',');
});
const train = tmp.file('train.csv', `${header}\n${lines.join('\n')}\n`);

interface Profile {
  features: { name: string; kind: string }[];
  ignored: { name: string; reason: string }[];
}
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Profile;
const create = (out: string, ...extra: string[]) =>
  runCli(['baseline', 'create', '--data', train, '--name', 'fraud', '--out', out, ...extra]);

describe('baseline create on a typical training file', () => {
  const out = join(tmp.dir, 'fraud', 'v1.json');

  it('skips the id, the row number, the text timestamp and the free text, each with its reason; keeps the target and prediction with a word', async () => {
    const r = await create(out);
    assert.equal(r.code, 0, r.stderr);
    const profile = read(out);
    assert.deepEqual(
      profile.features.map((f) => f.name),
      ['amount', 'cents', 'channel', 'label', 'prediction'],
    );
    const reasons = Object.fromEntries(profile.ignored.map((c) => [c.name, c.reason]));
    assert.match(reasons.txn_id ?? '', /^id-like: .*2,000 distinct values in 2,000/);
    assert.match(reasons.row ?? '', /^near-unique: .*sequence/);
    assert.match(reasons.event_time ?? '', /^timestamp-like: 1,990 of 2,000 values are ISO/);
    assert.match(reasons.comment ?? '', /^near-unique: /);
    for (const name of ['txn_id', 'row', 'event_time', 'comment']) {
      assert.match(r.stderr, new RegExp(`skipped ${name} \\(\\w+\\): .*--keep ${name} to profile it`));
    }
    assert.match(r.stderr, /kept label: looks like a target; .*--exclude label/);
    assert.match(r.stderr, /kept prediction: looks like a prediction; .*--exclude prediction/);
  });

  it('refuses to overwrite the existing version without --force, naming the file, and leaves it as it was', async () => {
    const before = readFileSync(out, 'utf8');
    const r = await create(out);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`baseline '${out}' exists already`), r.stderr);
    assert.match(r.stderr, /--force/);
    assert.equal(readFileSync(out, 'utf8'), before);
  });

  it('--force overwrites; --keep profiles a skipped column; --exclude leaves out the target and the prediction', async () => {
    const r = await create(out, '--force', '--keep', 'txn_id', '--exclude', 'label,prediction');
    assert.equal(r.code, 0, r.stderr);
    const profile = read(out);
    assert.deepEqual(
      profile.features.map((f) => f.name),
      ['txn_id', 'amount', 'cents', 'channel'],
    );
    assert.equal(profile.ignored.find((c) => c.name === 'label')?.reason, 'excluded by --exclude');
    assert.doesNotMatch(r.stderr, /kept label/);
  });
});
