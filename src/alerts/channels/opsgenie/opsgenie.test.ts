import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Alert } from '../../../contracts/alert.js';
import { httpFailure } from '../../../../test/helpers/channels.js';
import { driftAlert, fakeNotification, modelAlert, resolvedAlert } from '../../../../test/helpers/notifications.js';
import { WebhookReceiver } from '../../../../test/helpers/receivers.js';
import { opsgenieCheck } from '../../../../test/helpers/service-schemas.js';
import { alertGroupKey } from '../group-key.js';
import { type OpsgenieCreate, OpsgenieChannel, opsgenieRequest } from './opsgenie.js';

const API_KEY = 'eb243592-faa2-4ba2-a551q-1afdf565c889';
const checkCreate = opsgenieCheck('CreateAlertPayload');
const checkClose = opsgenieCheck('CloseAlertPayload');
/** Opsgenie's documented reply to an alert request (docs.opsgenie.com, Alert API). */
const QUEUED = {
  status: 202,
  body: '{"result":"Request will be processed","took":0.302,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}',
};

describe('OpsgenieChannel against a local receiver', () => {
  const receiver = new WebhookReceiver();
  let channel: OpsgenieChannel;
  before(async () => {
    await receiver.start();
    channel = new OpsgenieChannel({ name: 'genie', apiKey: API_KEY, url: receiver.origin, tags: ['team:ml'], timeoutMs: 2000 });
  });
  after(() => receiver.stop());

  it('creates with the GenieKey, an alias from the group and a body the published definition accepts; closes by that alias', async () => {
    receiver.replies.push(QUEUED, QUEUED);
    const firing = fakeNotification();
    await channel.send(firing);
    await channel.send(fakeNotification({ id: 'dlv-0002', status: 'resolved', alerts: firing.alerts.map(resolvedAlert) }));
    const [create, close] = receiver.requests.slice(-2);
    const alias = alertGroupKey('genie', 'fraud');
    assert.equal(create?.method, 'POST');
    assert.equal(create?.url, '/v2/alerts');
    assert.equal(create?.headers.authorization, `GenieKey ${API_KEY}`);
    const body = JSON.parse(create?.body ?? '{}') as OpsgenieCreate;
    assert.deepEqual(checkCreate(body), []);
    assert.equal(body.alias, alias);
    assert.equal(body.message, 'FIRING fraud: 3 drifted (amount, merchant_country, <b>x</b>)');
    assert.equal(body.priority, 'P1');
    assert.equal(body.entity, 'fraud');
    assert.equal(body.source, 'driftwatch');
    assert.deepEqual(body.tags, ['driftwatch', 'model:fraud', 'drift', 'schema', 'team:ml']);
    assert.match(
      body.description,
      /^FIRING fraud: .*\nWindow: 2024-05-01 10:00 – 11:00 UTC, 12,345 rows; report rep-2024-05-01T11-fraud\n\n- amount · drift · critical · new: PSI 0\.42/,
    );
    assert.match(body.description, /\n\nDashboard: https:\/\/driftwatch\.example\.com\/models\/fraud\?report=/);
    assert.equal(body.details.state, 'FIRING');
    assert.equal(close?.method, 'POST');
    assert.equal(close?.url, `/v2/alerts/${alias}/close?identifierType=alias`);
    assert.equal(close?.headers.authorization, `GenieKey ${API_KEY}`);
    const closeBody = JSON.parse(close?.body ?? '{}');
    assert.deepEqual(checkClose(closeBody), []);
    assert.deepEqual(closeBody, { source: 'driftwatch', note: 'RESOLVED fraud: 4 resolved (amount, merchant_country, <b>x</b>, …)' });
  });

  it('keeps the base URL’s path (a proxy, or a compatible API under a prefix)', async () => {
    const prefixed = new OpsgenieChannel({
      name: 'genie',
      apiKey: API_KEY,
      url: `${receiver.origin}/jsm/ops/integration/`,
      timeoutMs: 2000,
    });
    receiver.replies.push(QUEUED);
    await prefixed.send(fakeNotification());
    assert.equal(receiver.requests.at(-1)?.url, '/jsm/ops/integration/v2/alerts');
  });

  for (const status of [429, 500, 503]) {
    it(`retries on ${status}`, async () => {
      receiver.replies.push(status);
      assert.equal((await httpFailure(channel)).retriable, true);
    });
  }

  for (const status of [400, 401, 403, 404, 422]) {
    it(`gives up on ${status}`, async () => {
      receiver.replies.push({ status, body: `{"message":"Key ${API_KEY} is invalid","took":0.001,"requestId":"r"}` });
      const error = await httpFailure(channel);
      assert.equal(error.retriable, false);
      assert.ok(!error.message.includes(API_KEY), error.message);
    });
  }

  it('does not show the key when inspected or logged', () => {
    for (const shown of [inspect(channel, { depth: 5 }), JSON.stringify(channel)]) assert.ok(!shown.includes(API_KEY), shown);
  });
});

describe('opsgenieRequest', () => {
  it('keeps every field within Opsgenie’s documented limits, cut with a marker', () => {
    const long = 'z'.repeat(20_000);
    const alerts = Array.from({ length: 40 }, (_, i) => driftAlert(`${long}${i}`, 'warning', long));
    const { body } = opsgenieRequest(fakeNotification({ model: `m${long}`, alerts, features: [] }), {
      alias: alertGroupKey('genie', long),
      source: 'driftwatch',
      tags: Array.from({ length: 30 }, (_, i) => `tag-${i}-${long}`),
    });
    const create = body as OpsgenieCreate;
    assert.deepEqual(checkCreate(create), []);
    assert.equal(create.message.length, 130);
    assert.ok(create.message.endsWith('…'));
    assert.equal(create.description.length, 15_000);
    assert.equal(create.tags.length, 20);
    assert.equal(create.priority, 'P3');
  });

  it('gives a group with only info-level alerts P5, and a failing check P2', () => {
    const priority = (alert: Alert) =>
      (opsgenieRequest(fakeNotification({ alerts: [alert], features: [] }), { alias: 'a', source: 's' }).body as OpsgenieCreate).priority;
    assert.equal(priority(modelAlert('insufficient-data', 'warning')), 'P5');
    assert.equal(priority(modelAlert('check-failing', 'critical')), 'P2');
  });
});
