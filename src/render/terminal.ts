/**
 * Plain text for terminals and text emails: text from the data made safe to print, display widths
 * (CJK and emoji take two columns, combining marks none) and the one table aligner of the check
 * report, the alert email and the digest.
 */

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

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The graphemes of a text (what a reader counts as characters: "e" plus a combining accent is one). */
export function graphemes(text: string): string[] {
  return [...segmenter.segment(text)].map((s) => s.segment);
}

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
  for (const grapheme of graphemes(text)) width += graphemeWidth(grapheme);
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
  for (const grapheme of graphemes(text)) {
    const next = graphemeWidth(grapheme);
    if (used + next > width - 1) break;
    kept += grapheme;
    used += next;
  }
  return `${kept}…`;
}

/** Wraps a padded cell in colour (ANSI escapes), or returns it as it is. */
export type Paint = (text: string) => string;

/** A column of {@link alignTable}: names and words go left, numbers right. */
export interface TableColumn {
  header: string;
  align: 'left' | 'right';
}

/** A cell: its text, and the colour to paint it in once padded. */
export interface TableCell {
  text: string;
  paint?: Paint | undefined;
}

/** Options of {@link alignTable}. */
export interface TableOptions {
  /** Put before every line ("  " in emails, where tables sit under a heading). */
  indent?: string;
  /** Print the header line (default true); a table of label and value needs none. */
  header?: boolean;
  /** Paint for the header cells (bold in a terminal). */
  headerPaint?: Paint;
  /** A line of dashes under the header, as the terminal report has. */
  rule?: boolean;
}

const COLUMN_GAP = '  ';

/**
 * Aligns cells into columns by display width, so CJK names line up. Colour is applied after
 * padding, because escape codes take bytes but no columns. A left-aligned last column is not
 * padded, and lines are trimmed, so lines carry no trailing blanks.
 * @example alignTable([{ header: 'feature', align: 'left' }, { header: 'psi', align: 'right' }], [['amount', '0.31']], { indent: '  ' })
 */
export function alignTable(
  columns: readonly TableColumn[],
  rows: readonly (readonly (TableCell | string)[])[],
  options: TableOptions = {},
): string[] {
  const { indent = '', header = true, headerPaint, rule = false } = options;
  const cells = rows.map((row) => row.map((cell): TableCell => (typeof cell === 'string' ? { text: cell } : cell)));
  const widths = columns.map((column, i) =>
    Math.max(header ? displayWidth(column.header) : 0, ...cells.map((row) => displayWidth(row[i]?.text ?? ''))),
  );
  const line = (row: readonly TableCell[]): string =>
    indent +
    row
      .map((cell, i) => {
        const last = i === row.length - 1;
        const gap = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell.text)));
        const padded = columns[i]?.align === 'right' ? gap + cell.text : last ? cell.text : cell.text + gap;
        return cell.paint ? cell.paint(padded) : padded;
      })
      .join(COLUMN_GAP)
      .trimEnd();
  const lines: string[] = [];
  if (header) lines.push(line(columns.map((column) => ({ text: column.header, paint: headerPaint }))));
  if (header && rule) lines.push(indent + widths.map((width) => '-'.repeat(width)).join(COLUMN_GAP));
  lines.push(...cells.map(line));
  return lines;
}
