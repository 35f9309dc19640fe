// Hostile input, property-based (fast-check, seeded): training CSV files with strange headers
// (quotes, semicolons, SQL keywords, unicode, prototype keys, duplicates, empty names), ragged
// rows, extreme numbers, and bytes that are not UTF-8. Each file gives a valid profile or a
// UserError naming the file and the problem; a profile's feature names then round-trip through
// `check` (JSON, text and HTML), the samples table, the decoder and a live check.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createProfile } from '../src/baseline/create.js';
import { BaselineProfile } from '../src/contracts/profile.js';
import { readProfile, writeProfile } from '../src/baseline/profile.js';
import { runCheck } from '../src/checks/check.js';
import { runLiveCheck } from '../src/checks/live.js';
import { renderHtml, renderText } from '../src/render/check/index.js';
import type { CheckReport } from '../src/contracts/report.js';
import { EventMapping, ModelConfig } from '../src/config/schema.js';
import { UserError } from '../src/errors.js';
import { buildBatch, type IncomingMessage } from '../src/ingest/batch.js';
import { EventDecoder, featureSpecs } from '../src/ingest/decoder.js';
import { SamplesWriter } from '../src/store/samples-writer.js';
import { Store } from '../src/store/store.js';

// Seeded, so a failure reproduces; FUZZ_SEED=<n> explores other inputs.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);
const dir = mkdtempSync(join(tmpdir(), 'driftwatch-fuzz-baseline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = [
  'amount',
  'it\'s "quoted"',
  'drop table x; --',
  'select',
  'from',
  'température €',
  '__proto__',
  'constructor',
  'toString',
  '名前',
  '🙂',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'a.b',
  'a,b',
  'tab\there',
  'line\nbreak',
  ' spaced ',
  '',
  'x'.repeat(300),
  '$.path',
  "'; DROP TABLE offsets; --",
  'NULL',
  'Amount',
  'back\\slash',
  '%s%d',
];
const name = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 5 }));
const number = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -1e308, 5e-324, 0, -0, 1.7976931348623157e308),
);
const cell = fc.oneof(
  { weight: 4, arbitrary: number.map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'web',
      'app',
      'store',
      'NaN',
      'inf',
      '-inf',
      'Infinity',
      '',
      'null',
      'NULL',
      'true',
      "O'Brien",
      'a,b',
      'say "hi"',
      '名前',
      '<script>',
      'line\nbreak',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** One CSV field, quoted when it must be. */
function field(text: string): string {
  return /[",\n\r]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface CsvCase {
  header: string[];
  rows: string[][];
  ragged: boolean;
  latin1: boolean;
  crlf: boolean;
  bom: boolean;
}

const csvCase: fc.Arbitrary<CsvCase> = fc
  .record({
    header: fc.array(name, { minLength: 1, maxLength: 5 }),
    rowCount: fc.integer({ min: 1, max: 30 }),
    ragged: fc.boolean(),
    latin1: fc.boolean(),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    seed: fc.integer(),
  })
  .chain(({ header, rowCount, ragged, latin1, crlf, bom }) =>
    fc
      .array(fc.array(cell, { minLength: header.length, maxLength: header.length }), { minLength: rowCount, maxLength: rowCount })
      .chain((rows) =>
        fc.nat(rows.length - 1).map((at) => {
          // A ragged row: one field more, or one fewer (never an empty row, which CSV readers skip).
          const out = rows.map((r) => [...r]);
          if (ragged) out[at] = out[at]!.length > 1 && at % 2 === 0 ? out[at]!.slice(0, -1) : [...out[at]!, '1'];
          return { header, rows: out, ragged, latin1, crlf, bom };
        }),
      ),
  );

function csvBytes(c: CsvCase): Buffer {
  const eol = c.crlf ? '\r\n' : '\n';
  // A row of one empty field is written "" (a blank line would be skipped, not read as a row).
  const text = [c.header, ...c.rows].map((r) => (r.length === 1 && r[0] === '' ? '""' : r.map(field).join(','))).join(eol) + eol;
  const body = Buffer.from(text, 'utf8');
  // A latin-1 "é" (0xE9) in the middle of the last row: valid latin-1, never valid UTF-8 there.
  const bytes = c.latin1 ? Buffer.concat([body.subarray(0, body.length - eol.length), Buffer.from([0xe9]), Buffer.from(eol)]) : body;
  return c.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes;
}

let n = 0;
let store: Store;
before(async () => {
  store = await Store.open(':memory:');
});
after(() => store?.close());

/** Every feature name through the samples table, the decoder, the writer and a live check. */
async function liveRoundTrip(profile: BaselineProfile, model: string, profilePath: string): Promise<void> {
  const mapping = EventMapping.parse({});
  const features = featureSpecs(profile, mapping);
  let table: string;
  try {
    table = await store.ensureSamplesTable(model, features);
  } catch (error) {
    // Two features DuckDB cannot tell apart (its column names ignore case), or a reserved name:
    // refused by name, before anything is created.
    assert.ok(error instanceof UserError, String(error));
    assert.match(error.message, /differ only in case|reserved/);
    return;
  }
  const writer = new SamplesWriter(store.db, model, table, features, 10);
  const decoder = new EventDecoder(features, mapping, 1 << 20);
  const now = Date.now();
  const messages: IncomingMessage[] = Array.from({ length: 5 }, (_, i) => {
    const values = Object.fromEntries(profile.features.map((f) => [f.name, f.kind === 'numeric' ? i : `v${i}`]));
    return {
      topic: 't',
      partition: 0,
      offset: BigInt(i),
      key: null,
      value: Buffer.from(JSON.stringify({ features: values })),
      timestampMs: now - 1000 + i,
    };
  });
  const batch = buildBatch(messages, decoder, { rate: 1, by: 'key' });
  assert.equal(batch.events.length, 5);
  for (const e of batch.events)
    assert.ok(
      e.event.values.every((v) => v !== null),
      `every feature read back by name: ${JSON.stringify(e.event.errors)}`,
    );
  await writer.write(batch);
  const config = ModelConfig.parse({ name: model, baseline: profilePath, source: { topics: ['t'] }, minRows: 1 });
  const report = await runLiveCheck(store.db, config, profile, { now: now + 1 });
  assert.equal(report.current.rows, 5);
  assert.deepEqual(
    report.features.map((f) => f.name).sort(),
    profile.features
      .filter((f) => f.count > 0 || f.kind === 'categorical')
      .map((f) => f.name)
      .sort()
      .filter((x) => report.features.some((f) => f.name === x)),
  );
  assert.deepEqual(report.schema.missing, [], 'no feature lost on the way');
  renderHtml(report);
}

describe('fuzz: baseline reader', () => {
  it('a CSV file gives a valid profile that round-trips, or a UserError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(csvCase, async (c) => {
        const i = n++;
        const file = join(dir, `train-${i}.csv`);
        writeFileSync(file, csvBytes(c));
        let profile: BaselineProfile;
        try {
          profile = await createProfile(file, { model: 'fuzz', version: `v${i}` });
        } catch (error) {
          assert.ok(error instanceof UserError, `a UserError, not ${String(error).slice(0, 300)}`);
          assert.ok(error.message.includes(file), error.message);
          if (c.latin1) assert.match(error.message, /UTF-8/);
          return;
        }
        assert.ok(!c.ragged, `a ragged file must be refused, not read another way: ${profile.features.map((f) => f.name).join(' | ')}`);
        assert.ok(!c.latin1, 'a file that is not UTF-8 must be refused');
        assert.equal(profile.source.rows, c.rows.length, 'every row read, none invented');
        assert.ok(BaselineProfile.safeParse(profile).success, 'the profile fits its own schema');
        const profilePath = join(dir, `profile-${i}.json`);
        writeProfile(profilePath, profile);
        assert.deepEqual(readProfile(profilePath), JSON.parse(JSON.stringify(profile)), 'written and read back unchanged');

        for (const baseline of [profilePath, file]) {
          const report = (await runCheck({ baseline, current: file })) as CheckReport;
          assert.deepEqual(
            report.features.map((f) => f.name),
            profile.features.map((f) => f.name).filter((x) => report.features.some((f) => f.name === x)),
          );
          assert.deepEqual(report.schema.missing, []);
          assert.deepEqual(report.schema.unexpected, []);
          assert.doesNotThrow(() => JSON.parse(JSON.stringify(report)));
          renderText(report);
          const html = renderHtml(report);
          assert.doesNotMatch(html, /<script>alert|<img src=x/, 'names are escaped in the HTML report');
        }
        await liveRoundTrip(profile, `fuzz-${i}`, profilePath);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('the hostile names all at once: create, check, samples table, live check', async () => {
    const header = NAMES.filter((x) => x !== 'Amount' && x !== '' && x !== ' spaced '); // DuckDB renames a case-twin and an empty name, and trims names
    const rows = Array.from({ length: 30 }, (_, r) => header.map((_, c) => (c % 2 === 0 ? String(r * (c + 1)) : `cat${r % 3}`)));
    const file = join(dir, 'hostile.csv');
    writeFileSync(file, csvBytes({ header, rows, ragged: false, latin1: false, crlf: false, bom: false }));
    const profile = await createProfile(file, { model: 'hostile', version: 'v1' });
    assert.deepEqual(
      profile.features.map((f) => f.name),
      header,
    );
    const profilePath = join(dir, 'hostile.json');
    writeProfile(profilePath, profile);
    const report = (await runCheck({ baseline: profilePath, current: file })) as CheckReport;
    assert.deepEqual(report.features.map((f) => f.name).sort(), [...header].sort());
    await liveRoundTrip(profile, 'hostile', profilePath);
  });

  it('ragged rows, latin-1 and broken UTF-8 are refused with the line and what to do', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['short.csv', Buffer.from('a,b,c\n1,2,3\n4,5\n6,7,8\n'), /line 3 has 2 fields where line 1 has 3 \(delimiter ','\)/],
      ['long.csv', Buffer.from('a;b\n1;2\n3;4;5\n'), /line 3 has 3 fields where line 1 has 2 \(delimiter ';'\)/],
      ['latin1.csv', Buffer.from('city,n\nM\xfcnchen,1\n', 'latin1'), /not UTF-8 \(byte 0xfc on line 2\).*iconv/],
      [
        'broken.csv',
        Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
        /not UTF-8 \(byte 0xc3 on line 2\)/,
      ],
      ['utf16.csv', Buffer.from('\ufeffa,b\n1,2\n', 'utf16le'), /not UTF-8/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      await assert.rejects(createProfile(file, { model: 'm', version: 'v' }), (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, pattern);
        assert.ok(error.message.includes(file));
        return true;
      });
    }
    // Quoted fields may hold the delimiter and newlines: not ragged.
    const quoted = join(dir, 'quoted.csv');
    writeFileSync(quoted, 'a,b\n"x, y",1\n"multi\nline",2\n"say ""hi""",3\n');
    const profile = await createProfile(quoted, { model: 'm', version: 'v' });
    assert.equal(profile.source.rows, 3);
  });
});
