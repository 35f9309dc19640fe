import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ALERT_KINDS, type Alert, type Notification } from '../../contracts/alert.js';
import type { FeatureReport, SchemaFindings } from '../../contracts/report.js';
import { formatCount, formatNumber, formatPValue, formatShare, formatTime, formatWindow } from '../format.js';
import { type HtmlValue, type SafeHtml, html, join } from '../html.js';
import { safeLink } from '../links.js';
import {
  kindLabel,
  type NotificationGroups,
  notificationGroups,
  notificationHeadline,
  type NotificationState,
  orderAlerts,
} from '../notification.js';
import { PALETTE } from '../palette.js';
import { type TableColumn, alignTable, terminalSafe, truncateToWidth } from '../terminal.js';
import { STAT_COLUMNS, reportedStatistics, sortWorstFirst } from '../view.js';

/** An email as the channel sends it. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** The two body templates (see alerts/README.md for their placeholders). */
export interface EmailTemplates {
  html: string;
  text: string;
}

/** Options of {@link renderEmail}. */
export interface RenderOptions {
  /** Used when the notification carries no dashboardUrl. */
  dashboardUrl?: string | null;
  /** Templates to fill instead of the bundled ones (from {@link loadEmailTemplates}). */
  templates?: EmailTemplates;
}

/**
 * Renders a notification as an email: the contract subject, an HTML body (inline styles and
 * table-built bar charts only, so it looks the same in every mail client) and a plain-text body
 * with the same content. Every text from the data is escaped (by the `html` tag).
 * @example const { subject, html, text } = renderEmail(notification);
 */
export function renderEmail(notification: Notification, options: RenderOptions = {}): RenderedEmail {
  const templates = options.templates ?? bundledTemplates();
  const dashboardUrl = safeLink(notification.dashboardUrl ?? options.dashboardUrl ?? null);
  const view = viewOf(notification);
  // Each value escaped as a template would escape it: the template files are markup, the values text.
  const htmlParts = Object.fromEntries(
    Object.entries(htmlValues(notification, view, dashboardUrl)).map(([k, v]) => [k, String(html`${v}`)]),
  );
  return {
    subject: emailSubject(notification),
    html: fillTemplate(templates.html, htmlParts),
    text: tidyText(fillTemplate(templates.text, textValues(notification, view, dashboardUrl))),
  };
}

/**
 * The contract subject (people filter their mail on it): `[driftwatch] FIRING fraud: 3 drifted (amount, country, age)`,
 * `[driftwatch] FIRING fraud: schema (age, colour)`, `[driftwatch] RESOLVED fraud: 2 resolved (amount, age)`.
 */
export function emailSubject(notification: Notification): string {
  return `[driftwatch] ${notificationHeadline(notification)}`;
}

// ---------------------------------------------------------------------------------------------
// What both bodies show.
// ---------------------------------------------------------------------------------------------

interface FeatureView {
  feature: FeatureReport;
  /** The drift alert of this feature, when the notification has one. */
  alert: Alert | undefined;
}

interface EmailView {
  state: NotificationState;
  alerts: Alert[];
  /** Per fingerprint, what changed with this notification ("new", "escalated"), when a notification mixes news with the rest. */
  changes: Map<string, string>;
  features: FeatureView[];
  schema: SchemaFindings;
  window: string;
  rows: string;
  /** "3 features drifted": the line under the model name. */
  summary: string;
}

function viewOf(notification: Notification): EmailView {
  const alerts = orderAlerts(notification.alerts, notification.features);
  const driftAlerts = new Map(alerts.filter((a) => a.labels.kind === 'drift').map((a) => [a.labels.feature, a]));
  const features = sortWorstFirst(notification.features).map((feature) => ({ feature, alert: driftAlerts.get(feature.name) }));
  // The model's output after the features, each output named as a prediction, with its prediction_drift alert.
  const prediction = notification.prediction;
  const predictionAlert = prediction
    ? alerts.find((a) => a.labels.kind === 'prediction_drift' && a.labels.feature === prediction.column)
    : undefined;
  for (const output of prediction?.outputs ?? [])
    features.push({ feature: { ...output, name: `prediction ${output.name}` }, alert: predictionAlert });
  const groups = notificationGroups(notification);
  return {
    state: groups.state,
    alerts: groups.ordered,
    changes: changeTags(groups),
    features,
    schema: notification.schema,
    window: formatWindow(notification.window.start, notification.window.end),
    rows: formatCount(notification.window.rows),
    summary: summaryLine(alerts),
  };
}

/** "new" and "escalated" tags, only when the notification also carries alerts without news (else every alert would carry one). */
function changeTags(g: NotificationGroups): Map<string, string> {
  const tags = new Map<string, string>();
  if (g.resolved.length + g.ongoing.length === 0) return tags;
  for (const a of g.new) tags.set(a.fingerprint, 'new');
  for (const a of g.escalated) tags.set(a.fingerprint, 'escalated');
  for (const a of g.ongoing) tags.set(a.fingerprint, 'still firing');
  return tags;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summaryLine(alerts: readonly Alert[]): string {
  const resolved = alerts.filter((a) => a.status === 'resolved').length;
  const firing = alerts.filter((a) => a.status === 'firing');
  if (firing.length === 0) return `${count(resolved, 'alert')} resolved`;
  const still = firingLine(firing);
  return resolved > 0 ? `${count(resolved, 'alert')} resolved · still firing: ${still}` : still;
}

function firingLine(firing: readonly Alert[]): string {
  const drifted = firing.filter((a) => a.labels.kind === 'drift').length;
  const parts: string[] = [];
  if (drifted > 0) parts.push(`${count(drifted, 'feature')} drifted`);
  for (const kind of ALERT_KINDS) {
    if (kind === 'drift') continue;
    const n = firing.filter((a) => a.labels.kind === kind).length;
    if (n > 0) parts.push(kind === 'schema' ? `${count(n, 'schema alert')}` : kindLabel(kind));
  }
  return parts.length > 0 ? parts.join(', ') : 'no alerts firing';
}

// ---------------------------------------------------------------------------------------------
// HTML body. Inline styles and tables only: mail clients drop <style>, classes, SVG and flexbox.
// ---------------------------------------------------------------------------------------------

// The colours of the check reports (Okabe-Ito blue and orange): told apart with every common
// colour-vision deficiency and in greyscale.
const COLOURS = {
  firing: PALETTE.drift,
  resolved: PALETTE.resolved,
  baseline: PALETTE.baseline,
  current: PALETTE.current,
  ink: PALETTE.ink,
  muted: PALETTE.muted,
  line: PALETTE.line,
  track: '#f0f2f4',
  unseen: '#fff1d6',
  unseenInk: '#8a4b00',
  warning: '#b54708',
  warningBg: '#fef0c7',
  criticalBg: '#fdecea',
  okBg: '#e6f4ec',
} as const;

// A constant font stack as markup (a template's literal text), so its quotes stay as written
// rather than become &#39;, which every client reads the same.
const MONO = html`Menlo,Consolas,'Courier New',monospace`;

function htmlValues(notification: Notification, view: EmailView, dashboardUrl: string | null): Record<string, HtmlValue> {
  return {
    title: emailSubject(notification),
    preheader: `${view.summary} · ${view.window}`,
    statusColor: view.state === 'FIRING' ? COLOURS.firing : view.state === 'RESOLVED' ? COLOURS.resolved : COLOURS.warning,
    statusLabel: view.state,
    model: notification.model,
    summary: view.summary,
    window: view.window,
    rows: view.rows,
    reportId: notification.reportId,
    dashboardButton: dashboardUrl ? htmlDashboardButton(dashboardUrl) : '',
    alerts: htmlAlerts(view.alerts, view.changes),
    features: htmlFeatures(view),
    schema: htmlSchema(view.schema),
    createdAt: formatTime(notification.createdAt),
    deliveryId: notification.id,
  };
}

/** One row of the outer table: a section with an optional heading. */
function htmlSection(heading: string, content: SafeHtml): SafeHtml {
  const title = heading ? html`<div style="font-size:16px;font-weight:700;margin:0 0 10px;color:${COLOURS.ink};">${heading}</div>\n` : '';
  return html`<tr>\n<td style="padding:14px 24px 6px;">\n${title}${content}\n</td>\n</tr>`;
}

function htmlDashboardButton(url: string): SafeHtml {
  // A "bulletproof" button: a link inside a coloured cell, so it shows where CSS padding on <a> is ignored.
  const button = html`<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
<td bgcolor="${COLOURS.ink}" style="background-color:${COLOURS.ink};border-radius:5px;">
<a href="${url}" target="_blank" style="display:inline-block;padding:9px 18px;font-size:14px;font-weight:700;color:#ffffff;text-decoration:none;border-radius:5px;">Open the dashboard &rarr;</a>
</td></tr></table>`;
  return htmlSection('', button);
}

function badge(text: string, colour: string, background: string): SafeHtml {
  return html`<span style="display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:700;letter-spacing:0.03em;text-transform:uppercase;white-space:nowrap;color:${colour};background-color:${background};border:1px solid ${colour};">${text}</span>`;
}

function alertBadge(alert: Alert): SafeHtml {
  if (alert.status === 'resolved') return badge('resolved', COLOURS.resolved, COLOURS.okBg);
  return alert.severity === 'critical'
    ? badge('critical', COLOURS.firing, COLOURS.criticalBg)
    : badge('warning', COLOURS.warning, COLOURS.warningBg);
}

function changeTag(tag: string | undefined): SafeHtml | '' {
  return tag ? html`<div style="font-size:11px;color:${COLOURS.muted};margin-top:3px;">${tag}</div>` : '';
}

function htmlAlerts(alerts: readonly Alert[], changes: ReadonlyMap<string, string>): SafeHtml | '' {
  if (alerts.length === 0) return '';
  const rows = alerts.map((alert) => {
    const what =
      alert.labels.feature === '*'
        ? html`<span style="font-weight:700;">${kindLabel(alert.labels.kind)}</span>`
        : html`<span style="font-weight:700;word-break:break-word;">${alert.labels.feature}</span> <span style="color:${COLOURS.muted};font-size:12px;">${kindLabel(alert.labels.kind)}</span>`;
    const since =
      alert.status === 'resolved' && alert.endsAt ? `resolved ${formatTime(alert.endsAt)}` : `since ${formatTime(alert.startsAt)}`;
    return html`<tr>
<td style="padding:7px 10px 7px 0;border-top:1px solid ${COLOURS.line};vertical-align:top;width:1%;white-space:nowrap;">${alertBadge(alert)}${changeTag(changes.get(alert.fingerprint))}</td>
<td style="padding:7px 0;border-top:1px solid ${COLOURS.line};vertical-align:top;">${what}<div style="font-size:13px;color:${COLOURS.ink};word-break:break-word;">${alert.summary}</div><div style="font-size:12px;color:${COLOURS.muted};">${since}</div></td>
</tr>`;
  });
  const table = html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:14px;">\n${join(rows, '\n')}\n</table>`;
  return htmlSection(alerts.length === 1 ? 'Alert' : `Alerts (${alerts.length})`, table);
}

function htmlFeatures(view: EmailView): SafeHtml | '' {
  if (view.features.length === 0) return '';
  const heading = view.features.some((f) => f.feature.drift) ? 'Drifted features' : 'Features';
  return htmlSection(heading, join(view.features.map(htmlFeature), '\n'));
}

function htmlFeature({ feature, alert }: FeatureView): SafeHtml {
  const edge = feature.drift ? COLOURS.firing : COLOURS.resolved;
  const verdict = feature.drift ? badge('drift', COLOURS.firing, COLOURS.criticalBg) : badge('no drift', COLOURS.resolved, COLOURS.okBg);
  const severity = alert && alert.status === 'firing' ? html` ${alertBadge(alert)}` : '';
  const why = cardReason(feature, alert);
  const counts =
    `baseline ${formatCount(feature.baseline.count)} values · current ${formatCount(feature.current.count)} values` +
    (feature.current.nulls > 0 ? ` · ${formatCount(feature.current.nulls)} null` : '');
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 14px;border:1px solid ${COLOURS.line};border-left:4px solid ${edge};border-radius:6px;border-collapse:separate;">
<tr>
<td style="padding:12px 14px 10px;">
<div style="margin:0 0 4px;"><span style="font-size:16px;font-weight:700;word-break:break-word;">${feature.name}</span> <span style="color:${COLOURS.muted};font-size:12px;">${feature.kind}</span>&nbsp; ${verdict}${severity}</div>
${why ? html`<div style="font-size:13px;margin:0 0 8px;word-break:break-word;">${why}</div>` : ''}
${htmlStats(feature)}
<div style="font-size:12px;color:${COLOURS.muted};margin:8px 0 6px;">${counts}</div>
${htmlChart(feature)}
</td>
</tr>
</table>`;
}

/**
 * The sentence of a feature's card: the firing alert's reason, or else this check's reason for the
 * feature (a resolved card shows why it resolved, with this window's numbers, not the old firing
 * reason).
 */
function cardReason(feature: FeatureReport, alert: Alert | undefined): string {
  if (alert?.status === 'firing') return alert.summary;
  return feature.reasons[0] ?? alert?.summary ?? '';
}

/** Every statistic the feature reports, as chips named as in the report (so they can be looked up in it). */
function htmlStats(feature: FeatureReport): SafeHtml | '' {
  const stats = reportedStatistics(feature.stats);
  if (stats.length === 0) return '';
  const chips = stats.map((s) => {
    const p = s.pvalue === undefined ? '' : html` <span style="color:${COLOURS.muted};">p</span>&nbsp;<b>${formatPValue(s.pvalue)}</b>`;
    return html`<span style="display:inline-block;margin:0 6px 6px 0;padding:3px 8px;border-radius:4px;background-color:${COLOURS.track};font-family:${MONO};font-size:12px;white-space:nowrap;"><span style="color:${COLOURS.muted};">${s.name}</span>&nbsp;<b>${formatNumber(s.value)}</b>${p}</span>`;
  });
  return html`<div style="line-height:1.2;">${chips}</div>`;
}

/** How many bins a chart shows at most; categorical features beyond it keep their largest categories. */
const MAX_CHART_BINS = 20;
const UNSEEN = '(unseen)';

interface ChartRow {
  label: string;
  baseline: number;
  current: number;
  unseen: boolean;
}

/**
 * The bins to draw: all of a numeric feature (in order), or the largest categories of a
 * categorical one, with the rest folded into one row and "(unseen)" always kept.
 */
function chartRows(feature: FeatureReport): ChartRow[] {
  const { labels, baseline, current } = feature.bins;
  const rows = labels.map((label, i) => ({
    label,
    baseline: baseline[i] ?? 0,
    current: current[i] ?? 0,
    unseen: feature.kind === 'categorical' && label === UNSEEN,
  }));
  if (rows.length <= MAX_CHART_BINS) return rows;
  if (feature.kind === 'numeric') return rows;
  const unseen = rows.filter((r) => r.unseen);
  const ranked = rows.filter((r) => !r.unseen).sort((a, b) => Math.max(b.baseline, b.current) - Math.max(a.baseline, a.current));
  const kept = ranked.slice(0, MAX_CHART_BINS - 1 - unseen.length);
  const rest = ranked.slice(kept.length);
  const keptSet = new Set(kept);
  const folded: ChartRow = {
    label: `${rest.length} other categories`,
    baseline: rest.reduce((s, r) => s + r.baseline, 0),
    current: rest.reduce((s, r) => s + r.current, 0),
    unseen: false,
  };
  // Kept categories stay in the baseline's order, which people know from earlier reports.
  return [...rows.filter((r) => keptSet.has(r)), folded, ...unseen];
}

const LABEL_CHARS = 28;

function htmlChart(feature: FeatureReport): SafeHtml | '' {
  const rows = chartRows(feature);
  if (rows.length === 0) return '';
  const largest = Math.max(...rows.flatMap((r) => [r.baseline, r.current]).filter(Number.isFinite), 0);
  const width = (share: number) => (largest > 0 && share > 0 ? Math.max(0.5, Math.round((share / largest) * 1000) / 10) : 0);
  const bar = (share: number, colour: string) => {
    const w = width(share);
    // A zero-width cell still renders a sliver in some clients: draw no bar cell at all for 0.
    const filled =
      w > 0
        ? html`<td width="${w}%" bgcolor="${colour}" style="width:${w}%;background-color:${colour};height:8px;font-size:0;line-height:0;">&nbsp;</td>`
        : '';
    const rest = w < 100 ? html`<td style="height:8px;font-size:0;line-height:0;">&nbsp;</td>` : '';
    return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="table-layout:fixed;"><tr>${filled}${rest}</tr></table>`;
  };
  const body = rows.map((r) => {
    const background = r.unseen ? html` bgcolor="${COLOURS.unseen}" style="background-color:${COLOURS.unseen};"` : '';
    const labelStyle = r.unseen ? `color:${COLOURS.unseenInk};font-weight:700;` : `color:${COLOURS.ink};`;
    const shown = truncateToWidth(r.label, LABEL_CHARS);
    const title = shown === r.label ? '' : html` title="${r.label}"`;
    const changed = Math.abs(r.current - r.baseline) >= 0.05 ? 'font-weight:700;' : '';
    return html`<tr${background}>
<td width="30%" style="padding:3px 8px 3px 4px;font-family:${MONO};font-size:11px;white-space:nowrap;${labelStyle}"${title}>${shown}</td>
<td style="padding:3px 0;vertical-align:middle;">${bar(r.baseline, COLOURS.baseline)}<div style="height:2px;font-size:0;line-height:0;">&nbsp;</div>${bar(r.current, COLOURS.current)}</td>
<td width="24%" align="right" style="padding:3px 4px 3px 8px;font-size:11px;white-space:nowrap;color:${COLOURS.muted};">${formatShare(r.baseline)} &rarr; <span style="color:${COLOURS.ink};${changed}">${formatShare(r.current)}</span></td>
</tr>`;
  });
  const legend = html`<tr>
<td style="padding:0 8px 4px 4px;font-size:11px;color:${COLOURS.muted};">${feature.kind === 'numeric' ? 'bin' : 'category'}</td>
<td style="padding:0 0 4px;font-size:11px;color:${COLOURS.muted};"><span style="color:${COLOURS.baseline};">&#9632;</span> baseline &nbsp; <span style="color:${COLOURS.current};">&#9632;</span> current</td>
<td align="right" style="padding:0 4px 4px 8px;font-size:11px;color:${COLOURS.muted};">share</td>
</tr>`;
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-top:1px solid ${COLOURS.line};padding-top:6px;">
${legend}
${join(body, '\n')}
</table>`;
}

function htmlSchema(schema: SchemaFindings): SafeHtml | '' {
  const parts: SafeHtml[] = [];
  const names = (list: readonly string[]) =>
    join(
      list.map(
        (n) =>
          html`<span style="font-family:${MONO};font-size:12px;background-color:${COLOURS.track};padding:0 4px;border-radius:3px;">${n}</span>`,
      ),
      ', ',
    );
  if (schema.missing.length > 0) {
    parts.push(
      html`<p style="margin:0 0 6px;"><b>Missing columns</b> <span style="color:${COLOURS.muted};">(in the baseline, absent now)</span>: ${names(schema.missing)}</p>`,
    );
  }
  if (schema.unexpected.length > 0) {
    parts.push(
      html`<p style="margin:0 0 6px;"><b>Unexpected columns</b> <span style="color:${COLOURS.muted};">(new, unknown to the baseline)</span>: ${names(schema.unexpected)}</p>`,
    );
  }
  if (schema.anomalies.length > 0) {
    const th = (text: string, align = 'left') =>
      html`<th align="${align}" style="padding:4px 8px 4px 0;border-bottom:2px solid ${COLOURS.line};font-size:12px;color:${COLOURS.muted};font-weight:600;text-align:${align};">${text}</th>`;
    const rows = schema.anomalies.map((a) => {
      const examples = a.examples?.length ? html`<div style="font-size:12px;color:${COLOURS.muted};">e.g. ${names(a.examples)}</div>` : '';
      const baseline =
        a.baselineShare === undefined
          ? ''
          : html`<div style="font-size:11px;color:${COLOURS.muted};">baseline ${formatShare(a.baselineShare)}</div>`;
      return html`<tr>
<td style="padding:5px 8px 5px 0;border-bottom:1px solid ${COLOURS.line};vertical-align:top;font-weight:700;word-break:break-word;">${a.feature}</td>
<td style="padding:5px 8px 5px 0;border-bottom:1px solid ${COLOURS.line};vertical-align:top;"><span style="font-family:${MONO};font-size:12px;">${a.kind}</span><div style="font-size:13px;word-break:break-word;">${a.message}</div>${examples}</td>
<td align="right" style="padding:5px 0 5px 0;border-bottom:1px solid ${COLOURS.line};vertical-align:top;white-space:nowrap;font-size:13px;">${formatShare(a.share)}${baseline}</td>
</tr>`;
    });
    parts.push(html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:13px;margin-top:4px;">
<tr>${th('feature')}${th('finding')}${th('rows', 'right')}</tr>
${join(rows, '\n')}
</table>`);
  }
  return parts.length > 0 ? htmlSection('Schema findings', join(parts, '\n')) : '';
}

// ---------------------------------------------------------------------------------------------
// Text body: the same content, with a compact table instead of charts.
// ---------------------------------------------------------------------------------------------

// Text from the data goes through terminalSafe: a line break or an escape sequence in a feature
// name must not reshape the message (or a terminal that shows it).
const safe = terminalSafe;

function textValues(notification: Notification, view: EmailView, dashboardUrl: string | null): Record<string, string> {
  return {
    headline: safe(emailSubject(notification)),
    model: safe(notification.model),
    window: safe(view.window),
    rows: view.rows,
    reportId: safe(notification.reportId),
    dashboard: dashboardUrl ? `Dashboard: ${dashboardUrl}\n` : '',
    alerts: textAlerts(view.alerts, view.changes),
    features: textFeatures(view.features),
    schema: textSchema(view.schema),
    createdAt: safe(formatTime(notification.createdAt)),
    deliveryId: safe(notification.id),
  };
}

function textAlerts(alerts: readonly Alert[], changes: ReadonlyMap<string, string>): string {
  if (alerts.length === 0) return '';
  const lines = alerts.map((a) => {
    const state = (a.status === 'resolved' ? 'resolved' : a.severity).toUpperCase();
    const what = a.labels.feature === '*' ? kindLabel(a.labels.kind) : `${a.labels.feature} (${kindLabel(a.labels.kind)})`;
    const tag = changes.get(a.fingerprint);
    return `  ${state.padEnd(9)} ${safe(what)}${tag ? ` [${tag}]` : ''}: ${safe(a.summary)}`;
  });
  return `ALERTS\n${lines.join('\n')}\n`;
}

const NAME_WIDTH = 24;

// Names and words left-aligned, numbers right-aligned, like the terminal report.
const FEATURE_COLUMNS: readonly TableColumn[] = [
  { header: 'feature', align: 'left' },
  { header: 'kind', align: 'left' },
  { header: 'drift', align: 'left' },
  ...STAT_COLUMNS.map((c): TableColumn => ({ header: c.header, align: 'right' })),
];

function textFeatures(features: readonly FeatureView[]): string {
  if (features.length === 0) return '';
  const rows = features.map(({ feature }) => [
    truncateToWidth(safe(feature.name), NAME_WIDTH),
    feature.kind === 'numeric' ? 'num' : 'cat',
    feature.drift ? 'DRIFT' : 'ok',
    ...STAT_COLUMNS.map((c) => c.cell(feature)),
  ]);
  const details = features.map(({ feature, alert }) => {
    const why = cardReason(feature, alert);
    const shifts = largestShifts(feature, 3);
    return [`  ${safe(feature.name)}: ${safe(why)}`, shifts ? `    largest changes: ${shifts}` : ''].filter(Boolean).join('\n');
  });
  return `FEATURES\n${alignTable(FEATURE_COLUMNS, rows, { indent: '  ' }).join('\n')}\n\n${details.join('\n')}\n`;
}

/** The bins whose share moved most, as "(unseen) 0% -> 4.1%": the gist of the chart in one line. */
function largestShifts(feature: FeatureReport, count: number): string {
  const { labels, baseline, current } = feature.bins;
  return labels
    .map((label, i) => ({ label, b: baseline[i] ?? 0, c: current[i] ?? 0 }))
    .filter((x) => x.b !== x.c)
    .sort((x, y) => Math.abs(y.c - y.b) - Math.abs(x.c - x.b))
    .slice(0, count)
    .map((x) => `${safe(x.label)} ${formatShare(x.b)} -> ${formatShare(x.c)}`)
    .join(', ');
}

function textSchema(schema: SchemaFindings): string {
  const lines: string[] = [];
  if (schema.missing.length > 0) lines.push(`  Missing columns: ${schema.missing.map(safe).join(', ')}`);
  if (schema.unexpected.length > 0) lines.push(`  Unexpected columns: ${schema.unexpected.map(safe).join(', ')}`);
  for (const a of schema.anomalies) {
    const baseline = a.baselineShare === undefined ? '' : ` (baseline ${formatShare(a.baselineShare)})`;
    const examples = a.examples?.length ? `; e.g. ${a.examples.map(safe).join(', ')}` : '';
    lines.push(`  ${safe(a.feature)} [${a.kind}]: ${safe(a.message)} - ${formatShare(a.share)} of rows${baseline}${examples}`);
  }
  return lines.length > 0 ? `SCHEMA FINDINGS\n${lines.join('\n')}\n` : '';
}

/** Empty sections leave blank lines behind: at most one blank line in a row, and one final newline. */
function tidyText(text: string): string {
  return `${text.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------
// Templates.
// ---------------------------------------------------------------------------------------------

/** The placeholders each template may use; a template naming another one is refused when loaded. */
export const TEMPLATE_PLACEHOLDERS = {
  html: [
    'title',
    'preheader',
    'statusColor',
    'statusLabel',
    'model',
    'summary',
    'window',
    'rows',
    'reportId',
    'dashboardButton',
    'alerts',
    'features',
    'schema',
    'createdAt',
    'deliveryId',
  ],
  text: ['headline', 'model', 'window', 'rows', 'reportId', 'dashboard', 'alerts', 'features', 'schema', 'createdAt', 'deliveryId'],
} as const satisfies Record<keyof EmailTemplates, readonly string[]>;

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/**
 * Replaces each `{{name}}` with its value, in one pass: a value that itself contains `{{...}}`
 * (a feature named so) is inserted as it is, never expanded.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown template placeholder {{${name}}}; known: ${Object.keys(values).join(', ')}`);
    return value;
  });
}

/**
 * Reads `email.html` and `email.txt` from a folder (default: the bundled `alerts/templates/`)
 * and checks that they use only known placeholders, so a typo fails at start-up, not at the first alert.
 */
export function loadEmailTemplates(dir: URL | string = BUNDLED_TEMPLATES): EmailTemplates {
  const base = typeof dir === 'string' ? pathToFileURL(dir.endsWith('/') ? dir : `${dir}/`) : dir;
  const templates: EmailTemplates = {
    html: readFileSync(new URL('email.html', base), 'utf8'),
    text: readFileSync(new URL('email.txt', base), 'utf8'),
  };
  for (const kind of ['html', 'text'] as const) {
    const known: readonly string[] = TEMPLATE_PLACEHOLDERS[kind];
    for (const [, name] of templates[kind].matchAll(PLACEHOLDER)) {
      if (name !== undefined && !known.includes(name)) {
        throw new Error(`email ${kind} template: unknown placeholder {{${name}}}; known: ${known.join(', ')}`);
      }
    }
  }
  return templates;
}

// alerts/templates/ at the repository (and package) root: three levels up from this file in
// src/render/mail/ and from its build in dist/render/mail/, which sit at the same depth.
const BUNDLED_TEMPLATES = new URL('../../../alerts/templates/', import.meta.url);

let bundled: EmailTemplates | undefined;

function bundledTemplates(): EmailTemplates {
  bundled ??= loadEmailTemplates();
  return bundled;
}
