import type { CheckReport, WindowedReport } from '../../contracts/report.js';
import { renderHtml } from './html.js';
import { renderText, type TextOptions } from './text.js';

export { renderHtml } from './html.js';
export { renderText, type TextOptions } from './text.js';

/** The output formats of `driftwatch check --format`. */
export const REPORT_FORMATS = ['json', 'text', 'html'] as const;

/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Options of {@link renderReport}; formats ignore the options they have no use for. */
export type RenderOptions = TextOptions;

type Renderer = (report: CheckReport | WindowedReport, options: RenderOptions) => string;

// One table from format to renderer, so adding a format is one line here and one in REPORT_FORMATS.
const RENDERERS: Readonly<Record<ReportFormat, Renderer>> = {
  // The JSON is the contract of DESIGN.md ("Check report"): the report as it is, nothing renamed.
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  text: (report, options) => renderText(report, options),
  html: (report) => renderHtml(report),
};

/** True when `format` names a known report format. */
export function isReportFormat(format: string): format is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(format);
}

/**
 * Renders a report in one of the known formats.
 * @throws Error naming the known formats when `format` is not one of them.
 * @example process.stdout.write(renderReport(report, opts.format, { color: process.stdout.isTTY }));
 */
export function renderReport(report: CheckReport | WindowedReport, format: string, options: RenderOptions = {}): string {
  if (!isReportFormat(format)) {
    throw new Error(`unknown format '${format}'; known: ${REPORT_FORMATS.join(', ')}`);
  }
  return RENDERERS[format](report, options);
}
