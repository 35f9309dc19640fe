import type { Notification } from '../../contracts/alert.js';
import { formatCount, truncateText } from '../format.js';
import { safeLink } from '../links.js';
import { alertStatPhrases, kindLabel, notificationGroups, notificationHeadline } from '../notification.js';

/** A Slack Block Kit block, as far as driftwatch uses them. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'actions'; elements: { type: 'button'; text: { type: 'plain_text'; text: string }; url: string }[] };

/** The body of a `format: 'slack'` delivery (Slack incoming webhooks and compatible chat tools). */
export interface SlackMessage {
  /** The fallback shown in notifications and by clients without blocks. */
  text: string;
  blocks: SlackBlock[];
}

// Slack refuses messages with more than 50 blocks and sections longer than 3000 characters;
// header text is limited to 150.
const SLACK_MAX_ALERT_SECTIONS = 20;
const SLACK_MAX_SECTION_CHARS = 3000;
const SLACK_MAX_HEADER_CHARS = 150;

/**
 * A Slack message for a notification: a header (FIRING/RESOLVED and the model), the window, one
 * section per alert (feature, severity, summary, key statistics) and a dashboard button when
 * `dashboardUrl` is a safe link. Text from the data is escaped (&, <, >), so a feature named
 * `<!channel>` cannot ping anyone or become a link.
 * @example await fetch(slackWebhookUrl, { method: 'POST', body: JSON.stringify(slackMessage(notification)) });
 */
export function slackMessage(notification: Notification): SlackMessage {
  const groups = notificationGroups(notification);
  const { state } = groups;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncateText(`${state}: ${notification.model}`, SLACK_MAX_HEADER_CHARS) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: slackEscape(
            `window ${notification.window.start} – ${notification.window.end} · ${formatCount(notification.window.rows)} rows · report ${notification.reportId}`,
          ),
        },
      ],
    },
  ];
  // Resolved first, then new, escalated and still firing: the order of the headline.
  const shown = groups.ordered.slice(0, SLACK_MAX_ALERT_SECTIONS);
  for (const alert of shown) {
    const what = kindLabel(alert.labels.kind);
    const state = alert.status === 'resolved' ? 'resolved' : alert.severity;
    const subject = alert.labels.feature === '*' ? what : `*${slackEscape(alert.labels.feature)}* · ${what}`;
    const lines = [`${subject} · _${state}_`, slackEscape(alert.summary)];
    const stats = alertStatPhrases(alert, notification);
    if (stats.length > 0) lines.push(`\`${slackEscape(stats.join(' · ')).replace(/`/g, "'")}\``);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncateText(lines.join('\n'), SLACK_MAX_SECTION_CHARS) } });
  }
  const hidden = notification.alerts.length - shown.length;
  if (hidden > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${hidden} more alert${hidden === 1 ? '' : 's'}` }] });
  }
  const dashboard = safeLink(notification.dashboardUrl);
  if (dashboard) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open dashboard' }, url: dashboard }],
    });
  }
  return { text: slackEscape(notificationHeadline(notification)), blocks };
}

/** Slack's mrkdwn escaping: these three characters are the ones that start links and mentions. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
