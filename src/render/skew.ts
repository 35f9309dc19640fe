import type { SkewFeature, SkewReport, SkewSide } from '../contracts/skew.js';
import { formatCount, formatNumber, formatShare } from './format.js';
import { type Paint, alignTable, terminalSafe, truncateToWidth } from './terminal.js';

/** The output formats of `driftwatch skew --format`. */
export const SKEW_FORMATS = ['text', 'json'] as const;
export type SkewFormat = (typeof SKEW_FORMATS)[number];

/** Long values and names are cut so that one cell cannot push the table off the screen. */
const MAX_CELL_WIDTH = 40;

/**
 * Renders a skew report: JSON as it is (the contract of src/contracts/skew.ts), or a terminal text
 * report: the join's counts, one line per feature worst first, then for each skewed feature its most
 * frequent (training -> serving) pairs and sample ids.
 * @example process.stdout.write(renderSkew(report, 'text', { color: process.stdout.isTTY }));
 */
export function renderSkew(report: SkewReport, format: SkewFormat, options: { color?: boolean } = {}): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const paint = (code: string): Paint => (options.color ? (text) => `\u001b[${code}m${text}\u001b[0m` : (text) => text);
  const red = paint('1;31');
  const green = paint('32');
  const bold = paint('1');
  const cell = (text: string) => truncateToWidth(terminalSafe(text), MAX_CELL_WIDTH);
  const value = (v: string | null) => (v === null ? '(null)' : cell(v));
  const skewed = report.features.filter((f) => f.skew).length;
  const verdict = report.skew ? red('SKEW') : green('no skew');
  const lines = [
    `${bold('driftwatch skew')}: ${verdict} (${skewed} of ${report.features.length} features differ on more than ${formatShare(report.failOnSkew)} of the ids)`,
    `training   ${terminalSafe(report.training.file)}, ${formatCount(report.training.rows)} rows`,
    `serving    ${terminalSafe(report.serving.file)}, ${formatCount(report.serving.rows)} rows`,
    `joined     ${ids(report.joined)} by ${terminalSafe(report.id)}, found once on each side${
      report.idTypes.training === report.idTypes.serving ? '' : ` (as text: ${report.idTypes.training} and ${report.idTypes.serving})`
    }`,
    `only in    training ${idCount(report.training.only)}; serving ${idCount(report.serving.only)}`,
    `duplicated training ${duplicates(report.training)}; serving ${duplicates(report.serving)} (left out)`,
    ...(report.training.nullIds + report.serving.nullIds > 0
      ? [`null ids   training ${formatCount(report.training.nullIds)} rows; serving ${formatCount(report.serving.nullIds)} rows (left out)`]
      : []),
    ...(report.training.unmatchedColumns.length + report.serving.unmatchedColumns.length > 0
      ? [`one side   columns only in training: ${unmatched(report.training)}; only in serving: ${unmatched(report.serving)} (not compared)`]
      : []),
    `tolerance  numbers are equal when |training - serving| <= ${formatNumber(report.tolerance)} x max(1, |training|, |serving|); text must match exactly`,
    '',
  ];
  const ordered = [...report.features].sort((a, b) => b.share - a.share || a.name.localeCompare(b.name));
  lines.push(
    ...alignTable(
      [
        { header: 'feature', align: 'left' },
        { header: 'compared as', align: 'left' },
        { header: 'compared', align: 'right' },
        { header: 'differing', align: 'right' },
        { header: 'share', align: 'right' },
        { header: 'null only in t/s', align: 'right' },
        { header: 'max |diff|', align: 'right' },
      ],
      ordered.map((f) => [
        { text: cell(f.name), paint: f.skew ? red : undefined },
        f.comparison,
        formatCount(f.compared),
        formatCount(f.differing),
        { text: formatShare(f.share), paint: f.skew ? red : undefined },
        `${formatCount(f.nullOnlyIn.training)}/${formatCount(f.nullOnlyIn.serving)}`,
        f.maxAbsDifference === undefined || f.maxAbsDifference === null ? '-' : formatNumber(f.maxAbsDifference),
      ]),
      { headerPaint: bold, rule: true },
    ),
  );
  for (const feature of ordered.filter((f) => f.differing > 0)) lines.push('', ...featureDetail(feature, value, bold));
  lines.push('', `generated  ${terminalSafe(report.generatedAt)}`);
  return `${lines.join('\n')}\n`;
}

const ids = (n: number) => `${formatCount(n)} ${n === 1 ? 'id' : 'ids'}`;

function idCount(only: SkewSide['only']): string {
  const shown = only.examples.length > 0 ? ` (e.g. ${only.examples.map((id) => terminalSafe(id)).join(', ')})` : '';
  return `${ids(only.count)}${shown}`;
}

function duplicates(side: SkewSide): string {
  const d = side.duplicateIds;
  if (d.count === 0) return ids(0);
  return `${ids(d.count)} on ${formatCount(d.rows)} rows (e.g. ${d.examples.map((id) => terminalSafe(id)).join(', ')})`;
}

function unmatched(side: SkewSide): string {
  return side.unmatchedColumns.length === 0 ? 'none' : side.unmatchedColumns.map((c) => terminalSafe(c)).join(', ');
}

function featureDetail(feature: SkewFeature, value: (v: string | null) => string, bold: Paint): string[] {
  const lines: string[] = [];
  if (feature.topPairs && feature.topPairs.length > 0) {
    lines.push(`${bold(terminalSafe(feature.name))}: most frequent (training -> serving) pairs`);
    lines.push(
      ...alignTable(
        [
          { header: 'training', align: 'left' },
          { header: '', align: 'left' },
          { header: 'serving', align: 'left' },
          { header: 'ids', align: 'right' },
        ],
        feature.topPairs.map((p) => [value(p.training), '->', value(p.serving), formatCount(p.count)]),
        { indent: '  ' },
      ),
    );
  }
  lines.push(`${bold(terminalSafe(feature.name))}: sample ids that differ`);
  lines.push(
    ...alignTable(
      [
        { header: 'id', align: 'left' },
        { header: 'training', align: 'left' },
        { header: 'serving', align: 'left' },
      ],
      feature.samples.map((s) => [value(s.id), value(s.training), value(s.serving)]),
      { indent: '  ' },
    ),
  );
  return lines;
}
