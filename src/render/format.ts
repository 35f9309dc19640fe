/**
 * How every report, page, email and chat message writes numbers and times, so that one value
 * reads the same wherever it is shown. (The decision's sentences have their own, stable formats:
 * `src/stats/wording.ts`.)
 */

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

/** "2024-05-01 11:00": an ISO time to the minute, in UTC. Unreadable times are shown as given. */
export function formatMinute(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** "2024-05-01 11:00 UTC": an ISO time as people read it in a message. Unreadable times are shown as given. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${formatMinute(iso)} UTC`;
}

/** "2024-05-01 10:00 – 11:00 UTC"; the date is not repeated when both ends share it. Unreadable times are shown as given. */
export function formatWindow(start: string, end: string): string {
  const a = new Date(start);
  const b = new Date(end);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return `${start} – ${end}`;
  const withSeconds = a.getUTCSeconds() !== 0 || b.getUTCSeconds() !== 0;
  const time = (d: Date) => d.toISOString().slice(11, withSeconds ? 19 : 16);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const endText = day(a) === day(b) ? time(b) : `${day(b)} ${time(b)}`;
  return `${day(a)} ${time(a)} – ${endText} UTC`;
}

/** What a text cut to a service's field limit ends with, so a reader sees that something is missing. */
export const TRUNCATION_MARKER = '…';

/**
 * Cuts a text to at most `max` UTF-16 code units (JavaScript's `length`, never fewer characters
 * than a service counting code points sees), ending with {@link TRUNCATION_MARKER} when something
 * was cut. A surrogate pair is never split, so the result is valid UTF-16 for JSON.
 * @example truncateText('a long summary', 6) // 'a lon…'
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - TRUNCATION_MARKER.length);
  // Do not keep half of a surrogate pair (an emoji, say): drop its high half too.
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${TRUNCATION_MARKER}`;
}
