import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureEvents, type Harness, startHarness } from '../../test/helpers/api-harness.js';

describe('live check status', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const ingest = async (events: unknown[]) => {
    const r = await h.request('/api/v1/models/fraud/events', {
      method: 'POST',
      token: 'ingest',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(r.status, 200, await r.text());
  };
  const check = async () => {
    const r = await h.request('/api/v1/models/fraud/checks', { method: 'POST', token: 'admin' });
    assert.equal(r.status, 201, await r.clone().text());
    return (await r.json()) as { status: string; features: { decision?: { status: string } }[] };
  };

  it('is insufficient_data when the window has enough rows but no feature has decision.minRows finite values, as the same data as a file is', async () => {
    // 150 rows (the model's minRows is 100), every feature null: nothing to test.
    await ingest(Array.from({ length: 150 }, () => ({ features: { amount: null, age: null, score: null, channel: null } })));
    const report = await check();
    assert.ok(
      report.features.every((f) => f.decision?.status === 'insufficient_data'),
      JSON.stringify(report.features.map((f) => f.decision)),
    );
    assert.equal(report.status, 'insufficient_data');
    const alerts = (await (await h.request('/api/v1/alerts?status=firing')).json()) as { items: { kind: string; summary: string }[] };
    assert.match(
      alerts.items.find((a) => a.kind === 'insufficient-data')?.summary ?? '',
      /150 rows in the window .* but no feature had the 30 finite values/,
    );
  });

  it('is ok or drift once the features have values', async () => {
    await ingest(fixtureEvents('synthetic_current.csv', 500));
    assert.notEqual((await check()).status, 'insufficient_data');
  });
});
