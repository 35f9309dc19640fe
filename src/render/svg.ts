import { formatNumber, formatShare } from './format.js';
import { type HtmlValue, type SafeHtml, html, join } from './html.js';
import { graphemes } from './terminal.js';

/**
 * The chart kit of the HTML pages: inline SVG built through the {@link html} tag (so every label
 * from the data is escaped like any other text), a hand-written linear scale and 1-2-5 ticks,
 * bars, axis ticks that turn diagonal when crowded, the baseline/current legend and the heat
 * colours of the drift-over-time chart. Classes name the colours; the page's style sheet sets them.
 */

/** A map from data values to pixels. */
export type Scale = (value: number) => number;

/** A linear map from a domain to a range (pixels). */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** Tick values 0..max at a 1-2-5 step; the last tick is at or above max, so bars never overflow. */
export function niceTicks(max: number, approxCount = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const raw = top / approxCount;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let k = 0; k * step < top - step * 1e-9; k++) ticks.push(k * step);
  ticks.push(ticks.length * step);
  return ticks.map((t) => Number(t.toPrecision(12)));
}

/** A coordinate as written: rounded to 0.1 px, enough for a crisp chart, and it keeps the page small. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Attributes of an element, in the order given; values are escaped like any interpolation. */
export type Attributes = Readonly<Record<string, string | number>>;

// Attribute names come from the code, never from the data; this keeps it so.
const ATTRIBUTE_NAME = /^[a-z][a-z0-9:-]*$/i;

function attributes(attrs: Attributes): SafeHtml {
  return join(
    Object.entries(attrs).map(([name, value]) => {
      if (!ATTRIBUTE_NAME.test(name)) throw new Error(`not an attribute name: '${name}'`);
      return html` ${name}="${value}"`;
    }),
  );
}

/** A rectangle of a class; `title` becomes its tooltip. Negative sizes are drawn as 0. */
export function rect(x: number, y: number, width: number, height: number, cls: string, title?: string): SafeHtml {
  const open = html`<rect class="${cls}" x="${px(x)}" y="${px(y)}" width="${px(Math.max(0, width))}" height="${px(Math.max(0, height))}"`;
  return title === undefined ? html`${open}/>` : html`${open}><title>${title}</title></rect>`;
}

/** A text element; `tip` becomes its tooltip, for labels that were shortened. */
export function text(x: number, y: number, content: string, attrs: Attributes = {}, tip?: string): SafeHtml {
  const title = tip === undefined ? '' : html`<title>${tip}</title>`;
  return html`<text x="${px(x)}" y="${px(y)}"${attributes(attrs)}>${title}${content}</text>`;
}

/** A line of a class (grid, axis-line). */
export function line(x1: number, y1: number, x2: number, y2: number, cls: string): SafeHtml {
  return html`<line class="${cls}" x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}"/>`;
}

/** The opening tag of a chart, with its accessible name. */
function svgOpen(width: number, height: number, cls: string, label: string): SafeHtml {
  return html`<svg class="${cls}" viewBox="0 0 ${px(width)} ${px(height)}" width="${px(width)}" height="${px(height)}" role="img" aria-label="${label}">`;
}

/** A whole chart: the opening tag, the parts, the closing tag. */
export function svg(width: number, height: number, cls: string, label: string, parts: readonly HtmlValue[]): SafeHtml {
  return html`${svgOpen(width, height, cls, label)}${parts}</svg>`;
}

/** The swatches that say which bars are the baseline's and which the current data's. */
export function legend(x: number, y: number): SafeHtml {
  return html`<g class="legend-group">${rect(x, y - 9, 11, 11, 'bar-base')}${text(x + 16, y, 'baseline', { class: 'legend' })}${rect(x + 82, y - 9, 11, 11, 'bar-cur')}${text(x + 98, y, 'current', { class: 'legend' })}</g>`;
}

/** Cuts a label to `max` graphemes with "…", for axis labels; the full text stays in a tooltip. */
export function shorten(label: string, max: number): string {
  const parts = graphemes(label);
  return parts.length <= max ? label : `${parts.slice(0, max - 1).join('')}…`;
}

/** The y axis of a chart of shares: grid lines, percentages, and its title turned upright. */
export function shareAxis(ticks: readonly number[], y: Scale, left: number, right: number): SafeHtml[] {
  const parts = ticks.map(
    (t) => html`${line(left, y(t), right, y(t), 'grid')}${text(left - 6, y(t) + 4, formatShare(t), { 'text-anchor': 'end' })}`,
  );
  const middle = (y(0) + y(ticks[ticks.length - 1] ?? 1)) / 2;
  parts.push(
    text(12, middle, 'share of rows', { class: 'axis-title', 'text-anchor': 'middle', transform: `rotate(-90 12 ${px(middle)})` }),
  );
  return parts;
}

// --- x ticks -----------------------------------------------------------------------------------

/** A labelled position on the x axis. */
export interface Tick {
  x: number;
  label: string;
}

/**
 * The x ticks of a numeric chart: the bin edges at the slot boundaries. Profiles may store the
 * interior edges only (B - 1 for B bins) or the outer ones as well (B + 1); without edges the
 * bin labels go under the bins.
 */
export function binTicks(labels: readonly string[], edges: readonly number[] | undefined, left: number, slot: number): Tick[] {
  const n = labels.length;
  if (edges && edges.length === n - 1) {
    return edges.map((e, i) => ({ x: left + (i + 1) * slot, label: formatNumber(e) }));
  }
  if (edges && edges.length === n + 1) {
    return edges.map((e, i) => ({ x: left + i * slot, label: Number.isFinite(e) ? formatNumber(e) : e > 0 ? '+∞' : '−∞' }));
  }
  return labels.map((l, i) => ({ x: left + (i + 0.5) * slot, label: shorten(l, 14) }));
}

/** Ticks as they will be drawn. */
export interface TickLayout {
  ticks: Tick[];
  diagonal: boolean;
  /** How far below the axis the labels reach, in px. */
  depth: number;
}

const CHAR_WIDTH = 6.2;
const DIAGONAL = 35;

/** Labels turn diagonal when they would collide, and are thinned when even that is too tight. */
export function layOutTicks(ticks: readonly Tick[], slot: number): TickLayout {
  const longest = Math.max(0, ...ticks.map((t) => t.label.length));
  const diagonal = longest * CHAR_WIDTH > slot * 0.92;
  if (!diagonal) return { ticks: [...ticks], diagonal, depth: 22 };
  const every = Math.max(1, Math.ceil(13 / slot));
  const depth = 18 + longest * CHAR_WIDTH * Math.sin((DIAGONAL * Math.PI) / 180);
  return { ticks: ticks.filter((_, i) => i % every === 0), diagonal, depth };
}

/** The tick marks and labels under an axis at `baseY`. */
export function drawTicks(layout: TickLayout, baseY: number): SafeHtml[] {
  return layout.ticks.map((t) => {
    const mark = line(t.x, baseY, t.x, baseY + 4, 'axis-line');
    const label = layout.diagonal
      ? text(t.x, baseY + 14, t.label, { 'text-anchor': 'end', transform: `rotate(-${DIAGONAL} ${px(t.x)} ${px(baseY + 14)})` })
      : text(t.x, baseY + 16, t.label, { 'text-anchor': 'middle' });
    return html`${mark}${label}`;
  });
}

// --- heat colours ------------------------------------------------------------------------------

// OrRd-like sequential stops: lightness falls monotonically, so the order reads without hue.
const HEAT_STOPS = ['#fff7ec', '#fdd49e', '#fc8d59', '#d7301f', '#7f0000'] as const;

/** The heat colour of a score in 0..1, interpolated between the stops. */
export function heatColor(t: number): string {
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

/** The drawn width of {@link heatLegend}, so a chart is never narrower than its legend. */
export const HEAT_LEGEND_WIDTH = 520;

/** The legend of the drift-over-time chart: the severity scale, and the drift markers of cells and windows. */
export function heatLegend(x: number, y: number, maxSeverity: number): SafeHtml {
  const stops = HEAT_STOPS.map((c, i) => html`<stop offset="${px((i / (HEAT_STOPS.length - 1)) * 100)}%" stop-color="${c}"/>`);
  return html`<defs><linearGradient id="dw-heat-scale">${stops}</linearGradient></defs>${text(x, y + 10, 'severity', { class: 'legend' })}<rect x="${px(x + 58)}" y="${px(y + 1)}" width="140" height="11" fill="url(#dw-heat-scale)" stroke="#c5ccd3"/>${text(x + 58, y + 24, '0', { 'text-anchor': 'start' })}${text(x + 198, y + 24, formatNumber(maxSeverity), { 'text-anchor': 'end' })}<circle cx="${px(x + 222)}" cy="${px(y + 6)}" r="3.2" fill="#1d2329"/>${text(x + 230, y + 10, 'feature drifted', { class: 'legend' })}<path class="marker-drift" d="M${px(x + 336)} ${px(y)}L${px(x + 342)} ${px(y + 11)}L${px(x + 330)} ${px(y + 11)}Z"/>${text(x + 348, y + 10, 'window drifted', { class: 'legend' })}<circle class="marker-ok" cx="${px(x + 446)}" cy="${px(y + 6)}" r="4"/>${text(x + 456, y + 10, 'no drift', { class: 'legend' })}`;
}
