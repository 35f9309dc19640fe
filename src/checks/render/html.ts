import { PALETTE } from './palette.js';
import type { CheckReport, DecisionRule, FeatureReport, SchemaFindings, WindowedReport, WindowReport } from '../../contracts/report.js';
import {
  STAT_COLUMNS,
  countSchemaFindings,
  describeBaseline,
  distanceStat,
  formatCount,
  formatNumber,
  formatPValue,
  formatShare,
  mainTest,
  sortWorstFirst,
} from './text.js';
import { isWindowedReport } from '../../contracts/report.js';

/**
 * Renders a check report as one self-contained HTML page: inline CSS and SVG, no script, no
 * fonts or images from anywhere, so it can be mailed, archived as a CI artifact, or opened
 * offline. Every text from the data is escaped.
 * @example writeFileSync('report.html', renderHtml(report));
 */
export function renderHtml(report: CheckReport | WindowedReport): string {
  const title = `driftwatch: ${report.baseline.name}`;
  const body = isWindowedReport(report) ? windowedReportBody(report) : checkReportBody(report);
  return page(title, body);
}

/** Escapes the five characters that can end a text or an attribute value in HTML (and SVG inside HTML). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const esc = escapeHtml;

// ---------------------------------------------------------------------------------------------
// The page.
// ---------------------------------------------------------------------------------------------

// The CSP forbids every script and every network load: even if some text escaped escaping,
// the page could neither run code nor call home.
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLESHEET}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

// Colours from the shared palette (Okabe-Ito baseline blue and current orange). Drift is marked by words and shapes
// as well as by red, never by colour alone.
const STYLESHEET = `
:root{--base:${PALETTE.baseline};--cur:${PALETTE.current};--drift:${PALETTE.drift};--drift-bg:#fdecea;--ok:${PALETTE.resolved};--ok-bg:#e6f4ec;
--ink:${PALETTE.ink};--muted:${PALETTE.muted};--line:${PALETTE.line};--bg:#f5f6f8;--card:#fff;--unseen:#fff1d6}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 12px}
h3{font-size:15px;margin:0}
section,header.summary{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:18px 20px;margin:0 0 18px}
.eyebrow{margin:0;color:var(--muted);font-size:12px;letter-spacing:.06em;text-transform:uppercase}
.verdict{display:inline-block;vertical-align:middle;margin-left:10px;padding:2px 10px;border-radius:4px;font-size:14px;font-weight:700}
.verdict.drift{background:var(--drift);color:#fff}.verdict.ok{background:var(--ok);color:#fff}
header.summary.drift{border-top:4px solid var(--drift)}header.summary.ok{border-top:4px solid var(--ok)}
dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px 24px;margin:14px 0 0}
dl.facts div{min-width:0}dl.facts dt{color:var(--muted);font-size:12px}dl.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
p.drifted{margin:12px 0 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{font-weight:600;overflow-wrap:anywhere;max-width:240px}
td.name a,p.drifted a{color:inherit;text-decoration:none;border-bottom:1px dotted #8a949e}
tr.drift td:first-child{box-shadow:inset 3px 0 0 var(--drift)}
td ul{margin:0;padding-left:16px}td li{margin:0}
table.thresholds{width:auto;min-width:420px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.drift{background:var(--drift-bg);color:var(--drift);border:1px solid var(--drift)}
.badge.ok{background:var(--ok-bg);color:var(--ok);border:1px solid transparent}
.kind{color:var(--muted);font-size:12px}
.muted{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:16px;align-items:start}
figure.chart-card{margin:0;border:1px solid var(--line);border-radius:6px;padding:12px 12px 6px;break-inside:avoid;min-width:0}
figure.chart-card.drift{border-color:var(--drift)}
figcaption{display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 10px}
figcaption .name{font-weight:700;overflow-wrap:anywhere}
figcaption .stats{flex-basis:100%;color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
figure .counts{margin:2px 0 4px;color:var(--muted);font-size:12px}
svg.chart{display:block;width:100%;height:auto;margin-top:6px;font-family:inherit}
svg .bar-base{fill:var(--base)}svg .bar-cur{fill:var(--cur)}
svg .grid{stroke:#e9ecef;stroke-width:1}svg .axis-line{stroke:#8a949e;stroke-width:1}
svg text{fill:var(--muted);font-size:11px}svg text.label{fill:var(--ink);font-size:11.5px}
svg text.axis-title{font-size:11px;fill:var(--muted)}svg text.legend{fill:var(--ink);font-size:11.5px}
svg .unseen-band{fill:var(--unseen)}svg text.unseen{fill:#8a4b00;font-weight:700}
svg .marker-drift{fill:var(--drift)}svg .marker-ok{fill:#fff;stroke:#8a949e;stroke-width:1.5}
svg .cell-missing{fill:#eceef1}svg .cell-drift-dot{stroke:none}
ul.findings{margin:0;padding-left:18px}
.schema-lists{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:8px 24px;margin-bottom:10px}
.schema-lists p{margin:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:#f0f2f4;padding:0 4px;border-radius:3px}
details.window{border-top:1px solid var(--line);padding:10px 0}
details.window>summary{cursor:pointer;display:flex;flex-wrap:wrap;gap:6px 12px;align-items:baseline;list-style:none}
details.window>summary::-webkit-details-marker{display:none}
details.window>summary::before{content:'▸';color:var(--muted);width:10px}details.window[open]>summary::before{content:'▾'}
details.window>summary h3{display:inline}
details.window[open]>summary{margin-bottom:10px}
.heatmap-wrap{overflow-x:auto}
/* The heatmap keeps its drawn size: stretched, its labels would outgrow the page text. */
svg.chart.heatmap{width:auto;max-width:none}
footer{color:var(--muted);font-size:12px;text-align:center;margin:8px 0 24px}
@media print{
body{background:#fff;font-size:12px}main{max-width:none;padding:0}
section,header.summary{border:none;border-radius:0;padding:8px 0;break-inside:auto}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.charts{grid-template-columns:1fr 1fr}
figure.chart-card,tr{break-inside:avoid}
a{color:inherit;text-decoration:none}
}
`;

// ---------------------------------------------------------------------------------------------
// A single check.
// ---------------------------------------------------------------------------------------------

function checkReportBody(report: CheckReport): string {
  const features = sortWorstFirst(report.features);
  const drifted = features.filter((f) => f.drift);
  const facts: Fact[] = [
    ['baseline', describeBaseline(report.baseline)],
    ['baseline rows', formatCount(report.baseline.rows)],
    ['current', report.current.name ?? 'current data'],
    ['current rows', formatCount(report.current.rows)],
    ['features drifted', `${drifted.length} of ${features.length}`],
    ['schema findings', String(countSchemaFindings(report.schema))],
    ['generated', report.generatedAt],
  ];
  return [
    summaryHeader('driftwatch check', report.baseline.name, report.drift, facts, driftedLinks(features, 'feature')),
    section('Features, worst first', featureTable(features, 'feature')),
    section('Schema', schemaFindings(report.schema)),
    section('Distributions: baseline vs current', chartGrid(features, 'feature')),
    section('Decision rule', decisionRule(report.decision)),
    footer(report.generatedAt),
  ].join('\n');
}

type Fact = readonly [label: string, value: string];

function summaryHeader(eyebrow: string, name: string, drift: boolean, facts: readonly Fact[], extra = ''): string {
  const verdict = drift ? '<span class="verdict drift">DRIFT</span>' : '<span class="verdict ok">no drift</span>';
  const items = facts.map(([label, value]) => `<div><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`).join('');
  return `<header class="summary ${drift ? 'drift' : 'ok'}">
<p class="eyebrow">${esc(eyebrow)}</p>
<h1><bdi>${esc(name)}</bdi>${verdict}</h1>
<dl class="facts">${items}</dl>${extra}
</header>`;
}

/** Links to the charts of the drifted features; ids come from the position in the sorted list, since a name may hold any character. */
function driftedLinks(features: readonly FeatureReport[], idPrefix: string): string {
  const links = features.flatMap((f, i) => (f.drift ? [`<a href="#${idPrefix}-${i}"><bdi>${esc(f.name)}</bdi></a>`] : []));
  return links.length ? `<p class="drifted">Drifted: ${links.join(', ')}</p>` : '';
}

function section(title: string, content: string): string {
  return `<section>\n<h2>${esc(title)}</h2>\n${content}\n</section>`;
}

function footer(generatedAt: string): string {
  return `<footer>driftwatch · generated ${esc(generatedAt)} · baseline shares in blue, current shares in orange</footer>`;
}

function featureTable(features: readonly FeatureReport[], idPrefix: string): string {
  if (features.length === 0) return '<p class="muted">No features were checked.</p>';
  const statHeaders = STAT_COLUMNS.map((c) => `<th class="num" title="${esc(c.title)}">${esc(c.header)}</th>`).join('');
  const rows = features.map((feature, i) => {
    const stats = STAT_COLUMNS.map((c) => `<td class="num">${esc(c.cell(feature))}</td>`).join('');
    const reasons = feature.reasons.length
      ? `<ul>${feature.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`
      : '<span class="muted">-</span>';
    return (
      `<tr class="${feature.drift ? 'drift' : 'ok'}">` +
      `<td class="name"><a href="#${idPrefix}-${i}"><bdi>${esc(feature.name)}</bdi></a></td>` +
      `<td class="kind">${esc(feature.kind)}</td><td>${driftBadge(feature.drift)}</td>` +
      `<td class="num">${esc(formatNumber(feature.severity))}</td>${stats}<td>${reasons}</td></tr>`
    );
  });
  return `<table class="features">
<thead><tr><th>feature</th><th>kind</th><th>drift</th><th class="num" title="0 = no evidence; higher is worse">severity</th>${statHeaders}<th>reasons</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function driftBadge(drift: boolean): string {
  return drift ? '<span class="badge drift">▲ drift</span>' : '<span class="badge ok">no</span>';
}

function schemaFindings(schema: SchemaFindings): string {
  if (countSchemaFindings(schema) === 0)
    return '<p class="muted">No schema findings: every baseline column is present and no anomaly was found.</p>';
  const names = (list: readonly string[]): string =>
    list.length ? list.map((n) => `<code><bdi>${esc(n)}</bdi></code>`).join(', ') : '<span class="muted">none</span>';
  const lists = `<div class="schema-lists">
<p><strong>Missing</strong> (in the baseline, absent now): ${names(schema.missing)}</p>
<p><strong>Unexpected</strong> (new columns): ${names(schema.unexpected)}</p>
</div>`;
  if (schema.anomalies.length === 0) return lists;
  const rows = schema.anomalies.map((a) => {
    const baseline = a.baselineShare === undefined ? '-' : formatShare(a.baselineShare);
    const examples = a.examples?.length ? a.examples.map((e) => `<code>${esc(e)}</code>`).join(' ') : '';
    return (
      `<tr><td class="name"><bdi>${esc(a.feature)}</bdi></td><td><code>${esc(a.kind)}</code></td>` +
      `<td class="num">${esc(formatShare(a.share))}</td><td class="num">${esc(baseline)}</td>` +
      `<td>${esc(a.message)}</td><td>${examples}</td></tr>`
    );
  });
  return `${lists}
<table class="anomalies">
<thead><tr><th>feature</th><th>anomaly</th><th class="num">current share</th><th class="num">baseline share</th><th>message</th><th>examples</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function decisionRule(rule: DecisionRule): string {
  const rows = Object.entries(rule.thresholds).map(([stat, t]) => {
    const when = t.direction === 'pValueBelow' ? 'p-value below' : 'value above';
    return `<tr><td><code>${esc(stat)}</code></td><td>${when}</td><td class="num">${esc(formatNumber(t.value))}</td></tr>`;
  });
  const table = rows.length
    ? `<table class="thresholds"><thead><tr><th>statistic</th><th>drift when</th><th class="num">threshold</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '';
  return `<p><strong>${esc(rule.name)}</strong>: ${esc(rule.description)}</p>\n${table}`;
}

// ---------------------------------------------------------------------------------------------
// Distribution charts, one per feature.
// ---------------------------------------------------------------------------------------------

function chartGrid(features: readonly FeatureReport[], idPrefix: string): string {
  if (features.length === 0) return '<p class="muted">No features were checked.</p>';
  return `<div class="charts">\n${features.map((f, i) => chartCard(f, `${idPrefix}-${i}`)).join('\n')}\n</div>`;
}

function chartCard(feature: FeatureReport, id: string): string {
  const chart = feature.kind === 'numeric' ? numericChart(feature) : categoricalChart(feature);
  return `<figure class="chart-card ${feature.drift ? 'drift' : 'ok'}" id="${esc(id)}">
<figcaption><span class="name"><bdi>${esc(feature.name)}</bdi></span><span class="kind">${esc(feature.kind)}</span>${driftBadge(feature.drift)}<span class="stats">${esc(statsLine(feature))}</span></figcaption>
${chart}
<p class="counts">${esc(countsLine(feature))}</p>
</figure>`;
}

function statsLine(feature: FeatureReport): string {
  const parts: string[] = [];
  const psi = distanceStat(feature, 'psi');
  if (psi !== undefined) parts.push(`psi ${formatNumber(psi)}`);
  const test = mainTest(feature);
  if (test) {
    const label = test.name === 'ks' ? 'ks D' : test.name === 'category_shift' ? 'share shift' : 'chi2';
    parts.push(`${label} ${formatNumber(test.result.statistic)} (p ${formatPValue(test.result.pvalue)})`);
  }
  const js = distanceStat(feature, 'jensen_shannon');
  if (js !== undefined) parts.push(`js ${formatNumber(js)}`);
  const wNorm = distanceStat(feature, 'wasserstein_norm');
  if (wNorm !== undefined) parts.push(`w_norm ${formatNumber(wNorm)}`);
  const linf = distanceStat(feature, 'linf');
  if (linf !== undefined) parts.push(`linf ${formatNumber(linf)}`);
  return parts.join(' · ');
}

function countsLine(feature: FeatureReport): string {
  const side = (label: string, s: FeatureReport['baseline']): string => {
    const extras = [s.nulls ? `${formatCount(s.nulls)} null` : '', s.nonFinite ? `${formatCount(s.nonFinite)} non-finite` : '']
      .filter(Boolean)
      .join(', ');
    return `${label} n = ${formatCount(s.count)}${extras ? ` (${extras})` : ''}`;
  };
  return `${side('baseline', feature.baseline)} · ${side('current', feature.current)}`;
}

// --- SVG helpers -----------------------------------------------------------------------------

type Scale = (value: number) => number;

/** A linear map from a domain to a range (pixels). */
function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** Tick values 0..max at a 1-2-5 step; the last tick is at or above max, so bars never overflow. */
function niceTicks(max: number, approxCount = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const raw = top / approxCount;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let k = 0; k * step < top - step * 1e-9; k++) ticks.push(k * step);
  ticks.push(ticks.length * step);
  return ticks.map((t) => Number(t.toPrecision(12)));
}

// Coordinates are rounded to 0.1 px: enough for a crisp chart, and it keeps the page small.
function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function rect(x: number, y: number, width: number, height: number, cls: string, title?: string): string {
  const tip = title === undefined ? '' : `<title>${esc(title)}</title>`;
  const open = `<rect class="${cls}" x="${px(x)}" y="${px(y)}" width="${px(Math.max(0, width))}" height="${px(Math.max(0, height))}"`;
  return tip ? `${open}>${tip}</rect>` : `${open}/>`;
}

/** A text element; `tip` becomes its tooltip, for labels that were shortened. */
function text(x: number, y: number, content: string, attrs = '', tip?: string): string {
  const title = tip === undefined ? '' : `<title>${esc(tip)}</title>`;
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ''}>${title}${esc(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, cls: string): string {
  return `<line class="${cls}" x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}"/>`;
}

function legend(x: number, y: number): string {
  return (
    `<g class="legend-group">${rect(x, y - 9, 11, 11, 'bar-base')}${text(x + 16, y, 'baseline', 'class="legend"')}` +
    `${rect(x + 82, y - 9, 11, 11, 'bar-cur')}${text(x + 98, y, 'current', 'class="legend"')}</g>`
  );
}

function svgOpen(width: number, height: number, cls: string, label: string): string {
  return `<svg class="${cls}" viewBox="0 0 ${px(width)} ${px(height)}" width="${px(width)}" height="${px(height)}" role="img" aria-label="${esc(label)}">`;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Cuts a label to `max` graphemes with "…", for axis labels; the full text stays in a tooltip. */
function shorten(label: string, max: number): string {
  const parts = [...graphemes.segment(label)].map((s) => s.segment);
  return parts.length <= max ? label : `${parts.slice(0, max - 1).join('')}…`;
}

function finiteShares(values: readonly number[] | undefined, length: number): number[] {
  return Array.from({ length }, (_, i) => {
    const v = values?.[i];
    return v !== undefined && Number.isFinite(v) ? Math.max(0, v) : 0;
  });
}

function noDataChart(feature: FeatureReport): string {
  return `${svgOpen(540, 80, 'chart dist', `no bins for ${feature.name}`)}${text(270, 44, 'no bins to draw', 'text-anchor="middle"')}</svg>`;
}

// --- numeric: grouped bars per bin, bin edges on the x axis ------------------------------------

const CHART_WIDTH = 540;

function numericChart(feature: FeatureReport): string {
  const { labels, edges } = feature.bins;
  const n = labels.length;
  if (n === 0) return noDataChart(feature);
  const baseline = finiteShares(feature.bins.baseline, n);
  const current = finiteShares(feature.bins.current, n);
  const margin = { top: 30, right: 16, left: 50 };
  const plotHeight = 190;
  const plotBottom = margin.top + plotHeight;
  const plotRight = CHART_WIDTH - margin.right;
  const slot = (plotRight - margin.left) / n;
  const xTicks = layOutTicks(binTicks(labels, edges, margin.left, slot), slot);
  // The axis title goes below the tick labels, however deep diagonal ones reach.
  const height = plotBottom + xTicks.depth + 24;
  const ticks = niceTicks(Math.max(...baseline, ...current));
  const y = linearScale([0, ticks[ticks.length - 1] ?? 1], [plotBottom, margin.top]);
  const barWidth = slot * 0.38;

  const parts: string[] = [svgOpen(CHART_WIDTH, height, 'chart dist', `distribution of ${feature.name}, baseline vs current`)];
  parts.push(...yAxisShare(ticks, y, margin.left, plotRight));
  labels.forEach((label, i) => {
    const x0 = margin.left + i * slot + (slot - 2 * barWidth) / 2;
    const b = baseline[i] ?? 0;
    const c = current[i] ?? 0;
    const tip = `${label}: baseline ${formatShare(b)}, current ${formatShare(c)}`;
    parts.push(rect(x0, y(b), barWidth, plotBottom - y(b), 'bar-base', tip));
    parts.push(rect(x0 + barWidth, y(c), barWidth, plotBottom - y(c), 'bar-cur', tip));
  });
  parts.push(line(margin.left, plotBottom, plotRight, plotBottom, 'axis-line'));
  parts.push(...drawTicks(xTicks, plotBottom));
  const title = edges ? 'value (bin edges: baseline quantiles; bins are (left, right])' : 'bin';
  parts.push(text((margin.left + plotRight) / 2, height - 7, title, 'class="axis-title" text-anchor="middle"'));
  parts.push(legend(plotRight - 150, 14));
  parts.push('</svg>');
  return parts.join('');
}

function yAxisShare(ticks: readonly number[], y: Scale, left: number, right: number): string[] {
  const parts = ticks.map((t) => line(left, y(t), right, y(t), 'grid') + text(left - 6, y(t) + 4, formatShare(t), 'text-anchor="end"'));
  const middle = (y(0) + y(ticks[ticks.length - 1] ?? 1)) / 2;
  parts.push(text(12, middle, 'share of rows', `class="axis-title" text-anchor="middle" transform="rotate(-90 12 ${px(middle)})"`));
  return parts;
}

interface Tick {
  x: number;
  label: string;
}

/**
 * The x ticks of a numeric chart: the bin edges at the slot boundaries. Profiles may store the
 * interior edges only (B - 1 for B bins) or the outer ones as well (B + 1); without edges the
 * bin labels go under the bins.
 */
function binTicks(labels: readonly string[], edges: readonly number[] | undefined, left: number, slot: number): Tick[] {
  const n = labels.length;
  if (edges && edges.length === n - 1) {
    return edges.map((e, i) => ({ x: left + (i + 1) * slot, label: formatNumber(e) }));
  }
  if (edges && edges.length === n + 1) {
    return edges.map((e, i) => ({ x: left + i * slot, label: Number.isFinite(e) ? formatNumber(e) : e > 0 ? '+∞' : '−∞' }));
  }
  return labels.map((l, i) => ({ x: left + (i + 0.5) * slot, label: shorten(l, 14) }));
}

interface TickLayout {
  ticks: Tick[];
  diagonal: boolean;
  /** How far below the axis the labels reach, in px. */
  depth: number;
}

const CHAR_WIDTH = 6.2;
const DIAGONAL = 35;

/** Labels turn diagonal when they would collide, and are thinned when even that is too tight. */
function layOutTicks(ticks: readonly Tick[], slot: number): TickLayout {
  const longest = Math.max(0, ...ticks.map((t) => t.label.length));
  const diagonal = longest * CHAR_WIDTH > slot * 0.92;
  if (!diagonal) return { ticks: [...ticks], diagonal, depth: 22 };
  const every = Math.max(1, Math.ceil(13 / slot));
  const depth = 18 + longest * CHAR_WIDTH * Math.sin((DIAGONAL * Math.PI) / 180);
  return { ticks: ticks.filter((_, i) => i % every === 0), diagonal, depth };
}

function drawTicks(layout: TickLayout, baseY: number): string[] {
  return layout.ticks.map((t) => {
    const mark = line(t.x, baseY, t.x, baseY + 4, 'axis-line');
    const label = layout.diagonal
      ? text(t.x, baseY + 14, t.label, `text-anchor="end" transform="rotate(-${DIAGONAL} ${px(t.x)} ${px(baseY + 14)})"`)
      : text(t.x, baseY + 16, t.label, 'text-anchor="middle"');
    return mark + label;
  });
}

// --- categorical: horizontal grouped bars per category ----------------------------------------

const UNSEEN_LABEL = '(unseen)';
/** More categories than this are folded into one "(N others)" row, so a 200-category feature stays readable. */
const MAX_CHART_CATEGORIES = 15;

interface CategoryRow {
  label: string;
  baseline: number;
  current: number;
  unseen: boolean;
}

function categoryRows(feature: FeatureReport): CategoryRow[] {
  const { labels } = feature.bins;
  const baseline = finiteShares(feature.bins.baseline, labels.length);
  const current = finiteShares(feature.bins.current, labels.length);
  const rows = labels.map(
    (label, i): CategoryRow => ({
      label,
      baseline: baseline[i] ?? 0,
      current: current[i] ?? 0,
      // The report puts the unseen bin last; a real category named "(unseen)" elsewhere is not it.
      unseen: i === labels.length - 1 && label === UNSEEN_LABEL,
    }),
  );
  const unseen = rows.filter((r) => r.unseen);
  const known = rows.filter((r) => !r.unseen);
  if (known.length <= MAX_CHART_CATEGORIES) return [...known, ...unseen];
  // Keep the categories that weigh most on either side, in their original (baseline) order.
  const weight = (r: CategoryRow): number => Math.max(r.baseline, r.current);
  const kept = new Set([...known].sort((a, b) => weight(b) - weight(a)).slice(0, MAX_CHART_CATEGORIES - 1));
  const folded = known.filter((r) => !kept.has(r));
  const others: CategoryRow = {
    label: `(${folded.length} other categories)`,
    baseline: folded.reduce((sum, r) => sum + r.baseline, 0),
    current: folded.reduce((sum, r) => sum + r.current, 0),
    unseen: false,
  };
  return [...known.filter((r) => kept.has(r)), others, ...unseen];
}

function categoricalChart(feature: FeatureReport): string {
  const rows = categoryRows(feature);
  if (rows.length === 0) return noDataChart(feature);
  const margin = { top: 30, right: 56, bottom: 42, left: 150 };
  const rowHeight = 24;
  const barHeight = 8;
  const height = margin.top + rows.length * rowHeight + margin.bottom;
  const plotBottom = height - margin.bottom;
  const plotRight = CHART_WIDTH - margin.right;
  const ticks = niceTicks(Math.max(...rows.map((r) => Math.max(r.baseline, r.current))));
  const x = linearScale([0, ticks[ticks.length - 1] ?? 1], [margin.left, plotRight]);

  const parts: string[] = [svgOpen(CHART_WIDTH, height, 'chart dist', `category shares of ${feature.name}, baseline vs current`)];
  for (const t of ticks) {
    parts.push(line(x(t), margin.top, x(t), plotBottom, 'grid'));
    parts.push(text(x(t), plotBottom + 15, formatShare(t), 'text-anchor="middle"'));
  }
  rows.forEach((row, i) => {
    const top = margin.top + i * rowHeight;
    const tip = `${row.label}: baseline ${formatShare(row.baseline)}, current ${formatShare(row.current)}`;
    if (row.unseen) parts.push(rect(4, top + 1, CHART_WIDTH - 8, rowHeight - 2, 'unseen-band', 'values the baseline never had'));
    const labelClass = row.unseen ? 'label unseen' : 'label';
    parts.push(
      text(margin.left - 8, top + rowHeight / 2 + 4, shorten(row.label, 22), `class="${labelClass}" text-anchor="end"`, row.label),
    );
    const barTop = top + (rowHeight - 2 * barHeight) / 2;
    parts.push(rect(margin.left, barTop, x(row.baseline) - margin.left, barHeight, 'bar-base', tip));
    parts.push(rect(margin.left, barTop + barHeight, x(row.current) - margin.left, barHeight, 'bar-cur', tip));
    if (row.unseen) parts.push(text(x(row.current) + 5, barTop + barHeight * 2, formatShare(row.current), 'class="label unseen"'));
  });
  parts.push(line(margin.left, margin.top, margin.left, plotBottom, 'axis-line'));
  parts.push(text((margin.left + plotRight) / 2, height - 6, 'share of rows', 'class="axis-title" text-anchor="middle"'));
  parts.push(text(margin.left - 8, 14, 'category', 'class="axis-title" text-anchor="end"'));
  parts.push(legend(plotRight - 150, 14));
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// A windowed check: drift over time, then the windows.
// ---------------------------------------------------------------------------------------------

function windowedReportBody(report: WindowedReport): string {
  const driftedWindows = report.windows.filter((w) => w.drift).length;
  const facts: Fact[] = [
    ['baseline', describeBaseline(report.baseline)],
    ['baseline rows', formatCount(report.baseline.rows)],
    ['current', report.current.name ?? 'current data'],
    ['current rows', formatCount(report.current.rows)],
    ['windows', `by ${report.by}${report.every ? `, every ${report.every}` : ''}`],
    ['windows drifted', `${driftedWindows} of ${report.windows.length}`],
    ['generated', report.generatedAt],
  ];
  const windows = report.windows.map((w, i) => windowDetails(w, i)).join('\n');
  return [
    summaryHeader('driftwatch check, by window', report.baseline.name, report.drift, facts),
    section('Drift over time', `<div class="heatmap-wrap">${driftHeatmap(report.windows)}</div>`),
    section('Windows', windows || '<p class="muted">No windows.</p>'),
    section('Decision rule', decisionRule(report.decision)),
    footer(report.generatedAt),
  ].join('\n');
}

// Drifted windows open with their charts; the others stay folded with their table only, which
// keeps a long report short and its size bounded.
function windowDetails(window: WindowReport, index: number): string {
  const features = sortWorstFirst(window.features);
  const prefix = `w${index}-feature`;
  const drifted = features.filter((f) => f.drift);
  const names = drifted.length ? `<span class="muted">drifted: ${drifted.map((f) => `<bdi>${esc(f.name)}</bdi>`).join(', ')}</span>` : '';
  const schema = countSchemaFindings(window.schema) > 0 ? `<h3>Schema</h3>\n${schemaFindings(window.schema)}` : '';
  const charts = window.drift ? `<h3>Distributions</h3>\n${chartGrid(features, prefix)}` : '';
  return `<details class="window" id="window-${index}"${window.drift ? ' open' : ''}>
<summary><h3><bdi>${esc(window.window)}</bdi></h3>${driftBadge(window.drift)}<span class="muted">${esc(formatCount(window.rows))} rows</span>${names}</summary>
${featureTable(features, prefix)}
${schema}
${charts}
</details>`;
}

// OrRd-like sequential stops: lightness falls monotonically, so the order reads without hue.
const HEAT_STOPS = ['#fff7ec', '#fdd49e', '#fc8d59', '#d7301f', '#7f0000'] as const;

/** The heat colour of a score in 0..1, interpolated between the stops. */
function heatColor(t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(position));
  const mix = position - i;
  const from = hexToRgb(HEAT_STOPS[i] ?? HEAT_STOPS[0]);
  const to = hexToRgb(HEAT_STOPS[i + 1] ?? HEAT_STOPS[0]);
  const channel = (k: 0 | 1 | 2): string =>
    Math.round(from[k] + (to[k] - from[k]) * mix)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Features in the heatmap's row order: worst severity over all windows first. */
function heatmapFeatures(windows: readonly WindowReport[]): string[] {
  const worst = new Map<string, number>();
  for (const w of windows) {
    for (const f of w.features) {
      const severity = Number.isFinite(f.severity) ? f.severity : 0;
      worst.set(f.name, Math.max(worst.get(f.name) ?? 0, severity));
    }
  }
  return [...worst.keys()].sort((a, b) => (worst.get(b) ?? 0) - (worst.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

function driftHeatmap(windows: readonly WindowReport[]): string {
  const features = heatmapFeatures(windows);
  if (windows.length === 0 || features.length === 0) return '<p class="muted">No windows to chart.</p>';
  const maxSeverity = Math.max(0, ...windows.flatMap((w) => w.features.map((f) => (Number.isFinite(f.severity) ? f.severity : 0))));
  const labelWidth = 170;
  const cellWidth = Math.max(12, Math.min(60, Math.floor(900 / windows.length)));
  const cellHeight = 22;
  const legendHeight = 34;
  const markerY = legendHeight + 14;
  const gridTop = markerY + 16;
  const gridBottom = gridTop + features.length * cellHeight;
  const windowLabels = windows.map((w) => shorten(w.window, 18));
  const bottom = 16 + Math.min(18, Math.max(...windowLabels.map((l) => l.length))) * 5.2;
  const width = Math.max(labelWidth + windows.length * cellWidth + 20, labelWidth + HEAT_LEGEND_WIDTH);
  const height = gridBottom + bottom;
  const columnX = (i: number): number => labelWidth + i * cellWidth;

  const parts: string[] = [svgOpen(width, height, 'chart heatmap', 'drift over time: severity per feature and window')];
  parts.push(heatLegend(labelWidth, 8, maxSeverity));
  parts.push(text(labelWidth - 8, markerY + 4, 'window drift', 'class="label" text-anchor="end"'));
  windows.forEach((w, i) => {
    const cx = columnX(i) + cellWidth / 2;
    const tip = `${w.window}: ${w.drift ? 'drift' : 'no drift'}, ${formatCount(w.rows)} rows`;
    const marker = w.drift
      ? `<path class="marker-drift" d="M${px(cx)} ${px(markerY - 6)}L${px(cx + 6)} ${px(markerY + 5)}L${px(cx - 6)} ${px(markerY + 5)}Z"><title>${esc(tip)}</title></path>`
      : `<circle class="marker-ok" cx="${px(cx)}" cy="${px(markerY)}" r="4"><title>${esc(tip)}</title></circle>`;
    parts.push(`<a href="#window-${i}">${marker}</a>`);
  });
  features.forEach((name, row) => {
    const y = gridTop + row * cellHeight;
    parts.push(text(labelWidth - 8, y + cellHeight / 2 + 4, shorten(name, 24), 'class="label" text-anchor="end"', name));
    windows.forEach((w, i) => parts.push(heatCell(w, name, columnX(i), y, cellWidth, cellHeight, maxSeverity)));
  });
  // Labels at -45° need about 16 px between them; with narrower cells only every k-th is named.
  const labelEvery = Math.max(1, Math.ceil(16 / cellWidth));
  windowLabels.forEach((label, i) => {
    if (i % labelEvery !== 0) return;
    const x = columnX(i) + cellWidth / 2 + 4;
    parts.push(text(x, gridBottom + 10, label, `text-anchor="end" transform="rotate(-45 ${px(x)} ${px(gridBottom + 10)})"`));
  });
  parts.push('</svg>');
  return parts.join('');
}

function heatCell(window: WindowReport, name: string, x: number, y: number, width: number, height: number, maxSeverity: number): string {
  const feature = window.features.find((f) => f.name === name);
  if (!feature) return rect(x + 1, y + 1, width - 2, height - 2, 'cell-missing', `${name} @ ${window.window}: not checked`);
  const t = maxSeverity > 0 ? (Number.isFinite(feature.severity) ? feature.severity : 0) / maxSeverity : 0;
  const psi = distanceStat(feature, 'psi');
  const tip =
    `${name} @ ${window.window}: ${feature.drift ? 'drift' : 'no drift'}, severity ${formatNumber(feature.severity)}` +
    (psi === undefined ? '' : `, psi ${formatNumber(psi)}`);
  const cell = `<rect x="${px(x + 1)}" y="${px(y + 1)}" width="${px(width - 2)}" height="${px(height - 2)}" fill="${heatColor(t)}"><title>${esc(tip)}</title></rect>`;
  // A dot marks drift in the cell itself, so the decision does not hinge on reading a colour.
  const dot = feature.drift
    ? `<circle class="cell-drift-dot" cx="${px(x + width / 2)}" cy="${px(y + height / 2)}" r="3.2" fill="${t > 0.55 ? '#fff' : '#1d2329'}"/>`
    : '';
  return cell + dot;
}

/** The drawn width of {@link heatLegend}, so the chart is never narrower than its legend. */
const HEAT_LEGEND_WIDTH = 520;

function heatLegend(x: number, y: number, maxSeverity: number): string {
  const stops = HEAT_STOPS.map((c, i) => `<stop offset="${px((i / (HEAT_STOPS.length - 1)) * 100)}%" stop-color="${c}"/>`).join('');
  return (
    `<defs><linearGradient id="dw-heat-scale">${stops}</linearGradient></defs>` +
    text(x, y + 10, 'severity', 'class="legend"') +
    `<rect x="${px(x + 58)}" y="${px(y + 1)}" width="140" height="11" fill="url(#dw-heat-scale)" stroke="#c5ccd3"/>` +
    text(x + 58, y + 24, '0', 'text-anchor="start"') +
    text(x + 198, y + 24, formatNumber(maxSeverity), 'text-anchor="end"') +
    `<circle cx="${px(x + 222)}" cy="${px(y + 6)}" r="3.2" fill="#1d2329"/>` +
    text(x + 230, y + 10, 'feature drifted', 'class="legend"') +
    `<path class="marker-drift" d="M${px(x + 336)} ${px(y)}L${px(x + 342)} ${px(y + 11)}L${px(x + 330)} ${px(y + 11)}Z"/>` +
    text(x + 348, y + 10, 'window drifted', 'class="legend"') +
    `<circle class="marker-ok" cx="${px(x + 446)}" cy="${px(y + 6)}" r="4"/>` +
    text(x + 456, y + 10, 'no drift', 'class="legend"')
  );
}
