import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../contracts/alert.js';
import { driftAlert, fakeNotification } from '../../../test/helpers/notifications.js';
import { teamsMessageCheck } from '../../../test/helpers/service-schemas.js';
import { ADAPTIVE_CARD_VERSION, type TeamsCardElement, TEAMS_MAX_BYTES, escapeCardText, md, teamsMessage } from './teams.js';

const check = teamsMessageCheck();
const card = (message: ReturnType<typeof teamsMessage>) => message.attachments[0].content;
const texts = (elements: readonly TeamsCardElement[]): string[] =>
  elements.flatMap((e) =>
    e.type === 'TextBlock' ? [e.text] : e.type === 'FactSet' ? e.facts.map((f) => `${f.title}=${f.value}`) : texts(e.items),
  );

describe('teamsMessage', () => {
  it('is a Teams message whose card the Adaptive Card 1.4 schema accepts', () => {
    const message = teamsMessage(fakeNotification());
    assert.deepEqual(check(message), []);
    assert.equal(message.type, 'message');
    assert.equal(message.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card(message).version, ADAPTIVE_CARD_VERSION);
  });

  it('leads with the headline and gives the model, window, feature, statistic and p-value as facts', () => {
    const message = teamsMessage(fakeNotification());
    const body = card(message).body;
    const title = body[0];
    assert.equal(title?.type, 'TextBlock');
    assert.match(
      title?.type === 'TextBlock' ? title.text : '',
      /^FIRING fraud: 3 drifted \(amount, merchant\\_country, \\<b\\>x\\<\/b\\>\)/,
    );
    const all = texts(body);
    assert.ok(all.includes('Model=fraud'));
    assert.ok(all.includes('Window=2024-05-01 10:00 – 11:00 UTC'), all.join('\n'));
    assert.ok(all.includes('Rows=12,345'));
    assert.ok(all.includes('Feature=amount'));
    assert.ok(all.includes('Statistic=ks 0.21'), all.join('\n'));
    assert.ok(all.includes('p-value=3.1e-12'));
    assert.ok(all.includes('PSI=0.42'));
    assert.ok(all.includes('Statistic=chi2 412.5'), 'the categorical feature names its own test');
    assert.deepEqual(card(message).actions, [
      {
        type: 'Action.OpenUrl',
        title: 'Open dashboard',
        url: 'https://driftwatch.example.com/models/fraud?report=rep-2024-05-01T11-fraud',
      },
    ]);
    assert.equal(card(message).fallbackText, 'FIRING fraud: 3 drifted (amount, merchant_country, <b>x</b>)', 'plain text, unescaped');
  });

  it('tags each alert with what changed, and says RESOLVED with the alert it resolved', () => {
    const resolved: Alert = {
      ...driftAlert('amount', 'critical', 'no drift: ks p = 0.4'),
      status: 'resolved',
      endsAt: '2024-05-01T12:00:00Z',
    };
    const message = teamsMessage(fakeNotification({ status: 'resolved', alerts: [resolved], features: [], dashboardUrl: null }));
    assert.deepEqual(check(message), []);
    const all = texts(card(message).body);
    assert.match(all[0] ?? '', /^RESOLVED fraud: 1 resolved \(amount\)/);
    assert.ok(all.includes('**amount** · drift · resolved (was critical) · resolved'), all.join('\n'));
    assert.deepEqual(card(message).actions, [], 'no dashboard link without a dashboard');
  });

  it('shows names with markdown, links, mentions and date functions as written', () => {
    const evil = '**[click](https://evil.example)** <at>all</at> {{DATE(2017-02-14T06:00:00Z, SHORT)}} &lt;';
    const message = teamsMessage(fakeNotification({ alerts: [driftAlert(evil, 'critical', '- not a list\n1. nor this')], features: [] }));
    assert.deepEqual(check(message), []);
    const json = JSON.stringify(card(message).body);
    assert.ok(!json.includes('**[click]'), 'bold and link markup are escaped');
    assert.ok(!json.includes('{{DATE'), 'the date function cannot run');
    assert.ok(!json.includes('<at>'), 'no mention markup');
    const all = texts(card(message).body);
    assert.ok(all.includes('\\- not a list 1. nor this'), all.join('\n'));
  });

  it('cuts long texts with a marker and stays under Teams’ 28 KB with many long-named alerts', () => {
    const long = 'x'.repeat(5000);
    const alerts = Array.from({ length: 500 }, (_, i) => driftAlert(`${long}-${i}`, 'critical', long));
    const message = teamsMessage(fakeNotification({ alerts, features: [] }));
    assert.deepEqual(check(message), []);
    assert.ok(Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BYTES);
    const all = texts(card(message).body);
    assert.ok(
      all.some((t) => t.endsWith('…') && t.length <= 1000),
      'summaries are cut with …',
    );
    assert.match(all.at(-1) ?? '', /^…and \d+ more alerts$/);
  });
});

describe('escapeCardText / md', () => {
  it('backslash-escapes what can open markup, and only interpolated values', () => {
    assert.equal(escapeCardText('amount_usd'), 'amount\\_usd');
    assert.equal(escapeCardText('- a'), '\\- a');
    assert.equal(escapeCardText('12. b'), '12\\. b');
    assert.equal(escapeCardText('0.21'), '0.21');
    assert.equal(escapeCardText('-0.5'), '-0.5');
    assert.equal(escapeCardText('a\r\nb'), 'a b');
    assert.equal(
      escapeCardText('[x](y) *z* `c` ~d~ #e {f} &g; <h> |i| \\'),
      '\\[x\\](y) \\*z\\* \\`c\\` \\~d\\~ \\#e \\{f\\} \\&g; \\<h\\> \\|i\\| \\\\',
    );
    assert.equal(md`**${'a*b'}** · ${'1. x'}`, '**a\\*b** · 1\\. x');
  });
});
