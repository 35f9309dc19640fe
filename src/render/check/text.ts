import type {
  CheckReport,
  FeatureReport,
  EstimatedPerformance,
  LabelsReport,
  PredictionReport,
  SchemaFindings,
  WindowedReport,
  WindowReport,
} from '../../contracts/report.js';
import { isWindowedReport } from '../../contracts/report.js';
import { formatCount, formatShare } from '../format.js';
import { type Paint, type TableCell, type TableColumn, alignTable, terminalSafe, truncateToWidth } from '../terminal.js';
import {
  STAT_COLUMNS,
  countSchemaFindings,
  describeBaseline,
  estimatedView,
  labelsView,
  predictionKindText,
  predictionVerdict,
  sortWorstFirst,
} from '../view.js';

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

/** Long feature names are cut so that one name cannot push the numbers off the screen. */
const MAX_NAME_WIDTH = 40;

function tableLines(columns: readonly TableColumn[], rows: readonly TableCell[][], style: Style, indent = ''): string[] {
  return alignTable(columns, rows, { indent, headerPaint: style.bold, rule: true });
}

// ---------------------------------------------------------------------------------------------
// The sections of the text report.
// ---------------------------------------------------------------------------------------------

function checkReportLines(report: CheckReport, style: Style): string[] {
  const drifted = report.features.filter((f) => f.drift).length;
  const verdict = report.drift ? style.red('DRIFT') : style.green('no drift');
  return [
    `${style.bold('driftwatch check')}: ${verdict} (${drifted} of ${report.features.length} features drifted${report.prediction ? `; prediction: ${predictionVerdict(report.prediction)}` : ''})`,
    `baseline   ${terminalSafe(describeBaseline(report.baseline))}, ${formatCount(report.baseline.rows)} rows`,
    `current    ${currentLabel(report.current)}${formatCount(report.current.rows)} rows`,
    `generated  ${terminalSafe(report.generatedAt)}`,
    '',
    ...featureTableLines(report.features, style),
    '',
    ...schemaLines(report.schema, style),
    '',
    ...(report.prediction ? [...predictionLines(report.prediction, style), ''] : []),
    ...(report.labels ? [...labelLines(report.labels, style), ''] : []),
    ...(report.estimatedPerformance ? [...estimatedLines(report.estimatedPerformance, style), ''] : []),
    ...decisionLines(report, style),
  ];
}

/** The model's output apart from the features: its verdict, then its outputs' table (or why it was not compared). */
function predictionLines(prediction: PredictionReport, style: Style, indent = ''): string[] {
  const verdict = predictionVerdict(prediction);
  const painted = prediction.drift ? style.red(verdict.toUpperCase()) : prediction.status === 'absent' ? style.yellow(verdict) : verdict;
  const from = prediction.source === 'events' ? 'the events' : 'the current data';
  const lines = [
    `${indent}${style.bold('prediction')} ${terminalSafe(prediction.column)} (${predictionKindText(prediction)}, from ${from}): ${painted}`,
  ];
  if (prediction.status === 'absent') return [...lines, `${indent}  ${terminalSafe(prediction.message ?? '')}`];
  lines.push(...featureTableLines(prediction.outputs, style, indent));
  for (const a of prediction.anomalies) lines.push(`${indent}  ${style.yellow('!')} [${a.kind}] ${terminalSafe(a.message)}`);
  return lines;
}

/** The label coverage of the compared predictions, and their realized performance when there is one. */
function labelLines(labels: LabelsReport, style: Style): string[] {
  const view = labelsView(labels);
  const lines = [`${style.bold('labels')}: ${terminalSafe(view.sentence)}`];
  if (view.performance) lines.push(`  performance (${terminalSafe(view.performance)}):`);
  for (const m of view.metrics) {
    const against = m.baseline ? ` baseline ${m.baseline}` : '';
    const verdict = m.verdict === 'DROPPED' ? ` ${style.red(m.verdict)}` : m.verdict ? ` ${m.verdict}` : '';
    lines.push(`    ${terminalSafe(m.name).padEnd(18)} ${terminalSafe(m.value)} ${m.interval}${against}${verdict}`.trimEnd());
  }
  if (view.decision) lines.push(`  decision: ${view.dropped ? style.red(terminalSafe(view.decision)) : terminalSafe(view.decision)}`);
  return lines;
}

/** The performance estimated from the scores (CBPE), beside the realized value when labelled. */
function estimatedLines(estimated: EstimatedPerformance, style: Style): string[] {
  const view = estimatedView(estimated);
  const lines = [`${style.bold('estimated performance')}: ${view.sentence}`];
  for (const m of view.metrics) {
    const realized = m.realized ? ` realized ${m.realized}` : '';
    lines.push(`    ${m.name.padEnd(18)} ${m.estimate} ${m.band}${realized}`.trimEnd());
  }
  return lines;
}

function currentLabel(current: CheckReport['current']): string {
  return current.name ? `${terminalSafe(current.name)}, ` : '';
}

const FEATURE_COLUMNS: readonly TableColumn[] = [
  { header: 'feature', align: 'left' },
  { header: 'kind', align: 'left' },
  { header: 'drift', align: 'left' },
  ...STAT_COLUMNS.map((column): TableColumn => ({ header: column.header, align: 'right' })),
  { header: 'reason', align: 'left' },
];

function featureTableLines(features: readonly FeatureReport[], style: Style, indent = ''): string[] {
  if (features.length === 0) return [`${indent}(no features were checked)`];
  const rows = sortWorstFirst(features).map((feature): TableCell[] => [
    { text: truncateToWidth(terminalSafe(feature.name), MAX_NAME_WIDTH), paint: feature.drift ? style.red : undefined },
    { text: feature.kind },
    feature.drift ? { text: 'yes', paint: style.red } : { text: 'no' },
    ...STAT_COLUMNS.map((column): TableCell => ({ text: column.cell(feature) })),
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
    if (anomaly.alerting === false) {
      const below = `(below the ${formatShare(anomaly.minShare ?? 0)} that alerts)`;
      lines.push(`${indent}  ${style.dim('-')} ${where}: ${terminalSafe(anomaly.message)} ${style.dim(below)}`);
    } else lines.push(`${indent}  ${style.yellow('!')} ${where}: ${terminalSafe(anomaly.message)}`);
  }
  return lines;
}

function decisionLines(report: CheckReport | WindowedReport, style: Style): string[] {
  const rule = report.decision;
  return [`${style.bold('decision')}: ${terminalSafe(rule.name)}: ${terminalSafe(rule.description)}`];
}

const WINDOW_COLUMNS: readonly TableColumn[] = [
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
  const rows = windows.map((window): TableCell[] => {
    const drifted = sortWorstFirst(window.features.filter((f) => f.drift)).map((f) => terminalSafe(f.name));
    if (window.prediction?.drift) drifted.push(`prediction ${terminalSafe(window.prediction.column)}`);
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
  if (window.prediction?.drift) lines.push(...predictionLines(window.prediction, style, '  '));
  return lines;
}
