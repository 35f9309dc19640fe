// Golden outputs: what a user sees of driftwatch's contracts, pinned so that a refactor cannot
// change them unnoticed. The JSON reports of the reference fixtures through the CLI (data-file
// and stored-profile baselines, a windowed check), a live check through the API over real HTTP
// ingest, and the OpenAPI document. A deliberate change rewrites the files with UPDATE_GOLDEN=1,
// and the diff of test/fixtures/golden/ shows what changed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixtureEvents, startHarness } from './helpers/api-harness.js';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';
import { assertGolden, withoutVolatile } from './helpers/golden.js';

const tmp = tempDir('driftwatch-golden-');
after(tmp.cleanup);

/** Keys whose values change from run to run (clock, ids, paths of temporary folders). */
const VOLATILE = ['generatedAt', 'id', 'startedAt', 'finishedAt', 'seconds', 'start', 'end', 'createdAt', 'source', 'baseline_path'];

async function checkJson(args: string[]): Promise<unknown> {
  const r = await runCli(['check', ...args, '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return withoutVolatile(JSON.parse(r.stdout), VOLATILE);
}

describe('golden outputs', () => {
  it('check: synthetic fixture, data-file baseline', async () => {
    assertGolden(
      'check-synthetic',
      await checkJson(['--baseline', join(FIXTURES, 'synthetic_baseline.csv'), '--current', join(FIXTURES, 'synthetic_current.csv')]),
    );
  });

  it('check: Seattle weather 2012 vs 2015, data-file baseline', async () => {
    assertGolden(
      'check-seattle',
      await checkJson(['--baseline', join(FIXTURES, 'seattle_2012.csv'), '--current', join(FIXTURES, 'seattle_2015.csv')]),
    );
  });

  it('check: synthetic fixture against its stored profile', async () => {
    const profile = join(tmp.dir, 'synthetic.json');
    const made = await runCli([
      'baseline',
      'create',
      '--data',
      join(FIXTURES, 'synthetic_baseline.csv'),
      '--name',
      'fraud',
      '--version',
      'v1',
      '--out',
      profile,
    ]);
    assert.equal(made.code, 0, made.stderr);
    assertGolden('check-synthetic-profile', await checkJson(['--baseline', profile, '--current', join(FIXTURES, 'synthetic_current.csv')]));
  });

  it('check --by: Seattle 2015 by weather against 2012', async () => {
    assertGolden(
      'check-seattle-by-weather',
      await checkJson([
        '--baseline',
        join(FIXTURES, 'seattle_2012.csv'),
        '--current',
        join(FIXTURES, 'seattle_2015.csv'),
        '--by',
        'weather',
      ]),
    );
  });

  it('live check through the API after HTTP ingest of the synthetic window', async () => {
    const h = await startHarness();
    try {
      const ingest = await h.request('/api/v1/models/fraud/events', {
        method: 'POST',
        token: 'ingest',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fixtureEvents('synthetic_current.csv')),
      });
      assert.equal(ingest.status, 200, await ingest.text());
      const check = await h.request('/api/v1/models/fraud/checks', { method: 'POST', token: 'admin' });
      assert.equal(check.status, 201, await check.clone().text());
      assertGolden('live-check-synthetic', withoutVolatile(await check.json(), VOLATILE));
    } finally {
      await h.close();
    }
  });

  it('OpenAPI document', async () => {
    const h = await startHarness();
    try {
      const response = await h.request('/api/v1/openapi.json');
      assert.equal(response.status, 200);
      assertGolden('openapi', await response.json());
    } finally {
      await h.close();
    }
  });
});
