import type { TestResult } from '../../stats/types.js';
import type { CheckReport, FeatureReport, SchemaFindings, WindowedReport, WindowReport } from '../../contracts/report.js';
import { isWindowedReport } from '../../contracts/report.js';

/** Options of {@link renderText}. */
export interface TextOptions {
  /** Wrap drift markers in ANSI colours (red for drift); off by default so logs and pipes stay clean. */
  color?: boolean;
}

/**
 * Renders a check report as a plain-text terminal report: a header, the features worst first in
 * an aligned table, then the schema findings. A windowed report gets one line per window and
 * the feature table of each window that drifted.
 * @example process.stdout.write(renderText(report, { color: process.stdout.isTTY }));
 */
export function renderText(report: CheckReport | WindowedReport, options: TextOptions = {}): string {
  const style = styleFor(options.color === true);
  const lines = isWindowedReport(report) ? windowedReportLines(report, style) : checkReportLines(report, style);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Shared by the text and HTML renderers: order, number formats, the statistic columns.
// ---------------------------------------------------------------------------------------------

/** The features worst first: by severity descending, then by name, so equal severities keep a stable order. */
export function sortWorstFirst(features: readonly FeatureReport[]): FeatureReport[] {
  return [...features].sort((a, b) => severityOf(b) - severityOf(a) || compareCodePoints(a.name, b.name));
}

function severityOf(feature: FeatureReport): number {
  // A NaN severity would make the comparator inconsistent; treat it as "no evidence".
  return Number.isFinite(feature.severity) ? feature.severity : 0;
}

// Code-point order rather than localeCompare: the same order on every machine and locale.
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A number with 4 significant digits and no trailing zeros: 0.028, 210.8, 12350, 3.142e-9.
 * Values below 0.001 switch to exponent form, where leading zeros would hide the digits that matter.
 */
export function formatNumber(value: number | undefined, significant = 4): string {
  if (value === undefined) return '-';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(significant)));
  return exponentForm(value, significant);
}

/** A p-value: like {@link formatNumber}, but two significant digits once it is tiny (3.1e-9). */
export function formatPValue(value: number | undefined): string {
  if (value !== undefined && value > 0 && value < 1e-3) return exponentForm(value, 2);
  return formatNumber(value);
}

function exponentForm(value: number, significant: number): string {
  const [mantissa = '', exponent = ''] = value.toExponential(significant - 1).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmed}e${exponent.replace('+', '')}`;
}

/** A row count with thousands separators (20,000), the same on every locale. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value);
}

/** A share (0..1) as a percentage with up to 3 significant digits: 12.3%, 0.05%. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return String(share);
  return `${formatNumber(share * 100, 3)}%`;
}

/** A statistic's value when it is a distance (a plain number), else undefined. */
export function distanceStat(feature: FeatureReport, name: string): number | undefined {
  const value = feature.stats[name];
  return typeof value === 'number' ? value : undefined;
}

/** A statistic's value when it is a test (`{statistic, pvalue}`), else undefined. */
export function testStat(feature: FeatureReport, name: string): TestResult | undefined {
  const value = feature.stats[name];
  return typeof value === 'object' && value !== null ? value : undefined;
}

/**
 * The feature's hypothesis test, the one its decision used: KS for numeric features, the
 * per-category shift test for categorical ones. Reports without a `decision` fall back to the
 * KS or chi-square statistic they carry.
 */
export function mainTest(feature: FeatureReport): { name: 'ks' | 'chi2' | 'category_shift'; result: TestResult } | undefined {
  const decided = feature.decision?.test;
  if (decided && Number.isFinite(decided.pvalue))
    return { name: decided.name as 'ks' | 'category_shift', result: { statistic: decided.statistic, pvalue: decided.pvalue } };
  const ks = testStat(feature, 'ks');
  if (ks) return { name: 'ks', result: ks };
  const chi2 = testStat(feature, 'chi2');
  return chi2 ? { name: 'chi2', result: chi2 } : undefined;
}

/** How the tables name each test. */
export const TEST_LABEL = { ks: 'ks', chi2: 'chi2', category_shift: 'shift' } as const;

/** One statistic column of the feature tables, shared by both renderers so they show the same numbers. */
export interface StatColumn {
  header: string;
  /** What the column holds, for a tooltip or a legend. */
  title: string;
  cell(feature: FeatureReport): string;
}

/**
 * The main statistics, in one table for both kinds: numeric features fill psi, js, ks D and p,
 * w_norm; categorical ones fill psi, js, chi2 and p, linf. Absent values show as "-".
 */
export const STAT_COLUMNS: readonly StatColumn[] = [
  {
    header: 'psi',
    title: 'population stability index',
    cell: (f) => formatNumber(distanceStat(f, 'psi')),
  },
  {
    header: 'js',
    title: 'Jensen-Shannon distance (base 2, 0..1)',
    cell: (f) => formatNumber(distanceStat(f, 'jensen_shannon')),
  },
  {
    header: 'test',
    title: "Kolmogorov-Smirnov D (numeric) or the largest credible change of a category's share (categorical)",
    cell: (f) => {
      const test = mainTest(f);
      return test ? `${TEST_LABEL[test.name]} ${formatNumber(test.result.statistic)}` : '-';
    },
  },
  {
    header: 'p',
    title: "p-value of the feature's test",
    cell: (f) => formatPValue(mainTest(f)?.result.pvalue),
  },
  {
    header: 'w_norm',
    title: 'Wasserstein distance / baseline std (numeric)',
    cell: (f) => formatNumber(distanceStat(f, 'wasserstein_norm')),
  },
  {
    header: 'linf',
    title: 'largest share difference over the categories (categorical)',
    cell: (f) => formatNumber(distanceStat(f, 'linf')),
  },
];

/** "name v3 (file.csv)": the baseline as people know it. */
export function describeBaseline(baseline: CheckReport['baseline']): string {
  const version = baseline.version ? ` ${baseline.version}` : '';
  const source = baseline.source ? ` (${baseline.source})` : '';
  return `${baseline.name}${version}${source}`;
}

/** The number of schema findings: missing and unexpected columns plus anomalies. */
export function countSchemaFindings(schema: SchemaFindings): number {
  return schema.missing.length + schema.unexpected.length + schema.anomalies.length;
}

// ---------------------------------------------------------------------------------------------
// Terminal text: safe characters, display widths, colours.
// ---------------------------------------------------------------------------------------------

// Control characters (an ESC from the data could recolour or clear the terminal) and the bidi
// overrides that can make text display in an order other than the one it has.
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** Text from the data made safe to print: control and bidi-override characters become visible escapes. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\t') return '\\t';
    return `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`;
  });
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}/u;
// East Asian Wide and Fullwidth blocks (Unicode UAX #11), the ones a feature name may plausibly hold.
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

/** How many terminal columns a text takes: combining marks take none, CJK and emoji take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

function graphemeWidth(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (EMOJI.test(grapheme)) return 2;
  const codePoint = grapheme.codePointAt(0) ?? 0;
  return WIDE_RANGES.some(([low, high]) => codePoint >= low && codePoint <= high) ? 2 : 1;
}

/** Cuts a text to at most `width` columns, ending with "…" when something was cut; never splits a grapheme. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = graphemeWidth(segment);
    if (used + next > width - 1) break;
    kept += segment;
    used += next;
  }
  return `${kept}…`;
}

type Paint = (text: string) => string;

interface Style {
  red: Paint;
  green: Paint;
  yellow: Paint;
  bold: Paint;
  dim: Paint;
}

function styleFor(color: boolean): Style {
  const sgr = (code: string): Paint => (color ? (text) => `\u001b[${code}m${text}\u001b[0m` : (text) => text);
  return { red: sgr('1;31'), green: sgr('32'), yellow: sgr('33'), bold: sgr('1'), dim: sgr('2') };
}

interface Column {
  header: string;
  align: 'left' | 'right';
}

interface Cell {
  text: string;
  paint?: Paint;
}

const COLUMN_GAP = '  ';
/** Long feature names are cut so that one name cannot push the numbers off the screen. */
const MAX_NAME_WIDTH = 40;

/**
 * Aligns cells into columns by display width. Colour is applied after padding, because escape
 * codes take bytes but no columns. The last column is not padded, so lines carry no trailing blanks.
 */
function tableLines(columns: readonly Column[], rows: readonly Cell[][], style: Style, indent = ''): string[] {
  const widths = columns.map((column, i) => Math.max(displayWidth(column.header), ...rows.map((row) => displayWidth(row[i]?.text ?? ''))));
  const line = (cells: readonly Cell[]): string =>
    indent +
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const gap = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell.text)));
        const padded = columns[i]?.align === 'right' ? gap + cell.text : last ? cell.text : cell.text + gap;
        return cell.paint ? cell.paint(padded) : padded;
      })
      .join(COLUMN_GAP)
      .trimEnd();
  const header = line(columns.map((column) => ({ text: column.header, paint: style.bold })));
  const rule = indent + widths.map((width) => '-'.repeat(width)).join(COLUMN_GAP);
  return [header, rule, ...rows.map(line)];
}

// ---------------------------------------------------------------------------------------------
// The sections of the text report.
// ---------------------------------------------------------------------------------------------

function checkReportLines(report: CheckReport, style: Style): string[] {
  const drifted = report.features.filter((f) => f.drift).length;
  const verdict = report.drift ? style.red('DRIFT') : style.green('no drift');
  return [
    `${style.bold('driftwatch check')}: ${verdict} (${drifted} of ${report.features.length} features drifted)`,
    `baseline   ${terminalSafe(describeBaseline(report.baseline))}, ${formatCount(report.baseline.rows)} rows`,
    `current    ${currentLabel(report.current)}${formatCount(report.current.rows)} rows`,
    `generated  ${terminalSafe(report.generatedAt)}`,
    '',
    ...featureTableLines(report.features, style),
    '',
    ...schemaLines(report.schema, style),
    '',
    ...decisionLines(report, style),
  ];
}

function currentLabel(current: CheckReport['current']): string {
  return current.name ? `${terminalSafe(current.name)}, ` : '';
}

const FEATURE_COLUMNS: readonly Column[] = [
  { header: 'feature', align: 'left' },
  { header: 'kind', align: 'left' },
  { header: 'drift', align: 'left' },
  ...STAT_COLUMNS.map((column): Column => ({ header: column.header, align: 'right' })),
  { header: 'reason', align: 'left' },
];

function featureTableLines(features: readonly FeatureReport[], style: Style, indent = ''): string[] {
  if (features.length === 0) return [`${indent}(no features were checked)`];
  const rows = sortWorstFirst(features).map((feature): Cell[] => [
    { text: truncateToWidth(terminalSafe(feature.name), MAX_NAME_WIDTH), paint: feature.drift ? style.red : undefined },
    { text: feature.kind },
    feature.drift ? { text: 'yes', paint: style.red } : { text: 'no' },
    ...STAT_COLUMNS.map((column): Cell => ({ text: column.cell(feature) })),
    { text: terminalSafe(feature.reasons[0] ?? ''), paint: feature.drift ? undefined : style.dim },
  ]);
  return tableLines(FEATURE_COLUMNS, rows, style, indent);
}

function schemaLines(schema: SchemaFindings, style: Style, indent = ''): string[] {
  if (countSchemaFindings(schema) === 0) return [`${indent}${style.bold('schema')}: no findings`];
  const list = (names: readonly string[]): string => names.map(terminalSafe).join(', ');
  const lines = [`${indent}${style.bold('schema')}:`];
  if (schema.missing.length > 0) lines.push(`${indent}  missing     ${style.yellow(list(schema.missing))}`);
  if (schema.unexpected.length > 0) lines.push(`${indent}  unexpected  ${list(schema.unexpected)}`);
  for (const anomaly of schema.anomalies) {
    const where = `${terminalSafe(anomaly.feature)} [${anomaly.kind}]`;
    lines.push(`${indent}  ${style.yellow('!')} ${where}: ${terminalSafe(anomaly.message)}`);
  }
  return lines;
}

function decisionLines(report: CheckReport | WindowedReport, style: Style): string[] {
  const rule = report.decision;
  return [`${style.bold('decision')}: ${terminalSafe(rule.name)}: ${terminalSafe(rule.description)}`];
}

const WINDOW_COLUMNS: readonly Column[] = [
  { header: 'window', align: 'left' },
  { header: 'rows', align: 'right' },
  { header: 'drift', align: 'left' },
  { header: 'drifted features', align: 'left' },
];

function windowedReportLines(report: WindowedReport, style: Style): string[] {
  const driftedWindows = report.windows.filter((w) => w.drift);
  const verdict = report.drift ? style.red('DRIFT') : style.green('no drift');
  const every = report.every ? ` every ${terminalSafe(report.every)}` : '';
  const lines = [
    `${style.bold('driftwatch check')}: ${verdict} (${driftedWindows.length} of ${report.windows.length} windows drifted)`,
    `baseline   ${terminalSafe(describeBaseline(report.baseline))}, ${formatCount(report.baseline.rows)} rows`,
    `current    ${currentLabel(report.current)}${formatCount(report.current.rows)} rows, by ${terminalSafe(report.by)}${every}`,
    `generated  ${terminalSafe(report.generatedAt)}`,
    '',
    ...windowTableLines(report.windows, style),
  ];
  for (const window of driftedWindows) lines.push('', ...driftedWindowLines(window, style));
  lines.push('', ...decisionLines(report, style));
  return lines;
}

function windowTableLines(windows: readonly WindowReport[], style: Style): string[] {
  if (windows.length === 0) return ['(no windows)'];
  const rows = windows.map((window): Cell[] => {
    const drifted = sortWorstFirst(window.features.filter((f) => f.drift)).map((f) => terminalSafe(f.name));
    return [
      { text: terminalSafe(window.window) },
      { text: formatCount(window.rows) },
      window.drift ? { text: 'yes', paint: style.red } : { text: 'no' },
      { text: drifted.join(', ') },
    ];
  });
  return tableLines(WINDOW_COLUMNS, rows, style);
}

function driftedWindowLines(window: WindowReport, style: Style): string[] {
  const title = `${style.bold(`window ${terminalSafe(window.window)}`)}: ${style.red('DRIFT')}, ${formatCount(window.rows)} rows`;
  const lines = [title, ...featureTableLines(window.features, style, '  ')];
  if (countSchemaFindings(window.schema) > 0) lines.push(...schemaLines(window.schema, style, '  '));
  return lines;
}
