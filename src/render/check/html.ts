import type {
  CheckReport,
  DecisionRule,
  FeatureReport,
  EstimatedPerformance,
  LabelsReport,
  PredictionReport,
  SchemaFindings,
  WindowedReport,
  WindowReport,
} from '../../contracts/report.js';
import { isWindowedReport } from '../../contracts/report.js';
import { formatCount, formatNumber, formatShare } from '../format.js';
import { type SafeHtml, html, join } from '../html.js';
import { PALETTE } from '../palette.js';
import {
  HEAT_LEGEND_WIDTH,
  binTicks,
  drawTicks,
  heatColor,
  heatLegend,
  layOutTicks,
  legend,
  line,
  linearScale,
  niceTicks,
  px,
  rect,
  shareAxis,
  shorten,
  svg,
  text,
} from '../svg.js';
import {
  STAT_COLUMNS,
  compareCodePoints,
  countSchemaFindings,
  describeBaseline,
  estimatedView,
  labelsView,
  mainStatisticList,
  mainStatistics,
  predictionKindText,
  predictionVerdict,
  severityOf,
  sortWorstFirst,
  statPhrase,
} from '../view.js';

/**
 * Renders a check report as one self-contained HTML page: inline CSS and SVG, no script, no
 * fonts or images from anywhere, so it can be mailed, archived as a CI artifact, or opened
 * offline. Every text from the data is escaped (by the `html` tag).
 * @example writeFileSync('report.html', renderHtml(report));
 */
export function renderHtml(report: CheckReport | WindowedReport): string {
  const title = `driftwatch: ${report.baseline.name}`;
  const body = isWindowedReport(report) ? windowedReportBody(report) : checkReportBody(report);
  return page(title, body).toString();
}

// ---------------------------------------------------------------------------------------------
// The page.
// ---------------------------------------------------------------------------------------------

// The CSP forbids every script and every network load: even if some text escaped escaping,
// the page could neither run code nor call home. A template's literal text is markup, so its quotes stay as written.
const CONTENT_SECURITY_POLICY = html`default-src 'none'; style-src 'unsafe-inline'; img-src data:`;

function page(title: string, body: SafeHtml): SafeHtml {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
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
const STYLESHEET = html`
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

function checkReportBody(report: CheckReport): SafeHtml {
  const features = sortWorstFirst(report.features);
  const drifted = features.filter((f) => f.drift);
  const facts: Fact[] = [
    ['baseline', describeBaseline(report.baseline)],
    ['baseline rows', formatCount(report.baseline.rows)],
    ['current', report.current.name ?? 'current data'],
    ['current rows', formatCount(report.current.rows)],
    ['features drifted', `${drifted.length} of ${features.length}`],
    ...(report.prediction ? [['prediction', predictionVerdict(report.prediction)] as const] : []),
    ['schema findings', String(countSchemaFindings(report.schema))],
    ['generated', report.generatedAt],
  ];
  return join(
    [
      summaryHeader('driftwatch check', report.baseline.name, report.drift, facts, driftedLinks(features, 'feature')),
      section('Features, worst first', featureTable(features, 'feature')),
      section('Schema', schemaFindings(report.schema)),
      ...(report.labels ? [section('Labels', labelsSection(report.labels))] : []),
      ...(report.estimatedPerformance ? [section('Estimated performance', estimatedSection(report.estimatedPerformance))] : []),
      section('Distributions: baseline vs current', chartGrid(features, 'feature')),
      ...(report.prediction ? [section('Prediction', predictionSection(report.prediction))] : []),
      section('Decision rule', decisionRule(report.decision)),
      footer(report.generatedAt),
    ],
    '\n',
  );
}

type Fact = readonly [label: string, value: string];

/** The label coverage and, when there is one, the realized performance with its intervals. */
function labelsSection(labels: LabelsReport): SafeHtml {
  const view = labelsView(labels);
  const rows = view.metrics.map(
    (m) =>
      html`<tr><td class="name">${m.name}</td><td class="num">${m.value}</td><td class="num">${m.interval}</td><td class="num">${m.baseline}</td><td>${m.verdict}</td></tr>`,
  );
  const table = view.performance
    ? html`<p>Realized performance (${view.performance}):</p>
<table class="features"><thead><tr><th>metric</th><th class="num">value</th><th class="num">interval</th><th class="num">baseline</th><th>decision</th></tr></thead><tbody>${rows}</tbody></table>`
    : html``;
  const decision = view.decision ? html`<p class="${view.dropped ? 'drifted' : ''}">${view.decision}</p>` : html``;
  return html`<p>${view.sentence}</p>${table}${decision}`;
}

/** The CBPE estimate per metric with its band, and the realized value when labelled. */
function estimatedSection(estimated: EstimatedPerformance): SafeHtml {
  const view = estimatedView(estimated);
  const rows = view.metrics.map(
    (m) =>
      html`<tr><td class="name">${m.name}</td><td class="num">${m.estimate}</td><td class="num">${m.band}</td><td class="num">${m.realized}</td></tr>`,
  );
  return html`<p>${view.sentence}</p>
<table class="features"><thead><tr><th>metric</th><th class="num">estimate</th><th class="num">band</th><th class="num">realized</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function summaryHeader(eyebrow: string, name: string, drift: boolean, facts: readonly Fact[], extra?: SafeHtml): SafeHtml {
  const verdict = drift ? html`<span class="verdict drift">DRIFT</span>` : html`<span class="verdict ok">no drift</span>`;
  const items = facts.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`);
  return html`<header class="summary ${drift ? 'drift' : 'ok'}">
<p class="eyebrow">${eyebrow}</p>
<h1><bdi>${name}</bdi>${verdict}</h1>
<dl class="facts">${items}</dl>${extra}
</header>`;
}

/** Links to the charts of the drifted features; ids come from the position in the sorted list, since a name may hold any character. */
function driftedLinks(features: readonly FeatureReport[], idPrefix: string): SafeHtml | undefined {
  const links = features.flatMap((f, i) => (f.drift ? [html`<a href="#${idPrefix}-${i}"><bdi>${f.name}</bdi></a>`] : []));
  return links.length ? html`<p class="drifted">Drifted: ${join(links, ', ')}</p>` : undefined;
}

function section(title: string, content: SafeHtml): SafeHtml {
  return html`<section>\n<h2>${title}</h2>\n${content}\n</section>`;
}

function footer(generatedAt: string): SafeHtml {
  return html`<footer>driftwatch · generated ${generatedAt} · baseline shares in blue, current shares in orange</footer>`;
}

function featureTable(features: readonly FeatureReport[], idPrefix: string): SafeHtml {
  if (features.length === 0) return html`<p class="muted">No features were checked.</p>`;
  const statHeaders = STAT_COLUMNS.map((c) => html`<th class="num" title="${c.title}">${c.header}</th>`);
  const rows = features.map((feature, i) => {
    const stats = STAT_COLUMNS.map((c) => html`<td class="num">${c.cell(feature)}</td>`);
    const reasons = feature.reasons.length
      ? html`<ul>${feature.reasons.map((r) => html`<li>${r}</li>`)}</ul>`
      : html`<span class="muted">-</span>`;
    return html`<tr class="${feature.drift ? 'drift' : 'ok'}"><td class="name"><a href="#${idPrefix}-${i}"><bdi>${feature.name}</bdi></a></td><td class="kind">${feature.kind}</td><td>${driftBadge(feature.drift)}</td><td class="num">${formatNumber(feature.severity)}</td>${stats}<td>${reasons}</td></tr>`;
  });
  return html`<table class="features">
<thead><tr><th>feature</th><th>kind</th><th>drift</th><th class="num" title="0 = no evidence; higher is worse">severity</th>${statHeaders}<th>reasons</th></tr></thead>
<tbody>
${join(rows, '\n')}
</tbody>
</table>`;
}

/**
 * The model's output apart from the features: its verdict, its outputs as features are shown
 * (table and charts), and its own schema findings; or why it was not compared.
 */
function predictionSection(prediction: PredictionReport): SafeHtml {
  const head = html`<p><strong><bdi>${prediction.column}</bdi></strong> (${predictionKindText(prediction)}, from ${prediction.source === 'events' ? 'the events' : 'the current data'}): ${predictionVerdict(prediction)}</p>`;
  if (prediction.status === 'absent') return html`${head}\n<p class="muted">${prediction.message ?? ''}</p>`;
  const findings = prediction.anomalies.map((a) => html`<li><code>${a.kind}</code> ${a.message}</li>`);
  return join(
    [
      head,
      featureTable(prediction.outputs, 'prediction'),
      chartGrid(prediction.outputs, 'prediction'),
      ...(findings.length ? [html`<ul class="prediction-findings">${findings}</ul>`] : []),
    ],
    '\n',
  );
}

function driftBadge(drift: boolean): SafeHtml {
  return drift ? html`<span class="badge drift">▲ drift</span>` : html`<span class="badge ok">no</span>`;
}

function schemaFindings(schema: SchemaFindings): SafeHtml {
  if (countSchemaFindings(schema) === 0)
    return html`<p class="muted">No schema findings: every baseline column is present and no anomaly was found.</p>`;
  const names = (list: readonly string[]): SafeHtml =>
    list.length
      ? join(
          list.map((n) => html`<code><bdi>${n}</bdi></code>`),
          ', ',
        )
      : html`<span class="muted">none</span>`;
  const lists = html`<div class="schema-lists">
<p><strong>Missing</strong> (in the baseline, absent now): ${names(schema.missing)}</p>
<p><strong>Unexpected</strong> (new columns): ${names(schema.unexpected)}</p>
</div>`;
  if (schema.anomalies.length === 0) return lists;
  const rows = schema.anomalies.map((a) => {
    const baseline = a.baselineShare === undefined ? '-' : formatShare(a.baselineShare);
    const examples = a.examples?.length
      ? join(
          a.examples.map((e) => html`<code>${e}</code>`),
          ' ',
        )
      : '';
    const alerts =
      a.alerting === false ? html`<span class="muted">no: below ${formatShare(a.minShare ?? 0)}</span>` : html`<strong>yes</strong>`;
    return html`<tr><td class="name"><bdi>${a.feature}</bdi></td><td><code>${a.kind}</code></td><td class="num">${formatShare(a.share)}</td><td class="num">${baseline}</td><td>${alerts}</td><td>${a.message}</td><td>${examples}</td></tr>`;
  });
  return html`${lists}
<table class="anomalies">
<thead><tr><th>feature</th><th>anomaly</th><th class="num">current share</th><th class="num">baseline share</th><th>alerts</th><th>message</th><th>examples</th></tr></thead>
<tbody>
${join(rows, '\n')}
</tbody>
</table>`;
}

function decisionRule(rule: DecisionRule): SafeHtml {
  const rows = Object.entries(rule.thresholds).map(([stat, t]) => {
    const when = t.direction === 'pValueBelow' ? 'p-value below' : 'value above';
    return html`<tr><td><code>${stat}</code></td><td>${when}</td><td class="num">${formatNumber(t.value)}</td></tr>`;
  });
  const table = rows.length
    ? html`<table class="thresholds"><thead><tr><th>statistic</th><th>drift when</th><th class="num">threshold</th></tr></thead><tbody>${rows}</tbody></table>`
    : '';
  return html`<p><strong>${rule.name}</strong>: ${rule.description}</p>\n${table}`;
}

// ---------------------------------------------------------------------------------------------
// Distribution charts, one per feature.
// ---------------------------------------------------------------------------------------------

function chartGrid(features: readonly FeatureReport[], idPrefix: string): SafeHtml {
  if (features.length === 0) return html`<p class="muted">No features were checked.</p>`;
  return html`<div class="charts">\n${join(
    features.map((f, i) => chartCard(f, `${idPrefix}-${i}`)),
    '\n',
  )}\n</div>`;
}

function chartCard(feature: FeatureReport, id: string): SafeHtml {
  const chart = feature.kind === 'numeric' ? numericChart(feature) : categoricalChart(feature);
  return html`<figure class="chart-card ${feature.drift ? 'drift' : 'ok'}" id="${id}">
<figcaption><span class="name"><bdi>${feature.name}</bdi></span><span class="kind">${feature.kind}</span>${driftBadge(feature.drift)}<span class="stats">${statsLine(feature)}</span></figcaption>
${chart}
<p class="counts">${countsLine(feature)}</p>
</figure>`;
}

/** The caption's statistics: the feature's main ones, as every renderer shows them. */
function statsLine(feature: FeatureReport): string {
  return mainStatisticList(feature)
    .map((s) => statPhrase(s))
    .join(' · ');
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

function finiteShares(values: readonly number[] | undefined, length: number): number[] {
  return Array.from({ length }, (_, i) => {
    const v = values?.[i];
    return v !== undefined && Number.isFinite(v) ? Math.max(0, v) : 0;
  });
}

function noDataChart(feature: FeatureReport): SafeHtml {
  return svg(540, 80, 'chart dist', `no bins for ${feature.name}`, [text(270, 44, 'no bins to draw', { 'text-anchor': 'middle' })]);
}

// --- numeric: grouped bars per bin, bin edges on the x axis ------------------------------------

const CHART_WIDTH = 540;

function numericChart(feature: FeatureReport): SafeHtml {
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

  const parts: SafeHtml[] = [...shareAxis(ticks, y, margin.left, plotRight)];
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
  parts.push(text((margin.left + plotRight) / 2, height - 7, title, { class: 'axis-title', 'text-anchor': 'middle' }));
  parts.push(legend(plotRight - 150, 14));
  return svg(CHART_WIDTH, height, 'chart dist', `distribution of ${feature.name}, baseline vs current`, parts);
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

function categoricalChart(feature: FeatureReport): SafeHtml {
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

  const parts: SafeHtml[] = [];
  for (const t of ticks) {
    parts.push(line(x(t), margin.top, x(t), plotBottom, 'grid'));
    parts.push(text(x(t), plotBottom + 15, formatShare(t), { 'text-anchor': 'middle' }));
  }
  rows.forEach((row, i) => {
    const top = margin.top + i * rowHeight;
    const tip = `${row.label}: baseline ${formatShare(row.baseline)}, current ${formatShare(row.current)}`;
    if (row.unseen) parts.push(rect(4, top + 1, CHART_WIDTH - 8, rowHeight - 2, 'unseen-band', 'values the baseline never had'));
    const labelClass = row.unseen ? 'label unseen' : 'label';
    parts.push(
      text(margin.left - 8, top + rowHeight / 2 + 4, shorten(row.label, 22), { class: labelClass, 'text-anchor': 'end' }, row.label),
    );
    const barTop = top + (rowHeight - 2 * barHeight) / 2;
    parts.push(rect(margin.left, barTop, x(row.baseline) - margin.left, barHeight, 'bar-base', tip));
    parts.push(rect(margin.left, barTop + barHeight, x(row.current) - margin.left, barHeight, 'bar-cur', tip));
    if (row.unseen) parts.push(text(x(row.current) + 5, barTop + barHeight * 2, formatShare(row.current), { class: 'label unseen' }));
  });
  parts.push(line(margin.left, margin.top, margin.left, plotBottom, 'axis-line'));
  parts.push(text((margin.left + plotRight) / 2, height - 6, 'share of rows', { class: 'axis-title', 'text-anchor': 'middle' }));
  parts.push(text(margin.left - 8, 14, 'category', { class: 'axis-title', 'text-anchor': 'end' }));
  parts.push(legend(plotRight - 150, 14));
  return svg(CHART_WIDTH, height, 'chart dist', `category shares of ${feature.name}, baseline vs current`, parts);
}

// ---------------------------------------------------------------------------------------------
// A windowed check: drift over time, then the windows.
// ---------------------------------------------------------------------------------------------

function windowedReportBody(report: WindowedReport): SafeHtml {
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
  const windows = report.windows.map((w, i) => windowDetails(w, i));
  return join(
    [
      summaryHeader('driftwatch check, by window', report.baseline.name, report.drift, facts),
      section('Drift over time', html`<div class="heatmap-wrap">${driftHeatmap(report.windows)}</div>`),
      section('Windows', windows.length ? join(windows, '\n') : html`<p class="muted">No windows.</p>`),
      section('Decision rule', decisionRule(report.decision)),
      footer(report.generatedAt),
    ],
    '\n',
  );
}

// Drifted windows open with their charts; the others stay folded with their table only, which
// keeps a long report short and its size bounded.
function windowDetails(window: WindowReport, index: number): SafeHtml {
  const features = sortWorstFirst(window.features);
  const prefix = `w${index}-feature`;
  const drifted = features.filter((f) => f.drift);
  const names = drifted.length
    ? html`<span class="muted">drifted: ${join(
        drifted.map((f) => html`<bdi>${f.name}</bdi>`),
        ', ',
      )}</span>`
    : '';
  const schema = countSchemaFindings(window.schema) > 0 ? html`<h3>Schema</h3>\n${schemaFindings(window.schema)}` : '';
  const charts = window.drift ? html`<h3>Distributions</h3>\n${chartGrid(features, prefix)}` : '';
  return html`<details class="window" id="window-${index}"${window.drift ? html` open` : ''}>
<summary><h3><bdi>${window.window}</bdi></h3>${driftBadge(window.drift)}<span class="muted">${formatCount(window.rows)} rows</span>${names}</summary>
${featureTable(features, prefix)}
${schema}
${charts}
</details>`;
}

/** Features in the heatmap's row order: worst severity over all windows first. */
function heatmapFeatures(windows: readonly WindowReport[]): string[] {
  const worst = new Map<string, number>();
  for (const w of windows) {
    for (const f of w.features) worst.set(f.name, Math.max(worst.get(f.name) ?? 0, severityOf(f)));
  }
  return [...worst.keys()].sort((a, b) => (worst.get(b) ?? 0) - (worst.get(a) ?? 0) || compareCodePoints(a, b));
}

function driftHeatmap(windows: readonly WindowReport[]): SafeHtml {
  const features = heatmapFeatures(windows);
  if (windows.length === 0 || features.length === 0) return html`<p class="muted">No windows to chart.</p>`;
  const maxSeverity = Math.max(0, ...windows.flatMap((w) => w.features.map(severityOf)));
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

  const parts: SafeHtml[] = [heatLegend(labelWidth, 8, maxSeverity)];
  parts.push(text(labelWidth - 8, markerY + 4, 'window drift', { class: 'label', 'text-anchor': 'end' }));
  windows.forEach((w, i) => {
    const cx = columnX(i) + cellWidth / 2;
    const tip = `${w.window}: ${w.drift ? 'drift' : 'no drift'}, ${formatCount(w.rows)} rows`;
    const marker = w.drift
      ? html`<path class="marker-drift" d="M${px(cx)} ${px(markerY - 6)}L${px(cx + 6)} ${px(markerY + 5)}L${px(cx - 6)} ${px(markerY + 5)}Z"><title>${tip}</title></path>`
      : html`<circle class="marker-ok" cx="${px(cx)}" cy="${px(markerY)}" r="4"><title>${tip}</title></circle>`;
    parts.push(html`<a href="#window-${i}">${marker}</a>`);
  });
  features.forEach((name, row) => {
    const y = gridTop + row * cellHeight;
    parts.push(text(labelWidth - 8, y + cellHeight / 2 + 4, shorten(name, 24), { class: 'label', 'text-anchor': 'end' }, name));
    windows.forEach((w, i) => parts.push(heatCell(w, name, columnX(i), y, cellWidth, cellHeight, maxSeverity)));
  });
  // Labels at -45° need about 16 px between them; with narrower cells only every k-th is named.
  const labelEvery = Math.max(1, Math.ceil(16 / cellWidth));
  windowLabels.forEach((label, i) => {
    if (i % labelEvery !== 0) return;
    const x = columnX(i) + cellWidth / 2 + 4;
    parts.push(text(x, gridBottom + 10, label, { 'text-anchor': 'end', transform: `rotate(-45 ${px(x)} ${px(gridBottom + 10)})` }));
  });
  return svg(width, height, 'chart heatmap', 'drift over time: severity per feature and window', parts);
}

function heatCell(window: WindowReport, name: string, x: number, y: number, width: number, height: number, maxSeverity: number): SafeHtml {
  const feature = window.features.find((f) => f.name === name);
  if (!feature) return rect(x + 1, y + 1, width - 2, height - 2, 'cell-missing', `${name} @ ${window.window}: not checked`);
  const t = maxSeverity > 0 ? severityOf(feature) / maxSeverity : 0;
  const psi = mainStatistics(feature).psi;
  const tip =
    `${name} @ ${window.window}: ${feature.drift ? 'drift' : 'no drift'}, severity ${formatNumber(feature.severity)}` +
    (psi === undefined ? '' : `, psi ${formatNumber(psi.value)}`);
  const cell = html`<rect x="${px(x + 1)}" y="${px(y + 1)}" width="${px(width - 2)}" height="${px(height - 2)}" fill="${heatColor(t)}"><title>${tip}</title></rect>`;
  // A dot marks drift in the cell itself, so the decision does not hinge on reading a colour.
  const dot = feature.drift
    ? html`<circle class="cell-drift-dot" cx="${px(x + width / 2)}" cy="${px(y + height / 2)}" r="3.2" fill="${t > 0.55 ? '#fff' : '#1d2329'}"/>`
    : '';
  return html`${cell}${dot}`;
}
