import type { Digest, FeatureTrend } from '../../contracts/digest.js';
import type { SchemaFindings } from '../../contracts/report.js';
import { formatCount, formatMinute, formatNumber, formatPValue, formatShare } from '../format.js';
import { type HtmlValue, type SafeHtml, html, join } from '../html.js';
import { safeLink } from '../links.js';
import { PALETTE } from '../palette.js';
import { type TableColumn, alignTable, terminalSafe } from '../terminal.js';
import { mainStatisticList } from '../view.js';

/** A digest as an email: subject, HTML part and plain-text part (the same content). */
export interface DigestEmail {
  subject: string;
  html: string;
  text: string;
}

/**
 * Renders a digest as an email. The HTML is built for mail clients, not browsers: tables for
 * layout, inline styles and presentational attributes only (Outlook on Windows renders with Word,
 * which ignores `<style>`, `<div>` heights and most of CSS), no images, no scripts, no link other
 * than the dashboard's. Every text from the data is escaped (by the `html` tag).
 * @example const { subject, html, text } = renderDigestEmail(await buildDigest(db, 'fraud', period, url));
 */
export function renderDigestEmail(d: Digest): DigestEmail {
  return { subject: digestSubject(d), html: digestHtml(d), text: digestText(d) };
}

/**
 * "[driftwatch] REPORT fraud: 3 of 42 checks drifted, 2026-01-05 – 2026-01-11". The end date is
 * the period's last day: a period ending at midnight does not name the day it stops before.
 */
export function digestSubject(d: Digest): string {
  // A subject is one header line: control characters from the data become visible escapes.
  return terminalSafe(
    `[driftwatch] REPORT ${d.model}: ${d.checks.drift} of ${d.checks.total} checks drifted, ${dayOf(d.period.start)} – ${lastDayOf(d.period)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Shared by both parts: times, statistics, the chart's columns.
// ---------------------------------------------------------------------------------------------

const dayOf = (iso: string) => iso.slice(0, 10);
const lastDayOf = (period: Digest['period']) => dayOf(new Date(Date.parse(period.end) - 1).toISOString());
const periodText = (period: Digest['period']) => `${formatMinute(period.start)} – ${formatMinute(period.end)} UTC`;

/** Alerts about the whole model (insufficient data, ingest) carry the feature label `*`. */
const alertFeature = (feature: string) => (feature === '*' ? '(whole model)' : feature);

/** A point's PSI when it can be drawn: a hand-made digest may hold NaN, which would poison every scale. */
const psiOf = (p: FeatureTrend['points'][number]) => (p.psi !== null && Number.isFinite(p.psi) ? p.psi : null);
const lastPsi = (f: FeatureTrend) => f.points.map(psiOf).findLast((psi) => psi !== null) ?? null;
const maxPsi = (f: FeatureTrend) =>
  f.points.reduce<number | null>((max, p) => {
    const psi = psiOf(p);
    return psi === null ? max : Math.max(max ?? psi, psi);
  }, null);

/**
 * The main statistics of a feature's latest check, as label and value, as every renderer shows
 * them (`src/render/view.ts`): PSI, the test its decision used with its p-value, the size that decided.
 */
function latestStats(f: FeatureTrend): [label: string, value: string][] {
  return mainStatisticList({ kind: f.kind, stats: f.latest, decision: f.decision }).flatMap((s): [string, string][] =>
    s.pvalue === undefined
      ? [[s.label, formatNumber(s.value)]]
      : [
          [s.label, formatNumber(s.value)],
          ['p', formatPValue(s.pvalue)],
        ],
  );
}

/**
 * At most this many chart columns: more checks are grouped (a week of hourly checks: a bar per
 * 6 hours), so a chart fits a phone and costs about 5 KB of HTML.
 */
const MAX_COLUMNS = 28;

interface ChartColumn {
  psi: number | null;
  drift: boolean;
}

/** One column per check, or per group of consecutive checks: its highest PSI, drifted if any check drifted. */
function chartColumns(f: FeatureTrend): { columns: ChartColumn[]; perColumn: number } {
  const perColumn = Math.max(1, Math.ceil(f.points.length / MAX_COLUMNS));
  const columns: ChartColumn[] = [];
  for (let i = 0; i < f.points.length; i += perColumn) {
    const group = f.points.slice(i, i + perColumn);
    const psis = group.flatMap((p) => psiOf(p) ?? []);
    columns.push({ psi: psis.length ? Math.max(...psis) : null, drift: group.some((p) => p.drift) });
  }
  return { columns, perColumn };
}

/**
 * The top of the PSI axis, shared by every chart of the digest so bars compare across features:
 * the highest PSI rounded up to a tenth, at least 0.25 (so noise stays small) and at most 1
 * (a PSI of 0.25 is already a large shift; higher values are clipped).
 */
function psiScale(features: readonly FeatureTrend[]): number {
  const highest = Math.max(0, ...features.map((f) => maxPsi(f) ?? 0));
  return Math.min(1, Math.max(0.25, Math.ceil(highest * 10) / 10));
}

// ---------------------------------------------------------------------------------------------
// HTML.
// ---------------------------------------------------------------------------------------------

// Okabe-Ito blue for checks without drift and a dark red for drifted ones, as in the check
// reports; drift is also said in words next to every chart, never by colour alone.
const C = {
  drift: PALETTE.drift,
  ok: PALETTE.baseline,
  okText: PALETTE.resolved,
  ink: PALETTE.ink,
  muted: PALETTE.muted,
  line: PALETTE.line,
  axis: '#8a949e',
  chartBg: '#f3f5f7',
  page: '#f5f6f8',
  card: '#ffffff',
} as const;

// Word (Outlook on Windows) has none of the system fonts, and does not pass a font down into
// nested tables: every text style names the font itself. Arial is everywhere.
const FONT = 'Arial,sans-serif';
const F = `font-family:${FONT}`;
const WIDTH = 600;
const PAD = 24;
const CHART_HEIGHT = 48;

/**
 * Gmail clips a message whose HTML passes 102 KB behind a "view entire message" link. Charts are
 * the bulk (a few KB each), so features past this budget get a table row instead of a chart;
 * they come last anyway (worst first), and everything else comes before them.
 */
export const HTML_BUDGET_BYTES = 95_000;
/** Longer lists (alerts, schema anomalies) show their first rows and a count of the rest. */
const MAX_LIST_ROWS = 25;

const P = `margin:0;${F};font-size:14px;line-height:20px;color:${C.ink}`;
const MUTED = `color:${C.muted}`;
const H2 = `margin:0 0 10px;${F};font-size:16px;line-height:22px;font-weight:bold;color:${C.ink}`;
const TH = `padding:4px 8px 4px 0;${F};font-size:12px;line-height:16px;font-weight:bold;color:${C.muted};text-align:left;border-bottom:1px solid ${C.line}`;
const TD = `padding:4px 8px 4px 0;${F};font-size:13px;line-height:18px;color:${C.ink};vertical-align:top;border-bottom:1px solid ${C.line}`;
const NUM = 'text-align:right;white-space:nowrap';
// Long names may break anywhere, so a table still fits a phone; the columns that hold names get
// a width, so that on wider screens a name is not cut to make its column narrow.
const NAME = 'font-weight:bold;overflow-wrap:anywhere;word-break:break-word';
// The attributes of every layout table: markup (a template's literal text), not a value to escape.
const LAYOUT = html`role="presentation" cellpadding="0" cellspacing="0" border="0"`;

const bytes = (markup: HtmlValue) => Buffer.byteLength(String(html`${markup}`), 'utf8');

function digestHtml(d: Digest): string {
  const head = [header(d), summary(d)];
  const tail = [footer(d)];
  const body =
    d.checks.total === 0
      ? [block(html`<p style="${P}">No checks ran in this period, so there is no drift to report.</p>`), alerts(d.alerts, d.dashboardUrl)]
      : [topDrifted(d), alerts(d.alerts, d.dashboardUrl), schema(d.schema, d.schemaCheckedAt, d.dashboardUrl)];
  const page = (content: SafeHtml) => html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${digestSubject(d)}</title>
</head>
<body style="margin:0;padding:0;background:${C.page};color:${C.ink};font-family:${FONT}">
${preheader(d)}
<table ${LAYOUT} width="100%" bgcolor="${C.page}" style="background:${C.page}">
<tr><td align="center" style="padding:24px 8px">
<table ${LAYOUT} width="${WIDTH}" bgcolor="${C.card}" style="width:100%;max-width:${WIDTH}px;background:${C.card};border:1px solid ${C.line};font-family:${FONT};color:${C.ink}">
${content}
</table>
</td></tr>
</table>
</body>
</html>
`;
  const rest = bytes(page(join([...head, ...body, ...tail], '\n')));
  return page(join([...head, ...body, features(d, HTML_BUDGET_BYTES - rest), ...tail], '\n')).toString();
}

/** A row of the card: one section with a rule above it. */
function block(content: SafeHtml, title?: string): SafeHtml {
  const heading = title ? html`<h2 style="${H2}">${title}</h2>\n` : '';
  return html`<tr><td style="padding:18px ${PAD}px;border-top:1px solid ${C.line}">\n${heading}${content}\n</td></tr>`;
}

/** The inbox preview line; hidden in the message itself. */
function preheader(d: Digest): SafeHtml {
  const top = d.topDrifted.length ? `; most drifted: ${d.topDrifted.join(', ')}` : '';
  const text = `${d.checks.drift} of ${d.checks.total} checks drifted${top}`;
  return html`<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:${C.page}">${text}</div>`;
}

/** The one-line outcome of the period, in words (colour repeats it, never carries it alone). */
function verdictHtml(c: Digest['checks']): SafeHtml {
  const compared = c.ok + c.drift;
  if (c.total === 0) return html`<span style="${MUTED}">no checks</span>`;
  if (compared === 0) return html`<span style="${MUTED}">no check had enough rows to compare</span>`;
  if (c.drift > 0) return html`<span style="color:${C.drift};font-weight:bold">&#9650; drift in ${c.drift} of ${c.total} checks</span>`;
  return html`<span style="color:${C.okText};font-weight:bold">no drift in ${compared} checks</span>`;
}

function header(d: Digest): SafeHtml {
  const drifted = d.checks.drift > 0;
  const verdict = verdictHtml(d.checks);
  return html`<tr><td style="padding:20px ${PAD}px 16px;border-top:4px solid ${drifted ? C.drift : C.ok}">
<p style="margin:0;${F};font-size:12px;line-height:16px;letter-spacing:1px;text-transform:uppercase;${MUTED}">driftwatch drift report</p>
<h1 style="margin:4px 0;${F};font-size:22px;line-height:28px;font-weight:bold;color:${C.ink};${NAME}"><bdi>${d.model}</bdi></h1>
<p style="${P}">${periodText(d.period)} &middot; ${verdict}</p>
</td></tr>`;
}

/** A count for a summary tile: exact up to 999,999, then 1.23M (four tiles must fit a phone; the text part has them exact). */
function formatTile(n: number): string {
  if (n < 1e6) return formatCount(n);
  return n < 1e9 ? `${Number((n / 1e6).toPrecision(3))}M` : `${Number((n / 1e9).toPrecision(3))}B`;
}

function summary(d: Digest): SafeHtml {
  const c = d.checks;
  const tile = (value: string, label: string, colour: string = C.ink) =>
    html`<td width="25%" valign="top" style="padding:0 8px 0 0"><p style="margin:0;${F};font-size:20px;line-height:26px;font-weight:bold;color:${colour}">${value}</p><p style="margin:0;${F};font-size:12px;line-height:16px;${MUTED}">${label}</p></td>`;
  const tiles = [
    tile(formatTile(d.volume.events), 'events stored'),
    tile(formatTile(d.volume.quarantined), 'quarantined'),
    tile(formatTile(c.total), 'checks'),
    tile(formatTile(c.drift), 'checks with drift', c.drift > 0 ? C.drift : C.ink),
  ];
  const byStatus = html`${formatCount(c.ok)} ok &middot; ${formatCount(c.drift)} drift &middot; ${formatCount(c.insufficientData)} insufficient data`;
  return block(
    html`<table ${LAYOUT} width="100%"><tr>${tiles}</tr></table>
<p style="${P};margin-top:10px;font-size:13px;${MUTED}">Checks by status: ${byStatus}</p>${dashboardButton(d.dashboardUrl)}`,
    'Summary',
  );
}

/** The dashboard's button; a configured URL that is not a safe link (`javascript:`, `file:`) is shown as text. */
function dashboardButton(url: string | null): SafeHtml | '' {
  if (url === null || url === '') return '';
  const link = safeLink(url);
  if (link === null) return html`<p style="${P};margin-top:12px">Dashboard: ${url}</p>`;
  return html`<table ${LAYOUT} style="margin-top:14px"><tr><td bgcolor="${C.ok}" style="background:${C.ok};border-radius:4px"><a href="${link}" style="display:inline-block;padding:9px 16px;font-family:${FONT};font-size:14px;line-height:18px;font-weight:bold;color:#ffffff;text-decoration:none">Open the dashboard</a></td></tr></table>`;
}

/** "…and 12 more", pointing at the dashboard when there is one (only the button links to it). */
function more(hidden: number, url: string | null): SafeHtml | '' {
  if (hidden <= 0) return '';
  return html`<p style="${P};margin-top:6px;font-size:13px;${MUTED}">&hellip;and ${formatCount(hidden)} more${safeLink(url) ? ', on the dashboard' : ''}.</p>`;
}

function topDrifted(d: Digest): SafeHtml {
  const title = 'Top drifted features';
  if (d.features.length === 0) {
    return block(
      html`<p style="${P}">No check of the period had enough rows to compare (all ${formatCount(d.checks.insufficientData)} had insufficient data).</p>`,
      title,
    );
  }
  if (d.topDrifted.length === 0) return block(html`<p style="${P}">No feature drifted in this period.</p>`, title);
  const byName = new Map(d.features.map((f) => [f.name, f]));
  const rows = d.topDrifted.map((name, i) => {
    const f = byName.get(name);
    const detail = f
      ? html`drifted in ${f.drifted} of ${f.points.length} checks &middot; last PSI ${formatNumber(lastPsi(f) ?? undefined)}`
      : '';
    return html`<tr><td width="24" style="${TD};${MUTED}">${i + 1}.</td><td width="45%" style="${TD};${NAME}"><bdi>${name}</bdi></td><td align="right" style="${TD};${MUTED}">${detail}</td></tr>`;
  });
  return block(html`<table ${LAYOUT} width="100%">${rows}</table>`, title);
}

function alerts(a: Digest['alerts'], url: string | null): SafeHtml {
  const title = 'Alerts';
  if (a.fired.length === 0 && a.resolved.length === 0)
    return block(html`<p style="${P}">No alert fired or resolved in this period.</p>`, title);
  const table = (caption: string, head: string[], rows: string[][]) => {
    if (rows.length === 0) return html`<p style="${P};margin-top:8px"><strong>${caption}</strong>: none</p>`;
    const cell = (text: string, i: number) =>
      i === 1 ? html`<td style="${TD};${NAME}"><bdi>${text}</bdi></td>` : html`<td style="${TD}">${text}</td>`;
    return html`<p style="${P};margin-top:8px"><strong>${caption}</strong> (${rows.length})</p>
<table ${LAYOUT} width="100%">
<tr>${head.map((h, i) => html`<th width="${['30%', '40%', '30%'][i]}" style="${TH}">${h}</th>`)}</tr>
${join(
  rows.slice(0, MAX_LIST_ROWS).map((r) => html`<tr>${r.map(cell)}</tr>`),
  '\n',
)}
</table>${more(rows.length - MAX_LIST_ROWS, url)}`;
  };
  return block(
    html`${table(
      'Fired',
      ['time (UTC)', 'feature', 'alert'],
      a.fired.map((x) => [formatMinute(x.at), alertFeature(x.feature), `${x.kind}, ${x.severity}`]),
    )}${table(
      'Resolved',
      ['time (UTC)', 'feature', 'alert'],
      a.resolved.map((x) => [formatMinute(x.at), alertFeature(x.feature), x.kind]),
    )}`,
    title,
  );
}

function schema(findings: SchemaFindings, checkedAt: string | null, url: string | null): SafeHtml {
  const title = 'Schema findings';
  if (checkedAt === null)
    return block(html`<p style="${P}">No check of the period compared data, so there are no schema findings.</p>`, title);
  const when = html`<p style="${P};font-size:13px;${MUTED}">At the last check that compared data, ${formatMinute(checkedAt)} UTC.</p>`;
  const count = findings.missing.length + findings.unexpected.length + findings.anomalies.length;
  if (count === 0)
    return block(html`${when}<p style="${P};margin-top:6px">None: every baseline column was present and no anomaly was found.</p>`, title);
  const names = (list: readonly string[]) =>
    list.length
      ? join(
          list.map((n) => html`<bdi>${n}</bdi>`),
          ', ',
        )
      : html`<span style="${MUTED}">none</span>`;
  const lists = html`<p style="${P};margin-top:6px"><strong>Missing</strong> (in the baseline, absent from the events): ${names(findings.missing)}</p><p style="${P};margin-top:4px"><strong>Unexpected</strong> (fields the baseline does not have): ${names(findings.unexpected)}</p>`;
  const anomalies =
    findings.anomalies.length === 0
      ? ''
      : html`<table ${LAYOUT} width="100%" style="margin-top:10px">
<tr><th width="32%" style="${TH}">feature</th><th style="${TH}">finding</th><th style="${TH};${NUM}">share</th></tr>
${join(
  findings.anomalies
    .slice(0, MAX_LIST_ROWS)
    .map(
      (a) =>
        html`<tr><td style="${TD};${NAME}"><bdi>${a.feature}</bdi></td><td style="${TD}">${a.message}</td><td style="${TD};${NUM}">${formatShare(a.share)}</td></tr>`,
    ),
  '\n',
)}
</table>${more(findings.anomalies.length - MAX_LIST_ROWS, url)}`;
  return block(html`${when}${lists}${anomalies}`, title);
}

/** The features: a chart each, worst first, while the email stays within `budget` bytes; a table row each after that. */
function features(d: Digest, budget: number): SafeHtml | '' {
  if (d.features.length === 0) return '';
  const top = psiScale(d.features);
  const intro = html`<p style="${P};font-size:13px;${MUTED}">PSI at each check, oldest on the left, on one scale for all features (0 to ${top}${top === 1 ? ', higher values clipped' : ''}). <span style="color:${C.drift};font-weight:bold">Red</span>: the feature drifted at that check; <span style="color:${C.ok};font-weight:bold">blue</span>: it did not; a gap: not compared.</p>`;
  const charts = d.features.map((f) => featureChart(f, top));
  const rows = d.features.map(featureTableRow);
  // The most charts that fit: charts for the first k features, table rows for the others.
  const chartBytes = charts.map(bytes);
  const rowBytes = rows.map(bytes);
  let k = d.features.length;
  let cost = bytes(block(intro, 'Features')) + bytes(restTable([])) + chartBytes.reduce((sum, n) => sum + n, 0);
  while (k > 0 && cost > budget) {
    k--;
    cost += rowBytes[k]! - chartBytes[k]!;
  }
  const rest = rows.slice(k);
  const note =
    rest.length === 0
      ? ''
      : html`<p style="${P};margin-top:16px;font-size:13px;${MUTED}">${k === 0 ? 'The features are' : `The ${rest.length === 1 ? 'feature' : `${rest.length} features`} with the least drift ${rest.length === 1 ? 'is' : 'are'}`} listed without a chart, to keep this email small enough for every mail client.</p>`;
  return block(html`${intro}\n${join(charts.slice(0, k), '\n')}${note}${rest.length ? restTable(rest) : ''}`, 'Features');
}

function restTable(rows: readonly SafeHtml[]): SafeHtml {
  return html`<table ${LAYOUT} width="100%" style="margin-top:6px">
<tr><th width="40%" style="${TH}">feature</th><th style="${TH}">kind</th><th style="${TH};${NUM}">drifted</th><th style="${TH};${NUM}">last psi</th><th style="${TH};${NUM}">max psi</th></tr>
${join(rows, '\n')}
</table>`;
}

function featureTableRow(f: FeatureTrend): SafeHtml {
  const drifted = `${f.drifted} of ${f.points.length}`;
  return html`<tr><td style="${TD};${NAME}"><bdi>${f.name}</bdi></td><td style="${TD};${MUTED}">${f.kind}</td><td style="${TD};${NUM}${f.drifted > 0 ? `;color:${C.drift};font-weight:bold` : ''}">${drifted}</td><td style="${TD};${NUM}">${formatNumber(lastPsi(f) ?? undefined)}</td><td style="${TD};${NUM}">${formatNumber(maxPsi(f) ?? undefined)}</td></tr>`;
}

function featureChart(f: FeatureTrend, top: number): SafeHtml {
  const badge =
    f.drifted > 0
      ? html`<span style="color:${C.drift};font-weight:bold">&#9650; drifted in ${f.drifted} of ${f.points.length} checks</span>`
      : html`<span style="color:${C.okText}">no drift</span>`;
  const small = `margin:0;${F};font-size:12px;line-height:17px;${MUTED}`;
  const stats = latestStats(f).map(([label, value]) => html`${label}&nbsp;<span style="color:${C.ink}">${value}</span>`);
  const latest = html`<p style="${small};margin-top:4px">Latest check: ${stats.length ? join(stats, html` &middot; `) : 'no statistics'}</p>`;
  return html`<table ${LAYOUT} width="100%" style="margin-top:12px;border-top:1px solid ${C.line}">
<tr><td style="padding:10px 8px 6px 0;${F};font-size:14px;line-height:20px;${NAME}"><bdi>${f.name}</bdi> <span style="font-weight:normal;font-size:12px;${MUTED}">${f.kind}</span></td>
<td align="right" valign="top" style="padding:10px 0 6px;${F};font-size:13px;line-height:20px">${badge}</td></tr>
<tr><td colspan="2" style="padding:0">${psiChart(f, top)}${latest}</td></tr>
</table>`;
}

/** Bars are at most this wide: a chart of a few checks stays small instead of stretching. */
const MAX_BAR_PX = 24;
/** A chart this wide or narrower gets a fixed width; a wider one stretches with the screen (percent columns). */
const FIXED_CHART_PX = 300;

/**
 * A bar chart of one feature's PSI as a table: one bottom-aligned cell per column, each bar a
 * one-cell table with a height attribute and a bgcolor, what Word (Outlook on Windows) honours;
 * it ignores heights on `<div>`. Columns are in percent when the chart is wide, so it shrinks on
 * a phone. The numbers are beside it, so screen readers skip the chart. Markup is kept lean:
 * charts are most of an email's size.
 */
function psiChart(f: FeatureTrend, top: number): SafeHtml {
  const { columns, perColumn } = chartColumns(f);
  const fixedWidth = columns.length * (MAX_BAR_PX + 1) + 1;
  const fixed = fixedWidth <= FIXED_CHART_PX;
  const width = fixed ? `${fixedWidth}` : '100%';
  const columnWidth = fixed ? `${MAX_BAR_PX}` : `${Math.floor(1000 / columns.length) / 10}%`;
  const cells = columns.map((c, i) => {
    // The first cell sets the row's height; a gap is an empty cell.
    const open = html`<td width="${columnWidth}"${i === 0 ? html` height="${CHART_HEIGHT}"` : ''} valign="bottom">`;
    if (c.psi === null) return html`${open}</td>`;
    const height = Math.max(2, Math.min(CHART_HEIGHT, Math.round((c.psi / top) * CHART_HEIGHT)));
    return html`${open}<table width="100%" cellpadding="0" cellspacing="0"><tr><td height="${height}" bgcolor="${c.drift ? C.drift : C.ok}" style="font-size:1px;line-height:1px">&nbsp;</td></tr></table></td>`;
  });
  const first = f.points[0]?.at ?? '';
  const last = f.points.at(-1)?.at ?? '';
  const grouping = perColumn > 1 ? html` &middot; a bar: highest of ${perColumn} checks` : '';
  const small = `${F};font-size:11px;line-height:14px;${MUTED}`;
  // One caption line, not labels under each end: under a narrow chart those would collide.
  const span = last === first ? formatMinute(first) : `${formatMinute(first)} to ${formatMinute(last)}`;
  return html`<table role="presentation" aria-hidden="true" width="${width}" cellpadding="0" cellspacing="1" border="0" bgcolor="${C.chartBg}" style="width:${fixed ? `${width}px` : width};border-bottom:1px solid ${C.axis}"><tr>${cells}</tr></table><p style="margin:0;padding-top:3px;${small}">${span} UTC &middot; max PSI ${formatNumber(maxPsi(f) ?? undefined)}${grouping}</p>`;
}

function footer(d: Digest): SafeHtml {
  return html`<tr><td style="padding:14px ${PAD}px;border-top:1px solid ${C.line};${F};font-size:12px;line-height:16px;${MUTED}">Generated by driftwatch at ${formatMinute(d.generatedAt)} UTC. All times are UTC.</td></tr>`;
}

// ---------------------------------------------------------------------------------------------
// Plain text: the same content as compact tables.
// ---------------------------------------------------------------------------------------------

const safe = terminalSafe;

/** A table under a heading: indented, numbers (the `right` columns) right-aligned, by display width so CJK names line up. */
function textTable(head: string[] | null, rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const columns = (head ?? rows[0] ?? []).map(
    (header, i): TableColumn => ({ header: head ? header : '', align: right.has(i) ? 'right' : 'left' }),
  );
  return alignTable(columns, rows, { indent: '  ', header: head !== null }).join('\n');
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** The PSI columns of the chart as block characters; `·` where the feature was not compared. */
function sparkline(f: FeatureTrend, top: number): string {
  return chartColumns(f)
    .columns.map((c) =>
      c.psi === null
        ? '·'
        : (SPARKS[Math.min(SPARKS.length - 1, Math.floor((Math.min(c.psi, top) / top) * (SPARKS.length - 1) + 0.5))] ?? '?'),
    )
    .join('');
}

function digestText(d: Digest): string {
  const c = d.checks;
  const out: string[] = [
    `driftwatch drift report: ${safe(d.model)}`,
    `Period: ${periodText(d.period)}`,
    '',
    'SUMMARY',
    textTable(
      null,
      [
        ['events stored', formatCount(d.volume.events)],
        ['quarantined', formatCount(d.volume.quarantined)],
        ['checks', formatCount(c.total)],
        ['  ok', formatCount(c.ok)],
        ['  drift', formatCount(c.drift)],
        ['  insufficient data', formatCount(c.insufficientData)],
      ],
      new Set([1]),
    ),
  ];
  if (d.dashboardUrl) out.push(`  Dashboard: ${safe(d.dashboardUrl)}`);
  // The sections in the order of the HTML part.
  if (c.total === 0) out.push('', 'No checks ran in this period, so there is no drift to report.');
  else out.push('', 'TOP DRIFTED FEATURES', ...topDriftedText(d));
  out.push('', 'ALERTS', ...alertsText(d.alerts));
  if (c.total > 0) out.push('', 'SCHEMA FINDINGS', ...schemaText(d.schema, d.schemaCheckedAt));
  if (d.features.length > 0) out.push('', 'FEATURES', ...featuresText(d.features));
  out.push('', `Generated by driftwatch at ${formatMinute(d.generatedAt)} UTC. All times are UTC.`, '');
  return out.join('\n');
}

function topDriftedText(d: Digest): string[] {
  if (d.features.length === 0)
    return [`  No check of the period had enough rows to compare (all ${formatCount(d.checks.insufficientData)} had insufficient data).`];
  if (d.topDrifted.length === 0) return ['  No feature drifted in this period.'];
  const byName = new Map(d.features.map((f) => [f.name, f]));
  return [
    textTable(
      ['#', 'feature', 'drifted', 'last psi'],
      d.topDrifted.map((name, i) => {
        const f = byName.get(name);
        return [
          `${i + 1}.`,
          safe(name),
          f ? `${f.drifted} of ${f.points.length}` : '',
          formatNumber(f ? (lastPsi(f) ?? undefined) : undefined),
        ];
      }),
      new Set([2, 3]),
    ),
  ];
}

function alertsText(a: Digest['alerts']): string[] {
  if (a.fired.length === 0 && a.resolved.length === 0) return ['  No alert fired or resolved in this period.'];
  const lines = [`  Fired (${a.fired.length})`];
  if (a.fired.length)
    lines.push(
      textTable(
        ['time (UTC)', 'feature', 'alert'],
        a.fired.map((x) => [formatMinute(x.at), safe(alertFeature(x.feature)), `${safe(x.kind)}, ${safe(x.severity)}`]),
      ),
    );
  lines.push(`  Resolved (${a.resolved.length})`);
  if (a.resolved.length)
    lines.push(
      textTable(
        ['time (UTC)', 'feature', 'alert'],
        a.resolved.map((x) => [formatMinute(x.at), safe(alertFeature(x.feature)), safe(x.kind)]),
      ),
    );
  return lines;
}

function featuresText(features: readonly FeatureTrend[]): string[] {
  const top = psiScale(features);
  const grouped = Math.max(...features.map((f) => chartColumns(f).perColumn));
  return [
    `  PSI at each check, oldest first (scale 0 to ${top}${grouped > 1 ? `, a character = highest of ${grouped} checks` : ''}; · = not compared)`,
    textTable(
      ['feature', 'kind', 'drifted', 'last psi', 'max psi', 'psi over the period', 'latest check'],
      features.map((f) => [
        safe(f.name),
        f.kind,
        `${f.drifted} of ${f.points.length}`,
        formatNumber(lastPsi(f) ?? undefined),
        formatNumber(maxPsi(f) ?? undefined),
        sparkline(f, top),
        latestStats(f)
          .filter(([label]) => label !== 'psi')
          .map(([label, value]) => `${label} ${value}`)
          .join(', '),
      ]),
      new Set([2, 3, 4]),
    ),
  ];
}

function schemaText(findings: SchemaFindings, checkedAt: string | null): string[] {
  if (checkedAt === null) return ['  No check of the period compared data, so there are no schema findings.'];
  const lines = [`  At the last check that compared data, ${formatMinute(checkedAt)} UTC.`];
  if (findings.missing.length + findings.unexpected.length + findings.anomalies.length === 0) {
    return [...lines, '  None: every baseline column was present and no anomaly was found.'];
  }
  const names = (list: readonly string[]) => (list.length ? list.map(safe).join(', ') : 'none');
  lines.push(`  Missing: ${names(findings.missing)}`, `  Unexpected: ${names(findings.unexpected)}`);
  if (findings.anomalies.length) {
    lines.push(
      textTable(
        ['feature', 'share', 'finding'],
        findings.anomalies.map((a) => [safe(a.feature), formatShare(a.share), safe(a.message)]),
        new Set([1]),
      ),
    );
  }
  return lines;
}
