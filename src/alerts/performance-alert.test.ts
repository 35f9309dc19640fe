import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageSeverity } from './channels/page-severity.js';
import { pagerDutyEvent } from './channels/pagerduty/pagerduty.js';
import { webhookPayload } from './channels/webhook/webhook.js';
import type { Alert } from '../contracts/alert.js';
import { driftAlert, fakeNotification } from '../../test/helpers/notifications.js';
import { slackMessage } from '../render/chat/slack.js';
import { teamsMessage } from '../render/chat/teams.js';
import { emailSubject, renderEmail } from '../render/mail/alert.js';
import { notificationHeadline } from '../render/notification.js';

// A performance_drop alert (issue 17) in every renderer: named by its kind (it is about the whole
// model), its summary the decision's sentence, its statistics the dropped metrics.
const SUMMARY =
  'accuracy fell from 0.8 to 0.7: a drop of 0.1, credibly more than the 0.02 that matters (p = 1e-9, Holm-adjusted 8e-9 < 0.01)';
const drop: Alert = {
  fingerprint: 'fp-performance',
  labels: { model: 'fraud', feature: '*', kind: 'performance_drop' },
  status: 'firing',
  severity: 'critical',
  summary: SUMMARY,
  stats: { accuracy: 0.7, accuracy_drop: 0.1 },
  startsAt: '2024-05-01T11:00:05.000Z',
};

describe('a performance_drop alert in the renderers', () => {
  const alone = fakeNotification({ alerts: [drop], features: [], schema: { missing: [], unexpected: [], anomalies: [] } });

  it('is named "performance drop" in headlines and subjects, beside drifted features too', () => {
    assert.equal(notificationHeadline(alone), 'FIRING fraud: performance drop');
    const withDrift = fakeNotification({ alerts: [driftAlert('amount', 'critical', 's'), drop] });
    assert.match(notificationHeadline(withDrift), /1 drifted \(amount\).*performance drop/);
    assert.match(emailSubject(alone), /performance drop/);
  });

  it('carries its sentence (the dropped metrics) in the email, Slack, Teams, the webhook and PagerDuty', () => {
    const email = renderEmail(alone);
    assert.ok(email.text.includes(SUMMARY), email.text);
    assert.ok(JSON.stringify(slackMessage(alone)).includes('performance drop'));
    assert.ok(JSON.stringify(teamsMessage(alone)).includes('performance drop'));
    const hook = webhookPayload(alone) as unknown as { alerts: { kind: string; feature: string; stats: Record<string, number> }[] };
    assert.deepEqual([hook.alerts[0]!.kind, hook.alerts[0]!.feature, hook.alerts[0]!.stats.accuracy], ['performance_drop', '*', 0.7]);
    const page = pagerDutyEvent(alone, { routingKey: 'r'.repeat(32), dedupKey: 'd', source: 's' });
    assert.equal(pageSeverity(drop), 'critical', "a drop of the model's performance keeps its severity on a pager");
    assert.equal(page.event_action, 'trigger');
    assert.equal((page as { payload?: { severity: string } }).payload?.severity, 'critical');
  });
});
