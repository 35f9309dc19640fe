import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Alert } from '../../../contracts/alert.js';
import { httpFailure } from '../../../../test/helpers/channels.js';
import { driftAlert, fakeNotification, modelAlert, resolvedAlert } from '../../../../test/helpers/notifications.js';
import { WebhookReceiver } from '../../../../test/helpers/receivers.js';
import { pagerDutyEventCheck } from '../../../../test/helpers/service-schemas.js';
import { alertGroupKey } from '../group-key.js';
import { notificationPageSeverity } from '../page-severity.js';
import { PAGERDUTY_MAX_SUMMARY, PagerDutyChannel, type PagerDutyTrigger, pagerDutyEvent } from './pagerduty.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const check = pagerDutyEventCheck();
/** PagerDuty's documented replies (developer.pagerduty.com, Events API v2 overview). */
const ACCEPTED = {
  status: 202,
  body: '{"status":"success","message":"Event processed","dedup_key":"x"}',
  headers: { 'content-type': 'application/json' },
};
const INVALID = {
  status: 400,
  // PagerDuty quotes what was wrong; a key in its answer must not reach our errors and logs.
  body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${ROUTING_KEY} is not valid"]}`,
};

describe('PagerDutyChannel against a local receiver', () => {
  const receiver = new WebhookReceiver();
  let channel: PagerDutyChannel;
  before(async () => {
    await receiver.start();
    channel = new PagerDutyChannel({
      name: 'pager',
      routingKey: ROUTING_KEY,
      url: receiver.url,
      source: 'driftwatch-1.example',
      timeoutMs: 2000,
    });
  });
  after(() => receiver.stop());

  it('triggers with an event the published schema accepts, then resolves with the same dedup_key', async () => {
    receiver.replies.push(ACCEPTED, ACCEPTED);
    const firing = fakeNotification();
    await channel.send(firing);
    await channel.send(fakeNotification({ id: 'dlv-0002', status: 'resolved', alerts: firing.alerts.map(resolvedAlert) }));
    const [trigger, resolve] = receiver.requests.slice(-2).map((r) => ({ ...r, event: JSON.parse(r.body) }));
    assert.equal(trigger?.method, 'POST');
    assert.equal(trigger?.url, '/hook');
    assert.equal(trigger?.headers['content-type'], 'application/json');
    assert.deepEqual(check(trigger?.event), []);
    assert.deepEqual(check(resolve?.event), []);
    assert.equal(trigger?.event.event_action, 'trigger');
    assert.equal(trigger?.event.routing_key, ROUTING_KEY);
    assert.equal(trigger?.event.dedup_key, alertGroupKey('pager', 'fraud'));
    assert.equal(trigger?.event.payload.summary, '[driftwatch] FIRING fraud: 3 drifted (amount, merchant_country, <b>x</b>)');
    assert.equal(trigger?.event.payload.severity, 'critical');
    assert.equal(trigger?.event.payload.source, 'driftwatch-1.example');
    assert.equal(trigger?.event.payload.component, 'fraud');
    assert.equal(trigger?.event.payload.class, 'drift, schema');
    assert.equal(trigger?.event.payload.timestamp, firing.createdAt);
    assert.deepEqual(trigger?.event.links, [{ href: firing.dashboardUrl, text: 'driftwatch: fraud' }]);
    const details = trigger?.event.payload.custom_details;
    assert.equal(details.state, 'FIRING');
    assert.deepEqual(
      details.alerts.map((a: { feature: string; change: string }) => `${a.feature}:${a.change}`),
      ['amount:new', 'merchant_country:new', '<b>x</b>:new', 'age:new'],
    );
    assert.match(details.alerts[0].statistics, /^psi 0\.42 · ks 0\.21 \(p 3\.1e-12\) · w_norm 0\.38$/);
    assert.deepEqual(resolve?.event, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: trigger?.event.dedup_key });
  });

  it('keeps one dedup_key per model and channel across repeats; another model or channel gets another', () => {
    const keys = { routingKey: ROUTING_KEY, source: 'h' };
    const a = pagerDutyEvent(fakeNotification(), { ...keys, dedupKey: alertGroupKey('pager', 'fraud') });
    const b = pagerDutyEvent(fakeNotification({ id: 'later', alerts: [driftAlert('amount', 'warning', 's')] }), {
      ...keys,
      dedupKey: alertGroupKey('pager', 'fraud'),
    });
    assert.equal(a.dedup_key, b.dedup_key);
    assert.notEqual(alertGroupKey('pager', 'fraud'), alertGroupKey('pager', 'churn'));
    assert.notEqual(alertGroupKey('pager', 'fraud'), alertGroupKey('pager-2', 'fraud'));
    assert.match(alertGroupKey('pager', 'x'.repeat(10_000)), /^driftwatch-[0-9a-f]{40}$/);
  });

  for (const status of [429, 500, 502, 503]) {
    it(`retries on ${status}`, async () => {
      receiver.replies.push(status);
      const error = await httpFailure(channel);
      assert.equal(error.retriable, true, error.message);
      assert.equal(error.status, status);
    });
  }

  it('honours a Retry-After on 429', async () => {
    receiver.replies.push({ status: 429, headers: { 'retry-after': '30' } });
    assert.equal((await httpFailure(channel)).retryAfterMs, 30_000);
  });

  it('gives up on 400 (an invalid event) and never shows the routing key', async () => {
    receiver.replies.push(INVALID);
    const error = await httpFailure(channel);
    assert.equal(error.retriable, false);
    assert.match(error.message, /^channel 'pager': HTTP 400 .*invalid event.*\(permanent\)$/);
    assert.ok(!error.message.includes(ROUTING_KEY), error.message);
    assert.ok(error.message.includes('[redacted]'));
  });

  it('does not show the routing key when inspected, logged or misconfigured', () => {
    for (const shown of [inspect(channel, { depth: 5 }), JSON.stringify(channel)]) assert.ok(!shown.includes(ROUTING_KEY), shown);
    assert.throws(
      () => new PagerDutyChannel({ name: 'p', routingKey: 'short-secret', timeoutMs: 1000 }),
      (e: Error) => /32-character integration key, got 12 characters/.test(e.message) && !e.message.includes('short-secret'),
    );
  });
});

describe('pagerDutyEvent', () => {
  const keys = { routingKey: ROUTING_KEY, dedupKey: 'k', source: 'h' };

  it('cuts the summary to 1024 characters with a marker', () => {
    const event = pagerDutyEvent(
      fakeNotification({ model: 'm'.repeat(3000), alerts: [driftAlert('a', 'critical', 's')] }),
      keys,
    ) as PagerDutyTrigger;
    assert.equal(event.payload.summary.length, PAGERDUTY_MAX_SUMMARY);
    assert.ok(event.payload.summary.endsWith('…'));
    assert.deepEqual(check(event), []);
  });

  it('maps severities: a failing check is an error, too few rows is info, drift keeps its own', () => {
    const only = (alert: Alert) =>
      (pagerDutyEvent(fakeNotification({ alerts: [alert], features: [] }), keys) as PagerDutyTrigger).payload.severity;
    assert.equal(only(modelAlert('check-failing', 'critical')), 'error');
    assert.equal(only(modelAlert('insufficient-data', 'warning')), 'info');
    assert.equal(only(modelAlert('ingest', 'critical')), 'error');
    assert.equal(only(modelAlert('ingest', 'warning')), 'warning');
    assert.equal(only(driftAlert('a', 'warning', 's')), 'warning');
    assert.equal(only(driftAlert('a', 'critical', 's')), 'critical');
    // The worst firing alert decides; a resolved one does not.
    const mixed = [driftAlert('a', 'warning', 's'), resolvedAlert(driftAlert('b', 'critical', 's'))];
    assert.equal(notificationPageSeverity({ alerts: mixed }), 'warning');
  });

  it('lists at most 50 alerts in custom_details and counts the rest', () => {
    const alerts = Array.from({ length: 120 }, (_, i) => driftAlert(`f${i}`, 'critical', 's'.repeat(2000)));
    const event = pagerDutyEvent(fakeNotification({ alerts, features: [] }), keys) as PagerDutyTrigger;
    assert.equal(event.payload.custom_details.alerts.length, 50);
    assert.equal(event.payload.custom_details.more_alerts, 70);
    assert.ok(event.payload.custom_details.alerts.every((a) => a.summary.length <= 500));
    assert.deepEqual(check(event), []);
  });

  it('sends no dashboard link unless it is a safe http(s) link', () => {
    const event = pagerDutyEvent(fakeNotification({ dashboardUrl: 'javascript:alert(1)' }), keys) as PagerDutyTrigger;
    assert.deepEqual(event.links, []);
    assert.equal(event.client_url, undefined);
  });
});
