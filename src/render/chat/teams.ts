import type { Alert, Notification } from '../../contracts/alert.js';
import { formatCount, formatNumber, formatPValue, formatWindow, truncateText } from '../format.js';
import { safeLink } from '../links.js';
import {
  alertChanges,
  alertFeature,
  kindLabel,
  type NotificationGroups,
  notificationGroups,
  notificationHeadline,
} from '../notification.js';
import { mainStatistics, reportedStatistics, type StatView } from '../view.js';

/**
 * A notification as a Microsoft Teams message: one Adaptive Card (schema version 1.4, which Teams
 * renders on desktop, web and mobile) in the `message` envelope that Teams' Incoming Webhooks and
 * Workflows ("When a Teams webhook request is received") take.
 */

/** The Adaptive Card schema version of the card: 1.4 is what every Teams client renders. */
export const ADAPTIVE_CARD_VERSION = '1.4';

/** Teams refuses messages above 28 KB; the card is kept under this, leaving room for the envelope Teams adds. */
export const TEAMS_MAX_BYTES = 27 * 1024;

/** At most this many alerts get their own block; the rest are counted ("…and 3 more alerts"). */
const TEAMS_MAX_ALERT_BLOCKS = 10;
const MAX_SUMMARY_CHARS = 1000;
const MAX_NAME_CHARS = 200;

/** The Adaptive Card elements driftwatch uses (adaptivecards.io/schemas/1.4.0). */
export type TeamsCardElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      size?: 'Small' | 'Default' | 'Medium' | 'Large';
      weight?: 'Bolder';
      color?: 'Attention' | 'Warning' | 'Good';
      isSubtle?: true;
      spacing?: 'None' | 'Small';
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] }
  | { type: 'Container'; separator: true; items: TeamsCardElement[] };

/** The card itself. */
export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: typeof ADAPTIVE_CARD_VERSION;
  /** Plain text for clients that cannot show the card (and notification previews). */
  fallbackText: string;
  body: TeamsCardElement[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
}

/** The body of a `format: 'teams'` delivery. */
export interface TeamsMessage {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }];
}

/**
 * The Teams message of a notification: a title (what changed), the model and window as facts,
 * one block per alert (feature, kind, severity, what changed, its summary, and the statistic,
 * p-value, size and PSI as facts) and an "Open dashboard" action when `dashboardUrl` is a safe
 * link. Every text from the data goes through {@link md}, so a feature named `**[x](https://evil)**`
 * shows as written: neither bold nor a link.
 * @example await fetch(teamsWorkflowUrl, { method: 'POST', body: JSON.stringify(teamsMessage(notification)) });
 */
export function teamsMessage(notification: Notification): TeamsMessage {
  const groups = notificationGroups(notification);
  // Fewer alert blocks until the message fits Teams' size limit (long names, long summaries).
  for (let blocks = Math.min(TEAMS_MAX_ALERT_BLOCKS, groups.ordered.length); ; blocks--) {
    const message = envelope(card(notification, groups, blocks));
    if (blocks === 0 || Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BYTES) return message;
  }
}

function envelope(content: AdaptiveCard): TeamsMessage {
  // contentUrl: null as in Teams' own examples of the envelope.
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}

const STATE_COLOR = { FIRING: 'Attention', 'PARTLY RESOLVED': 'Warning', RESOLVED: 'Good' } as const;

function card(notification: Notification, groups: NotificationGroups, blocks: number): AdaptiveCard {
  const headline = notificationHeadline(notification);
  const body: TeamsCardElement[] = [
    {
      type: 'TextBlock',
      text: md`${truncateText(headline, MAX_SUMMARY_CHARS)}`,
      wrap: true,
      size: 'Medium',
      weight: 'Bolder',
      color: STATE_COLOR[groups.state],
    },
    {
      type: 'FactSet',
      facts: [
        { title: 'Model', value: md`${notification.model}` },
        { title: 'Window', value: md`${formatWindow(notification.window.start, notification.window.end)}` },
        { title: 'Rows', value: md`${formatCount(notification.window.rows)}` },
        ...(notification.reportId ? [{ title: 'Report', value: md`${notification.reportId}` }] : []),
      ],
    },
  ];
  const change = alertChanges(groups);
  for (const alert of groups.ordered.slice(0, blocks)) body.push(alertBlock(alert, notification, change(alert)));
  const hidden = notification.alerts.length - Math.min(blocks, groups.ordered.length);
  if (hidden > 0)
    body.push({ type: 'TextBlock', text: md`…and ${String(hidden)} more alert${hidden === 1 ? '' : 's'}`, wrap: true, isSubtle: true });
  const dashboard = safeLink(notification.dashboardUrl);
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    fallbackText: headline,
    body,
    actions: dashboard ? [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: dashboard }] : [],
  };
}

function alertBlock(alert: Alert, notification: Notification, change: string): TeamsCardElement {
  const what = kindLabel(alert.labels.kind);
  const name = truncateText(alert.labels.feature, MAX_NAME_CHARS);
  const state = alert.status === 'resolved' ? `resolved (was ${alert.severity})` : alert.severity;
  const title = alert.labels.feature === '*' ? md`**${what}** · ${state} · ${change}` : md`**${name}** · ${what} · ${state} · ${change}`;
  const facts = [
    ...(alert.labels.feature === '*' ? [] : [{ title: 'Feature', value: md`${name}` }]),
    { title: 'Kind', value: md`${what}` },
    ...statisticFacts(alert, notification),
  ];
  return {
    type: 'Container',
    separator: true,
    items: [
      { type: 'TextBlock', text: title, wrap: true },
      { type: 'TextBlock', text: md`${truncateText(alert.summary, MAX_SUMMARY_CHARS)}`, wrap: true, isSubtle: true, spacing: 'None' },
      { type: 'FactSet', facts },
    ],
  };
}

/**
 * The statistic (the test the decision used), its p-value, the size that decided and PSI, as the
 * report names them. Without the feature's report (an alert about the whole model, or a
 * notification queued without it), the first test the alert's statistics hold, and their PSI.
 */
function statisticFacts(alert: Alert, notification: Notification): { title: string; value: string }[] {
  const feature = alertFeature(alert, notification);
  let test: StatView | undefined;
  let effect: StatView | undefined;
  let psi: StatView | undefined;
  if (feature) ({ test, effect, psi } = mainStatistics(feature));
  else {
    const reported = reportedStatistics(alert.stats ?? {});
    test = reported.find((s) => s.pvalue !== undefined);
    psi = reported.find((s) => s.name === 'psi');
  }
  const facts: { title: string; value: string }[] = [];
  if (test) {
    facts.push({ title: 'Statistic', value: md`${test.label} ${formatNumber(test.value)}` });
    if (test.pvalue !== undefined) facts.push({ title: 'p-value', value: md`${formatPValue(test.pvalue)}` });
  }
  if (effect && effect.name !== test?.name && effect.name !== psi?.name) {
    facts.push({ title: 'Size', value: md`${effect.label} ${formatNumber(effect.value)}` });
  }
  if (psi) facts.push({ title: 'PSI', value: md`${formatNumber(psi.value)}` });
  return facts;
}

/**
 * Builds TextBlock and Fact text: the literal parts are markdown (`**bold**`), every interpolated
 * value is escaped with {@link escapeCardText}. Escaping is structural: a value cannot reach a
 * card without passing here.
 * @example md`**${feature}** · drift` // '**amount\\_usd** · drift' for feature 'amount_usd'
 */
export function md(literals: TemplateStringsArray, ...values: string[]): string {
  return literals.reduce((out, literal, i) => out + literal + (i < values.length ? escapeCardText(values[i] ?? '') : ''), '');
}

/**
 * Text for the Adaptive Card markdown subset (CommonMark: `**bold**`, `_italic_`, `- ` and `1. `
 * lists, `[links](url)`) and for its `{{DATE()}}`/`{{TIME()}}` functions, shown as written: each
 * character that can open markup gets a CommonMark backslash escape (`&` too, so `&lt;` is not
 * read as an entity), a line-start `- `, `+ ` or `1. ` cannot open a list (nor `#` a heading), and line
 * breaks become spaces (each value is one line).
 * @example escapeCardText('- [x](https://evil) *y*') // '\\- \\[x\\](https://evil) \\*y\\*'
 */
export function escapeCardText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/[\\`*_[\]<>~|{}&#]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}
